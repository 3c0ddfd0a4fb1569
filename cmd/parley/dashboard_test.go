package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/storage/testenv"
)

// dashboard is the part of docs/grafana-dashboard.json the test reads.
type dashboard struct {
	Inputs []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"__inputs"`
	Panels []struct {
		Type    string `json:"type"`
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func repoFile(t *testing.T, rel string) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// prometheusBinary finds Debian's prometheus (.ci/install-prometheus.sh installs it), or
// skips loudly; under CI=true a missing binary fails.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("prometheus")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("prometheus not installed on CI (run .ci/install-prometheus.sh): %v", err)
	}
	t.Skipf("PROMETHEUS DASHBOARD TEST SKIPPED: no prometheus binary (apt-get install prometheus, or .ci/install-prometheus.sh): %v", err)
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestGrafanaDashboard runs a Parley with its metrics listener, drives REST and gateway
// traffic (a zlib-stream session, 429s, a resume), lets a real Prometheus scrape it every
// second, and then runs every panel query of docs/grafana-dashboard.json against
// Prometheus's HTTP API: each must return at least one series.
func TestGrafanaDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus")
	}
	var d dashboard
	if err := json.Unmarshal(repoFile(t, "docs/grafana-dashboard.json"), &d); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Type != "datasource" {
		t.Fatalf("dashboard __inputs = %+v, want one Prometheus datasource input for Grafana's import", d.Inputs)
	}
	prom := prometheusBinary(t)

	args := []string{"--metrics-addr", "127.0.0.1:0", "--identify-limits", "off"}
	redisURL := os.Getenv("PARLEY_TEST_REDIS_URL")
	if redisURL != "" {
		args = append(args, "--redis-url", redisURL, "--redis-prefix", testenv.RedisPrefix(t, redisURL))
	} else if os.Getenv("CI") == "true" {
		t.Fatal("PARLEY_TEST_REDIS_URL unset on CI: the Redis panels need it")
	} else {
		t.Log("PARLEY_TEST_REDIS_URL unset: the Redis panels are not checked")
	}
	srv := startServer(t, t.TempDir(), args...)
	f := srv.fixture(t, "dash", 0)

	// Gateway: a plain JSON session and a zlib-stream one (compression metrics).
	g := identify(t, srv, "Bot "+f.botToken, 1|1<<9)
	g.expect("READY")
	zs, _, err := websocket.DefaultDialer.Dial(srv.GatewayURL+"/?v=10&encoding=json&compress=zlib-stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	if _, _, err := zs.ReadMessage(); err != nil { // Hello, compressed
		t.Fatal(err)
	}
	zs.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":513,"properties":{"os":"linux","browser":"t","device":"t"}}}`, f.userToken)))
	go func() {
		for {
			if _, _, err := zs.ReadMessage(); err != nil {
				return
			}
		}
	}()

	// Traffic until the test ends: messages (fan-out to both sessions), a route that 429s.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			body := strings.NewReader(fmt.Sprintf(`{"content":"tick %d"}`, i))
			req, _ := http.NewRequestWithContext(ctx, "POST", srv.RESTURL+"/api/v10/channels/"+f.channelID+"/messages", body)
			req.Header.Set("Authorization", "Bot "+f.botToken)
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	go func() {
		for {
			if _, err := g.read(time.Minute); err != nil {
				return
			}
		}
	}()

	// Prometheus on a free loopback port, scraping every second, storage in a temp dir.
	dir := t.TempDir()
	target := strings.TrimPrefix(srv.MetricsURL, "http://")
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: parley\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	pctx, pcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer pcancel()
	var plog bytes.Buffer
	cmd := exec.CommandContext(pctx, prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &plog, &plog
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	api := "http://" + addr

	query := func(expr string) (int, error) {
		resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(expr))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var r struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return 0, err
		}
		if r.Status != "success" {
			return 0, fmt.Errorf("%s", r.Error)
		}
		return len(r.Data.Result), nil
	}
	// Wait for enough scrapes that rate() over the panels' window has two points.
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, err := query(`count_over_time(up{job="parley"}[1m]) >= 5`)
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not scrape Parley 5 times in 90 s (last: %d, %v); its log:\n%s", n, err, plog.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	// One resume and one op 9 while Prometheus watches (resume/invalid-session panels).
	driveResumeAndInvalid(t, srv, f)
	time.Sleep(3 * time.Second) // three more scrapes

	checked := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if redisURL == "" && (strings.Contains(tg.Expr, "parley_redis_") || strings.Contains(tg.Expr, "parley_bus_")) {
				continue
			}
			expr := strings.ReplaceAll(tg.Expr, "$__rate_interval", "1m")
			n, err := query(expr)
			if err != nil {
				t.Errorf("panel %q: query %s: %v", p.Title, expr, err)
			} else if n == 0 {
				t.Errorf("panel %q: query %s returned no series", p.Title, expr)
			}
			checked++
		}
	}
	t.Logf("%d dashboard queries returned data from a real Prometheus scrape", checked)
	_, _, scrape := get(t, srv.MetricsURL+"/metrics")
	checkMetricsDocumented(t, scrape)
}

// driveResumeAndInvalid makes one session resume successfully and another get op 9.
func driveResumeAndInvalid(t *testing.T, srv *server, f fixture) {
	t.Helper()
	g := identify(t, srv, "Bot "+f.botToken, 1)
	ready := g.expect("READY")
	var rd struct {
		SessionID string `json:"session_id"`
	}
	json.Unmarshal(ready.D, &rd)
	g.ws.Close()
	r := dial(t, srv.GatewayURL)
	r.read(5 * time.Second)
	r.send(fmt.Sprintf(`{"op":6,"d":{"token":%q,"session_id":%q,"seq":1}}`, "Bot "+f.botToken, rd.SessionID))
	r.expect("RESUMED")
	bad := dial(t, srv.GatewayURL)
	bad.read(5 * time.Second)
	bad.send(fmt.Sprintf(`{"op":6,"d":{"token":%q,"session_id":"nope","seq":1}}`, "Bot "+f.botToken))
	for {
		fr, err := bad.read(5 * time.Second)
		if err != nil {
			t.Fatalf("waiting for op 9: %v", err)
		}
		if fr.Op == 9 {
			return
		}
	}
}
