#!/usr/bin/env bash
# start-stop.sh - a Keel member's start and stop time (issue 14), as the launcher's own timeline reports it.
#
# Starts three members on 127.0.0.1 (ports picked free at run time, data in a fresh temp dir) and prints each one's
# start timeline (the launcher's "keel: start:" line: wall ms since its process started and the CPU ms it had used at
# each step). Then writes KEYS keys (etcdctl txn, 100 puts each), and RUNS times: opens a watch and a lease
# keep-alive stream on m3 (etcdctl), sends m3 SIGTERM, times SIGTERM to exit, starts it again on its data and reads
# its timeline. Prints every run, then the medians of stop, start to client port open (wall and CPU) and start to
# ready. The figures are the launcher's own; the machine's load average is printed beside them.
#
# With --profile=DIR each restarted m3 runs async-profiler (CPU samples, every thread, from the JVM's start until its
# client port opened) and DIR gets one collapsed-stack file per restart (benchmarks/target/async-profiler-4.2, as
# compare-etcd.sh --profile fetches it).
#
# Usage: benchmarks/start-stop.sh [--runs=N] [--keys=N] [--profile=DIR] [--keep-logs]   (defaults: 5 runs, 3000 keys)
# Env: KEEL_BIN (default server/target/keel-0.1.0-SNAPSHOT/bin/keel; build it with
#      ./mvnw -q -B -o -pl server -am package -DskipTests), ETCDCTL (default etcdctl), JAVA_OPTS (passed on).
# Everything it starts is stopped on exit.
set -euo pipefail
RUNS=5; KEYS=3000; KEEP=0; PROFILE=""
for a in "$@"; do
  case "$a" in
    --runs=*) RUNS=${a#*=} ;;
    --keys=*) KEYS=${a#*=} ;;
    --keep-logs) KEEP=1 ;;
    --profile=*) PROFILE=$(mkdir -p "${a#*=}" && cd "${a#*=}" && pwd) ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a (see --help)" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL_BIN=${KEEL_BIN:-$ROOT/server/target/keel-0.1.0-SNAPSHOT/bin/keel}
ETCDCTL=${ETCDCTL:-etcdctl}
[ -x "$KEEL_BIN" ] || { echo "no Keel launcher at $KEEL_BIN (see --help)" >&2; exit 1; }
AP_LIB=$ROOT/benchmarks/target/async-profiler-4.2/linux-x64/libasyncProfiler.so
if [ -n "$PROFILE" ] && [ ! -f "$AP_LIB" ]; then echo "no async-profiler at $AP_LIB" >&2; exit 1; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/start-stop.XXXXXX")
declare -A PID
HELPERS=()
cleanup() {
  for p in "${HELPERS[@]:-}" "${PID[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "logs and data kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

read -r -a PORTS <<<"$(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')"
client() { echo "http://127.0.0.1:${PORTS[$(($1 - 1))]}"; }
peer() { echo "http://127.0.0.1:${PORTS[$(($1 + 2))]}"; }
CLUSTER="m1=$(peer 1),m2=$(peer 2),m3=$(peer 3)"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
load() { cut -d' ' -f1 /proc/loadavg; }

start_member() { # $1 = member number, $2 = log file, $3 = extra JVM options
  JAVA_OPTS="${JAVA_OPTS:-} ${3:-}" "$KEEL_BIN" --name "m$1" --data-dir "$WORK/m$1.data" --listen-client-urls "$(client "$1")" \
    --advertise-client-urls "$(client "$1")" --listen-peer-urls "$(peer "$1")" \
    --initial-advertise-peer-urls "$(peer "$1")" --initial-cluster "$CLUSTER" \
    --initial-cluster-token start-stop --initial-cluster-state new >"$2" 2>&1 &
  PID[$1]=$!
}
# Waits (up to 120 s) for the member's "keel: start:" line and prints it without its prefix.
timeline() {
  local deadline=$(( $(date +%s) + 120 ))
  until grep -q '^keel: start: ' "$1" 2>/dev/null; do
    if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$2" 2>/dev/null; then
      echo "no start line in $1:" >&2; tail -20 "$1" >&2; exit 1
    fi
    sleep 0.05
  done
  grep -m1 '^keel: start: ' "$1" | sed 's/^keel: start: //'
}
# "client port open 1234 (CPU 987)" -> "1234 987"
step() { sed -n "s/.*$1 \([0-9]*\) (CPU \([0-9]*\)).*/\1 \2/p" <<<"$2"; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do start_member "$i" "$WORK/m$i.log"; done
for i in 1 2 3; do echo "cold start m$i (load $(load)): $(timeline "$WORK/m$i.log" "${PID[$i]}")"; done

EP3=$(client 3)
ALL="$(client 1),$(client 2),$EP3"
value=$(head -c 100 /dev/zero | tr '\0' v)
for ((k = 0; k < KEYS; k += 100)); do
  { echo; for ((j = k; j < k + 100 && j < KEYS; j++)); do echo "put key$j $value"; done; echo; echo; } \
    | "$ETCDCTL" --endpoints="$ALL" txn >/dev/null
done
echo "wrote $KEYS keys"

: >"$WORK/runs.txt"
for ((r = 1; r <= RUNS; r++)); do
  # Open streams on m3: a watch, and a lease kept alive through it.
  "$ETCDCTL" --endpoints="$EP3" watch --prefix key >/dev/null 2>&1 &
  HELPERS+=($!)
  lease=$("$ETCDCTL" --endpoints="$EP3" lease grant 60 | awk '{print $2}')
  "$ETCDCTL" --endpoints="$EP3" lease keep-alive "$lease" >/dev/null 2>&1 &
  HELPERS+=($!)
  "$ETCDCTL" --endpoints="$ALL" put "lease-key-$r" x --lease="$lease" >/dev/null
  leader=$("$ETCDCTL" --endpoints="$EP3" endpoint status -w simple | awk -F', ' '{print $5}')
  role=follower; [ "$leader" = true ] && role=leader
  sleep 1 # let both streams be established on m3 (not a wait for a state: nothing here depends on it)
  t0=$(now_ms)
  kill -TERM "${PID[3]}"
  wait "${PID[3]}" || true
  stop=$(( $(now_ms) - t0 ))
  for p in "${HELPERS[@]}"; do kill "$p" 2>/dev/null || true; done
  HELPERS=()
  log="$WORK/m3.restart$r.log"
  if [ -n "$PROFILE" ]; then
    start_member 3 "$log" "-agentpath:$AP_LIB=start,event=cpu,interval=1ms,threads"
    tl=$(timeline "$log" "${PID[3]}")
    jcmd "${PID[3]}" JVMTI.agent_load "$AP_LIB" "\"stop,file=$PROFILE/start$r.collapsed,collapsed\"" >/dev/null
  else
    start_member 3 "$log"
    tl=$(timeline "$log" "${PID[3]}")
  fi
  read -r open_wall open_cpu <<<"$(step 'client port open' "$tl")"
  read -r jvm_wall jvm_cpu <<<"$(step 'JVM started' "$tl")"
  echo "run $r (load $(load)): m3 ($role) stop $stop ms; start: $tl"
  echo "$stop $open_wall $open_cpu $jvm_wall $jvm_cpu" >>"$WORK/runs.txt"
done
echo "medians of $RUNS restarts of m3 with $KEYS keys (load now $(load)):"
echo "  SIGTERM to exit:                 $(cut -d' ' -f1 "$WORK/runs.txt" | median) ms"
echo "  process start to client port:    $(cut -d' ' -f2 "$WORK/runs.txt" | median) ms wall, $(cut -d' ' -f3 "$WORK/runs.txt" | median) ms CPU"
echo "  process start to main (the JVM): $(cut -d' ' -f4 "$WORK/runs.txt" | median) ms wall, $(cut -d' ' -f5 "$WORK/runs.txt" | median) ms CPU"
