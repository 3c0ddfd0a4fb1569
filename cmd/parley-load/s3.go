package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const s3Marker = "plt:"

func runS3(parent context.Context, args []string) (*report, error) {
	var c common
	fs := flag.NewFlagSet("s3", flag.ContinueOnError)
	c.register(fs, 5*time.Minute)
	n := fs.Int("members", 1000, "online members (one session each) in one guild")
	rate := fs.Float64("rate", 10, "messages per second (total)")
	dur := fs.Duration("duration", 30*time.Second, "send phase length")
	senders := fs.Int("senders", 20, "sending accounts, used round-robin (POST /channels/{id}/messages allows 5 per 5 s per user per channel, as Discord)")
	compress := fs.String("compress", "zlib", "zlib, zstd or none")
	par := fs.Int("parallel", 100, "sessions connecting at once")
	drain := fs.Duration("drain", 5*time.Second, "max wait for deliveries after the last send")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *senders < 1 || *senders > *n {
		return nil, fmt.Errorf("--senders must be 1..members")
	}
	if perSender := *rate / float64(*senders); perSender > 0.9 {
		fmt.Printf("warning: %.2f msg/s per sender exceeds the 5 per 5 s route limit; expect 429s\n", perSender)
	}
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	start := time.Now()
	rep := newReport("s3", map[string]any{"members": *n, "rate": *rate, "duration": dur.String(), "senders": *senders, "compress": *compress}, c.json)
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
	a := newAPI(srv.restURL)
	defer a.close()
	t0 := time.Now()
	us, err := a.registerUsers(ctx, "s3user", *n, 4)
	if err != nil {
		return rep, err
	}
	g, err := a.createGuild(ctx, us[0], "s3 guild")
	if err != nil {
		return rep, err
	}
	if err := a.joinAll(ctx, us[0], g.SystemChannelID, us[1:], 8); err != nil {
		return rep, err
	}
	rep.add("setup: register + join", time.Since(t0).Seconds(), "s")

	t0 = time.Now()
	conns, lat, failed, cerr := connectSessions(ctx, srv.gwURL, *compress, *n, *par, func(i int) string { return us[i].Token }, intentGuilds|intentGuildMessages|intentMessageContent, 1)
	rep.add("sessions identified", float64(len(lat)), "")
	rep.add("READY/s while connecting", float64(len(lat))/time.Since(t0).Seconds(), "/s")
	if failed > 0 {
		rep.note("%d sessions failed to identify; first: %v", failed, cerr)
	}
	sleep(ctx, 2*time.Second) // let the presence/member events of the identify storm pass

	// Receivers: latency = receive time − the send time embedded in the content (both on this
	// process's monotonic clock).
	total := int(*rate * dur.Seconds())
	epoch := time.Now()
	type recv struct {
		lat  []float64
		seen []bool
		dup  int
	}
	recvs := make([]*recv, len(conns))
	var delivered atomic.Int64
	rctx, rstop := context.WithCancel(ctx)
	var rwg sync.WaitGroup
	live := 0
	for i, cn := range conns {
		if cn == nil {
			continue
		}
		live++
		r := &recv{lat: make([]float64, 0, total), seen: make([]bool, total)}
		recvs[i] = r
		go cn.heartbeatLoop(rctx)
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				e, _, err := cn.next()
				if err != nil {
					return
				}
				if e.Op != 0 || e.T != "MESSAGE_CREATE" {
					continue
				}
				now := time.Since(epoch)
				var m struct {
					Content string `json:"content"`
				}
				if json.Unmarshal(e.D, &m) != nil || !strings.HasPrefix(m.Content, s3Marker) {
					continue
				}
				f := strings.SplitN(m.Content[len(s3Marker):], ":", 3)
				if len(f) < 3 {
					continue
				}
				ts, _ := strconv.ParseInt(f[0], 10, 64)
				k, _ := strconv.Atoi(f[1])
				if k < 0 || k >= total {
					continue
				}
				if r.seen[k] {
					r.dup++
					continue
				}
				r.seen[k] = true
				r.lat = append(r.lat, ms(now-time.Duration(ts)))
				delivered.Add(1)
			}
		}()
	}

	// Sender: message k at epoch + k/rate, from sender k % senders.
	cpu0, _ := sample(srv.pid())
	harness0 := selfCPU()
	bb0, bt0 := boxCPU()
	sent := make([]bool, total)
	var okSent, sendErr atomic.Int64
	var restLat []float64
	var rmu sync.Mutex
	var firstSendErr atomic.Value
	var swg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	sendStart := time.Now()
	for k := 0; k < total && ctx.Err() == nil; k++ {
		at := sendStart.Add(time.Duration(k) * interval)
		sleep(ctx, time.Until(at))
		swg.Add(1)
		go func() {
			defer swg.Done()
			u := us[k%*senders]
			ts := time.Since(epoch)
			content := fmt.Sprintf("%s%d:%d: %s", s3Marker, int64(ts), k, sentence(rand.New(rand.NewPCG(uint64(k), 7)), 40, 120))
			t := time.Now()
			err := a.call(ctx, nil, "POST", "/channels/"+g.SystemChannelID+"/messages", u.Token, map[string]any{"content": content}, nil, false)
			d := time.Since(t)
			if err != nil {
				sendErr.Add(1)
				firstSendErr.CompareAndSwap(nil, err.Error())
				return
			}
			rmu.Lock()
			sent[k] = true
			restLat = append(restLat, ms(d))
			rmu.Unlock()
			okSent.Add(1)
		}()
	}
	swg.Wait()
	sendDur := time.Since(sendStart)
	expected := okSent.Load() * int64(live)
	deadline := time.Now().Add(*drain)
	for delivered.Load() < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cpu1, _ := sample(srv.pid())
	harness1 := selfCPU()
	bb1, bt1 := boxCPU()
	rstop()
	closeAll(conns)
	rwg.Wait()

	var all []float64
	dups := 0
	for _, r := range recvs {
		if r != nil {
			all = append(all, r.lat...)
			dups += r.dup
		}
	}
	ld := summarize(all)
	rep.Dists["latency_ms"] = ld
	rep.Dists["rest_post_ms"] = summarize(restLat)
	rep.add("messages sent OK", float64(okSent.Load()), "")
	rep.add("send errors (HTTP)", float64(sendErr.Load()), "")
	if v := firstSendErr.Load(); v != nil {
		rep.note("first send error: %v", v)
	}
	rep.add("achieved send rate", float64(okSent.Load())/sendDur.Seconds(), "msg/s")
	rep.add("deliveries expected", float64(expected), "")
	rep.add("deliveries received", float64(delivered.Load()), "")
	rep.add("duplicates", float64(dups), "")
	rep.target("lost deliveries", float64(expected-delivered.Load()), "", 0, true)
	rep.target("latency p50", ld.P50, "ms", 15, true)
	rep.add("latency p90", ld.P90, "ms")
	rep.target("latency p99", ld.P99, "ms", 50, true)
	rep.add("latency p99.9", ld.P999, "ms")
	rep.add("latency max", ld.Max, "ms")
	rd := summarize(restLat)
	rep.add("REST POST p50", rd.P50, "ms")
	rep.add("REST POST p99", rd.P99, "ms")
	cpu := (cpu1.CPU - cpu0.CPU).Seconds()
	wall := cpu1.At.Sub(cpu0.At).Seconds()
	rep.add("server CPU during send+drain", cpu, "s")
	rep.add("server CPU, % of one core", cpu/wall*100, "%")
	rep.add("harness CPU, % of one core", (harness1-harness0).Seconds()/wall*100, "%")
	rep.add("whole box busy (2 vCPU, incl. steal)", boxBusyPct(bb0, bt0, bb1, bt1), "%")
	if d := delivered.Load(); d > 0 {
		rep.target("server CPU per delivered dispatch (S5, "+*compress+")", cpu/float64(d)*1e6, "µs", map[string]float64{"zlib": 40, "none": 15, "zstd": 40}[*compress], true)
	}
	rep.note("latency = receiver's time after decoding the MESSAGE_CREATE − sender's timestamp taken before the REST call; includes REST, storage write, fan-out, compression and the harness's own decode on the shared 2 cores")
	rep.note("server CPU per delivery includes everything the server did in the window: REST, SQLite write, heartbeats")
	_ = sent
	rep.Complete = ctx.Err() == nil
	if ctx.Err() != nil {
		return rep, fmt.Errorf("stopped early: %w", ctx.Err())
	}
	return rep, nil
}
