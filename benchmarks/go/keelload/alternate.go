package main

// Keep-alives switched on and off in alternate windows while the puts run (issue 16: is put throughput with 10,000
// leases kept alive within 10% of without?). Comparing two loads run one after the other could not tell 88% from
// 92% on this machine: its speed moved by a third within a minute. Here the two conditions alternate every few
// seconds within one run, and the puts completed in the windows with keep-alives are compared with those completed
// in the windows without, so the machine's drift falls on both alike.
//
// clientv3's lessor cannot pause, so the leases are kept alive by streams of this generator's own (etcd's
// LeaseKeepAlive, as clientv3 uses it): each lease is renewed once per window with keep-alives, at its own offset
// in the window, sent with the others due every 500 ms as clientv3's lessor sends them, so keep-alives arrive at the
// rate of leases/window.
//
// The windows come in pairs, one with keep-alives and one without, in an order drawn at random for each pair (the
// same seeded draw on every run, so both servers get the same schedule). With strict alternation (on, off, on, ...)
// a server's own periodic work (a flush, a compaction) whose period was near two windows fell mostly in one kind of
// window: a control with keep-alives in every window still gave the even windows 10% more puts than the odd ones
// (2026-12-08). A window is TTL/4, so that a lease is never left unrenewed longer than three windows (on, off, off,
// on), less than its TTL; keep-alives then arrive at 4/3 of the rate clientv3's lessor keeps (every lease every
// TTL/3), a heavier load than the steady one. The first window of the schedule starts from its first lease,
// whatever the windows before the clock renewed last. With -lease-alternate-control the keep-alives run in every
// window, and the two kinds of window differ by chance alone: the measurement's noise.

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
)

// keepAliveTick is how often a stream sends the keep-alives due: clientv3's lessor's 500 ms.
const keepAliveTick = 500 * time.Millisecond

// pacedLeases keeps leases alive in alternate windows of a schedule.
type pacedLeases struct {
	conns    []*clientv3.Client
	window   time.Duration
	alwaysOn bool // a control: keep-alives in every window, the "off" ones too
	orderMu  sync.Mutex
	order    *rand.Rand // draws each pair's order
	offFirst []bool     // by pair: its window without keep-alives comes first
	start    atomic.Value // time.Time: window 0 starts here; before it, keep-alives in every window
	ctx      context.Context
	cancel   context.CancelFunc
	cpu      *windowCPU // nil until the schedule starts
	answered []int64 // keep-alive answers by window of the schedule (index 0: before the clock)
	mu       sync.Mutex
	lost     int64 // answers with TTL 0 (a lease gone) or streams that failed
	granted  [][]clientv3.LeaseID
}

// startPacedLeases grants s.leases leases of s.leaseTTL over s.leaseStreams streams spread over connections to every
// endpoint and keeps them alive, always on until the schedule starts (setStart).
func startPacedLeases(s settings) *pacedLeases {
	pl := &pacedLeases{window: time.Duration(s.leaseTTL) * time.Second / 4, alwaysOn: s.leaseAlwaysOn,
		order: rand.New(rand.NewSource(16))}
	pl.start.Store(time.Time{})
	pl.conns = leaseConns(s)
	lessors := make([]clientv3.Lease, s.leaseStreams)
	for i := range lessors {
		lessors[i] = pl.conns[i%len(pl.conns)]
	}
	pl.granted = grantSpread(s, lessors, nil)
	pl.ctx, pl.cancel = context.WithCancel(context.Background())
	ctx := pl.ctx
	for i := 0; i < s.leaseStreams; i++ {
		stream, err := pb.NewLeaseClient(pl.conns[i%len(pl.conns)].ActiveConnection()).LeaseKeepAlive(ctx)
		if err != nil {
			fail("opening keep-alive stream %d: %v", i, err)
		}
		go pl.send(ctx, stream, pl.granted[i])
		go pl.receive(stream)
	}
	// Every lease renewed once before the schedule can start.
	time.Sleep(pl.window + 500*time.Millisecond)
	return pl
}

// setStart starts the schedule: window 0 (keep-alives on) begins at t. The CPU of the members (pids), of this
// generator and of the machine is sampled at every window's boundary from then on.
func (pl *pacedLeases) setStart(t time.Time, pids []int) {
	pl.cpu = sampleWindows(pl.ctx, pids, t, pl.window)
	pl.start.Store(t)
}

// hasKeepAlives is whether window w (of the schedule, w >= 0) gets keep-alives: its pair's window drawn for them,
// or every window in a control.
func (pl *pacedLeases) hasKeepAlives(w int) bool {
	return pl.alwaysOn || pl.drawnOn(w)
}

// drawnOn is whether window w is its pair's window drawn for keep-alives; the reports compare these windows with
// the others (in a control too, where both kinds have them).
func (pl *pacedLeases) drawnOn(w int) bool {
	return pl.isFirstOn(w/2) == (w%2 == 0)
}

// isFirstOn is whether pair p's first window is the one with keep-alives, drawn at random once per pair.
func (pl *pacedLeases) isFirstOn(p int) bool {
	pl.orderMu.Lock()
	defer pl.orderMu.Unlock()
	for len(pl.offFirst) <= p {
		pl.offFirst = append(pl.offFirst, pl.order.Intn(2) == 1)
	}
	return !pl.offFirst[p]
}

// windowAt is the schedule's window at t: -1 before it starts.
func (pl *pacedLeases) windowAt(t time.Time) int {
	start := pl.start.Load().(time.Time)
	if start.IsZero() || t.Before(start) {
		return -1
	}
	return int(t.Sub(start) / pl.window)
}

// send renews each of ids once per window with keep-alives on, lease j of n at offset j/n of the window.
func (pl *pacedLeases) send(ctx context.Context, stream pb.Lease_LeaseKeepAliveClient, ids []clientv3.LeaseID) {
	// Every 500 ms, as clientv3's lessor sends whatever is due: a stream's keep-alives leave in bursts, which the
	// servers answer together (one keep-alive every 20 ms per stream instead cost Keel much more per keep-alive).
	ticker := time.NewTicker(keepAliveTick)
	defer ticker.Stop()
	lastWindow, lastOn, sent := -2, false, 0
	var unscheduled time.Time // before the schedule starts: windows counted from here, all with keep-alives on
	sendUpTo := func(n int) bool {
		for ; sent < n && sent < len(ids); sent++ {
			if err := stream.Send(&pb.LeaseKeepAliveRequest{ID: int64(ids[sent])}); err != nil {
				atomic.AddInt64(&pl.lost, 1)
				return false
			}
		}
		return true
	}
	for {
		select {
		case <-ctx.Done():
			_ = stream.CloseSend()
			return
		case now := <-ticker.C:
			w, on := pl.windowAt(now), true
			var into time.Duration
			if w < 0 {
				if unscheduled.IsZero() {
					unscheduled = now
				}
				w = -3 - int(now.Sub(unscheduled)/pl.window) // a window of its own each, always on
				into = now.Sub(unscheduled) % pl.window
			} else {
				on = pl.hasKeepAlives(w)
				into = now.Sub(pl.start.Load().(time.Time)) % pl.window
			}
			if w != lastWindow {
				// A window's last leases that a late tick left unsent go now rather than a window later, which
				// could leave them unrenewed for longer than their TTL.
				if lastOn && lastWindow >= 0 && !sendUpTo(len(ids)) {
					return
				}
				lastWindow, lastOn, sent = w, on, 0
			}
			if !on {
				continue
			}
			// One tick ahead, so the window's last tick sends its last leases.
			if !sendUpTo(int(float64(len(ids)) * float64(into+keepAliveTick) / float64(pl.window))) {
				return
			}
		}
	}
}

// receive counts the answers by the window they arrive in; an answer with TTL 0 is a lease lost.
func (pl *pacedLeases) receive(stream pb.Lease_LeaseKeepAliveClient) {
	for {
		resp, err := stream.Recv()
		if err != nil {
			return // the stream ends when the load does
		}
		if resp.TTL <= 0 {
			atomic.AddInt64(&pl.lost, 1)
		}
		w := pl.windowAt(time.Now()) + 1 // index 0: before the schedule
		pl.mu.Lock()
		for len(pl.answered) <= w {
			pl.answered = append(pl.answered, 0)
		}
		pl.answered[w]++
		pl.mu.Unlock()
	}
}

// stop ends the keep-alives and revokes the leases, as leaseLoad.stop does.
func (pl *pacedLeases) stop() {
	pl.cancel()
	revokers := make([]clientv3.Lease, len(pl.granted))
	for i := range revokers {
		revokers[i] = pl.conns[i%len(pl.conns)]
	}
	revokeAll(revokers, pl.granted)
	for _, c := range pl.conns {
		c.Close()
	}
}

// windowCounts counts events by the schedule's window they happened in (several goroutines at once).
type windowCounts struct {
	mu     sync.Mutex
	counts []int64
}

func (wc *windowCounts) add(w int) {
	if w < 0 {
		return
	}
	wc.mu.Lock()
	for len(wc.counts) <= w {
		wc.counts = append(wc.counts, 0)
	}
	wc.counts[w]++
	wc.mu.Unlock()
}

// reportAlternation prints ALTSUMMARY: puts per second in the windows with keep-alives and in those without, over
// the whole pairs of windows of the run (the last, partial ones are left out), their ratio, and the median and
// quartiles of each pair's ratio (its window with keep-alives over its window without).
func reportAlternation(label string, pl *pacedLeases, puts *windowCounts, elapsed time.Duration) {
	whole := int(elapsed / pl.window)
	if whole%2 == 1 {
		whole-- // as many windows of each
	}
	var on, off, kaOn int64
	var pairs []float64
	for w := 0; w+1 < whole && w+1 < len(puts.counts); w += 2 {
		withKA, without := w, w+1
		if !pl.drawnOn(w) {
			withKA, without = w+1, w
		}
		on += puts.counts[withKA]
		off += puts.counts[without]
		if puts.counts[without] > 0 {
			pairs = append(pairs, float64(puts.counts[withKA])/float64(puts.counts[without]))
		}
		pl.mu.Lock()
		if withKA+1 < len(pl.answered) {
			kaOn += pl.answered[withKA+1]
		}
		pl.mu.Unlock()
	}
	half := pl.window.Seconds() * float64(whole/2)
	sort.Float64s(pairs)
	q := func(f float64) float64 {
		if len(pairs) == 0 {
			return -1
		}
		return pairs[int(f*float64(len(pairs)-1)+0.5)]
	}
	ratio := -1.0
	if off > 0 {
		ratio = float64(on) / float64(off)
	}
	fmt.Printf("ALTSUMMARY label=%s window_s=%.2f windows=%d puts_per_s_on=%.1f puts_per_s_off=%.1f ratio=%.3f "+
		"pair_ratio_p25=%.3f pair_ratio_p50=%.3f pair_ratio_p75=%.3f keepalives_per_s_on=%.1f leases_lost=%d\n",
		label, pl.window.Seconds(), whole, float64(on)/half, float64(off)/half, ratio, q(0.25), q(0.5), q(0.75),
		float64(kaOn)/half, atomic.LoadInt64(&pl.lost))
	reportWindowCPU(label, pl, puts, whole)
	reportWindows(label, pl, puts, whole)
}

// reportWindows prints ALTWINDOWS: each window's kind (+ drawn for keep-alives, - not), puts per second, keep-alive
// answers per second and members' CPU (cores), in order, to see a trend or an outlier the totals hide.
func reportWindows(label string, pl *pacedLeases, puts *windowCounts, whole int) {
	var p, k []string
	kinds := ""
	pl.mu.Lock()
	for w := 0; w < whole && w < len(puts.counts); w++ {
		if pl.drawnOn(w) {
			kinds += "+"
		} else {
			kinds += "-"
		}
		p = append(p, fmt.Sprintf("%.0f", float64(puts.counts[w])/pl.window.Seconds()))
		var answered int64
		if w+1 < len(pl.answered) {
			answered = pl.answered[w+1]
		}
		k = append(k, fmt.Sprintf("%.0f", float64(answered)/pl.window.Seconds()))
	}
	pl.mu.Unlock()
	var m []string
	if pl.cpu != nil {
		for _, c := range pl.cpu.first(whole, 0) {
			m = append(m, fmt.Sprintf("%.2f", c.members.Seconds()/pl.window.Seconds()))
		}
	}
	fmt.Printf("ALTWINDOWS label=%s kinds=%s puts_per_s=%s keepalives_per_s=%s members_cores=%s\n", label, kinds,
		strings.Join(p, ","), strings.Join(k, ","), strings.Join(m, ","))
}

// reportWindowCPU prints ALTCPU: the CPU of the members, their JIT, this generator and the machine's idle time in
// the windows with keep-alives and in those without (cores: CPU seconds per second), and what a keep-alive costs
// the members (JIT left out) and the generator, inferred within the run: a window's CPU less its puts at the CPU a
// put costs in the windows without keep-alives, over its keep-alives.
func reportWindowCPU(label string, pl *pacedLeases, puts *windowCounts, whole int) {
	if pl.cpu == nil {
		return
	}
	samples := pl.cpu.first(whole, pl.window)
	n := len(samples) &^ 1 // pairs of windows sampled whole
	var cOn, cOff cpuSample
	var pOn, pOff, kaOn int64
	pl.mu.Lock()
	for w := 0; w < n && w < len(puts.counts); w++ {
		if pl.drawnOn(w) {
			cOn, pOn = cOn.plus(samples[w]), pOn+puts.counts[w]
			if w+1 < len(pl.answered) {
				kaOn += pl.answered[w+1]
			}
		} else {
			cOff, pOff = cOff.plus(samples[w]), pOff+puts.counts[w]
		}
	}
	pl.mu.Unlock()
	if n == 0 || pOff == 0 || kaOn == 0 {
		fmt.Printf("ALTCPU label=%s windows=%d (too few windows sampled)\n", label, n)
		return
	}
	secs := pl.window.Seconds() * float64(n/2)
	cores := func(d time.Duration) float64 { return d.Seconds() / secs }
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	work := func(c cpuSample) time.Duration { return c.members - c.jit }
	perKeepAlive := func(on, off time.Duration) float64 { // µs
		return (us(on) - float64(pOn)*us(off)/float64(pOff)) / float64(kaOn)
	}
	fmt.Printf("ALTCPU label=%s start=%s windows=%d members_cores_on=%.3f members_cores_off=%.3f jit_cores_on=%.3f "+
		"jit_cores_off=%.3f gc_cores_on=%.3f gc_cores_off=%.3f gen_cores_on=%.3f gen_cores_off=%.3f "+
		"idle_cores_on=%.3f idle_cores_off=%.3f busy_cores_on=%.3f busy_cores_off=%.3f steal_cores_on=%.3f steal_cores_off=%.3f "+
		"member_us_per_put_off=%.1f gen_us_per_put_off=%.1f member_us_per_keepalive=%.1f gen_us_per_keepalive=%.1f\n",
		label, pl.start.Load().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z"), n, cores(cOn.members), cores(cOff.members), cores(cOn.jit), cores(cOff.jit), cores(cOn.gc),
		cores(cOff.gc), cores(cOn.gen), cores(cOff.gen), cores(cOn.idle), cores(cOff.idle), cores(cOn.busy),
		cores(cOff.busy), cores(cOn.steal), cores(cOff.steal), us(work(cOff))/float64(pOff), us(cOff.gen)/float64(pOff),
		perKeepAlive(work(cOn), work(cOff)), perKeepAlive(cOn.gen, cOff.gen))
}
