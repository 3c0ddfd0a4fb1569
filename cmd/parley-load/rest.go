package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// srcIP spreads clients over loopback source addresses: block 10 for REST registration
// (Parley limits POST /auth/register to 10 per 10 s per IP), block 20 for gateway sockets.
func srcIP(block, n int) net.IP {
	n %= 250 * 250
	return net.IPv4(127, byte(block), byte(n/250), byte(n%250+1))
}

func transportFrom(ip net.IP) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return &http.Transport{DialContext: d.DialContext, MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
}

// api is a raw-JSON REST client for /api/v10.
type api struct {
	base   string
	shared *http.Client
	mu     sync.Mutex
	perIP  map[string]*http.Client
}

func newAPI(restURL string) *api {
	return &api{base: restURL + "/api/v10", shared: &http.Client{Transport: transportFrom(nil), Timeout: 30 * time.Second}, perIP: map[string]*http.Client{}}
}

func (a *api) clientFor(ip net.IP) *http.Client {
	if ip == nil {
		return a.shared
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.perIP[ip.String()]
	if c == nil {
		c = &http.Client{Transport: transportFrom(ip), Timeout: 30 * time.Second}
		a.perIP[ip.String()] = c
	}
	return c
}

func (a *api) close() {
	a.shared.CloseIdleConnections()
	a.mu.Lock()
	for _, c := range a.perIP {
		c.CloseIdleConnections()
	}
	a.mu.Unlock()
}

type httpError struct {
	status     int
	body       string
	retryAfter time.Duration
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// call does one request; 429s are retried (honouring retry_after) when retry is set.
func (a *api) call(ctx context.Context, ip net.IP, method, path, token string, body, out any, retry bool) error {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	for attempt := 0; ; attempt++ {
		err := a.once(ctx, ip, method, path, token, raw, out)
		var he *httpError
		if !retry || !errors.As(err, &he) || he.status != http.StatusTooManyRequests || attempt >= 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(he.retryAfter + 10*time.Millisecond):
		}
	}
}

func (a *api) once(ctx context.Context, ip net.IP, method, path, token string, raw []byte, out any) error {
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := a.clientFor(ip).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		he := &httpError{status: resp.StatusCode, body: string(b)}
		if resp.StatusCode == http.StatusTooManyRequests {
			var ra struct {
				RetryAfter float64 `json:"retry_after"`
			}
			_ = json.Unmarshal(b, &ra)
			he.retryAfter = time.Duration(ra.RetryAfter * float64(time.Second))
			if he.retryAfter <= 0 {
				s, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
				he.retryAfter = time.Duration(s) * time.Second
			}
		}
		return he
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

type user struct {
	Token  string `json:"token"`
	UserID string `json:"user_id"`
}

// registerUsers creates n human accounts (argon2id per account, so in parallel), each from a
// source IP shared by at most 5 accounts to stay under the per-IP register limit.
func (a *api) registerUsers(ctx context.Context, prefix string, n, par int) ([]user, error) {
	users := make([]user, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
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
				body := map[string]any{"username": fmt.Sprintf("%s%d", prefix, i), "password": "load-test-password"}
				if err := a.call(ctx, srcIP(10, i/5), "POST", "/auth/register", "", body, &users[i], true); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("register %d: %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return users, firstErr
}

type guildInfo struct {
	ID              string `json:"id"`
	SystemChannelID string `json:"system_channel_id"`
}

func (a *api) createGuild(ctx context.Context, owner user, name string) (guildInfo, error) {
	var g guildInfo
	err := a.call(ctx, nil, "POST", "/guilds", owner.Token, map[string]any{"name": name}, &g, true)
	return g, err
}

func (a *api) createChannel(ctx context.Context, owner user, guildID, name string) (string, error) {
	var ch struct {
		ID string `json:"id"`
	}
	err := a.call(ctx, nil, "POST", "/guilds/"+guildID+"/channels", owner.Token, map[string]any{"name": name, "type": 0}, &ch, true)
	return ch.ID, err
}

// joinAll makes every user but the owner join through one invite.
func (a *api) joinAll(ctx context.Context, owner user, channelID string, members []user, par int) error {
	var inv struct {
		Code string `json:"code"`
	}
	if err := a.call(ctx, nil, "POST", "/channels/"+channelID+"/invites", owner.Token, map[string]any{"max_age": 0, "max_uses": 0}, &inv, true); err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(members) || ctx.Err() != nil {
					return
				}
				if err := a.call(ctx, nil, "POST", "/invites/"+inv.Code, members[i].Token, nil, nil, true); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("accept invite (%d): %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return firstErr
}
