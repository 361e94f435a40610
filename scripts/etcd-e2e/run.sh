#!/usr/bin/env bash
# Runs etcd 3.4's own end-to-end suite (go.etcd.io/etcd/tests/e2e, from Debian's golang-etcd-server-dev) against
# Keel's launcher, and the same tests against etcd 3.4 as the baseline, one test at a time, and prints a table and
# "N passed, F failed" over the tests that pass on etcd here.
#
#   scripts/etcd-e2e/run.sh [--only=keel|etcd|both] [--tests=FILE|--run=REGEX] [--work=DIR] [--keel=DIR]
#
#   --only     which side to run (default both). A side not run is read from the last results in --work, if any.
#   --tests    a file of test names, one per line ('#' starts a comment); default: every test in the suite's v3
#              set (tests.v3 beside this script).
#   --run      a Go test regex instead of --tests (e.g. --run='TestCtlV3Put.*').
#   --work     where the test binary, bin dirs, logs and results go (default /tmp/keel-etcd-e2e).
#   --keel     Keel's distribution (default: server/target/keel-*; build it with ./mvnw -q -B package -DskipTests).
#   --keel-bin a program to run as Keel's launcher instead of the distribution's bin/keel (the CI test uses one that
#              runs the launcher from the test classpath).
#   --per-test-timeout  seconds for one test (default 300).
#
# Needs golang-go, golang-etcd-server-dev and etcd-client (Debian), and etcd-server for the etcd side. The suite listens on fixed ports
# (20000 and up) on localhost, so one run at a time. Exit status: 0 when every test that passed on etcd in this run
# (or in the recorded baseline) passed on Keel, except the tests listed in excluded.txt; 1 otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
only=both tests_file="$here/tests.v3" run_regex="" work=/tmp/keel-etcd-e2e keel_dist="" keel_bin="" per_test=300
for arg in "$@"; do
  case "$arg" in
    --only=*) only=${arg#*=} ;;
    --tests=*) tests_file=${arg#*=} ;;
    --run=*) run_regex=${arg#*=} ;;
    --work=*) work=${arg#*=} ;;
    --keel=*) keel_dist=${arg#*=} ;;
    --keel-bin=*) keel_bin=${arg#*=} ;;
    --per-test-timeout=*) per_test=${arg#*=} ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in keel|etcd|both) ;; *) echo "run.sh: --only must be keel, etcd or both, not $only" >&2; exit 2 ;; esac

etcd_src=/usr/share/gocode/src/go.etcd.io/etcd
needs="go:golang-go etcdctl:etcd-client"
[ "$only" = keel ] || needs="$needs etcd:etcd-server"
for need in $needs; do
  command -v "${need%%:*}" >/dev/null || { echo "run.sh: ${need%%:*} not found: apt-get install ${need#*:}" >&2; exit 2; }
done
[ -d "$etcd_src/tests/e2e" ] || { echo "run.sh: $etcd_src/tests/e2e not found: apt-get install golang-etcd-server-dev" >&2; exit 2; }

mkdir -p "$work/etcd-bin" "$work/keel-bin" "$work/logs"
bin="$work/e2e.test"
if [ ! -x "$bin" ] || [ "$etcd_src/tests/e2e" -nt "$bin" ]; then
  echo "run.sh: building etcd's e2e test binary (GOPATH mode, from $etcd_src)"
  GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= go test -c -o "$bin" go.etcd.io/etcd/tests/e2e
fi
[ "$only" = keel ] || ln -sf "$(command -v etcd)" "$work/etcd-bin/etcd"
ln -sf "$(command -v etcdctl)" "$work/etcd-bin/etcdctl"
ln -sf "$(command -v etcdctl)" "$work/keel-bin/etcdctl"
if [ "$only" != etcd ]; then
  if [ -z "$keel_bin" ]; then
    if [ -z "$keel_dist" ]; then keel_dist=$(ls -d "$repo"/server/target/keel-*/ 2>/dev/null | head -n 1); fi
    [ -x "$keel_dist/bin/keel" ] || { echo "run.sh: no Keel distribution (build: ./mvnw -q -B package -DskipTests, or --keel=DIR)" >&2; exit 2; }
    keel_bin="$(cd "$keel_dist" && pwd)/bin/keel"
  fi
  [ -x "$keel_bin" ] || { echo "run.sh: $keel_bin is not an executable launcher" >&2; exit 2; }
  cat > "$work/keel-bin/etcd" <<WRAP
#!/usr/bin/env bash
KEEL_BIN="$keel_bin" exec "$here/keel-as-etcd" "\$@"
WRAP
  chmod +x "$work/keel-bin/etcd"
fi

if [ -n "$run_regex" ]; then
  mapfile -t tests < <("$bin" -test.list "$run_regex")
else
  mapfile -t tests < <(sed 's/#.*//; s/[[:space:]]*$//' "$tests_file" | grep -v '^$')
fi
[ "${#tests[@]}" -gt 0 ] || { echo "run.sh: no test selected" >&2; exit 2; }

run_side() { # side -> writes $work/results-<side>.txt: "<test> PASS|FAIL|TIMEOUT <seconds>"
  local side=$1 out="$work/results-$1.txt" t start rc status
  : > "$out"
  echo "run.sh: ${#tests[@]} tests against $side"
  for t in "${tests[@]}"; do
    start=$(date +%s)
    set +e
    mkdir -p "$work/logs/$side-$t"
    (cd "$etcd_src/tests/e2e" && KEEL_AS_ETCD_LOGS="$work/logs/$side-$t" timeout -k 10 "$per_test" "$bin" -test.v -test.run "^${t}\$" \
        -test.timeout "$((per_test - 5))s" -bin-dir "$work/$side-bin" -cert-dir "$etcd_src/integration/fixtures") \
        > "$work/logs/$side-$t.log" 2>&1
    rc=$?
    set -e
    if grep -q "^--- PASS: $t " "$work/logs/$side-$t.log" && [ $rc -eq 0 ]; then status=PASS
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ] || grep -q "panic: test timed out" "$work/logs/$side-$t.log"; then status=TIMEOUT
    else status=FAIL; fi
    echo "$t $status $(( $(date +%s) - start ))" | tee -a "$out" | sed 's/^/  /'
  done
}
[ "$only" = keel ] || run_side etcd
[ "$only" = etcd ] || run_side keel

# The table: over the tests of this run, the etcd result (this run's, else the recorded baseline) beside Keel's.
baseline="$work/results-etcd.txt"
[ -s "$baseline" ] || baseline="$here/etcd-baseline.txt"
excluded="$here/excluded.txt"
python3 - "$baseline" "$work/results-keel.txt" "$excluded" "${tests[@]}" <<'PY'
import sys, os
base_f, keel_f, excl_f, tests = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def read(f):
    r = {}
    if os.path.exists(f):
        for line in open(f):
            p = line.split()
            if len(p) >= 2: r[p[0]] = p[1]
    return r
base, keel = read(base_f), read(keel_f)
excl = {}
if os.path.exists(excl_f):
    for line in open(excl_f):
        line = line.split('#', 1)[0].strip() if not line.lstrip().startswith('#') else ''
        if line:
            name, _, why = line.partition(' ')
            excl[name] = why.strip()
w = max([len(t) for t in tests] + [4])
print(f"{'test':<{w}}  {'etcd':<8}{'keel':<8}")
passed = failed = excluded = 0
for t in tests:
    e, k = base.get(t, '-'), keel.get(t, '-')
    mark = ''
    if e == 'PASS':
        if t in excl: excluded += 1; mark = '  excluded: ' + excl[t]
        elif k == 'PASS': passed += 1
        elif k != '-': failed += 1
    print(f"{t:<{w}}  {e:<8}{k:<8}{mark}")
others = sum(1 for t in tests if base.get(t) not in ('PASS', None, '-'))
print(f"\n{passed} passed, {failed} failed on Keel, of the tests that pass on etcd here ({excluded} excluded, {others} do not pass on etcd)")
sys.exit(0 if failed == 0 else 1)
PY
