#!/usr/bin/env bash
# restart-gap.sh - how much a rolling restart of a three-member cluster costs its clients, Keel beside etcd (issue 14).
#
# For each side: starts three members on 127.0.0.1 (ports picked free at run time, data in a fresh temp dir), one
# writer pinned to each member putting one key at a time and one watcher pinned to each member (a watch stream,
# reopened when it ends), warms up 5 s, then restarts m1, m2 and m3 in turn: SIGTERM,
# wait for the exit, start again at once, wait until a write through it is acknowledged, 2 s, next. Prints per member
# the stop time (SIGTERM to process exit), start to serving (process start to its first acknowledged write) and the
# longest stretch with no acknowledged write through any member. The program is benchmarks/restart/RestartGap.java,
# run as a single-file Java program on Keel's distribution class path (the same gRPC client for both servers).
#
# Usage: benchmarks/restart-gap.sh [--only=keel|etcd] [--keep-logs]
# Env: KEEL_BIN (default server/target/keel-0.1.0-SNAPSHOT/bin/keel; build it with
#      ./mvnw -q -B -o -pl server -am package -DskipTests), ETCD_BIN (default /usr/bin/etcd), JAVA (default java).
# Everything it starts is stopped on exit (the program kills its members, by process, on any failure).
set -euo pipefail
ONLY=""; KEEP=0
for a in "$@"; do
  case "$a" in
    --only=keel|--only=etcd) ONLY=${a#*=} ;;
    --keep-logs) KEEP=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a (see --help)" >&2; exit 2 ;;
  esac
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL_BIN=${KEEL_BIN:-$ROOT/server/target/keel-0.1.0-SNAPSHOT/bin/keel}
ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}
JAVA=${JAVA:-java}
[ -x "$KEEL_BIN" ] || { echo "no Keel launcher at $KEEL_BIN (see --help)" >&2; exit 1; }
KEEL_HOME=$(cd "$(dirname "$KEEL_BIN")/.." && pwd)
CP="$KEEL_HOME/lib/*"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/restart-gap.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "logs and data kept in $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run() { "$JAVA" -Dlogback.configurationFile="$KEEL_HOME/conf/logback.xml" -cp "$CP" "$ROOT/benchmarks/restart/RestartGap.java" "$1" "$2" "$WORK/$1"; }
if [ "$ONLY" != etcd ]; then run keel "$KEEL_BIN"; fi
if [ "$ONLY" != keel ]; then
  if [ -x "$ETCD_BIN" ]; then run etcd "$ETCD_BIN"; else echo "no etcd at $ETCD_BIN; etcd not measured" >&2; fi
fi
