package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

func runS1(parent context.Context, args []string) (*report, error) {
	var c common
	fs := flag.NewFlagSet("s1", flag.ContinueOnError)
	c.register(fs, 5*time.Minute)
	n := fs.Int("sessions", 5000, "identified sessions (≤ ~19,000: the server holds one fd per session)")
	users := fs.Int("users", 100, "human accounts; session i identifies as user i%users (humans have no identify rate limit), each user in its own guild")
	compress := fs.String("compress", "zlib", "zlib, zstd or none")
	par := fs.Int("parallel", 200, "sessions connecting at once")
	idle := fs.Duration("idle", 30*time.Second, "idle window for the CPU measurement")
	settle := fs.Duration("settle", 5*time.Second, "wait after the last READY before measuring")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *n < 1 || *users < 1 {
		return nil, fmt.Errorf("--sessions and --users must be ≥ 1")
	}
	if lim := fdLimit(); uint64(*n)+64 > lim {
		return nil, fmt.Errorf("--sessions %d needs more than the %d open files this process may have", *n, lim)
	}
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	start := time.Now()
	rep := newReport("s1", map[string]any{"sessions": *n, "users": *users, "compress": *compress, "idle": idle.String()}, c.json)
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

	// Setup: accounts and one guild per account, then a restart so the setup's garbage
	// (argon2id buffers: 19 MiB per hash) is not in the baseline.
	a := newAPI(srv.restURL)
	us, err := a.registerUsers(ctx, "s1user", *users, 4)
	if err != nil {
		return rep, err
	}
	var wg sync.WaitGroup
	var gerr atomic.Value
	for i := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.createGuild(ctx, us[i], fmt.Sprintf("s1 guild %d", i)); err != nil {
				gerr.Store(err)
			}
		}()
	}
	wg.Wait()
	a.close()
	if e, _ := gerr.Load().(error); e != nil {
		return rep, fmt.Errorf("create guild: %w", e)
	}
	srv.stop()
	if err := srv.start(ctx); err != nil {
		return rep, fmt.Errorf("restart: %w", err)
	}
	sleep(ctx, 3*time.Second)
	base, err := sample(srv.pid())
	if err != nil {
		return rep, err
	}

	t0 := time.Now()
	conns, lat, failed, cerr := connectSessions(ctx, srv.gwURL, *compress, *n, *par, func(i int) string { return us[i%len(us)].Token }, intentGuilds|intentGuildMessages, 1)
	connectDur := time.Since(t0)
	hbCtx, hbStop := context.WithCancel(ctx)
	var dispatches atomic.Int64
	var drops atomic.Int64
	for _, cn := range conns {
		if cn == nil {
			continue
		}
		go cn.heartbeatLoop(hbCtx)
		go func() {
			for {
				e, _, err := cn.next()
				if err != nil {
					if hbCtx.Err() == nil {
						drops.Add(1)
					}
					return
				}
				if e.Op == 0 {
					dispatches.Add(1)
				}
			}
		}()
	}
	ok := len(lat)
	rep.add("sessions identified", float64(ok), "")
	rep.add("identify failures", float64(failed), "")
	if cerr != nil {
		rep.note("first identify failure: %v", cerr)
	}
	cd := summarize(lat)
	rep.Dists["connect_to_ready_ms"] = cd
	rep.add("READY/s while connecting (S2-like, par "+fmt.Sprint(*par)+")", float64(ok)/connectDur.Seconds(), "/s")
	rep.add("connect→READY p50", cd.P50, "ms")
	rep.add("connect→READY p99", cd.P99, "ms")

	sleep(ctx, *settle)
	after, _ := sample(srv.pid())
	idleStart := after
	sleep(ctx, *idle)
	idleEnd, _ := sample(srv.pid())
	complete := ctx.Err() == nil && ok > 0

	if ok > 0 {
		perSess := float64(idleEnd.RSSKB-base.RSSKB) * 1024 / 1000 / float64(ok) // KB (10^3) per session
		limit := 20.0
		if *compress == "none" {
			limit = 12
		}
		rep.add("server RSS baseline", float64(base.RSSKB)/1024, "MiB")
		rep.add("server RSS after idle", float64(idleEnd.RSSKB)/1024, "MiB")
		rep.target("server RSS per session (S1)", perSess, "KB", limit, true)
		rep.add("server RSS per session right after connect", float64(after.RSSKB-base.RSSKB)*1024/1000/float64(ok), "KB")
		rep.add("kernel slab per session (both socket ends)", float64(idleEnd.SlabKB-base.SlabKB)*1024/1000/float64(ok), "KB")
		rep.add("server threads", float64(idleEnd.Threads), "")
		rep.add("server fds", float64(idleEnd.FDs), "")
		idleSecs := idleEnd.At.Sub(idleStart.At).Seconds()
		cpu := (idleEnd.CPU - idleStart.CPU).Seconds()
		rep.target("idle CPU, % of one core (S1b)", cpu/idleSecs*100, "%", 3, true)
		rep.add("idle CPU per session", cpu/idleSecs/float64(ok)*1e6, "µs/s")
		rep.add("sessions dropped during idle", float64(drops.Load()), "")
	}
	rep.note("CPU from /proc/%d/stat utime+stime (%d Hz ticks: ±0.01 s per sample); RSS = VmRSS; server goroutines are not exposed (no pprof/metrics endpoint), so threads are reported", srv.pid(), clkTck)
	rep.note("users identify %d sessions each; human tokens are not subject to the bot identify limit (gateway/handlers.go: ident.Bot && limiter.allow)", (*n+*users-1) / *users)
	hbStop()
	closeAll(conns)
	rep.Complete = complete
	if ctx.Err() != nil {
		return rep, fmt.Errorf("stopped early: %w", ctx.Err())
	}
	return rep, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
