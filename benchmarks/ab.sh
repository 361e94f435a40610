#!/usr/bin/env bash
# ab.sh - two builds of Keel, A and B, under the same loads, alternated B / A / A / B (docs/benchmarks.md, "A/B").
#
# Each run is benchmarks/compare-etcd.sh --only=keel with KEEL_BIN pointing at one build's launcher. On this
# 2-core machine the first run after an idle spell is the fastest and the machine slows run by run, so the order
# matters: A / B / B / A favoured A by more than the effects measured (docs/benchmarks.md). B / A / A / B with an idle
# spell before every run puts each build once first and once last; with PAIRS=2 the sequence runs twice.
#
# Usage: benchmarks/ab.sh A_DIR B_DIR LOADS [extra compare-etcd.sh flags...]
#   A_DIR, B_DIR: unpacked Keel distributions (the directory holding bin/keel), e.g. a worktree's
#                 server/target/keel-0.1.0-SNAPSHOT
#   LOADS: compare-etcd.sh's --loads list, e.g. put-1,mixed-6
# Env: IDLE (seconds of idle before each run, default 60), PAIRS (default 1); A_OPTS and B_OPTS: each build's
#      JAVA_OPTS (the same directory twice with two A_OPTS/B_OPTS compares JVM settings); LOGS: where each run's
#      whole output is kept (default a new temp dir). A run that fails is reported and the sequence goes on.
# Prints, per run, the build, the time, the load average, and the table lines of the loads with the CPU by thread.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 2; }
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); LOADS=$3; shift 3
for d in "$A" "$B"; do [ -x "$d/bin/keel" ] || { echo "no launcher at $d/bin/keel" >&2; exit 2; }; done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOGS=${LOGS:-$(mktemp -d -t keel-ab.XXXXXX)}
mkdir -p "$LOGS"
echo "each run's whole output: $LOGS"
for pair in $(seq "${PAIRS:-1}"); do
  for build in B A A B; do
    sleep "${IDLE:-60}"
    if [ "$build" = A ]; then dist=$A; opts=${A_OPTS:-}; else dist=$B; opts=${B_OPTS:-}; fi
    echo "=== pair $pair, $build ($dist${opts:+, JAVA_OPTS=$opts}) $(date +%T), load average" \
      "$(cut -d' ' -f1 /proc/loadavg)"
    out=$LOGS/pair$pair-$build-$(date +%H%M%S).log
    rc=0
    JAVA_OPTS=$opts KEEL_BIN=$dist/bin/keel "$ROOT/benchmarks/compare-etcd.sh" --no-build --only=keel \
      --loads="$LOADS" "$@" >"$out" 2>&1 || rc=$?
    grep -E "ok, .* errors|jit_cpu|CPU ms by thread" "$out" || true
    [ "$rc" = 0 ] || echo "    (this run exited $rc; its output: $out)"
  done
done
