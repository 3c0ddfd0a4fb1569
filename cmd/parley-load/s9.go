package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// observer counts one connection's stream: totals at the end of the handshake (READY and
// GUILD_CREATE) and at the end, per dispatch type.
type observer struct {
	c                  *gwConn
	baseWire, baseRaw  int64
	endWire, endRaw    int64
	baseFrames, frames int64
	msgs, typing       atomic.Int64
	jsonBytes          map[string]int64 // per type, the decoded JSON value's length
	err                error
}

func runS9(parent context.Context, args []string) (*report, error) {
	var c common
	fs := flag.NewFlagSet("s9", flag.ContinueOnError)
	c.register(fs, 5*time.Minute)
	events := fs.Int("events", 3000, "dispatches to generate")
	typingPct := fs.Int("typing-pct", 20, "percentage of TYPING_START (the rest is MESSAGE_CREATE)")
	nUsers := fs.Int("users", 200, "authors")
	nChannels := fs.Int("channels", 20, "text channels")
	minLen := fs.Int("min-len", 20, "shortest message content")
	maxLen := fs.Int("max-len", 300, "longest message content")
	par := fs.Int("parallel", 8, "concurrent REST senders")
	seed := fs.Uint64("seed", 1, "random seed for authors, channels and content")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if *nUsers < 2 || *nChannels < 1 || *minLen < 1 || *maxLen < *minLen {
		return nil, fmt.Errorf("bad --users/--channels/--min-len/--max-len")
	}
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	start := time.Now()
	rep := newReport("s9", map[string]any{"events": *events, "typing_pct": *typingPct, "users": *nUsers, "channels": *nChannels, "content": fmt.Sprintf("%d-%d chars", *minLen, *maxLen)}, c.json)
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
	us, err := a.registerUsers(ctx, "s9user", *nUsers, 4)
	if err != nil {
		return rep, err
	}
	owner := us[0]
	g, err := a.createGuild(ctx, owner, "s9 guild")
	if err != nil {
		return rep, err
	}
	channels := []string{g.SystemChannelID}
	for i := 1; i < *nChannels; i++ {
		id, err := a.createChannel(ctx, owner, g.ID, fmt.Sprintf("chan-%d", i))
		if err != nil {
			return rep, fmt.Errorf("create channel: %w", err)
		}
		channels = append(channels, id)
	}
	if err := a.joinAll(ctx, owner, g.SystemChannelID, us[1:], 8); err != nil {
		return rep, err
	}

	// Three observers, all the owner: zlib-stream, zstd-stream and uncompressed (the control
	// for raw sizes).
	modes := []string{"zlib", "zstd", "none"}
	obs := make([]*observer, len(modes))
	intents := intentGuilds | intentGuildMessages | intentGuildTyping | intentMessageContent
	for i, m := range modes {
		cn, err := dialGateway(ctx, srv.gwURL, m, srcIP(20, i))
		if err != nil {
			return rep, fmt.Errorf("%s observer: %w", m, err)
		}
		defer cn.close()
		if err := cn.identify(owner.Token, intents); err != nil {
			return rep, err
		}
		if err := cn.waitReady(1); err != nil {
			return rep, fmt.Errorf("%s observer: %w", m, err)
		}
		o := &observer{c: cn, baseWire: cn.wireBytes(), baseRaw: cn.rawBytes(), baseFrames: cn.frames(), jsonBytes: map[string]int64{}}
		obs[i] = o
	}
	var owg sync.WaitGroup
	octx, ostop := context.WithCancel(ctx)
	for _, o := range obs {
		go o.c.heartbeatLoop(octx)
		owg.Add(1)
		go func() {
			defer owg.Done()
			for {
				e, raw, err := o.c.next()
				if err != nil {
					if octx.Err() == nil {
						o.err = err
					}
					return
				}
				if e.Op != 0 {
					continue
				}
				o.jsonBytes[e.T] += int64(len(raw))
				switch e.T {
				case "MESSAGE_CREATE":
					o.msgs.Add(1)
				case "TYPING_START":
					o.typing.Add(1)
				}
				if e.T == "MESSAGE_CREATE" || e.T == "TYPING_START" {
					o.endWire, o.endRaw, o.frames = o.c.wireBytes(), o.c.rawBytes(), o.c.frames()
				}
			}
		}()
	}

	// Replay: event k is typing with probability typingPct, else a message; random author
	// (not the owner), random channel, random sentence.
	var okMsgs, okTyping, failed atomic.Int64
	var next atomic.Int64
	var swg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < *par; w++ {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= *events || ctx.Err() != nil {
					return
				}
				r := rand.New(rand.NewPCG(*seed, uint64(k)))
				u := us[1+r.IntN(len(us)-1)]
				ch := channels[r.IntN(len(channels))]
				if r.IntN(100) < *typingPct {
					if err := a.call(ctx, nil, "POST", "/channels/"+ch+"/typing", u.Token, nil, nil, true); err != nil {
						failed.Add(1)
						continue
					}
					okTyping.Add(1)
					continue
				}
				body := map[string]any{"content": sentence(r, *minLen, *maxLen)}
				if r.IntN(5) == 0 { // libraries send a nonce on a share of messages
					body["nonce"] = fmt.Sprint(r.Uint64() >> 1)
				}
				if err := a.call(ctx, nil, "POST", "/channels/"+ch+"/messages", u.Token, body, nil, true); err != nil {
					failed.Add(1)
					continue
				}
				okMsgs.Add(1)
			}
		}()
	}
	swg.Wait()
	sendDur := time.Since(t0)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		done := true
		for _, o := range obs {
			if o.msgs.Load() < okMsgs.Load() || o.typing.Load() < okTyping.Load() {
				done = false
			}
		}
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	ostop()
	for _, o := range obs {
		o.c.close()
	}
	owg.Wait()

	rep.add("MESSAGE_CREATE generated", float64(okMsgs.Load()), "")
	rep.add("TYPING_START generated", float64(okTyping.Load()), "")
	rep.add("REST failures", float64(failed.Load()), "")
	rep.add("replay rate", float64(okMsgs.Load()+okTyping.Load())/sendDur.Seconds(), "events/s")
	plainRaw := obs[2].endRaw - obs[2].baseRaw
	for i, o := range obs {
		m := modes[i]
		raw, wire := o.endRaw-o.baseRaw, o.endWire-o.baseWire
		got := o.msgs.Load() + o.typing.Load()
		rep.add(m+": dispatches decoded", float64(got), "")
		if o.err != nil {
			rep.note("%s observer stream error: %v", m, o.err)
		}
		if m == "none" {
			rep.add("none: raw JSON bytes per dispatch", float64(raw)/float64(max(got, 1)), "B")
			continue
		}
		ratio := float64(raw) / float64(max(wire, 1))
		switch m {
		case "zlib":
			rep.target("zlib-stream ratio, replay (raw/wire)", ratio, "", 6.0, false)
		case "zstd":
			rep.target("zstd-stream ratio, replay (raw/wire)", ratio, "", 7.5, false)
		}
		rep.add(m+": wire bytes per dispatch", float64(wire)/float64(max(got, 1)), "B")
		rep.add(m+": ratio incl. READY+GUILD_CREATE", float64(o.endRaw)/float64(max(o.endWire, 1)), "")
		rep.add(m+": decoded raw bytes = uncompressed control", b2f(raw == plainRaw), "(1=yes)")
		rep.Dists[m] = map[string]any{"raw_bytes": raw, "wire_bytes": wire, "frames": o.frames - o.baseFrames, "dispatches": got, "json_bytes_by_type": o.jsonBytes}
	}
	rep.note("ratio = decompressed bytes / compressed WebSocket payload bytes (framing excluded) over the replay only; every payload was decoded as JSON by a streaming klauspost zlib / zstd reader")
	rep.note("server compressor state per idle connection is not measured here; see s1 --compress zlib vs none (RSS/session difference)")
	rep.Complete = ctx.Err() == nil
	for _, o := range obs {
		if o.msgs.Load() < okMsgs.Load() || o.typing.Load() < okTyping.Load() {
			rep.Complete = false
			rep.note("an observer missed dispatches: %d/%d messages, %d/%d typing", o.msgs.Load(), okMsgs.Load(), o.typing.Load(), okTyping.Load())
		}
	}
	if ctx.Err() != nil {
		return rep, fmt.Errorf("stopped early: %w", ctx.Err())
	}
	return rep, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
