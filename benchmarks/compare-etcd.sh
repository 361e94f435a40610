#!/usr/bin/env bash
# compare-etcd.sh - Keel and etcd, three members each, on this machine, under the same loads (issue #6).
#
# Starts a 3-member etcd (Debian's etcd-server, installed when missing) on 127.0.0.1, puts the loads below on it,
# stops it; then does the same with a 3-member Keel (server/target/keel-0.1.0-SNAPSHOT/bin/keel, which takes etcd's
# flags); then prints one table: Keel, etcd, and the ratio. Both run with fsync on (neither has it off by default,
# and nothing here turns it off), data in one fresh temp dir, ports picked free at run time, one cluster at a time.
#
# The load generator (--gen): go (default) is benchmarks/go/keelload, built on etcd's own Go client (clientv3 from
# Debian's golang-etcd-server-dev, GOPATH mode; installed and built when missing): the client etcd's users run, and
# light enough that the differences between the servers are not squeezed by the generator's own CPU. java is Keel's
# io.keel.benchmarks.load.LoadGenerator, kept for Keel-only profiling; it runs only the loads marked (j) below.
#
# Loads (8-byte keys, 256-byte values):
#   (j) put-1, put-16, put-100, put-1000: puts with 1, 16, 100 and 1000 clients (1, 4, 10, 100 connections), all
#     sent to the leader (both forward a follower's writes to the leader; this measures the leader's own path);
#   put-1-follower: one client writing through a follower;
#   put-1000-all: 1000 clients over 100 connections spread over all three members (followers forward);
#   mixed-6: the load a configuration master sees: 6 clients, each pinned to one member in turn, one request in
#     flight each, 50% linearizable get / 25% put / 25% compare-and-swap on 5 keys; per-kind latencies follow the
#     table;
#   (j) get-lin-1, get-ser-1, get-lin-1000, get-ser-1000: linearizable and serializable gets with 1 client (at the
#     leader) and 1000 clients over 100 connections spread round robin over the three members.
#   put-100-leases (issue 16): put-100 while 10,000 leases of 10 s are kept alive over 100 keep-alive streams (one
#     clientv3 lessor each, over 10 connections spread over all members; granted before the clock starts). A table
#     after the main one gives the put throughput beside put-100's, the keep-alives answered per second, the Raft
#     log's growth at the leader (entries/s, from Maintenance.Status's raft index) for put-100 and this load, and
#     the members' CPU per keep-alive (this load's CPU less put-100's CPU per put, over the keep-alives).
#   leases-alone (issue 16): the same 10,000 leases kept alive with nothing else running (keelload -clients 0), so
#     the members' CPU per keep-alive is measured, not inferred; a line of the lease table.
#   put-100-alternating (issue 16), not in the default list: put-100 for 60 s (ALT_DURATION) while 10,000 leases of
#     10 s are kept alive in one window of each pair of 2.5 s windows, drawn at random per pair (by streams of the
#     generator's own: clientv3's lessor cannot pause; each lease renewed once per window with keep-alives, at an
#     even rate, 4/3 of the rate clientv3 keeps); the puts completed in windows with keep-alives are compared with
#     those in windows without, so the machine's drift, which moved put-100 by a third within a minute here, falls
#     on both alike (benchmarks/go/keelload/alternate.go says why the order is drawn). A line after the lease table.
#   put-100-alternating-control (issue 16), not in the default list: the same with keep-alives in every window, so
#     the two kinds of window differ by chance alone: how far from 100% the ratio strays with nothing to find.
#   put-100-expiring (issue 16), not in the default list: put-100 while 100,000 leases, a key each, expire: granted
#     before the clock starts with TTLs that make all of them due in the second it starts (the granting takes up
#     to a minute, unmeasured). A line after the lease table gives the puts beside put-100's and how many leases the
#     servers revoked in the load's window (both revoke at most 1,000 a second: etcd's rate).
#   put-100-again (issue 16): put-100 once more, not in the default list: run after put-100-leases
#     (--loads=put-100,put-100-leases,put-100-again), the lease table compares the lease load with the mean of the
#     put-100 before it and the one after it, so the compaction debt one load leaves the next counts on both sides.
#     The generator revokes a lease load's leases once its clock stops, so they do not expire in the next load's
#     window.
# Before the loads, each side gets the same unmeasured warm-up: puts with 100 clients spread over all members (with the
# Go generator, while 10,000 leases of 10 s, the lease load's own, are kept alive over 100 streams; WARMUP_LEASES=0
# leaves them out), then linearizable gets with 1000 clients, then (Go generator) the mixed-6 load, 30 s each (10 s
# with --quick; WARMUP_MIXED=0 leaves the mixed phase out), and, when put-100-alternating is among the loads, that
# load once for as long (WARMUP_ALTERNATING=0 leaves it out).
#
# Usage: benchmarks/compare-etcd.sh [--quick] [--rounds=N] [--only=etcd|keel] [--loads=A,B] [--gen=go|java] [--jfr=DIR]
#                                   [--profile=DIR] [--tls] [--keep-logs] [--no-build]
#   --quick      shorter loads (about 8 s each instead of 15 s)
#   --only=X     run one side only (the table then has one column of figures)
#   --loads=A,B  run only these loads (names as in the table, e.g. put-100)
#   --jfr=DIR    Keel's members record a JFR profile of the loads into DIR (one file per member; the warm-up is
#                not recorded); see docs/benchmarks.md for reading them
#   --profile=DIR  Keel's members are profiled over the measured loads with async-profiler (CPU samples of every
#                thread, native and kernel frames included; fetched from Maven Central), collapsed stacks written to
#                DIR and summarized by thread kind (io.keel.benchmarks.profile.ProfileSummary)
#   --tls        both sides serve TLS on both ports, with etcd's flags (a CA and certificates made with openssl in the
#                temp dir; client certificates required); the Go generator connects with a client certificate.
#                Keel's client port uses BoringSSL unless JAVA_OPTS=-Dkeel.tls.provider=jdk (see docs/operations.md)
#   --rounds=N   N rounds, each a fresh cluster of each side (etcd first in odd rounds, Keel first in even ones, so a
#                machine that drifts during the run favours neither); the table gives each figure's median over the
#                rounds and the ratio's median and range. Runs 20 minutes apart on this machine differed by 2x, so
#                one round is one sample. --profile and --jfr record every round; a later round's files replace
#                an earlier one's.
#   --keep-logs  keep the temp dir with the members' logs and data
#   --no-build   use the benchmarks module as already built (benchmarks/target/benchmarks.classpath)
# Env: TMPDIR picks the disk the data goes to; JAVA (default: java on PATH) runs the load generator; KEEL_BIN
#      (default server/target/keel-0.1.0-SNAPSHOT/bin/keel) is the Keel launcher; LOAD_TOTALS="S M L" replaces the
#      request caps (S: the 1-client loads, M: 16 and 100 clients, L: 1000 clients and mixed-6), e.g. "1000000 1000000
#      1000000" so that every load runs its whole duration (at today's rates put-100 reaches its cap in 4-5 s).
#
# Everything this script starts (members, by PID) is stopped on exit, also on Ctrl-C or failure.
set -euo pipefail

QUICK=0; ROUNDS=1; TLS=0; ONLY=""; KEEP=0; BUILD=1; ONLY_LOADS=""; JFR_DIR=""; PROFILE_DIR=""; GEN=go
for a in "$@"; do
  case "$a" in
    --gen=go|--gen=java) GEN=${a#*=} ;;
    --quick) QUICK=1 ;;
    --rounds=*) ROUNDS=${a#*=}; [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "--rounds needs a positive number" >&2; exit 2; } ;;
    --only=etcd|--only=keel) ONLY=${a#*=} ;;
    --loads=*) ONLY_LOADS=${a#*=} ;;
    --jfr=*) JFR_DIR=$(mkdir -p "${a#*=}" && cd "${a#*=}" && pwd) ;;
    --profile=*) PROFILE_DIR=$(mkdir -p "${a#*=}" && cd "${a#*=}" && pwd) ;;
    --keep-logs) KEEP=1 ;;
    --tls) TLS=1 ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,55p' "$0"; exit 0 ;;
    *) echo "unknown argument: $a (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEL_BIN=${KEEL_BIN:-$ROOT/server/target/keel-0.1.0-SNAPSHOT/bin/keel}
JAVA=${JAVA:-java}

# ---------------------------------------------------------------- etcd, installed only when missing
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ "$ONLY" != keel ] && { ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; }; then
  echo "installing Debian's etcd-server and etcd-client"
  # Keep the package's own etcd service from starting (it would listen on 2379/2380, and this script did not
  # start it): a policy-rc.d that refuses service starts, only for this install and only if none exists.
  POLICY=/usr/sbin/policy-rc.d; OWN_POLICY=0
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$POLICY" >/dev/null && as_root chmod 755 "$POLICY" && OWN_POLICY=1
  fi
  install_ok=0
  { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server etcd-client >/dev/null \
    || { as_root apt-get update -q >/dev/null && \
         as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server etcd-client >/dev/null; }; } \
    && install_ok=1
  [ "$OWN_POLICY" = 1 ] && as_root rm -f "$POLICY"
  [ "$install_ok" = 1 ] || { echo "could not install etcd-server" >&2; exit 1; }
fi
command -v etcdctl >/dev/null || { echo "etcdctl missing (Debian: etcd-client)" >&2; exit 1; }

# ---------------------------------------------------------------- the load generator
if [ "$BUILD" = 1 ]; then
  echo "building the load generator (and Keel): ./mvnw -q -B -pl benchmarks -am package -DskipTests"
  (cd "$ROOT" && ./mvnw -q -B -pl benchmarks -am package -DskipTests)
fi
[ -f "$ROOT/benchmarks/target/benchmarks.classpath" ] || { echo "benchmarks module not built" >&2; exit 1; }
LOADGEN_CP="$ROOT/benchmarks/target/classes:$(cat "$ROOT/benchmarks/target/benchmarks.classpath")"

# ---------------------------------------------------------------- async-profiler, only for --profile
AP_VERSION=4.2
AP_LIB=$ROOT/benchmarks/target/async-profiler-$AP_VERSION/linux-x64/libasyncProfiler.so
if [ -n "$PROFILE_DIR" ] && [ ! -f "$AP_LIB" ]; then
  echo "fetching async-profiler $AP_VERSION (tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64)"
  (cd "$ROOT" && ./mvnw -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64" \
    -DoutputDirectory=benchmarks/target)
  mkdir -p "$(dirname "$(dirname "$AP_LIB")")"
  (cd "$(dirname "$(dirname "$AP_LIB")")" && jar xf "$ROOT/benchmarks/target/async-profiler-$AP_VERSION-linux-x64.jar" linux-x64)
  [ -f "$AP_LIB" ] || { echo "async-profiler's library not found at $AP_LIB" >&2; exit 1; }
fi
# ---------------------------------------------------------------- the Go load generator (etcd's clientv3)
GO_LOADGEN=$ROOT/benchmarks/target/keelload
if [ "$GEN" = go ]; then
  if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3 ]; then
    echo "installing Debian's golang-go and golang-etcd-server-dev (etcd's Go client, for the load generator)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go golang-etcd-server-dev >/dev/null \
      || { as_root apt-get update -q >/dev/null && \
           as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go golang-etcd-server-dev >/dev/null; }
  fi
  if [ ! -x "$GO_LOADGEN" ] || [ -n "$(find "$ROOT/benchmarks/go/keelload" -name '*.go' -newer "$GO_LOADGEN")" ]; then
    echo "building the Go load generator: benchmarks/go/keelload (GOPATH mode against Debian's clientv3)"
    mkdir -p "$ROOT/benchmarks/target"
    (cd "$ROOT/benchmarks/go/keelload" && GO111MODULE=off GOPATH=/usr/share/gocode \
      GOCACHE="${XDG_CACHE_HOME:-$HOME/.cache}/keelload-go" go build -o "$GO_LOADGEN" .)
  fi
fi
if [ "$TLS" = 1 ] && [ "$GEN" != go ]; then echo "--tls needs the Go load generator (--gen=go)" >&2; exit 2; fi
# loadgen ARGS: the chosen generator. Loads are described with --target (any|leader|follower|pinned); the Java
# generator knows only any and leader (--leader-only).
loadgen() {
  if [ "$GEN" = go ]; then
    if [ "$TLS" = 1 ]; then
      "$GO_LOADGEN" -cacert "$PKI/ca.crt" -cert "$PKI/client.crt" -key "$PKI/client.key" "$@"
    else
      "$GO_LOADGEN" "$@"
    fi
  else
    local args=() a prev=""
    for a in "$@"; do
      if [ "$prev" = --target ]; then
        case "$a" in leader) args+=(--leader-only) ;; any) ;; *) echo "the Java generator cannot target $a" >&2; return 1 ;; esac
      elif [ "$a" != --target ]; then args+=("$a"); fi
      prev=$a
    done
    "$JAVA" -XX:+UseParallelGC -cp "$LOADGEN_CP" io.keel.benchmarks.load.LoadGenerator "${args[@]}"
  fi
}

# ---------------------------------------------------------------- what this script starts, and stopping it
D=$(mktemp -d "${TMPDIR:-/tmp}/compare-etcd.XXXXXX")
PIDS=()
stop_members() {
  local pid
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "pid $pid ignored TERM for 10 s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_members
  if [ "$KEEP" = 1 ]; then echo "logs and data kept in $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # the EXIT trap then stops the members

# --tls: a CA, one certificate per member (server and client, for 127.0.0.1) and one for the load generator, made
# with the openssl commands docs/operations.md gives.
PKI=$D/pki
make_pki() {
  mkdir -p "$PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=compare-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    for n in n1 n2 n3 client; do
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$n" -keyout $n.key -out $n.csr 2>/dev/null
      printf "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n" > $n.ext
      openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile $n.ext -out $n.crt 2>/dev/null
    done
  )
}
if [ "$TLS" = 1 ]; then make_pki; fi
ETCDCTL_TLS=()
if [ "$TLS" = 1 ]; then ETCDCTL_TLS=(--cacert "$PKI/ca.crt" --cert "$PKI/client.crt" --key "$PKI/client.key"); fi

# A port nobody listens on now (a member that cannot bind it fails to start, and the health wait reports it). Taken
# below the kernel's ephemeral range (ip_local_port_range, 32768 and up here), where an outgoing connection made
# meanwhile (etcdctl's, a member's to its peers) could take it before the member binds it.
USED_PORTS=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then USED_PORTS+="$p "; echo "$p"; return; fi
  done
}

# The members' processes and their descendants (a launcher script may run the JVM as its child).
server_pids() {
  local all=() pid kid
  for pid in "${PIDS[@]}"; do
    all+=("$pid")
    for kid in $(pgrep -P "$pid" 2>/dev/null || true); do all+=("$kid"); done
  done
  local IFS=,; echo "${all[*]}"
}

# Context switches of the members so far, all threads: "voluntary involuntary". A voluntary switch is a thread that
# parked (waiting for a queue, a lock, a socket or the disk), so with the wake-up that ends it, it counts the
# hand-offs between threads; an involuntary one is a thread preempted (more runnable threads than cores).
ctxt_switches() {
  local pid
  for pid in $(server_pids | tr , ' '); do
    cat /proc/"$pid"/task/*/status 2>/dev/null || true
  done | awk '/^voluntary_ctxt_switches/{v+=$2} /^nonvoluntary_ctxt_switches/{n+=$2} END{printf "%d %d", v, n}'
}

# The same per kind of thread (its name, cut at 15 characters by the kernel, without digits and member id, e.g.
# keel-raft-, keel-client-io): "kind vol invol"
# lines, to see which hand-offs the switches come from.
ctxt_switches_by_kind() {
  local pid t
  for pid in $(server_pids | tr , ' '); do
    for t in /proc/"$pid"/task/*; do
      # digits and a trailing hex member id go: keel-raft-1a2b and keel-raft-3c4d are one kind
      { printf '%s ' "$(tr -d '0-9 ' <"$t/comm" 2>/dev/null | sed -E 's/-[a-f]+$/-/' || echo '?')"
        awk '/^voluntary_ctxt_switches/{v=$2} /^nonvoluntary_ctxt_switches/{n=$2} END{printf "%d %d\n", v, n}' "$t/status" 2>/dev/null || echo "0 0"
      }
    done
  done | awk '{v[$1]+=$2; n[$1]+=$3} END{for (k in v) print k, v[k], n[k]}'
}

# CPU time so far per kind of thread (named as above), all members: "kind ms" lines. Issue 16: a load's CPU per
# operation includes the JIT compiling the code that load first runs (the C2 compiler was half of a loaded run's
# samples), which the per-kind split shows apart from the request path's threads.
cpu_by_kind() {
  local pid t
  for pid in $(server_pids | tr , ' '); do
    for t in /proc/"$pid"/task/*; do
      { printf '%s ' "$(tr -d '0-9 ' <"$t/comm" 2>/dev/null | sed -E 's/-[a-f]+$/-/' || echo '?')"
        sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print ($12 + $13) * 10}' || echo 0
      }
    done
  done | awk '{c[$1]+=$2} END{for (k in c) print k, c[k]}'
}

# start_cluster etcd|keel: three members; sets EPS (client endpoints, comma separated).
start_cluster() {
  local kind=$1 i cluster="" cp pp scheme=http
  local -a cports pports
  if [ "$TLS" = 1 ]; then scheme=https; fi
  rm -rf "$D/$kind-n1" "$D/$kind-n2" "$D/$kind-n3" # every round starts from empty data directories
  for i in 1 2 3; do cports[i]=$(free_port); pports[i]=$(free_port); done
  for i in 1 2 3; do cluster+="${cluster:+,}n$i=$scheme://127.0.0.1:${pports[i]}"; done
  EPS=""
  for i in 1 2 3; do
    cp=${cports[i]}; pp=${pports[i]}
    EPS+="${EPS:+,}$scheme://127.0.0.1:$cp"
    local -a flags=(--name "n$i" --data-dir "$D/$kind-n$i"
      --listen-client-urls "$scheme://127.0.0.1:$cp" --advertise-client-urls "$scheme://127.0.0.1:$cp"
      --listen-peer-urls "$scheme://127.0.0.1:$pp" --initial-advertise-peer-urls "$scheme://127.0.0.1:$pp"
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "compare-$kind")
    if [ "$TLS" = 1 ]; then # the same flags for both: Keel takes etcd's
      flags+=(--cert-file "$PKI/n$i.crt" --key-file "$PKI/n$i.key" --trusted-ca-file "$PKI/ca.crt" --client-cert-auth
        --peer-cert-file "$PKI/n$i.crt" --peer-key-file "$PKI/n$i.key" --peer-trusted-ca-file "$PKI/ca.crt"
        --peer-client-cert-auth)
    fi
    if [ "$kind" = etcd ]; then
      etcd "${flags[@]}" --logger zap --log-outputs "$D/etcd-n$i.log" >/dev/null 2>&1 &
    else
      "$KEEL_BIN" "${flags[@]}" >"$D/keel-n$i.log" 2>&1 &
    fi
    PIDS+=($!)
  done
  local healthy=0
  for _ in $(seq 1 120); do
    if ETCDCTL_API=3 etcdctl --endpoints="$EPS" "${ETCDCTL_TLS[@]}" --command-timeout=2s endpoint health >/dev/null 2>&1; then
      healthy=1; break
    fi
    sleep 0.5
  done
  if [ "$healthy" = 0 ]; then
    echo "$kind cluster did not become healthy within 60 s; last log lines:" >&2
    tail -n 5 "$D/$kind"-n*.log >&2 || true
    exit 1
  fi
}

# ---------------------------------------------------------------- the loads
if [ "$QUICK" = 1 ]; then T=8s; S=2000; M=20000; L=40000; WARMUP=10s; else T=15s; S=5000; M=50000; L=100000; WARMUP=30s; fi
# A load ends at its cap or its duration, whichever comes first; LOAD_TOTALS (see the header) replaces the caps.
if [ -n "${LOAD_TOTALS:-}" ]; then read -r S M L <<<"$LOAD_TOTALS"; fi
if [ "$GEN" = go ]; then
  LOADS=(put-1 put-1-follower put-16 put-100 put-100-leases leases-alone put-1000 put-1000-all mixed-6 get-lin-1 get-ser-1 get-lin-1000 get-ser-1000)
else
  LOADS=(put-1 put-16 put-100 put-1000 get-lin-1 get-ser-1 get-lin-1000 get-ser-1000)
fi
if [ -n "$ONLY_LOADS" ]; then IFS=, read -r -a LOADS <<<"$ONLY_LOADS"; fi
load_args() {
  local common=(--key-size 8 --val-size 256 --duration "$T")
  case "$1" in
    put-1)          echo "${common[*]} --op put --target leader   --conns 1   --clients 1    --total $S --key-space 10000" ;;
    put-1-follower) echo "${common[*]} --op put --target follower --conns 1   --clients 1    --total $S --key-space 10000" ;;
    put-16)         echo "${common[*]} --op put --target leader   --conns 4   --clients 16   --total $M --key-space 10000" ;;
    put-100)        echo "${common[*]} --op put --target leader   --conns 10  --clients 100  --total $M --key-space 10000" ;;
    put-100-again)  load_args put-100 ;;
    put-100-alternating) echo "${common[*]} --op put --target leader --conns 10 --clients 100 --total 100000000 --key-space 10000 --leases 10000 --lease-ttl 10 --lease-streams 100 --lease-alternate --duration ${ALT_DURATION:-60s}" ;;
    put-100-alternating-control) echo "$(load_args put-100-alternating) --lease-alternate-control" ;;
    put-100-expiring) echo "${common[*]} --op put --target leader --conns 10 --clients 100 --total $M --key-space 10000 --expiring-leases 100000 --expiring-after 60s" ;;
    put-100-leases) echo "${common[*]} --op put --target leader   --conns 10  --clients 100  --total $M --key-space 10000 --leases 10000 --lease-ttl 10 --lease-streams 100" ;;
    leases-alone)   echo "${common[*]} --op put --target leader   --conns 1   --clients 0    --total 0  --leases 10000 --lease-ttl 10 --lease-streams 100" ;;
    put-1000)       echo "${common[*]} --op put --target leader   --conns 100 --clients 1000 --total $L --key-space 10000" ;;
    put-1000-all)   echo "${common[*]} --op put --target any      --conns 100 --clients 1000 --total $L --key-space 10000" ;;
    mixed-6)        echo "${common[*]} --op mixed --target pinned --clients 6 --total $L --mixed-keys 5" ;;
    get-lin-1)      echo "${common[*]} --op get --consistency l --target leader --conns 1 --clients 1 --total $S --key-space 1000" ;;
    get-ser-1)      echo "${common[*]} --op get --consistency s --target leader --conns 1 --clients 1 --total $S --key-space 1000" ;;
    get-lin-1000)   echo "${common[*]} --op get --consistency l --target any --conns 100 --clients 1000 --total $L --key-space 1000" ;;
    get-ser-1000)   echo "${common[*]} --op get --consistency s --target any --conns 100 --clients 1000 --total $L --key-space 1000" ;;
    *) echo "unknown load $1" >&2; return 1 ;;
  esac
}

# jfr_members start|stop: a JFR recording (the JDK's "profile" settings) in each Keel member over the loads.
jfr_members() {
  local i=0 pid
  for pid in $(server_pids | tr , ' '); do
    i=$((i + 1))
    if [ "$1" = start ]; then
      jcmd "$pid" JFR.start name=compare settings=profile >/dev/null
    else
      jcmd "$pid" JFR.stop name=compare filename="$JFR_DIR/keel-member$i-pid$pid.jfr" >/dev/null
      echo "   JFR recording: $JFR_DIR/keel-member$i-pid$pid.jfr"
    fi
  done
}

# profile_members load|start|stop: async-profiler in each Keel member over the loads (jcmd loads it as an agent; the
# options are quoted because jcmd would otherwise split them at '='), then a summary by thread kind. It is loaded
# (started and stopped at once) before the warm-up: loading an agent makes the JVM throw away its compiled code, and
# a profiler loaded after the warm-up measured the JIT recompiling everything (15-40% of each member's CPU).
profile_members() {
  local i=0 pid
  for pid in $(server_pids | tr , ' '); do
    i=$((i + 1))
    if [ "$1" = load ]; then
      jcmd "$pid" JVMTI.agent_load "$AP_LIB" '"start,event=cpu,interval=1ms,threads"' >/dev/null
      jcmd "$pid" JVMTI.agent_load "$AP_LIB" '"stop,file=/dev/null,collapsed"' >/dev/null
    elif [ "$1" = start ]; then
      jcmd "$pid" JVMTI.agent_load "$AP_LIB" '"start,event=cpu,interval=1ms,threads"' >/dev/null
    else
      jcmd "$pid" JVMTI.agent_load "$AP_LIB" "\"stop,file=$PROFILE_DIR/keel-member$i.collapsed,collapsed\"" >/dev/null
    fi
  done
  if [ "$1" = stop ]; then
    echo "   profile: $PROFILE_DIR/keel-member*.collapsed; by thread kind:"
    "$JAVA" -cp "$LOADGEN_CP" io.keel.benchmarks.profile.ProfileSummary "$PROFILE_DIR"/keel-member*.collapsed \
      | tee "$PROFILE_DIR/summary.txt" | sed 's/^/   /'
  fi
}

declare -A RES # RES[kind:load:field:round]
declare -A OPLINES # OPLINES[kind:load:round]: the per-kind OPSUMMARY lines of a mixed load
run_side() {
  local kind=$1 round=$2 load line out field
  echo "== $kind (round $round of $ROUNDS): starting 3 members on 127.0.0.1 (data in $D)"
  start_cluster "$kind"
  echo "   endpoints $EPS, pids ${PIDS[*]}"
  # The same unmeasured warm-up for both: a server that has run for a while is what is being compared (Keel's JVM
  # compiles its hot paths in the first seconds, which would otherwise be billed to the first loads). Both paths are
  # warmed, writes and reads: with puts alone, a profile of Keel's first read load showed a third of its CPU in the
  # JIT compiler. The puts go to every member, so a follower's forwarding path is warm too: with puts to the leader
  # alone, a profile of put-1 and put-1000-all showed the JIT compiler taking 40% of each follower's CPU.
  if [ "$kind" = keel ] && [ -n "$PROFILE_DIR" ]; then profile_members load; fi
  # With the Go generator the puts' warm-up also keeps leases alive over 100 keep-alive streams at every member, so
  # the keep-alive path (streams, a follower's forwarding, the leader's answers) is compiled before the loads as the
  # put and read paths are: without it, put-100-leases paid for compiling that path (issue 16: the JIT compiler was
  # most of the members' CPU in that load on a loaded machine). As many leases, of the same TTL, as put-100-leases
  # keeps alive: with 2,000 of 5 s (before 2026-12-07) the lease load still paid 0.5-1.2 s of JIT in its first pass
  # (granting 10,000 leases at once, larger lease tables). They expire (once the keep-alives stop) well before the
  # reads' warm-up ends, so their expiries are warmed too and none is left over for the loads.
  local warm_leases=""
  if [ "$GEN" = go ] && [ "${WARMUP_LEASES:-1}" = 1 ]; then warm_leases="--leases 10000 --lease-ttl 10 --lease-streams 100"; fi
  local warm_mixed=""
  if [ "$GEN" = go ] && [ "${WARMUP_MIXED:-1}" = 1 ]; then warm_mixed=", then mixed-6 for $WARMUP"; fi
  echo "   warm-up: puts with 100 clients spread over all members for $WARMUP${warm_leases:+ (keeping leases alive: $warm_leases)}, then linearizable gets with 1000 clients for $WARMUP$warm_mixed, not measured"
  # shellcheck disable=SC2046
  loadgen --endpoints "$EPS" --label "$kind-warmup" $(load_args put-100 | sed "s/--duration $T/--duration $WARMUP/; s/--total $M/--total 10000000/; s/--target leader/--target any/") $warm_leases >/dev/null 2>&1 || true
  # shellcheck disable=SC2046
  loadgen --endpoints "$EPS" --label "$kind-warmup-reads" $(load_args get-lin-1000 | sed "s/--duration $T/--duration $WARMUP/; s/--total $L/--total 10000000/") >/dev/null 2>&1 || true
  # Then (Go generator) the configuration master's own mix, a few clients pinned one per member with one request in
  # flight each: compare-and-swap transactions, writes and linearizable reads at a follower, one request at a time.
  # The two phases above never run a transaction, nor a member with a single request in flight, and Keel's JIT
  # compiled those paths during the first measured loads: over 2026-12-07's runs it took 2.0-3.5 s of CPU in put-1
  # (a quarter of the members' CPU) and 4.6-5.4 s in mixed-6 (a fifth), and a second pass of the same loads on the
  # same cluster ran put-1 27% and mixed-6 20% faster (docs/benchmarks.md, "What the JIT costs the first loads").
  # WARMUP_MIXED=0 leaves this phase out, as before 2026-12-07.
  if [ "$GEN" = go ] && [ "${WARMUP_MIXED:-1}" = 1 ]; then
    # shellcheck disable=SC2046
    loadgen --endpoints "$EPS" --label "$kind-warmup-mixed" $(load_args mixed-6 | sed "s/--duration $T/--duration $WARMUP/; s/--total $L/--total 10000000/") >/dev/null 2>&1 || true
  fi
  # put-100-alternating: the same load once, unmeasured, before the measured loads. Keep-alives switched on and off
  # every few seconds send Keel's JIT back and forth between two profiles of the request path: in the measured run after
  # the warm-up above, the members still compiled twice as often in windows with keep-alives as in those without
  # (231 compilations and 131 deoptimizations against 124 and 40 over 2026-12-08 03:29's run, decaying from about 60
  # a window at the start to under 10 at the end), which charged a one-off cost of starting to the keep-alives.
  # A member that has run for a while has paid it; etcd has no JIT, so the phase costs it nothing but time.
  # WARMUP_ALTERNATING=0 leaves it out.
  case " ${LOADS[*]} " in *" put-100-alternating "*|*" put-100-alternating-control "*)
    if [ "${WARMUP_ALTERNATING:-1}" = 1 ]; then
      echo "   warm-up: put-100-alternating for $WARMUP, not measured"
      # shellcheck disable=SC2046
      loadgen --endpoints "$EPS" --label "$kind-warmup-alternating" $(load_args put-100-alternating | sed "s/--duration [^ ]*/--duration $WARMUP/") >/dev/null 2>&1 || true
    fi ;;
  esac
  if [ "$kind" = keel ] && [ -n "$JFR_DIR" ]; then jfr_members start; fi
  if [ "$kind" = keel ] && [ -n "$PROFILE_DIR" ]; then profile_members start; fi
  for load in "${LOADS[@]}"; do
    # shellcheck disable=SC2046 # load_args is word-split on purpose
    cs_before=$(ctxt_switches)
    ctxt_switches_by_kind >"$D/ctxt-before"
    cpu_by_kind >"$D/cpu-before"
    if ! out=$(loadgen --endpoints "$EPS" --server-pids "$(server_pids)" --label "$kind-$load" $(load_args "$load") 2>&1); then
      echo "$out" | sed 's/^/   /'
      echo "   $kind $load: the load generator failed" >&2
      RES[$kind:$load:failed:$round]=1
      continue
    fi
    echo "$out" | grep -v '^SUMMARY \|^OPSUMMARY ' | sed 's/^/   /'
    OPLINES[$kind:$load:$round]=$(grep '^OPSUMMARY ' <<<"$out" || true)
    line=$(grep '^SUMMARY ' <<<"$out" | tail -1)
    for field in ops_per_s p50_ms p99_ms cpu_us_per_op errors error_codes ok; do
      RES[$kind:$load:$field:$round]=$(sed -n "s/.* $field=\([^ ]*\).*/\1/p" <<<"$line")
    done
    # Over the generator's whole run (its connecting included, which the CPU figure leaves out), per successful op.
    local cs_after; cs_after=$(ctxt_switches)
    RES[$kind:$load:ctxt_vol:$round]=$(awk -v b="$cs_before" -v a="$cs_after" -v ok="${RES[$kind:$load:ok:$round]:-0}" \
      'BEGIN{split(b, x, " "); split(a, y, " "); if (ok > 0) printf "%.1f", (y[1]-x[1])/ok}')
    RES[$kind:$load:ctxt_invol:$round]=$(awk -v b="$cs_before" -v a="$cs_after" -v ok="${RES[$kind:$load:ok:$round]:-0}" \
      'BEGIN{split(b, x, " "); split(a, y, " "); if (ok > 0) printf "%.1f", (y[2]-x[2])/ok}')
    ctxt_switches_by_kind >"$D/ctxt-after"
    cpu_by_kind >"$D/cpu-after"
    echo "   $kind $load: CPU ms by thread kind, all members: $(awk 'NR==FNR{b[$1]=$2; next} {d=$2-b[$1]; if (d > 0) print d, $1}' \
      "$D/cpu-before" "$D/cpu-after" | sort -rn | head -12 | awk '{printf "%s%s %s", (NR>1?", ":""), $2, $1}')"
    # The thread kinds that switched most (threads that ended during the load are missed: few, and not Keel's own).
    echo "   $kind $load: voluntary context switches per op by thread kind: $(awk -v ok="${RES[$kind:$load:ok:$round]:-0}" \
      'NR==FNR{b[$1]=$2; next} {d=$2-b[$1]; if (ok > 0 && d > 0) printf "%.2f %s\n", d/ok, $1}' "$D/ctxt-before" "$D/ctxt-after" \
      | sort -rn | head -10 | awk '{printf "%s%s %s", (NR>1?", ":""), $2, $1}')"
    line=$(grep '^LEASESUMMARY ' <<<"$out" | tail -1 || true)
    for field in keepalives_per_s leases_lost raft_entries_per_s cpu_us_per_keepalive; do
      RES[$kind:$load:$field:$round]=$(sed -n "s/.* $field=\([^ ]*\).*/\1/p" <<<"$line")
    done
    line=$(grep '^ALTSUMMARY ' <<<"$out" | tail -1 || true)
    for field in windows puts_per_s_on puts_per_s_off ratio pair_ratio_p25 pair_ratio_p50 pair_ratio_p75 keepalives_per_s_on leases_lost; do
      RES[$kind:$load:alt_$field:$round]=$(sed -n "s/.* $field=\([^ ]*\).*/\1/p" <<<"$line")
    done
    line=$(grep '^ALTCPU ' <<<"$out" | tail -1 || true)
    for field in members_cores_on members_cores_off jit_cores_on jit_cores_off gen_cores_on gen_cores_off \
        idle_cores_on idle_cores_off member_us_per_put_off member_us_per_keepalive gen_us_per_keepalive; do
      RES[$kind:$load:alt_$field:$round]=$(sed -n "s/.* $field=\([^ ]*\).*/\1/p" <<<"$line")
    done
    line=$(grep '^EXPIRYSUMMARY ' <<<"$out" | tail -1 || true)
    for field in revoked_in_load revoked_per_s; do
      RES[$kind:$load:$field:$round]=$(sed -n "s/.* $field=\([^ ]*\).*/\1/p" <<<"$line")
    done
  done
  if [ "$kind" = keel ] && [ -n "$JFR_DIR" ]; then jfr_members stop; fi
  if [ "$kind" = keel ] && [ -n "$PROFILE_DIR" ]; then profile_members stop; fi
  echo "== $kind: stopping pids ${PIDS[*]}"
  stop_members
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
if [ "$TLS" = 1 ]; then echo "TLS on both ports for both sides (client certificates required; Keel's client port: ${JAVA_OPTS:-default engine})"; fi
echo "etcd: $(etcd --version 2>/dev/null | awk '/etcd Version/{print $3}'); load generator JVM: $("$JAVA" -version 2>&1 | head -1)"
if [ "$ONLY" != etcd ] && [ ! -x "$KEEL_BIN" ]; then
  echo "== keel: no launcher at $KEEL_BIN (build it with ./mvnw -q -B -pl server -am package -DskipTests); Keel not measured"
fi
for round in $(seq 1 "$ROUNDS"); do
  order="etcd keel"; [ $((round % 2)) = 0 ] && order="keel etcd"
  for kind in $order; do
    [ -n "$ONLY" ] && [ "$ONLY" != "$kind" ] && continue
    [ "$kind" = keel ] && [ ! -x "$KEEL_BIN" ] && continue
    run_side "$kind" "$round"
  done
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- the table
# val kind:load:field: the median over the rounds of a numeric field (the upper one of the middle two), else the
# rounds' values joined by '/'; empty when no round has it.
val() {
  local r v vals=()
  for r in $(seq 1 "$ROUNDS"); do v=${RES[$1:$r]:-}; [ -n "$v" ] && vals+=("$v"); done
  [ ${#vals[@]} = 0 ] && return 0
  if printf '%s\n' "${vals[@]}" | grep -qvE '^-?[0-9]+([.][0-9]+)?$'; then
    printf '%s\n' "${vals[@]}" | sort -u | paste -sd/ -
  else
    printf '%s\n' "${vals[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int(NR/2)+1]}'
  fi
}
cell() { # kind load: "ops/s  p50/p99  cpu  errors"
  local k=$1 l=$2
  if [ -n "$(val "$k:$l:failed")" ]; then printf 'failed'; return; fi
  if [ -z "$(val "$k:$l:ops_per_s")" ]; then printf '–'; return; fi
  printf '%.0f/s, p50 %.2f p99 %.2f ms, %s us/op%s' "$(val "$k:$l:ops_per_s")" "$(val "$k:$l:p50_ms")" \
    "$(val "$k:$l:p99_ms")" "$(printf '%.0f' "$(val "$k:$l:cpu_us_per_op")")" \
    "$( [ "$(val "$k:$l:errors")" != 0 ] && echo ", errors $(val "$k:$l:error_codes")" )"
}
# ratio load: Keel/etcd throughput, each round's own ratio (the two sides of one round ran minutes apart), then the
# median of those and, with several rounds, their range.
ratio() {
  local r a b rs=()
  for r in $(seq 1 "$ROUNDS"); do
    a=${RES[keel:$1:ops_per_s:$r]:-}; b=${RES[etcd:$1:ops_per_s:$r]:-}
    if [ -n "$a" ] && [ -n "$b" ] && awk -v b="$b" 'BEGIN{exit !(b > 0)}'; then rs+=("$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"); fi
  done
  if [ ${#rs[@]} = 0 ]; then printf '–'; return; fi
  printf '%s\n' "${rs[@]}" | sort -g | awk '{a[NR]=$1} END{printf "%s", a[int(NR/2)+1]; if (NR > 1) printf " (%s–%s)", a[1], a[NR]}'
}
echo
echo "| load | Keel | etcd | Keel/etcd throughput |"
echo "|---|---|---|---|"
for load in "${LOADS[@]}"; do
  echo "| $load | $(cell keel "$load") | $(cell etcd "$load") | $(ratio "$load") |"
done
echo "(CPU: all three members' utime+stime over the load, per successful operation; latencies of successful requests)"
echo
echo "| load | Keel context switches per op | etcd context switches per op |"
echo "|---|---|---|"
for load in "${LOADS[@]}"; do
  ctxt_cell() { [ -n "$(val "$1:$load:ctxt_vol")" ] && printf '%s voluntary, %s involuntary' "$(val "$1:$load:ctxt_vol")" "$(val "$1:$load:ctxt_invol")" || printf '–'; }
  echo "| $load | $(ctxt_cell keel) | $(ctxt_cell etcd) |"
done
echo "(all three members' threads, from /proc/PID/task/*/status, over the generator's run, per successful operation)"
for load in "${LOADS[@]}"; do
  [ -n "${OPLINES[keel:$load:1]:-}${OPLINES[etcd:$load:1]:-}" ] || continue
  echo
  echo "$load by kind of operation$( [ "$ROUNDS" -gt 1 ] && echo " (round 1 of $ROUNDS)"):"
  echo "| kind | Keel | etcd |"
  echo "|---|---|---|"
  for k in get put cas; do
    kcell=$({ grep " kind=$k " <<<"${OPLINES[keel:$load:1]:-}" || true; } | sed -n 's/.* ops_per_s=\([^ ]*\) p50_ms=\([^ ]*\) p90_ms=\([^ ]*\) p99_ms=\([^ ]*\).*/\1\/s, p50 \2 p90 \3 p99 \4 ms/p')
    ecell=$({ grep " kind=$k " <<<"${OPLINES[etcd:$load:1]:-}" || true; } | sed -n 's/.* ops_per_s=\([^ ]*\) p50_ms=\([^ ]*\) p90_ms=\([^ ]*\) p99_ms=\([^ ]*\).*/\1\/s, p50 \2 p90 \3 p99 \4 ms/p')
    echo "| $k | ${kcell:-–} | ${ecell:-–} |"
  done
done
# ---------------------------------------------------------------- keep-alives in alternate windows (issue 16)
# rounds_of KEY: each round's value of KEY (side:load:field), in the order of the rounds.
rounds_of() {
  local r out=""
  for r in $(seq 1 "$ROUNDS"); do [ -n "${RES[$1:$r]:-}" ] && out+="${out:+, }${RES[$1:$r]}"; done
  echo "$out"
}
for alt in put-100-alternating put-100-alternating-control; do
  case " ${LOADS[*]} " in *" $alt "*) ;; *) continue ;; esac
  echo
  if [ "$alt" = put-100-alternating ]; then
    echo "put-100-alternating (put-100 while 10,000 leases of 10 s are kept alive in one 2.5 s window of each pair, drawn at random):"
  else
    echo "put-100-alternating-control (the same, keep-alives in every window: the two kinds differ by chance alone):"
  fi
  echo "| side | |"
  echo "|---|---|"
  for k in keel etcd; do
    [ -n "$(val "$k:$alt:alt_ratio")" ] || continue
    printf '| %s | puts %.0f/s in windows with keep-alives, %.0f/s without: %s (each round: %s; pairs of windows: median %s, quartiles %s–%s; %s windows a round), %.0f keep-alives/s in the windows with them, %s leases lost |\n' "$k" \
      "$(val "$k:$alt:alt_puts_per_s_on")" "$(val "$k:$alt:alt_puts_per_s_off")" \
      "$(awk -v r="$(val "$k:$alt:alt_ratio")" 'BEGIN{printf "%.1f%%", 100*r}')" "$(rounds_of "$k:$alt:alt_ratio")" \
      "$(val "$k:$alt:alt_pair_ratio_p50")" "$(val "$k:$alt:alt_pair_ratio_p25")" \
      "$(val "$k:$alt:alt_pair_ratio_p75")" "$(val "$k:$alt:alt_windows")" \
      "$(val "$k:$alt:alt_keepalives_per_s_on")" "$(val "$k:$alt:alt_leases_lost")"
  done
  # Sampled at the windows' boundaries by the generator (ALTCPU); cores are CPU seconds per second. A keep-alive's
  # cost is inferred from each run's own windows: the CPU of those with keep-alives, less their puts at the CPU a put
  # costs in those without, over their keep-alives (cores and µs per put: medians over the rounds; a keep-alive's
  # cost: each round's, in order, since one round cannot resolve Keel's).
  echo
  echo "CPU in the two kinds of window (cores; with keep-alives / without), and a keep-alive's cost inferred from them:"
  echo "| side | members | members' JIT | generator | machine idle | members µs per put | members µs per keep-alive (JIT left out) | generator µs per keep-alive |"
  echo "|---|---|---|---|---|---|---|---|"
  for k in keel etcd; do
    [ -n "$(val "$k:$alt:alt_members_cores_on")" ] || continue
    a() { val "$k:$alt:alt_$1"; }
    echo "| $k | $(a members_cores_on) / $(a members_cores_off) | $(a jit_cores_on) / $(a jit_cores_off) | $(a gen_cores_on) / $(a gen_cores_off) | $(a idle_cores_on) / $(a idle_cores_off) | $(a member_us_per_put_off) | $(rounds_of "$k:$alt:alt_member_us_per_keepalive") | $(rounds_of "$k:$alt:alt_gen_us_per_keepalive") |"
  done
done
# ---------------------------------------------------------------- mass expiry (issue 16)
case " ${LOADS[*]} " in *" put-100-expiring "*)
  echo
  echo "put-100-expiring (100,000 leases, a key each, all due in the second the clock starts, while 100 clients put):"
  echo "| side | |"
  echo "|---|---|"
  for k in keel etcd; do
    l=$(val "$k:put-100-expiring:ops_per_s"); [ -n "$l" ] || continue
    p=$(val "$k:put-100:ops_per_s")
    printf '| %s | puts %.0f/s%s, p99 %s ms (put-100: %s ms), %s leases revoked in the window (%s/s) |\n' "$k" "$l" \
      "$( [ -n "$p" ] && awk -v a="$l" -v b="$p" 'BEGIN{printf " (%.0f%% of put-100)", 100*a/b}')" \
      "$(val "$k:put-100-expiring:p99_ms")" "$(val "$k:put-100:p99_ms")" \
      "$(val "$k:put-100-expiring:revoked_in_load")" "$(val "$k:put-100-expiring:revoked_per_s")"
  done
  ;;
esac
# ---------------------------------------------------------------- leases (issue 16)
case " ${LOADS[*]} " in *" put-100-leases "*)
  # lease_baseline kind round field: put-100's figure in that round, or with put-100-again also run (after the lease
  # load), the mean of the two, so that neither the load before the lease load nor the one after it sets the bar.
  lease_baseline() {
    local a=${RES[$1:put-100:$3:$2]:-} b=${RES[$1:put-100-again:$3:$2]:-}
    if [ -n "$a" ] && [ -n "$b" ]; then awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1f", (a+b)/2}'; else printf '%s' "$a"; fi
  }
  # lease_share kind: put-100-leases' puts/s over the baseline's, each round's own, then their median and range.
  lease_share() {
    local r l p rs=()
    for r in $(seq 1 "$ROUNDS"); do
      l=${RES[$1:put-100-leases:ops_per_s:$r]:-}; p=$(lease_baseline "$1" "$r" ops_per_s)
      if [ -n "$l" ] && [ -n "$p" ] && awk -v p="$p" 'BEGIN{exit !(p > 0)}'; then
        rs+=("$(awk -v a="$l" -v b="$p" 'BEGIN{printf "%.0f", 100*a/b}')")
      fi
    done
    if [ ${#rs[@]} = 0 ]; then printf '–'; return; fi
    printf '%s\n' "${rs[@]}" | sort -g | awk '{a[NR]=$1} END{printf "%s%%", a[int(NR/2)+1]; if (NR > 1) printf " (%s–%s%%)", a[1], a[NR]}'
  }
  # lease_cpu kind: the members' CPU per keep-alive, each round's own (the lease load's CPU less the baseline's CPU
  # per put times its puts, over its keep-alives), then the median.
  lease_cpu() {
    local r l cl cp ka rs=()
    for r in $(seq 1 "$ROUNDS"); do
      l=${RES[$1:put-100-leases:ops_per_s:$r]:-}; cl=${RES[$1:put-100-leases:cpu_us_per_op:$r]:-}
      ka=${RES[$1:put-100-leases:keepalives_per_s:$r]:-}; cp=$(lease_baseline "$1" "$r" cpu_us_per_op)
      if [ -n "$l" ] && [ -n "$cl" ] && [ -n "$cp" ] && [ -n "$ka" ] && awk -v ka="$ka" 'BEGIN{exit !(ka > 0)}'; then
        rs+=("$(awk -v l="$l" -v cl="$cl" -v cp="$cp" -v ka="$ka" 'BEGIN{printf "%.1f", l*(cl-cp)/ka}')")
      fi
    done
    if [ ${#rs[@]} = 0 ]; then printf '–'; return; fi
    printf '%s\n' "${rs[@]}" | sort -g | awk '{a[NR]=$1} END{printf "%s", a[int(NR/2)+1]}'
  }
  lease_cell() { # kind
    local k=$1 l
    l=$(val "$k:put-100-leases:ops_per_s")
    if [ -z "$l" ]; then printf '–'; return; fi
    printf 'puts %.0f/s (%s of %s), %.0f keep-alives/s, %s leases lost, log %s entries/s (put-100: %s), %s us CPU per keep-alive' \
      "$l" "$(lease_share "$k")" \
      "$( [ -n "$(val "$k:put-100-again:ops_per_s")" ] && echo 'the mean of put-100 and put-100-again' || echo 'put-100')" \
      "$(val "$k:put-100-leases:keepalives_per_s")" "$(val "$k:put-100-leases:leases_lost")" \
      "$(val "$k:put-100-leases:raft_entries_per_s")" "$(val "$k:put-100:raft_entries_per_s")" "$(lease_cpu "$k")"
  }
  echo
  echo "put-100-leases (10,000 leases of 10 s kept alive over 100 streams while 100 clients put):"
  echo "| side | |"
  echo "|---|---|"
  echo "| Keel | $(lease_cell keel) |"
  echo "| etcd | $(lease_cell etcd) |"
  for k in keel etcd; do
    [ -n "$(val "$k:leases-alone:keepalives_per_s")" ] || continue
    echo "| $k, leases-alone | $(printf '%.0f' "$(val "$k:leases-alone:keepalives_per_s")") keep-alives/s alone, $(val "$k:leases-alone:cpu_us_per_keepalive") us CPU per keep-alive (measured, nothing else running), log $(val "$k:leases-alone:raft_entries_per_s") entries/s |"
  done
  echo "(share of put-100: each round's own ratio, then their median and range; log growth: at the member that led"
  echo " when the load started; puts are entries too, so compare with put-100's entries/s: Keel must add none for"
  echo " renewals. CPU per keep-alive: this load's CPU less put-100's CPU per put times its puts, over the keep-alives)"
  ;;
esac
