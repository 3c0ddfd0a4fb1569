package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/metrics"
)

func get(t *testing.T, url string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestOpsListener: /healthz, /readyz, /metrics with REST, store and runtime families, pprof
// only behind --pprof, request IDs in headers and JSON log lines.
func TestOpsListener(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--log-format", "json")
	if srv.MetricsURL == "" {
		t.Fatal("ready file lacks metrics_url")
	}
	f := srv.fixture(t, "ops", 0)

	if code, _, body := get(t, srv.MetricsURL+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	code, _, body := get(t, srv.MetricsURL+"/readyz")
	var rd readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil || code != 200 || rd.Status != "ready" || rd.Checks["store"] != "ok" {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if code, _, _ := get(t, srv.MetricsURL+"/debug/pprof/"); code != 404 {
		t.Fatalf("pprof without --pprof: HTTP %d, want 404", code)
	}

	// Request IDs: a sane incoming one is kept, a hostile one replaced, none generated.
	_, h, _ := get(t, srv.RESTURL+"/api/v10/users/@me", "Authorization", f.userToken, "X-Request-Id", "abc-123.DEF")
	if h.Get("X-Request-Id") != "abc-123.DEF" {
		t.Errorf("sane X-Request-Id not kept: %q", h.Get("X-Request-Id"))
	}
	_, h, _ = get(t, srv.RESTURL+"/api/v10/users/@me", "Authorization", f.userToken, "X-Request-Id", `x" level=ERROR msg=forged`)
	if id := h.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
		t.Errorf("hostile X-Request-Id echoed: %q", id)
	}
	_, h, _ = get(t, srv.RESTURL+"/api/v10/channels/1/messages", "Authorization", f.userToken)
	generated := h.Get("X-Request-Id")
	if len(generated) != 24 {
		t.Errorf("generated X-Request-Id %q", generated)
	}

	code, hdr, body := get(t, srv.MetricsURL+"/metrics")
	if code != 200 || hdr.Get("Content-Type") != metrics.ContentType {
		t.Fatalf("/metrics = %d %s", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		`parley_rest_request_duration_seconds_count{route="GET /users/@me",status="200"} 3`, // fixture + 2
		`parley_rest_request_duration_seconds_count{route="POST /auth/register",status="201"} 1`,
		`parley_rest_request_duration_seconds_count{route="GET /channels/{channel_id}/messages",status="404"} 1`,
		`parley_store_duration_seconds_count{op="query_row"}`,
		`parley_store_errors_total{op="exec"} 0`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}

	checkMetricsDocumented(t, body)

	// Every JSON log line is an object; the debug line of the 404 request carries its ID,
	// and no line carries a token.
	var sawID bool
	for _, line := range strings.Split(strings.TrimSpace(srv.logs.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue // the first-start banner is plain text on purpose
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if m["request_id"] == generated {
			sawID = true
		}
		if strings.Contains(line, f.userToken) || strings.Contains(line, f.botToken) {
			t.Fatalf("a log line carries a token: %s", line)
		}
	}
	if !sawID {
		t.Errorf("no log line carries request_id %s:\n%s", generated, srv.logs)
	}
}

func TestPProfFlag(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--metrics-addr", "127.0.0.1:0", "--pprof")
	code, _, body := get(t, srv.MetricsURL+"/debug/pprof/")
	if code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/ = %d", code)
	}
	if code, _, _ := get(t, srv.RESTURL+"/debug/pprof/"); code != 404 {
		t.Fatalf("pprof on the REST listener: HTTP %d", code)
	}
}

type fakePinger struct {
	mu  sync.Mutex
	err error
}

func (f *fakePinger) Ping(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// TestReadyz: 503 naming the failed check while the store or Redis fails, 503 while
// draining, 200 otherwise.
func TestReadyz(t *testing.T) {
	store, redis := &fakePinger{}, &fakePinger{}
	o := &ops{reg: metrics.NewRegistry(), log: slog.New(slog.DiscardHandler),
		checks: []namedCheck{{"store", store}, {"redis", redis}}}
	ts := httptest.NewServer(o.handler())
	defer ts.Close()
	check := func(wantCode int, wantChecks map[string]string, draining bool) {
		t.Helper()
		code, _, body := get(t, ts.URL+"/readyz")
		var rd readiness
		if err := json.Unmarshal([]byte(body), &rd); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		if code != wantCode || rd.Draining != draining || fmt.Sprint(rd.Checks) != fmt.Sprint(wantChecks) {
			t.Fatalf("/readyz = %d %s, want %d %v draining=%v", code, body, wantCode, wantChecks, draining)
		}
		if (code == 200) != (rd.Status == "ready") {
			t.Fatalf("status %q with HTTP %d", rd.Status, code)
		}
	}
	check(200, map[string]string{"store": "ok", "redis": "ok"}, false)
	store.mu.Lock()
	store.err = errors.New("database is locked")
	store.mu.Unlock()
	check(503, map[string]string{"store": "database is locked", "redis": "ok"}, false)
	store.mu.Lock()
	store.err = nil
	store.mu.Unlock()
	redis.mu.Lock()
	redis.err = errors.New("dial tcp: connection refused")
	redis.mu.Unlock()
	check(503, map[string]string{"store": "ok", "redis": "dial tcp: connection refused"}, false)
	redis.mu.Lock()
	redis.err = nil
	redis.mu.Unlock()
	check(200, map[string]string{"store": "ok", "redis": "ok"}, false)
	o.draining.Store(true)
	check(503, map[string]string{"store": "ok", "redis": "ok"}, true)
	if code, _, _ := get(t, ts.URL+"/healthz"); code != 200 {
		t.Fatalf("/healthz while draining = %d, want 200 (alive)", code)
	}
}

// TestRateLimitsOff: with --rate-limits off, 200 rapid requests on a route whose Discord
// bucket is 5 per 5 s all succeed without any X-RateLimit header.
func TestRateLimitsOff(t *testing.T) {
	for _, mode := range []string{"off", "discord"} {
		t.Run(mode, func(t *testing.T) {
			srv := startServer(t, t.TempDir(), "--rate-limits", mode)
			f := srv.fixture(t, "rl"+mode[:2], 0)
			limited, headers := 0, 0
			for i := 0; i < 200; i++ {
				req, _ := http.NewRequest("POST", srv.RESTURL+"/api/v10/channels/"+f.channelID+"/messages",
					strings.NewReader(`{"content":"x"}`))
				req.Header.Set("Authorization", "Bot "+f.botToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 429 {
					limited++
				} else if resp.StatusCode != 200 {
					t.Fatalf("request %d: HTTP %d", i, resp.StatusCode)
				}
				for k := range resp.Header {
					if strings.HasPrefix(strings.ToLower(k), "x-ratelimit") {
						headers++
						break
					}
				}
			}
			switch mode {
			case "off":
				if limited != 0 || headers != 0 {
					t.Fatalf("--rate-limits off: %d 429s, %d responses with X-RateLimit headers", limited, headers)
				}
			case "discord": // the control: the same burst is limited by default
				if limited == 0 || headers == 0 {
					t.Fatalf("default limits: %d 429s, %d with headers; want both > 0", limited, headers)
				}
			}
		})
	}
}

// TestIdentifyLimitsOff: with --identify-limits off a burst of Identifies by one bot all get
// READY at once (by default the second waits out the 5 s interval: op 9), and GET
// /gateway/bot stays usable for libraries.
func TestIdentifyLimitsOff(t *testing.T) {
	for _, mode := range []string{"off", "discord"} {
		t.Run(mode, func(t *testing.T) {
			srv := startServer(t, t.TempDir(), "--identify-limits", mode, "--session-start-limit", "3")
			f := srv.fixture(t, "id"+mode[:2], 0)
			const n = 10
			ready := 0
			for i := 0; i < n; i++ {
				g := identify(t, srv, "Bot "+f.botToken, 1)
				fr, err := g.read(5 * time.Second)
				for err == nil && fr.Op == 11 {
					fr, err = g.read(5 * time.Second)
				}
				if err == nil && fr.Op == 0 && fr.T != nil && *fr.T == "READY" {
					ready++
				}
				g.ws.Close()
			}
			var info struct {
				SessionStartLimit struct {
					Total          int `json:"total"`
					Remaining      int `json:"remaining"`
					MaxConcurrency int `json:"max_concurrency"`
				} `json:"session_start_limit"`
			}
			srv.api(t, "GET", "/gateway/bot", "Bot "+f.botToken, nil, &info)
			ssl := info.SessionStartLimit
			switch mode {
			case "off":
				if ready != n {
					t.Fatalf("--identify-limits off: %d of %d Identifies got READY", ready, n)
				}
				if ssl.Remaining <= 0 || ssl.MaxConcurrency < 1 || ssl.Total < ssl.Remaining {
					t.Fatalf("session_start_limit = %+v, want remaining > 0 and max_concurrency ≥ 1", ssl)
				}
			case "discord":
				if ready != 1 {
					t.Fatalf("default limits: %d of %d back-to-back Identifies got READY, want 1", ready, n)
				}
			}
		})
	}
}

// checkMetricsDocumented fails for every family in a scrape that docs/operations.md does not
// name, so a new metric cannot ship undocumented.
func checkMetricsDocumented(t *testing.T, scrape string) {
	t.Helper()
	doc := string(repoFile(t, "docs/operations.md"))
	for _, line := range strings.Split(scrape, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name = strings.Fields(name)[0]
			if !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("docs/operations.md does not document metric `%s`", name)
			}
		}
	}
}
