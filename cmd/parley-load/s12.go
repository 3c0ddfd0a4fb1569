package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"time"
)

// Discord (and Parley, gateway.Config.ClientRateLimit) closes a connection that sends more
// than 120 payloads per 60 s with 4008; cmd/parley has no flag to raise it.
const clientRateLimit = 120

func runS12(parent context.Context, args []string) (*report, error) {
	var c common
	fs := flag.NewFlagSet("s12", flag.ContinueOnError)
	c.register(fs, 3*time.Minute)
	n := fs.Int("conns", 1000, "connections")
	per := fs.Int("per-conn", 110, "heartbeats per connection, one outstanding at a time (≤ 119: the server closes at > 120 payloads per 60 s)")
	par := fs.Int("parallel", 200, "connections dialling at once")
	compress := fs.String("compress", "none", "zlib, zstd or none")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *per >= clientRateLimit {
		return nil, fmt.Errorf("--per-conn %d would trip the server's %d payloads/60 s client limit (4008)", *per, clientRateLimit)
	}
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	start := time.Now()
	rep := newReport("s12", map[string]any{"conns": *n, "per_conn": *per, "compress": *compress}, c.json)
	defer func() { rep.Elapsed = time.Since(start).Seconds() }()

	srv, cleanup, err := prepareServer(ctx, &c)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if err := srv.start(ctx); err != nil {
		return nil, err
	}
	defer srv.stop()

	conns := make([]*gwConn, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, *par)
	var dialErr error
	var mu sync.Mutex
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cn, err := dialGateway(ctx, srv.gwURL, *compress, srcIP(20, i%200))
			if err != nil {
				mu.Lock()
				dialErr = err
				mu.Unlock()
				return
			}
			conns[i] = cn
		}()
	}
	wg.Wait()
	live := 0
	for _, cn := range conns {
		if cn != nil {
			live++
		}
	}
	rep.add("connections", float64(live), "")
	if dialErr != nil {
		rep.note("dial error: %v", dialErr)
	}

	// All connections start together; each sends op 1 and waits for op 11, per times.
	gate := make(chan struct{})
	rtts := make([][]float64, len(conns))
	errs := make([]error, len(conns))
	for i, cn := range conns {
		if cn == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]float64, 0, *per)
			<-gate
			for k := 0; k < *per && ctx.Err() == nil; k++ {
				t := time.Now()
				if err := cn.send([]byte(`{"op":1,"d":null}`)); err != nil {
					errs[i] = err
					break
				}
				for {
					e, _, err := cn.next()
					if err != nil {
						errs[i] = err
						break
					}
					if e.Op == 11 {
						out = append(out, ms(time.Since(t)))
						break
					}
				}
				if errs[i] != nil {
					break
				}
			}
			rtts[i] = out
		}()
	}
	cpu0, _ := sample(srv.pid())
	h0 := selfCPU()
	bb0, bt0 := boxCPU()
	t0 := time.Now()
	close(gate)
	wg.Wait()
	el := time.Since(t0)
	cpu1, _ := sample(srv.pid())
	h1 := selfCPU()
	bb1, bt1 := boxCPU()
	var all []float64
	nerr := 0
	var firstErr error
	for i := range rtts {
		all = append(all, rtts[i]...)
		if errs[i] != nil {
			nerr++
			if firstErr == nil {
				firstErr = errs[i]
			}
		}
	}
	closeAll(conns)
	d := summarize(all)
	rep.Dists["rtt_ms"] = d
	rep.add("round trips", float64(len(all)), "")
	rep.add("connection errors", float64(nerr), "")
	if firstErr != nil {
		rep.note("first connection error: %v", firstErr)
	}
	rep.add("burst duration", el.Seconds(), "s")
	rep.target("round trips/s (burst)", float64(len(all))/el.Seconds(), "/s", 30000, false)
	rep.add("RTT p50", d.P50, "ms")
	rep.target("RTT p99", d.P99, "ms", 50, true)
	rep.add("RTT max", d.Max, "ms")
	cpu := (cpu1.CPU - cpu0.CPU).Seconds()
	rep.add("server CPU per round trip", cpu/float64(max(len(all), 1))*1e6, "µs")
	rep.add("server CPU, % of one core", cpu/el.Seconds()*100, "%")
	rep.add("harness CPU, % of one core", (h1-h0).Seconds()/el.Seconds()*100, "%")
	rep.add("whole box busy (2 vCPU, incl. steal)", boxBusyPct(bb0, bt0, bb1, bt1), "%")
	rep.add("sustainable rate under the 120/60 s client limit", float64(live)*clientRateLimit/60, "/s")
	rep.note("S12 as specified (max rate for a sustained period) conflicts with the gateway's Discord-compatible client limit of %d payloads per 60 s (close 4008); cmd/parley exposes no flag for gateway.Config.ClientRateLimit, so this is a burst of %d heartbeats per connection (unidentified connections: op 1 is allowed before Identify)", clientRateLimit, *per)
	rep.Complete = ctx.Err() == nil && nerr == 0
	if ctx.Err() != nil {
		return rep, fmt.Errorf("stopped early: %w", ctx.Err())
	}
	return rep, nil
}
