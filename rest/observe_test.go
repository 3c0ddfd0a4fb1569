package rest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/rest"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/embedded"
)

func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	var b strings.Builder
	if _, err := reg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lockedBuffer is a log sink shared by request goroutines (the rest tests' one copy).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRequestID(t *testing.T) {
	logs := &lockedBuffer{}
	e := newEnv(t, func(c *rest.Config) {
		c.Logger = slog.New(rest.LogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	})
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"uuid", "3f2b8c1e-6a1d-4a8e-9c0e-2b7f1d9a4c55", true},
		{"dotted", "req.42:a_b", true},
		{"spaces", "a b", false},
		{"quote", `x"y`, false},
		{"too long", strings.Repeat("a", 129), false},
		{"none", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.in != "" {
				hdr = []string{"X-Request-Id", tt.in}
			}
			r := e.call(t, "GET", "/gateway", "", nil, hdr...)
			got := r.Header.Get("X-Request-Id")
			if tt.keep && got != tt.in {
				t.Fatalf("X-Request-Id = %q, want %q kept", got, tt.in)
			}
			if !tt.keep && (got == tt.in || len(got) != 24) {
				t.Fatalf("X-Request-Id = %q, want a generated one", got)
			}
			if !strings.Contains(logs.String(), "request_id="+got) {
				t.Fatalf("no log line carries request_id=%s:\n%s", got, logs)
			}
		})
	}
	// Log lines name the route template, never the path: webhook paths carry tokens.
	e.call(t, "POST", "/webhooks/1/secret-webhook-token", "", map[string]any{"content": "x"})
	if strings.Contains(logs.String(), "secret-webhook-token") {
		t.Fatalf("a log line carries the webhook token:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `route="POST /webhooks/{webhook_id}/{webhook_token}"`) {
		t.Fatalf("no log line names the webhook route:\n%s", logs)
	}
}

func TestRESTMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	e := newEnv(t, func(c *rest.Config) {
		c.Metrics = reg
		c.RateLimits.Routes["GET /gateway"] = rest.Rate{Limit: 2, Window: time.Minute}
	})
	for i := 0; i < 3; i++ {
		e.call(t, "GET", "/gateway", "", nil)
	}
	e.call(t, "GET", "/api/v9/gateway", "", nil) // same route under another version prefix
	e.call(t, "GET", "/nowhere", "", nil)
	out := scrape(t, reg)
	for _, want := range []string{
		`parley_rest_request_duration_seconds_count{route="GET /gateway",status="200"} 2`,
		`parley_rest_request_duration_seconds_count{route="GET /gateway",status="429"} 2`,
		`parley_rest_rate_limited_total{route="GET /gateway",scope="user"} 2`,
		`parley_rest_request_duration_seconds_count{route="unmatched",status="404"} 1`,
		"parley_rest_requests_in_flight 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q:\n%s", want, out)
		}
	}
}

func TestRateLimitsOffAndUnlimited(t *testing.T) {
	tests := []struct {
		name       string
		limits     func(*rest.RateLimits)
		wantHeader bool
	}{
		{"off", func(rl *rest.RateLimits) { rl.Off = true }, false},
		{"route unlimited, global off", func(rl *rest.RateLimits) { rl.Routes["GET /gateway"] = rest.Unlimited; rl.Global = -1 }, false},
		{"limited", func(*rest.RateLimits) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *rest.Config) {
				c.RateLimits.Routes["GET /gateway"] = rest.Rate{Limit: 3, Window: time.Minute}
				c.RateLimits.Global = 5
				tt.limits(&c.RateLimits)
			})
			limited := 0
			for i := 0; i < 20; i++ {
				r := e.call(t, "GET", "/gateway", "", nil)
				if r.Status == 429 {
					limited++
				}
				if has := r.Header.Get("X-RateLimit-Bucket") != ""; has != tt.wantHeader && r.Status != 429 {
					t.Fatalf("request %d: X-RateLimit-Bucket present = %v, want %v", i, has, tt.wantHeader)
				}
			}
			if (limited > 0) != tt.wantHeader {
				t.Fatalf("%d of 20 requests got 429", limited)
			}
		})
	}
}

func TestUnknownRouteLimit(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gen, _ := snowflake.NewGenerator(1, 1)
	svc, err := guilds.New(ctx, guilds.Config{Store: st, IDs: gen})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rest.New(rest.Config{PublicGatewayURL: "ws://x", RateLimits: rest.RateLimits{
		Routes: map[string]rest.Rate{"GET /gatewya": {Limit: 1, Window: time.Second}, "GET /gateway": {Limit: 1, Window: time.Second}},
	}}, svc)
	if !errors.Is(err, rest.ErrUnknownRoute) || !strings.Contains(err.Error(), `"GET /gatewya"`) || strings.Contains(err.Error(), `"GET /gateway"`) {
		t.Fatalf("rest.New = %v, want ErrUnknownRoute naming only GET /gatewya", err)
	}
}

type failingLimiter struct{}

func (failingLimiter) Take(context.Context, string, int, time.Duration) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("redis: connection refused")
}

// TestLimiterFailureCounted: a broken limiter lets requests through, counts each failure
// and logs it with the request's ID.
func TestLimiterFailureCounted(t *testing.T) {
	reg := metrics.NewRegistry()
	logs := &lockedBuffer{}
	e := newEnv(t, func(c *rest.Config) {
		c.Metrics = reg
		c.RateLimiter = failingLimiter{}
		c.Logger = slog.New(rest.LogHandler(slog.NewTextHandler(logs, nil)))
	})
	r := want(t, e.call(t, "GET", "/gateway", "", nil, "X-Request-Id", "lim-1"), 200)
	if r.Header.Get("X-RateLimit-Bucket") != "" {
		t.Errorf("rate-limit headers without a limiter answer")
	}
	if got := scrape(t, reg); !strings.Contains(got, "parley_rest_rate_limiter_errors_total 1\n") {
		t.Errorf("limiter failures not counted:\n%s", got)
	}
	if !strings.Contains(logs.String(), "request_id=lim-1") {
		t.Errorf("limiter failure not logged with the request ID:\n%s", logs)
	}
}
