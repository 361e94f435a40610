// The cluster page: polls /cluster.json on the member that served it (never another origin) and redraws.
// Everything printed goes through textContent, never innerHTML, so a member name or URL is text, not markup.
"use strict";

const REFRESH_MS = 2000;
const FETCH_TIMEOUT_MS = 8000;
let lastGood = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function time(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function ago(ms) {
  if (ms < 0) return "never";
  if (ms < 1000) return ms + " ms ago";
  return (ms / 1000).toFixed(1) + " s ago";
}

function replaceChildren(parent, children) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  for (const c of children) parent.appendChild(c);
}

function memberRow(m) {
  const tr = el("tr");
  tr.dataset.id = m.id;
  tr.dataset.name = m.name;
  tr.dataset.role = m.role;
  tr.dataset.health = m.health;
  if (m.self) tr.className = "self";
  const reached = m.reachable;
  const cells = [
    [m.name], [m.id], [m.role], [m.health],
    [reached ? m.term : "", "num"],
    [reached ? (m.leaderName || "none") : ""],
    [reached ? m.commitIndex : "", "num"],
    [reached ? m.appliedIndex : "", "num"],
    [reached && m.lag >= 0 ? m.lag : "", "num"],
    [m.self ? "this member" : ago(m.lastContactMs)],
    [m.learner ? "learner" : "voter"],
    [m.alarms.length ? m.alarms.join("; ") : "none"],
    [m.peerLink || (m.self ? "" : "n/a")],
    [m.clientUrls.join(", ")],
    [m.peerUrls.join(", ")],
  ];
  for (const [text, cls] of cells) tr.appendChild(el("td", text, cls));
  if (!reached) tr.title = m.error;
  return tr;
}

function render(v) {
  document.getElementById("served-by").textContent = "as seen by " + v.servedByName + " (" + v.servedBy + ")"
    + (v.clusterId ? ", cluster " + v.clusterId : "");
  const leader = document.getElementById("leader");
  if (v.leader) {
    leader.textContent = "Leader: " + v.leaderName + " (term " + v.leaderTerm + ")";
    leader.className = "leader known";
  } else {
    leader.textContent = "No leader known";
    leader.className = "leader unknown";
  }
  document.body.dataset.leader = v.leaderName || "";
  replaceChildren(document.getElementById("warnings"), v.warnings.map(w => el("li", w)));
  replaceChildren(document.getElementById("unreachable"), v.unreachable.map(u =>
    el("li", "Could not reach " + u.name + " (" + u.id + "): " + u.error)));
  replaceChildren(document.querySelector("#members tbody"), v.members.map(memberRow));
  replaceChildren(document.querySelector("#history tbody"), v.history.slice().reverse().map(h => {
    const tr = el("tr");
    for (const t of [time(h.at), h.seenBy, h.term, h.leader]) tr.appendChild(el("td", t));
    return tr;
  }));
}

async function refresh() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  try {
    const r = await fetch("/cluster.json", { cache: "no-store", signal: abort.signal });
    if (!r.ok) throw new Error("HTTP " + r.status);
    const v = await r.json();
    render(v);
    lastGood = Date.now();
    document.body.dataset.state = "live";
    document.getElementById("freshness").textContent = "updated " + time(v.at) + ", every "
      + REFRESH_MS / 1000 + " s";
  } catch (e) {
    // The member that served the page is gone or stuck: keep its last view, and say how old it is.
    document.body.dataset.state = "stale";
    document.getElementById("freshness").textContent = "this member does not answer (" + e.message + ")"
      + (lastGood ? "; what is shown is from " + time(lastGood) : "");
  } finally {
    clearTimeout(timer);
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
