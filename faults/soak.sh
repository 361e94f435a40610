#!/bin/sh
# A soak of the fault-injection suite: faults drawn by a seed, one after another, for as long as asked, with the
# register and election workloads; every fault's history checked. A failure prints this command with its seed.
#   faults/soak.sh [--minutes 240] [--seed 42] [--members 3|5]
# Builds what it needs (the keel distribution) and leaves each run's summary in faults/target/fault-runs/.
set -eu
cd "$(dirname "$0")/.."
minutes=60; seed=""; members=3
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    *) echo "usage: faults/soak.sh [--minutes N] [--seed S] [--members 3|5]" >&2; exit 2 ;;
  esac
done
[ -n "$seed" ] || seed=$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')
timeout=$(( minutes * 60 + 1800 ))
exec ./mvnw -B -pl faults -am verify -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkeel.faults.soak.minutes="$minutes" -Dkeel.faults.seed="$seed" -Dkeel.faults.members="$members" \
  -Dkeel.faults.forkTimeoutSeconds="$timeout"
