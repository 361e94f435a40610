#!/usr/bin/env bash
# Applies each safety mutation in turn to a scratch copy of the repository and runs the tests meant to catch it:
# raft-core's (the scenario scripts and the simulation's seeds), or named tests of the member. Every mutation must
# be caught: the script prints, for each, the tests that failed, and exits non-zero if any mutation survived.
#
#   scripts/safety-mutations.sh                 # all mutations, 2,000 seeds each (one to three minutes each)
#   scripts/safety-mutations.sh lease-bound     # one mutation by name
#   KEEL_MUTATION_SEEDS=10000 scripts/safety-mutations.sh
#   scripts/safety-mutations.sh --check         # only that every mutation's text is still found once (seconds)
#
# Each mutation is one exact text replacement in one file; if the text is not found (the code moved), the script
# says so and fails, so the list cannot silently go stale.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
seeds=${KEEL_MUTATION_SEEDS:-2000}
only=${1:-}

core=raft-core/src/main/java/io/keel/raft
NAMES=(); FILES=(); TEXTS=(); REPLACEMENTS=(); RULES=(); TESTS=()
# mutation NAME FILE TEXT REPLACEMENT RULE [TESTS]: TEXT must occur exactly once in FILE. TESTS: the Maven
# arguments that run the tests meant to catch it (default: all of raft-core's tests, the simulation included).
mutation() { NAMES+=("$1"); FILES+=("$2"); TEXTS+=("$3"); REPLACEMENTS+=("$4"); RULES+=("$5"); TESTS+=("${6:--pl raft-core}"); }
member=server/src/main/java/io/keel/server
serverTests() { echo "-pl server -am -Dsurefire.failIfNoSpecifiedTests=false -Dtest=$1"; }

mutation timer-guard "$core/RaftNode.java" \
  '            if (withinLeaderLease()) {' '            if (false) {' \
  "a follower's election timer obeys the lease guard (issue 10 A)"
mutation commit-carried "$core/RaftNode.java" \
  'if (termOrVoteChanged() || !entries.isEmpty() || snapshot != null) {' 'if (termOrVoteChanged()) {' \
  "every write carries the newest commit index (issue 10 C)"
mutation vote-needs-membership "$core/RaftNode.java" \
  '        if (!tracker.configuration().members().contains(id)) {' '        if (false) {' \
  "a member outside its configuration grants no vote (issue 10 B)"
mutation lease-bound "$core/RaftConfig.java" \
  '(1.0 - maxClockDrift)' '(1.0 + maxClockDrift)' \
  "the lease is shorter than the guard by the drift bound (thesis 6.4.1)"
mutation commit-own-term "$core/log/RaftLog.java" \
  'term(index) == currentTerm' 'term(index) <= currentTerm' \
  "a leader commits by counting only entries of its own term (thesis Figure 3.7)"
mutation vote-guard "$core/TermRules.java" \
  'if (voteRequest && withinLeaderLease && !m.getTransfer()) {' 'if (false) {' \
  "votes refused within the leader lease (thesis 4.2.3, 6.4.1)"
mutation ack-after-persist "$core/RaftNode.java" \
  'outbox.sendAfterPersist(reply(m, MessageType.MSG_APPEND_RESPONSE)
                    .setIndex(lastNew)' 'send(reply(m, MessageType.MSG_APPEND_RESPONSE)
                    .setIndex(lastNew)' \
  "a follower acknowledges entries only once they are durable (thesis 3.8)"
mutation vote-after-persist "$core/RaftNode.java" \
  '                outbox.sendAfterPersist(grant);' '                send(grant);' \
  "a vote is sent only once it is durable (thesis 3.8)"
mutation lease-needs-own-commit "$core/ReadPath.java" \
  'leaseEligible() && committedInCurrentTerm()) {' 'leaseEligible()) {' \
  "a lease is taken only once an entry of the leader's term is committed (thesis 6.4)"
mutation read-needs-own-commit "$core/ReadPath.java" \
  '        if (!committedInCurrentTerm()) {
            // Until its first entry commits' '        if (false) {
            // Until its first entry commits' \
  "a new leader answers reads only once its first entry commits (thesis 6.4)"
mutation transfer-drops-lease "$core/ReadPath.java" \
  '        lease.drop();
        leaseForbidden = true;' '        leaseForbidden = false;' \
  "a transfer ends the lease for the rest of the term (etcd-io/raft#99)"
mutation check-quorum "$core/RaftNode.java" \
  '        } else if (!tracker.quorumActive(id, now, config.electionTimeout())) {' '        } else if (false) {' \
  "a leader without a quorum for an election timeout steps down (thesis 6.2)"
mutation prevote-keeps-term "$core/TermRules.java" \
  '            if (type == MessageType.MSG_PRE_VOTE) {
                // A pre-vote carries' '            if (false) {
                // A pre-vote carries' \
  "a pre-vote never raises the voter's term (thesis 9.6)"
mutation read-round-after-arrival "$core/read/ReadRounds.java" \
  'new PendingRead(readId, from, index, current + 1)' 'new PendingRead(readId, from, index, current)' \
  "a read is confirmed only by a round started after it arrived (etcd-io/raft#397)"
mutation one-conf-change "$core/RaftNode.java" \
  'if (pendingConfIndex > log.applying()) {' 'if (false) {' \
  "one membership change at a time (thesis 4.1)"
mutation learner-catch-up "$core/RaftNode.java" \
  'if (p == null || p.match() < log.committed()) {' 'if (false) {' \
  "a learner is promoted only once caught up (etcd #12227)"
mutation no-campaign-unapplied-conf "$core/RaftNode.java" \
  'isVoter(id) && !hasUnappliedConfChange() &&' 'isVoter(id) &&' \
  "no campaign with a committed, unapplied membership change (scenario 32)"
mutation no-campaign-installing-snapshot "$core/RaftNode.java" \
  ' && log.snapshotToInstall() == null;' ';' \
  "no campaign while a snapshot is being written (scenario 33)"
mutation removed-leader-hands-off "$core/LeadershipTransfer.java" \
  '        return tracker.quorumCommitReported() >= removedAt;' '        return false;' \
  "a removed leader hands leadership over (scenario 17)"
mutation new-member-window "$core/RaftNode.java" \
  'tracker.setConfiguration(next, log.lastIndex() + 1, now);' 'tracker.setConfiguration(next, log.lastIndex() + 1);' \
  "a member just added gets a full check-quorum window before it counts as silent (seed 23745; scenario 39)"
mutation removed-leader-waits "$core/LeadershipTransfer.java" \
  '        return tracker.quorumCommitReported() >= removedAt;' '        return true;' \
  "a removed leader hands over only once the new configuration's quorum reported committing its removal (seeds 61280, 30499; scenario 37)"
mutation heartbeat-commit-capped "$core/Replicator.java" \
  '.setCommit(Math.min(e.getValue().match(), log.committed()))' '.setCommit(log.committed())' \
  "a heartbeat's commit index is capped at the follower's match (thesis Figure 3.1)"
mutation backpressure "$core/RaftNode.java" \
  'if (!uncommitted.admits(size)) {' 'if (false) {' \
  "uncommitted payload bytes are bounded (scenario 20)"
mutation forward-handed-on-once "$core/ForwardedProposals.java" \
  '            for (Entry e : held.take()) outbox.forward(leaderId, e, config.maxMessageBytes());' '            for (Entry e : held.take()) { outbox.forward(leaderId, e, config.maxMessageBytes()); outbox.forward(leaderId, e, config.maxMessageBytes()); }' \
  "a held forward is handed on at most once: a forward is not idempotent (scenario 35)"
mutation forward-held-during-transfer "$core/ForwardedProposals.java" \
  '            if (transfer.handingOver()) {
                held.hold(e, now);' '            if (false) {
                held.hold(e, now);' \
  "a leader handing over holds forwards instead of dropping them (issue 14; scenario 35)"
mutation vote-request-after-persist "$core/RaftNode.java" \
  'outbox.sendAfterPersist(request);' 'send(request);' \
  "vote requests leave only once the candidate's term and self-vote are durable (simulation seed 3792)"
mutation self-vote-after-persist "$core/RaftNode.java" \
  '        if (kind == Campaign.PRE_VOTE) {
            tallyVotes(kind);
        }' '        if (kind != Campaign.PRE_VOTE) tracker.recordVote(id, true);
        tallyVotes(kind);' \
  "a candidate counts its own vote only once it is durable (scenario 34)"
mutation snapshot-ack-after-persist "$core/RaftNode.java" \
  'outbox.sendAfterPersist(reply(m, MessageType.MSG_APPEND_RESPONSE).setIndex(ackIndex)
                .setCommit(log.committed()).build());' 'send(reply(m, MessageType.MSG_APPEND_RESPONSE).setIndex(ackIndex)
                .setCommit(log.committed()).build());' \
  "a snapshot is acknowledged only once it is durable (thesis 3.8)"
mutation suspension-restarts-lease "$core/read/LeaderLease.java" \
  '        if (sentAt < notBefore) return;' '' \
  "after a suspected suspension only rounds sent afterwards earn the lease (issue 10 F)"
# The member runtime's ordering rules (io.keel.raft.runtime): MemberRuntimeTest and the simulation, which drives
# every member through the runtime.
rt=$core/runtime
mutation runtime-ack-after-durable "$rt/PersistQueue.java" \
  '            log.persist(f.ready, new LogStore.Done() {' '            transport.send(f.ready.messagesAfterPersist());
            log.persist(f.ready, new LogStore.Done() {' \
  "a Ready's messagesAfterPersist leave only once its write is durable (thesis 3.8)"
mutation runtime-apply-after-durable "$rt/PersistQueue.java" \
  'if (!write && install == null && inFlight.isEmpty()) {' 'if (!write && install == null) {' \
  "committed entries apply only once their Ready and every one before it are durable"
mutation runtime-answer-after-apply "$rt/MemberRuntime.java" \
  '        if (r instanceof ProposeResult.Accepted a) {
            writes.accepted(a.index(), a.term(), completion, deadline);' '        if (r instanceof ProposeResult.Accepted a) {
            completion.completed(null);' \
  "a write is answered only after its entry applied (thesis 6.3)"
mutation runtime-answer-same-term "$rt/PendingWrites.java" \
  '        if (w.term() == term) {' '        if (true) {' \
  "a write is answered as applied only if its (index, term) applied"
mutation runtime-snapshot-gate "$rt/PersistQueue.java" \
  '            this.gateOpen = install == null;' '            this.gateOpen = true;' \
  "a snapshot is written only once the state machine installed it"
mutation runtime-install-in-order "$rt/PersistQueue.java" \
  '        notHandedOver.add(f);
        handOver();' '        notHandedOver.add(f);
        startInstallAtHead(f);
        handOver();' \
  "a snapshot's install waits for every Ready before it to be durable and applied"
mutation runtime-read-after-apply "$rt/PendingReads.java" \
  'while (!awaitingApply.isEmpty() && awaitingApply.peek().index() <= applied)' 'while (!awaitingApply.isEmpty())' \
  "a read executes only once its read index applied (thesis 6.4)"
mutation runtime-lease-recheck "$rt/MemberRuntime.java" \
  'if (c.leaseTerm() != 0 && !leaseHoldsAfterRead(c.leaseTerm())) {' 'if (false) {' \
  "a lease read is re-checked against the published lease after it executed (issue 10 E)"
mutation runtime-lease-recheck-suspension "$rt/MemberRuntime.java" \
  'return held.holds(term, clock.now()) && !clock.mayHaveStoppedSince(held.clockMark());' 'return held.holds(term, clock.now());' \
  "a lease read executed after the clock stood still (a suspended VM) is not answered (issue 10 F)" \
  "-pl raft-core -Dsurefire.failIfNoSpecifiedTests=false -Dtest=MemberRuntimeTest"
mutation runtime-lease-published-first "$rt/MemberRuntime.java" \
  '            publishLease();
            while (!stopped && node.hasReady()) {
                Ready r = node.ready();
                // The lease as of this Ready, published before any of its messages leave (ReadState'"'"'s contract).
                publishLease();
                handle(r);
            }' '            while (!stopped && node.hasReady()) {
                Ready r = node.ready();
                handle(r);
                publishLease();
            }
            publishLease();' \
  "the lease is published before any message of the step leaves"
mutation runtime-fail-stop "$rt/PersistQueue.java" \
  '            if (head.failure != null) {' '            if (false) {' \
  "a failed write stops the member: nothing after it is acknowledged (fsyncgate)"
mutation runtime-lease-bound-proposal "$rt/MemberRuntime.java" \
  'if (node.role() != Role.LEADER || !new PublishedLeaderLease' 'if (node.role() != Role.LEADER || false && !new PublishedLeaderLease' \
  "a lease-bound proposal (a lease expiry) is proposed only while the leader holds its lease (etcd #12528)" \
  "-pl raft-core -Dsurefire.failIfNoSpecifiedTests=false -Dtest=MemberRuntimeTest"
mutation runtime-caller-ended-not-proposed "$rt/MemberRuntime.java" \
  '            if (!completion.proceed(Completion.Step.PROPOSED)) return Admission.DROPPED;
            return registerProposal(node.propose(data), deadline, completion);' '            return registerProposal(node.propose(data), deadline, completion);' \
  "a write its caller's timer ended as not proposed is never proposed (it could apply after a retry)" \
  "-pl raft-core -Dsurefire.failIfNoSpecifiedTests=false -Dtest=MemberRuntimeTest"
# The member's side: each with the tests meant to catch it (the whole server suite takes several minutes).
# The member runs on the runtime: these two break the runtime's rules where the member's tests must catch them.
mutation lease-read-recheck "$rt/MemberRuntime.java" \
  'if (c.leaseTerm() != 0 && !leaseHoldsAfterRead(c.leaseTerm())) {' 'if (false) {' \
  "the member re-checks a lease read against the lease after it executed (issue 10 E)" \
  "$(serverTests 'LeaseReadRecheckTest,LeaseReadTest')"
mutation suspension-wiring "$rt/MemberRuntime.java" \
  'if (clock.mayHaveStoppedSinceLastCheck()) node.clockMayHaveStopped();' \
  'if (clock.mayHaveStoppedSinceLastCheck() && false) node.clockMayHaveStopped();' \
  "the member ends the lease when its clock may have stood still (the wall clock jumped ahead; issue 10 F)" \
  "$(serverTests 'SuspensionEndsLeaseTest')"
mutation incarnation-check "$member/membership/IncarnationCheck.java" \
  '        if (m.incarnation() == incarnation) return null;' '        if (true) return null;' \
  "peers refuse a member whose data directory is not the one it joined with (issue 10 B)" \
  "$(serverTests 'WipedMemberTest,IncarnationRecordTest')"

# Each TEXT must occur exactly once in its FILE (exit 1 if not).
foundOnce() {
  python3 - "$1" "$2" <<'PY'
import sys
sys.exit(0 if open(sys.argv[1]).read().count(sys.argv[2]) == 1 else 1)
PY
}
if [ "$only" = "--check" ]; then
  stale=0
  for i in "${!NAMES[@]}"; do
    if ! foundOnce "${FILES[i]}" "${TEXTS[i]}"; then
      printf '%-24s %-8s %s\n' "${NAMES[i]}" STALE "the text to mutate is not found once in ${FILES[i]}: update this script"
      stale=1
    fi
  done
  [ $stale = 0 ] && echo "all ${#NAMES[@]} mutations' texts are found once"
  exit $stale
fi

scratch=$(mktemp -d /tmp/keel-mutations.XXXXXX)
trap 'git -C "$repo" worktree remove --force "$scratch/tree" >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
git -C "$repo" worktree add --detach "$scratch/tree" HEAD >/dev/null 2>&1
# The scratch copy tests the working tree as it is now, uncommitted changes included.
(cd "$repo" && git ls-files -m -o --exclude-standard raft-core storage transport server pom.xml) | while read -r f; do
  mkdir -p "$scratch/tree/$(dirname "$f")"; cp "$repo/$f" "$scratch/tree/$f"
done
cd "$scratch/tree"

survived=0
printf '%-24s %-8s %s\n' MUTATION VERDICT "CAUGHT BY"
for i in "${!NAMES[@]}"; do
  name=${NAMES[i]}; file=${FILES[i]}; text=${TEXTS[i]}; replacement=${REPLACEMENTS[i]}; rule=${RULES[i]}
  read -r -a tests <<<"${TESTS[i]}"
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  cp "$file" "$scratch/original"
  if ! python3 - "$file" "$text" "$replacement" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(1)
open(path, "w").write(s.replace(old, new))
PY
  then
    printf '%-24s %-8s %s\n' "$name" STALE "the text to mutate is not found once in $file: update this script"
    survived=1
    continue
  fi
  rm -rf ./*/target/surefire-reports
  if ./mvnw -o -q -B "${tests[@]}" test -Dkeel.sim.seeds="$seeds" >"$scratch/$name.log" 2>&1; then
    printf '%-24s %-8s %s\n' "$name" SURVIVED "nothing failed: $rule"
    survived=1
  else
    caught=$(grep -hoE '(ScenarioTest\.[0-9][^ :]*\.txt|[A-Z][A-Za-z]+Test\.[a-z][A-Za-z]+)' "$scratch/$name.log" | grep -v lambda | sort -u | head -6 | tr '\n' ' ')
    seedsFailed=$(grep -oE '[0-9]+ of [0-9]+ seeds failed' "$scratch/$name.log" | head -1 || true)
    printf '%-24s %-8s %s %s\n' "$name" caught "$caught" "${seedsFailed:+($seedsFailed)}"
  fi
  cp "$scratch/original" "$file"
done
exit $survived
