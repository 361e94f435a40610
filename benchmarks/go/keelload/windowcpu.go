package main

// CPU by window of the alternating lease load: where the puts a keep-alive window loses go. The members' CPU (their
// JIT and garbage collector apart), this generator's own and the machine's idle time are sampled at every window's
// boundary, so the cost of a keep-alive is inferred within the run, from neighbouring windows, and the machine's
// drift (its speed moved by a third within a minute) falls on both kinds of window alike.

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cpuSample is the CPU used so far.
type cpuSample struct {
	members time.Duration // all the members' threads
	jit     time.Duration // the members' JIT compiler threads
	gc      time.Duration // the members' garbage collector threads
	gen     time.Duration // this generator
	busy    time.Duration // the machine's, all processes (steal left out)
	idle    time.Duration // the machine's idle time (all cores; iowait counted as idle)
	steal   time.Duration // time the hypervisor gave this machine's cores to others
}

func (a cpuSample) minus(b cpuSample) cpuSample {
	return cpuSample{a.members - b.members, a.jit - b.jit, a.gc - b.gc, a.gen - b.gen, a.busy - b.busy, a.idle - b.idle,
		a.steal - b.steal}
}

func (a cpuSample) plus(b cpuSample) cpuSample {
	return cpuSample{a.members + b.members, a.jit + b.jit, a.gc + b.gc, a.gen + b.gen, a.busy + b.busy, a.idle + b.idle,
		a.steal + b.steal}
}

// sampleCPU reads the CPU used so far by the members (pids), this process and the machine.
func sampleCPU(pids []int) cpuSample {
	var s cpuSample
	for kind, d := range cpuByThreadKind(pids) {
		s.members += d
		switch { // kinds are thread names without digits: "C2 CompilerThread0" is "C CompilerThread"
		case strings.HasPrefix(kind, "C CompilerThre"):
			s.jit += d
		case strings.HasPrefix(kind, "GC Thread") || strings.HasPrefix(kind, "G "): // G1's threads: "G1 Refine#0"
			s.gc += d
		}
	}
	s.gen = ownCPU()
	s.busy, s.idle, s.steal = machineCPU()
	return s
}

// machineCPU is the machine's busy, idle and stolen time so far over all cores, from /proc/stat's first line. Stolen
// time (a virtual machine's cores given to other guests) is how this machine's speed moved by a third within a
// minute: it is counted apart.
func machineCPU() (busy, idle, steal time.Duration) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, 0
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, 0
	}
	var ticks [8]int64
	for i := range ticks {
		ticks[i], _ = strconv.ParseInt(fields[i+1], 10, 64)
	}
	tick := 10 * time.Millisecond // USER_HZ is 100 on Linux
	idle = time.Duration(ticks[3]+ticks[4]) * tick
	busy = time.Duration(ticks[0]+ticks[1]+ticks[2]+ticks[5]+ticks[6]) * tick
	steal = time.Duration(ticks[7]) * tick
	return busy, idle, steal
}

// windowCPU is the CPU used in each window of the schedule, sampled at the windows' boundaries.
type windowCPU struct {
	mu      sync.Mutex
	windows []cpuSample // index: the schedule's window
	changed *sync.Cond
}

// sampleWindows samples at start + k*window for k = 0, 1, ... until ctx ends; window k's CPU is the difference of
// the samples at its two ends.
func sampleWindows(ctx context.Context, pids []int, start time.Time, window time.Duration) *windowCPU {
	wc := &windowCPU{}
	wc.changed = sync.NewCond(&wc.mu)
	go func() {
		last := sampleCPU(pids)
		for k := 1; ; k++ {
			t := time.NewTimer(time.Until(start.Add(time.Duration(k) * window)))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			now := sampleCPU(pids)
			wc.mu.Lock()
			wc.windows = append(wc.windows, now.minus(last))
			wc.changed.Broadcast()
			wc.mu.Unlock()
			last = now
		}
	}()
	return wc
}

// first waits (up to wait) until the first n windows are sampled and returns them; fewer if the wait ran out.
func (wc *windowCPU) first(n int, wait time.Duration) []cpuSample {
	timeout := time.AfterFunc(wait, func() {
		wc.mu.Lock()
		wc.changed.Broadcast()
		wc.mu.Unlock()
	})
	defer timeout.Stop()
	deadline := time.Now().Add(wait)
	wc.mu.Lock()
	defer wc.mu.Unlock()
	for len(wc.windows) < n && time.Now().Before(deadline) {
		wc.changed.Wait()
	}
	if len(wc.windows) < n {
		n = len(wc.windows)
	}
	return append([]cpuSample(nil), wc.windows[:n]...)
}
