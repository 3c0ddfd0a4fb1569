package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// connectSessions opens n identified sessions, par at a time: session i uses tokenOf(i),
// source address 127.20.x.y (spread over 200 addresses), and waits for READY plus
// wantGuilds GUILD_CREATEs. It returns the sessions that made it (nil where one failed), the
// connect→READY times (ms) and how many failed.
func connectSessions(ctx context.Context, gwURL, compress string, n, par int, tokenOf func(int) string, intents, wantGuilds int) ([]*gwConn, []float64, int, error) {
	conns := make([]*gwConn, n)
	lat := make([]float64, n)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				c, err := dialGateway(ctx, gwURL, compress, srcIP(20, i%200))
				if err == nil {
					if err = c.identify(tokenOf(i), intents); err == nil {
						_ = c.ws.SetReadDeadline(time.Now().Add(60 * time.Second))
						err = c.waitReady(wantGuilds)
						_ = c.ws.SetReadDeadline(time.Time{})
					}
					if err != nil {
						c.close()
					}
				}
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = fmt.Errorf("session %d: %w", i, err) })
					continue
				}
				lat[i] = ms(time.Since(t0))
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	ok := lat[:0:0]
	for i, c := range conns {
		if c != nil {
			ok = append(ok, lat[i])
		}
	}
	return conns, ok, int(failed.Load()), firstErr
}

// closeAll closes every session, in parallel (a close frame each).
func closeAll(conns []*gwConn) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range conns {
		if c == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer wg.Done(); c.close(); <-sem }()
	}
	wg.Wait()
}
