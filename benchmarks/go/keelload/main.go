// keelload puts a bounded load on an etcd-v3-compatible cluster (Keel or etcd) through etcd's own Go client
// (clientv3 from Debian's golang-etcd-server-dev, built in GOPATH mode by benchmarks/compare-etcd.sh), so that both
// sides are driven by the client etcd's users run, and the generator's own CPU is small next to the servers'.
//
// Each client has one request in flight. Clients share -conns gRPC connections; -target says where connections
// go: any (round robin over -endpoints), leader, follower (one member that is not the leader), or pinned (client i
// has its own connection to endpoint i mod n). The last line is a SUMMARY line in the format of Keel's Java load
// generator (io.keel.benchmarks.load.LoadResult), which compare-etcd.sh parses; -op mixed adds one OPSUMMARY line per
// kind of operation.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/etcdserver/api/v3rpc/rpctypes"
	"go.etcd.io/etcd/mvcc/mvccpb"
	"go.etcd.io/etcd/pkg/transport"
)

type settings struct {
	endpoints   []string
	conns       int
	clients     int
	total       int64
	duration    time.Duration
	op          string
	consistency string
	target      string
	keySize     int
	valSize     int
	keySpace    int64
	mixedKeys   int
	label       string
	serverPids  []int
	// Leases kept alive while the load runs (issue 16): granted before the clock starts, kept alive by clientv3's
	// lessors (each a keep-alive stream of its own, renewing every lease it holds every TTL/3).
	leases       int
	leaseTTL     int64
	leaseStreams int
	// Leases left to expire while the load runs (issue 16: "100,000 leases expiring in the same second are revoked
	// in bounded batches without stalling writes"): granted before the clock starts, each with a key attached, their
	// TTLs chosen so that all of them are due in the same second, when the clock starts.
	expiringLeases int
	expiringAfter  time.Duration
	// The leases' keep-alives on and off in alternate windows of TTL/3, by streams of keelload's own (alternate.go).
	leaseAlternate bool
	leaseAlwaysOn  bool
}

func parseFlags() settings {
	var s settings
	eps := flag.String("endpoints", "127.0.0.1:2379", "client endpoints, comma separated (http:// allowed)")
	flag.IntVar(&s.conns, "conns", 1, "gRPC connections (ignored with -target pinned: one per client)")
	flag.IntVar(&s.clients, "clients", 1, "concurrent clients, each with one request in flight")
	flag.Int64Var(&s.total, "total", 10000, "at most this many requests")
	flag.DurationVar(&s.duration, "duration", 15*time.Second, "at most this long")
	flag.StringVar(&s.op, "op", "put", "put | get | mixed (50% linearizable get, 25% put, 25% compare-and-swap)")
	flag.StringVar(&s.consistency, "consistency", "l", "get: l (linearizable) or s (serializable)")
	flag.StringVar(&s.target, "target", "any", "any | leader | follower | pinned")
	flag.IntVar(&s.keySize, "key-size", 8, "key bytes (put)")
	flag.IntVar(&s.valSize, "val-size", 256, "value bytes")
	flag.Int64Var(&s.keySpace, "key-space", 10000, "distinct keys (put and get)")
	flag.IntVar(&s.mixedKeys, "mixed-keys", 5, "keys of the mixed load")
	flag.StringVar(&s.label, "label", "-", "label of the SUMMARY line")
	pids := flag.String("server-pids", "", "server processes whose CPU is charged to the operations, comma separated")
	flag.IntVar(&s.leases, "leases", 0, "leases kept alive while the load runs (0: none)")
	flag.Int64Var(&s.leaseTTL, "lease-ttl", 10, "the leases' TTL in seconds")
	flag.IntVar(&s.leaseStreams, "lease-streams", 100, "keep-alive streams the leases share, over all endpoints")
	flag.BoolVar(&s.leaseAlternate, "lease-alternate", false, "keep the leases alive in every other window of TTL/3 only, and compare the puts of the two kinds of window")
	flag.BoolVar(&s.leaseAlwaysOn, "lease-alternate-control", false, "with -lease-alternate: keep the leases alive in every window, so the two kinds of window differ by chance alone (the measurement's noise)")
	flag.IntVar(&s.expiringLeases, "expiring-leases", 0, "leases, a key each, all due to expire in the second the clock starts (0: none)")
	flag.DurationVar(&s.expiringAfter, "expiring-after", 60*time.Second, "when those leases are due, from when their granting starts (it must be done by then)")
	cacert := flag.String("cacert", "", "TLS: the members' CA (PEM); with it the endpoints are https://")
	cert := flag.String("cert", "", "TLS: the client certificate to present (PEM)")
	key := flag.String("key", "", "TLS: its private key (PEM)")
	flag.Parse()
	if *cacert != "" {
		info := transport.TLSInfo{CertFile: *cert, KeyFile: *key, TrustedCAFile: *cacert}
		cfg, err := info.ClientConfig()
		if err != nil {
			fail("TLS files: %v", err)
		}
		tlsConfig = cfg
	}
	for _, e := range strings.Split(*eps, ",") {
		e = strings.TrimPrefix(strings.TrimPrefix(e, "http://"), "https://")
		if tlsConfig != nil {
			e = "https://" + e // clientv3 uses TLS for https:// endpoints only
		}
		s.endpoints = append(s.endpoints, e)
	}
	if *pids != "" {
		for _, p := range strings.Split(*pids, ",") {
			n, err := strconv.Atoi(p)
			if err != nil {
				fail("bad -server-pids entry %q", p)
			}
			s.serverPids = append(s.serverPids, n)
		}
	}
	return s
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "keelload: "+format+"\n", args...)
	os.Exit(1)
}

// tlsConfig is set by -cacert (and -cert, -key): every connection is then TLS.
var tlsConfig *tls.Config

func dial(endpoint string) *clientv3.Client {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, TLS: tlsConfig})
	if err != nil {
		fail("connecting to %s: %v", endpoint, err)
	}
	return c
}

// leaderAndFollower asks every endpoint for its status: the one whose member id is the leader's leads.
func leaderAndFollower(endpoints []string) (leader, follower string) {
	for attempt := 0; attempt < 50 && leader == ""; attempt++ {
		follower = ""
		for _, e := range endpoints {
			c := dial(e)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			st, err := c.Status(ctx, e)
			cancel()
			c.Close()
			if err != nil {
				continue
			}
			if st.Leader != 0 && st.Header.MemberId == st.Leader {
				leader = e
			} else if follower == "" {
				follower = e
			}
		}
		if leader == "" {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if leader == "" {
		fail("no leader among %v", endpoints)
	}
	return leader, follower
}

// connections opens the connections and says which one client i uses.
func connections(s settings) (conns []*clientv3.Client, of func(int) *clientv3.Client) {
	switch s.target {
	case "pinned":
		for i := 0; i < s.clients; i++ {
			conns = append(conns, dial(s.endpoints[i%len(s.endpoints)]))
		}
	case "leader", "follower":
		leader, follower := leaderAndFollower(s.endpoints)
		e := leader
		if s.target == "follower" {
			if follower == "" {
				fail("no follower among %v", s.endpoints)
			}
			e = follower
		}
		for i := 0; i < s.conns; i++ {
			conns = append(conns, dial(e))
		}
	case "any":
		for i := 0; i < s.conns; i++ {
			conns = append(conns, dial(s.endpoints[i%len(s.endpoints)]))
		}
	default:
		fail("unknown -target %q", s.target)
	}
	return conns, func(i int) *clientv3.Client { return conns[i%len(conns)] }
}

// kind of operation, for the latencies of the mixed load.
const (
	opGet = iota
	opPut
	opCas
	kinds
)

var kindNames = [kinds]string{"get", "put", "cas"}

// client is one simulated user: its own random source and what it last saw of each key (for compare-and-swap).
type client struct {
	s        settings
	c        *clientv3.Client
	rnd      *rand.Rand
	value    string
	lastSeen map[string]*int64 // mod revision last seen, by key
	lats     [kinds][]time.Duration
	errors   map[string]int
}

func (cl *client) key(n int64) string {
	k := strconv.FormatInt(n, 10)
	if len(k) < cl.s.keySize {
		k = strings.Repeat("k", cl.s.keySize-len(k)) + k
	}
	return k
}

func (cl *client) one(ctx context.Context) (int, error) {
	switch cl.s.op {
	case "put":
		_, err := cl.c.Put(ctx, cl.key(cl.rnd.Int63n(cl.s.keySpace)), cl.value)
		return opPut, err
	case "get":
		var opts []clientv3.OpOption
		if cl.s.consistency == "s" {
			opts = append(opts, clientv3.WithSerializable())
		}
		_, err := cl.c.Get(ctx, cl.key(cl.rnd.Int63n(cl.s.keySpace)), opts...)
		return opGet, err
	}
	k := cl.key(int64(cl.rnd.Intn(cl.s.mixedKeys)))
	r := cl.rnd.Intn(100)
	switch {
	case r < 50:
		resp, err := cl.c.Get(ctx, k)
		if err == nil {
			cl.remember(k, resp.Kvs)
		}
		return opGet, err
	case r < 75:
		_, err := cl.c.Put(ctx, k, cl.value)
		return opPut, err
	default:
		// Compare-and-swap as a configuration master does it: write only if the key is as last seen.
		var cmp clientv3.Cmp
		if rev := cl.lastSeen[k]; rev != nil {
			cmp = clientv3.Compare(clientv3.ModRevision(k), "=", *rev)
		} else {
			cmp = clientv3.Compare(clientv3.CreateRevision(k), "=", 0)
		}
		resp, err := cl.c.Txn(ctx).If(cmp).Then(clientv3.OpPut(k, cl.value)).Else(clientv3.OpGet(k)).Commit()
		if err == nil {
			if resp.Succeeded {
				rev := resp.Header.Revision
				cl.lastSeen[k] = &rev
			} else if len(resp.Responses) > 0 {
				cl.remember(k, resp.Responses[0].GetResponseRange().Kvs)
			}
		}
		return opCas, err
	}
}

func (cl *client) remember(k string, kvs []*mvccpb.KeyValue) {
	if len(kvs) > 0 {
		rev := kvs[0].ModRevision
		cl.lastSeen[k] = &rev
	} else {
		delete(cl.lastSeen, k)
	}
}

// serverCPU sums utime and stime (clock ticks) of the processes, from /proc/<pid>/stat.
func serverCPU(pids []int) time.Duration {
	var ticks int64
	for _, p := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// memberCPUs is each member's CPU time (utime+stime) so far, in the order of pids.
func memberCPUs(pids []int) []time.Duration {
	var out []time.Duration
	for _, p := range pids {
		out = append(out, serverCPU([]int{p}))
	}
	return out
}

// cpuByThreadKind is the members' CPU time so far by kind of thread: its name without digits and without a
// trailing member id (keel-raft-1a2b and keel-raft-3c4d are one kind), summed over all members.
func cpuByThreadKind(pids []int) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, p := range pids {
		dir := "/proc/" + strconv.Itoa(p) + "/task"
		tasks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, t := range tasks {
			b, err := os.ReadFile(dir + "/" + t.Name() + "/stat")
			if err != nil {
				continue
			}
			open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
			if open < 0 || end < open {
				continue
			}
			kind := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return -1
				}
				return r
			}, string(b[open+1:end]))
			if i := strings.LastIndexByte(kind, '-'); i >= 0 && strings.Trim(kind[i+1:], "abcdef") == "" {
				kind = kind[:i+1]
			}
			f := strings.Fields(string(b[end+2:]))
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			out[kind] += time.Duration(u+st) * 10 * time.Millisecond
		}
	}
	return out
}

// ownCPU is this process's CPU time so far (user and system, all threads).
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return -1
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return float64(sorted[i].Nanoseconds()) / 1e6
}

func main() {
	s := parseFlags()
	conns, connOf := connections(s)
	value := make([]byte, s.valSize)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	clients := make([]*client, s.clients)
	for i := range clients {
		clients[i] = &client{s: s, c: connOf(i), rnd: rand.New(rand.NewSource(int64(i) + 1)), value: string(value),
			lastSeen: map[string]*int64{}, errors: map[string]int{}}
	}
	for _, c := range conns { // the connections are up before the clock starts
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _ = c.Get(ctx, "keelload-warm", clientv3.WithSerializable())
		cancel()
	}
	if s.op == "get" {
		seed(clients, s.keySpace)
	}
	var leases *leaseLoad
	var paced *pacedLeases
	putsByWindow := &windowCounts{}
	if s.leases > 0 && s.leaseAlternate {
		paced = startPacedLeases(s)
	} else if s.leases > 0 {
		leases = startLeases(s)
	}
	var expiring *expiringLeases
	if s.expiringLeases > 0 {
		expiring = grantExpiring(s)
	}
	statusAt, _ := leaderAndFollower(s.endpoints)
	indexBefore := raftIndex(statusAt)
	keepAlivesBefore := leases.answered()
	var issued int64
	cpuBefore := serverCPU(s.serverPids)
	membersBefore := memberCPUs(s.serverPids)
	kindsBefore := cpuByThreadKind(s.serverPids)
	genBefore := ownCPU()
	start := time.Now()
	if paced != nil {
		paced.setStart(start, s.serverPids)
	}
	deadline := start.Add(s.duration)
	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Add(1)
		go func(cl *client) {
			defer wg.Done()
			for atomic.AddInt64(&issued, 1) <= s.total && time.Now().Before(deadline) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				t := time.Now()
				kind, err := cl.one(ctx)
				cancel()
				if err != nil {
					cl.errors[errorCode(err)]++
					continue
				}
				cl.lats[kind] = append(cl.lats[kind], time.Since(t))
				if paced != nil {
					putsByWindow.add(paced.windowAt(time.Now()))
				}
			}
		}(cl)
	}
	if len(clients) == 0 {
		time.Sleep(s.duration) // -clients 0: the leases' keep-alives alone are the load
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := serverCPU(s.serverPids) - cpuBefore
	genCPU := ownCPU() - genBefore
	membersAfter := memberCPUs(s.serverPids)
	kindsAfter := cpuByThreadKind(s.serverPids)
	keepAlives := leases.answered() - keepAlivesBefore
	indexGrowth := raftIndex(statusAt) - indexBefore
	leases.stop()
	if paced != nil {
		reportAlternation(s.label, paced, putsByWindow, elapsed)
		paced.stop()
	}
	expiring.report(s, elapsed)
	for _, c := range conns {
		c.Close()
	}

	var all []time.Duration
	var byKind [kinds][]time.Duration
	errs := map[string]int{}
	errCount := 0
	for _, cl := range clients {
		for k := 0; k < kinds; k++ {
			all = append(all, cl.lats[k]...)
			byKind[k] = append(byKind[k], cl.lats[k]...)
		}
		for code, n := range cl.errors {
			errs[code] += n
			errCount += n
		}
	}
	sortDurations(all)
	ok := len(all)
	perSecond := float64(ok) / elapsed.Seconds()
	cpuPerOp := -1.0
	if len(s.serverPids) > 0 && ok > 0 {
		cpuPerOp = float64(cpu.Microseconds()) / float64(ok)
	}
	codes := "none"
	if len(errs) > 0 {
		var parts []string
		for code, n := range errs {
			parts = append(parts, fmt.Sprintf("%s:%d", code, n))
		}
		sort.Strings(parts)
		codes = strings.Join(parts, ",")
	}
	fmt.Printf("%s: %d ok, %d errors in %.1f s: %.0f/s, p50 %.2f p90 %.2f p99 %.2f ms, server CPU %.1f us/op\n",
		s.label, ok, errCount, elapsed.Seconds(), perSecond, percentile(all, 50), percentile(all, 90),
		percentile(all, 99), cpuPerOp)
	if s.op == "mixed" {
		for k := 0; k < kinds; k++ {
			sortDurations(byKind[k])
			fmt.Printf("OPSUMMARY label=%s kind=%s ok=%d ops_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f\n",
				s.label, kindNames[k], len(byKind[k]), float64(len(byKind[k]))/elapsed.Seconds(),
				percentile(byKind[k], 50), percentile(byKind[k], 90), percentile(byKind[k], 99))
		}
	}
	maxMs := -1.0
	if ok > 0 {
		maxMs = float64(all[ok-1].Nanoseconds()) / 1e6
	}
	fmt.Printf("SUMMARY label=%s op=%s conns=%d clients=%d ok=%d errors=%d error_codes=%s seconds=%.3f "+
		"ops_per_s=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f cpu_us_per_op=%.1f\n",
		s.label, s.op, len(conns), s.clients, ok, errCount, codes, elapsed.Seconds(), perSecond,
		percentile(all, 50), percentile(all, 90), percentile(all, 99), percentile(all, 99.9), maxMs, cpuPerOp)
	// Where the CPU went: each member's (in the order of -server-pids) and this generator's own, in ms over the load.
	// The generator shares the machine's cores with the members, so its CPU is part of what a load costs.
	var perMember []string
	for i := range membersAfter {
		perMember = append(perMember, strconv.FormatInt((membersAfter[i]-membersBefore[i]).Milliseconds(), 10))
	}
	// By kind of thread over the same window: the JIT compiler's share apart from the request path's threads (a
	// load that first runs some code pays for compiling it; issue 16).
	type kindCPU struct {
		kind string
		d    time.Duration
	}
	var kinds []kindCPU
	var jit time.Duration
	for k, after := range kindsAfter {
		d := after - kindsBefore[k]
		if d <= 0 {
			continue
		}
		kinds = append(kinds, kindCPU{k, d})
		if strings.Contains(k, "CompilerThre") {
			jit += d
		}
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].d > kinds[j].d })
	var kindParts []string
	for _, k := range kinds {
		kindParts = append(kindParts, fmt.Sprintf("%s:%d", strings.ReplaceAll(k.kind, " ", "_"), k.d.Milliseconds()))
	}
	fmt.Printf("CPUSUMMARY label=%s member_cpu_ms=%s generator_cpu_ms=%d jit_cpu_ms=%d by_thread_kind_ms=%s\n",
		s.label, strings.Join(perMember, "/"), genCPU.Milliseconds(), jit.Milliseconds(), strings.Join(kindParts, ","))
	// The Raft log's growth at the member that led when the load started, and the leases' keep-alives answered.
	// With -clients 0 the servers' CPU is the keep-alives' alone: charged to them here.
	cpuPerKeepAlive := -1.0
	if len(s.serverPids) > 0 && ok == 0 && keepAlives > 0 {
		cpuPerKeepAlive = float64(cpu.Microseconds()) / float64(keepAlives)
	}
	fmt.Printf("LEASESUMMARY label=%s leases=%d lease_ttl=%d lease_streams=%d keepalives_per_s=%.1f leases_lost=%d "+
		"raft_entries_per_s=%.1f cpu_us_per_keepalive=%.1f\n", s.label, s.leases, s.leaseTTL, s.leaseStreams,
		float64(keepAlives)/elapsed.Seconds(), leases.lostCount(), float64(indexGrowth)/elapsed.Seconds(),
		cpuPerKeepAlive)
}

// raftIndex is the member's Raft index as its Status reports it (-1 when it does not answer).
func raftIndex(endpoint string) int64 {
	c := dial(endpoint)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st, err := c.Status(ctx, endpoint)
	if err != nil {
		return -1
	}
	return int64(st.RaftIndex)
}

// leaseLoad holds leases alive: lessors (one keep-alive stream each) spread over connections to every endpoint.
type leaseLoad struct {
	conns    []*clientv3.Client
	lessors  []clientv3.Lease
	granted  [][]clientv3.LeaseID // by lessor: the leases it granted, revoked by stop
	cancel   context.CancelFunc
	received int64 // keep-alive answers
	lost     int64 // leases whose keep-alive channel closed while the load ran
	stopping int32
}

func startLeases(s settings) *leaseLoad {
	ll := &leaseLoad{}
	ctx, cancel := context.WithCancel(context.Background())
	ll.cancel = cancel
	ll.conns = leaseConns(s)
	for i := 0; i < s.leaseStreams; i++ {
		ll.lessors = append(ll.lessors, clientv3.NewLease(ll.conns[i%len(ll.conns)]))
	}
	ll.granted = grantSpread(s, ll.lessors, func(i int, n int64, id clientv3.LeaseID) {
		ch, err := ll.lessors[i].KeepAlive(ctx, id)
		if err != nil {
			fail("keeping lease %d alive: %v", n, err)
		}
		go func() {
			for range ch {
				atomic.AddInt64(&ll.received, 1)
			}
			if atomic.LoadInt32(&ll.stopping) == 0 {
				atomic.AddInt64(&ll.lost, 1)
			}
		}()
	})
	// Let the keep-alives settle into their TTL/3 rhythm before the clock starts.
	time.Sleep(time.Duration(s.leaseTTL) * time.Second / 2)
	return ll
}

// leaseConns dials the connections a lease load's streams share: ten at most, spread over every endpoint.
func leaseConns(s settings) []*clientv3.Client {
	nconns := 10
	if s.leaseStreams < nconns {
		nconns = s.leaseStreams
	}
	var conns []*clientv3.Client
	for i := 0; i < nconns; i++ {
		conns = append(conns, dial(s.endpoints[i%len(s.endpoints)]))
	}
	return conns
}

// grantSpread grants s.leases leases of s.leaseTTL, one goroutine per lessor taking the next number until all are
// granted, and calls granted(i, n, id) on lessor i's goroutine after each grant (nil: nothing). It returns the
// leases by lessor.
func grantSpread(s settings, lessors []clientv3.Lease, granted func(i int, n int64, id clientv3.LeaseID)) [][]clientv3.LeaseID {
	out := make([][]clientv3.LeaseID, len(lessors))
	var wg sync.WaitGroup
	var next int64 = -1
	for i := range lessors {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := atomic.AddInt64(&next, 1); n < int64(s.leases); n = atomic.AddInt64(&next, 1) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				g, err := lessors[i].Grant(ctx, s.leaseTTL)
				cancel()
				if err != nil {
					fail("granting lease %d: %v", n, err)
				}
				out[i] = append(out[i], g.ID)
				if granted != nil {
					granted(i, n, g.ID)
				}
			}
		}(i)
	}
	wg.Wait()
	return out
}

func (ll *leaseLoad) answered() int64 {
	if ll == nil {
		return 0
	}
	return atomic.LoadInt64(&ll.received)
}

func (ll *leaseLoad) lostCount() int64 {
	if ll == nil {
		return 0
	}
	return atomic.LoadInt64(&ll.lost)
}

// stop ends the keep-alives and revokes every lease granted, after the clock has stopped: left to expire, a load's
// 10,000 leases would be revoked by the servers 7-10 s later (at most 1,000 a second), inside the next load's
// window, which would then pay for an expiry that belongs to this one (docs/benchmarks.md, "The lease load between
// two put-100 runs"). A lease already gone (not found) is fine; any other failure to revoke is reported, and the
// load still ends.
func (ll *leaseLoad) stop() {
	if ll == nil {
		return
	}
	atomic.StoreInt32(&ll.stopping, 1)
	ll.cancel()
	revokeAll(ll.lessors, ll.granted)
	for _, l := range ll.lessors {
		l.Close()
	}
	for _, c := range ll.conns {
		c.Close()
	}
}

// revokeAll revokes granted[i] through revokers[i], all lists at once. A lease already gone (not found) is fine;
// any other failure is reported once, and that lease is left to expire on its own.
func revokeAll(revokers []clientv3.Lease, granted [][]clientv3.LeaseID) {
	var wg sync.WaitGroup
	var unrevoked int64
	var firstErr atomic.Value
	for i, ids := range granted {
		wg.Add(1)
		go func(l clientv3.Lease, ids []clientv3.LeaseID) {
			defer wg.Done()
			for _, id := range ids {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := l.Revoke(ctx, id)
				cancel()
				if err != nil && err != rpctypes.ErrLeaseNotFound {
					atomic.AddInt64(&unrevoked, 1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}(revokers[i], ids)
	}
	wg.Wait()
	if unrevoked > 0 {
		fmt.Fprintf(os.Stderr, "keelload: %d leases not revoked after the load (first error: %v); they expire on their own\n",
			unrevoked, firstErr.Load())
	}
}

// expiringLeases are leases left to expire during the load: all due in the second its clock starts.
type expiringLeases struct {
	c       *clientv3.Client
	granted int
	before  int // leases listed just before the clock starts
	due     time.Time
}

// grantExpiring grants s.expiringLeases leases over 100 goroutines, each with a key put under it (a lease's expiry
// deletes its keys, as a service registration's does), with TTLs that make every one of them due at the same second:
// s.expiringAfter after the granting starts. It returns just before that second, so the clock starts with all of
// them due. Granting that takes longer than s.expiringAfter fails the run.
func grantExpiring(s settings) *expiringLeases {
	el := &expiringLeases{c: dial(s.endpoints[0])}
	start := time.Now()
	el.due = start.Add(s.expiringAfter)
	var wg sync.WaitGroup
	var next int64 = -1
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := atomic.AddInt64(&next, 1); n < int64(s.expiringLeases); n = atomic.AddInt64(&next, 1) {
				ttl := int64(time.Until(el.due).Seconds()) // whole seconds, rounded down: due within this second
				if ttl < 5 {
					fail("granting %d expiring leases takes longer than -expiring-after %v", s.expiringLeases, s.expiringAfter)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				g, err := el.c.Grant(ctx, ttl)
				if err == nil {
					_, err = el.c.Put(ctx, fmt.Sprintf("keelload-expiring-%08d", n), "registered", clientv3.WithLease(g.ID))
				}
				cancel()
				if err != nil {
					fail("granting expiring lease %d: %v", n, err)
				}
			}
		}()
	}
	wg.Wait()
	el.granted = s.expiringLeases
	time.Sleep(time.Until(el.due.Add(-1500 * time.Millisecond)))
	el.before = el.count()
	return el
}

// count is the number of leases the servers list (-1 if they cannot be listed).
func (el *expiringLeases) count() int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	left, err := el.c.Leases(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keelload: listing the leases: %v\n", err)
		return -1
	}
	return len(left.Leases)
}

// report prints how many leases the servers revoked while the load ran (listed by Lease.Leases just before the
// clock started and not at its end), in a line of its own: EXPIRYSUMMARY.
func (el *expiringLeases) report(s settings, elapsed time.Duration) {
	if el == nil {
		return
	}
	revoked := el.before - el.count()
	fmt.Printf("EXPIRYSUMMARY label=%s expiring_leases=%d listed_at_start=%d revoked_in_load=%d revoked_per_s=%.1f\n",
		s.label, el.granted, el.before, revoked, float64(revoked)/elapsed.Seconds())
	el.c.Close()
}

// seed writes every key a get load reads, once, with all clients, before the clock starts.
func seed(clients []*client, keySpace int64) {
	var next int64 = -1
	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Add(1)
		go func(cl *client) {
			defer wg.Done()
			for n := atomic.AddInt64(&next, 1); n < keySpace; n = atomic.AddInt64(&next, 1) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if _, err := cl.c.Put(ctx, cl.key(n), cl.value); err != nil {
					fail("seeding key %d: %v", n, err)
				}
				cancel()
			}
		}(cl)
	}
	wg.Wait()
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
}

// errorCode names an error by its gRPC code where it has one.
func errorCode(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "desc = "); i >= 0 {
		msg = msg[i+7:]
	}
	msg = strings.ReplaceAll(msg, " ", "_")
	if len(msg) > 40 {
		msg = msg[:40]
	}
	return msg
}
