// Command parley runs a Discord-compatible chat server.
//
//	parley [serve] [flags]   run the server (the default)
//	parley demo --url URL    create a demo user, guild and bot on a running server
//
// Every flag has an environment variable; see `parley serve -h` and README.md.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/redisbus"
	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/rest"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/embedded"
	"github.com/parley-chat/parley/storage/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "demo" || args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "demo":
		return runDemo(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: parley [serve] [flags] | parley demo [--url URL] [--json]\n\nRun `parley serve -h` for the server's flags.")
		return 0
	}
	cfg, err := parseServe(args, stderr)
	if err != nil {
		if errors.Is(err, flagHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "parley: %v\n", err)
		return 2
	}
	if err := serve(ctx, cfg, stderr); err != nil {
		fmt.Fprintf(stderr, "parley: %v\n", err)
		if errors.Is(err, rest.ErrUnknownRoute) {
			return 2 // a flag named a route that does not exist
		}
		return 1
	}
	return 0
}

// errLeaseLost stops a node whose snowflake lease another node took.
var errLeaseLost = errors.New("snowflake node id lease lost")

// hostname names this node in its snowflake lease, for the operator reading a collision error.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "parley"
	}
	return h
}

// serve wires storage → guilds → gateway and rest, listens, and shuts down on ctx.
func serve(ctx context.Context, cfg config, stderr io.Writer) (err error) {
	log := newLogger(cfg, stderr)
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg)
	op := &ops{reg: reg, pprof: cfg.PProf, log: log.With("component", "ops")}

	start := time.Now()
	certs, err := cfg.tlsOptions.load(log.With("component", "tls"))
	if err != nil {
		return err
	}
	store, backend, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if o, ok := store.(interface{ Observe(storage.Observer) }); ok {
		o.Observe(storeObserver(reg))
	}
	if p, ok := store.(storage.Pinger); ok {
		op.checks = append(op.checks, namedCheck{"store", p})
	}
	_, secretErr := store.Settings().Get(ctx, "token_secret")
	firstStart := errors.Is(secretErr, storage.ErrNotFound)

	// Snowflake node IDs: leased from Redis when several nodes share it (a hand-picked pair is
	// still leased, so a collision refuses to start), 0/0 on a single node unless set.
	worker, process := max(cfg.WorkerID, 0), max(cfg.ProcessID, 0)
	leaseLost := make(chan struct{})
	if cfg.RedisURL != "" {
		want := -1
		if cfg.WorkerID >= 0 || cfg.ProcessID >= 0 {
			want = worker<<5 | process
		}
		lease, err := redisbus.NewLease(ctx, redisbus.LeaseConfig{
			URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Want: want, Holder: hostname(),
			Logger: log.With("component", "snowflake"),
			OnLost: func() { close(leaseLost) },
		})
		if err != nil {
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer lease.Close()
		worker, process = lease.Worker(), lease.Process()
		log.Info("snowflake node id leased", "worker", worker, "process", process)
	}
	ids, err := snowflake.NewGenerator(worker, process)
	if err != nil {
		return err
	}
	// Single node: events and rate limits in memory. Several nodes: both through Redis. The
	// bus comes first: the domain and the gateway are both built on it.
	mode := "single-node"
	var bus events.Broker = events.NewMemory()
	var limiter ratelimit.Limiter
	var logins ratelimit.Attempts          // the per-account login throttle; shared like the rate limits
	var presences gateway.PresenceStore    // nil: this node's own (gateway default)
	var identifies gateway.IdentifyLimiter // nil: this node's own (gateway default)
	var shared events.SessionStore         // resumable session state every node reads (Redis only)
	var nodeID string
	if cfg.RedisURL != "" {
		node := fmt.Sprintf("w%d-p%d-%s", worker, process, randomHex(4))
		observe := redisObserver(reg)
		rb, err := redisbus.New(ctx, redisbus.Config{
			URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, NodeID: node,
			ReplayWindow: cfg.RedisReplay, Outbox: cfg.RedisOutbox,
			Logger: log.With("component", "bus"), Observer: observe,
		})
		if err != nil {
			return fmt.Errorf("--redis-url: %w", err)
		}
		rl, err := redisbus.NewLimiter(ctx, cfg.RedisURL, cfg.RedisPrefix+"rl:")
		if err != nil {
			rb.Close()
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer rl.Close()
		// Presences and the Identify limits are per user or bot, not per node, as on Discord.
		pr, err := redisbus.NewPresences(ctx, redisbus.PresencesConfig{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, NodeID: node})
		if err != nil {
			rb.Close()
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer pr.Close()
		il, err := redisbus.NewIdentifyLimiter(ctx, cfg.RedisURL, cfg.RedisPrefix)
		if err != nil {
			rb.Close()
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer il.Close()
		pr.Observe(observe)
		il.Observe(observe)
		presences, identifies = pr, il
		rl.Observe(observe)
		rl.Logger = log.With("component", "ratelimit")
		reg.GaugeFunc("parley_redis_rate_limits_degraded", "1 while Redis does not answer and REST rate limits and login throttling are counted per node.", func() float64 {
			if rl.Degraded() {
				return 1
			}
			return 0
		})
		reg.CounterFunc("parley_redis_rate_limit_fallbacks_total", "Rate-limit and login-throttle calls to Redis that failed or timed out and were answered per node.", func() float64 { return float64(rl.Failures()) })
		op.checks = append(op.checks, namedCheck{"redis", rl})
		registerBusMetrics(reg, rb)
		sessions, err := redisbus.NewSessions(ctx, cfg.RedisURL, cfg.RedisPrefix,
			events.SessionLimits{Limit: cfg.ReplayBuffer, TTL: cfg.ResumeWindow})
		if err != nil {
			rb.Close()
			return fmt.Errorf("--redis-url: %w", err)
		}
		defer sessions.Close()
		bus, limiter, logins, shared, nodeID = rb, rl, rl, sessions, node
		mode = "multi-node (redis, node " + node + ")"
		if cfg.DatabaseURL == "" {
			log.Warn("--redis-url without --database-url: each node keeps its own embedded store, so nodes do not share data")
		}
	}
	// Closed last (deferred first): after the gateway and the domain stopped consuming it.
	defer func() {
		if err := bus.Close(); err != nil {
			log.Warn("close bus", "err", err)
		}
	}()

	// The listeners are bound before the domain, which needs the public REST URL for
	// attachment url/proxy_url (/attachments/... on this listener).
	outages := newOutages(store, log.With("component", "store"))
	defer outages.Close()
	registerOutageMetrics(reg, outages)
	op.checks = append(op.checks, namedCheck{"store_outage", outageCheck{outages}})
	listenerLimits := gateway.ListenerLimits{MaxConns: cfg.MaxConns, MaxConnsPerIP: cfg.MaxConnsPerIP}
	var opsLn net.Listener
	if cfg.MetricsAddr != "" {
		if opsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen metrics: %w", err)
		}
		defer opsLn.Close()
	}
	rawRESTLn, err := net.Listen("tcp", cfg.RESTAddr)
	if err != nil {
		return fmt.Errorf("listen rest: %w", err)
	}
	var restLn net.Listener = gateway.LimitListener(rawRESTLn, listenerLimits)
	defer restLn.Close()
	rawGwLn, err := net.Listen("tcp", cfg.GatewayAddr)
	if err != nil {
		return fmt.Errorf("listen gateway: %w", err)
	}
	var gwLn net.Listener = gateway.LimitListener(rawGwLn, listenerLimits)
	defer gwLn.Close()
	watchCtx, stopWatch := context.WithCancel(ctx) // the certificate watcher ends with serve
	defer stopWatch()
	restLn, gwLn, httpScheme, wsScheme := cfg.tlsOptions.wrap(watchCtx, certs, restLn, gwLn)
	restURL := trimURL(cfg.PublicRESTURL)
	if restURL == "" {
		restURL = publicURL(httpScheme, restLn.Addr())
	}
	gwURL := trimURL(cfg.PublicGatewayURL)
	if gwURL == "" {
		gwURL = publicURL(wsScheme, gwLn.Addr())
	}
	origins, err := allowedOrigins(restURL, cfg.AllowedOrigins)
	if err != nil {
		return fmt.Errorf("--public-rest-url: %w", err)
	}

	svc, err := guilds.New(ctx, guilds.Config{
		Store: store, IDs: ids, Bus: bus, CDNURL: restURL,
		AllowPrivateEndpoints: cfg.InteractionsAllowPrivate,
		Logger:                log.With("component", "guilds"),
	})
	if err != nil {
		return fmt.Errorf("start domain: %w", err)
	}
	defer svc.Close()
	// Threads archive after their auto_archive_duration of inactivity; the sweep reads the
	// due times from the store, so it picks up where a restart left off.
	archiverCtx, stopArchiver := context.WithCancel(ctx)
	defer stopArchiver()
	go svc.RunThreadArchiver(archiverCtx, time.Minute)

	gw, err := gateway.New(gateway.Config{
		Bus:                bus,
		PublicURL:          gwURL,
		ResumeURL:          trimURL(cfg.PublicResumeURL),
		Shared:             shared,
		NodeID:             nodeID,
		HeartbeatInterval:  time.Duration(cfg.HeartbeatMS) * time.Millisecond,
		ResumeWindow:       cfg.ResumeWindow,
		DrainTime:          cfg.DrainTime,
		DrainGrace:         drainGrace,
		ReplayBufferSize:   cfg.ReplayBuffer,
		WriteQueueSize:     cfg.WriteQueue,
		MaxConcurrency:     cfg.MaxConcurrency,
		IdentifyInterval:   cfg.IdentifyInterval,
		SessionStartLimit:  cfg.SessionStartLimit,
		SessionStartWindow: cfg.SessionStartWindow,
		IdentifyLimitsOff:  cfg.IdentifyLimitsMode == "off",
		Presences:          presences,
		IdentifyLimiter:    identifies,
		AllowedOrigins:     origins,
		IdentifyTimeout:    cfg.IdentifyTimeout,
		Outages:            outages,
		Metrics:            reg,
		Logger:             log.With("component", "gateway"),
		TestControls:       cfg.TestControls,
		PostMessage: func(ctx context.Context, authorID, channelID snowflake.ID, content string) error {
			_, err := svc.CreateMessage(ctx, authorID, channelID, guilds.MessageParams{Content: content})
			return err
		},
	}, svc)
	if err != nil {
		return fmt.Errorf("start gateway: %w", err)
	}

	api, err := rest.New(rest.Config{
		PublicGatewayURL: gwURL,
		GatewayBotInfo: func(userID snowflake.ID) (shards, total, remaining, resetAfterMs, maxConcurrency int) {
			t, r, reset, mc := gw.SessionStartLimit(userID)
			return 1, t, r, int(reset / time.Millisecond), mc
		},
		RateLimiter:       limiter,
		LoginAttempts:     logins,
		AllowedOrigins:    origins,
		Logger:            log.With("component", "rest"),
		TrustedProxies:    cfg.TrustedProxies,
		PublicRESTURL:     restURL,
		Outages:           outages,
		JSONBodyLimit:     cfg.JSONBodyLimit,
		UploadBodyLimit:   cfg.UploadBodyLimit,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		RateLimits:        cfg.RateLimits,
		Metrics:           reg,
	}, svc)
	if err != nil {
		_ = gw.Shutdown(context.Background())
		return fmt.Errorf("start rest: %w", err)
	}

	// The time-outs bound the upgrade request (and test-control requests); a hijacked
	// websocket sets its own deadlines on every read and write.
	gwSrv := &http.Server{
		Handler:           gw.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no HTTP/2: WebSocket upgrades need HTTP/1.1
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),        // failed handshakes from scanners are noise
	}
	errc := make(chan error, 3)
	opsURL := ""
	var opsShutdown func(context.Context) error
	if opsLn != nil {
		var opsErr <-chan error
		opsShutdown, opsErr = serveOps(opsLn, op.handler())
		go func() { errc <- <-opsErr }()
		opsURL = publicURL("http", opsLn.Addr())
	}
	go func() { errc <- api.Listener(restLn) }()
	go func() {
		if err := gwSrv.Serve(gwLn); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("gateway: serve: %w", err)
			return
		}
		errc <- nil
	}()

	log.Info("parley listening", "mode", mode, "rest", restURL, "gateway", gwURL, "store", backend,
		"startup", time.Since(start).Round(time.Millisecond), "test_controls", cfg.TestControls,
		"allowed_origins", strings.Join(origins, ","), "tls", certs != nil,
		"metrics", opsURL, "pprof", cfg.PProf, "rate_limits", cfg.RateLimitsMode, "identify_limits", cfg.IdentifyLimitsMode)
	if firstStart {
		fmt.Fprintf(stderr, "\nFirst start on an empty store. Create a demo user, guild and bot with:\n\n    parley demo --url %s     (or: go run ./cmd/parley demo --url ...)\n\n", restURL)
	}
	if cfg.ReadyFile != "" {
		if err := writeReady(cfg.ReadyFile, restURL, gwURL, opsURL, cfg.TestControls); err != nil {
			return err
		}
	}

	select {
	case <-ctx.Done():
	case <-leaseLost:
		log.Error("stopping: this node's snowflake id was leased to another node, so new IDs could collide")
		defer func() { err = errLeaseLost }()
	case err := <-errc:
		if err != nil {
			return err
		}
	}
	log.Info("shutting down")
	op.draining.Store(true) // /readyz answers 503 from now on; /metrics keeps serving
	// The drain spreads op 7 over --drain-time and gives the last clients drainGrace to
	// leave; shutdownMargin is for the listeners and the store after it.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTime+drainGrace+shutdownMargin)
	defer cancel()
	// Sessions first (op 7 spread over --drain-time, then a reconnectable close), while REST
	// keeps serving; then the listeners, then the store.
	if err := gw.Shutdown(sctx); err != nil {
		log.Warn("gateway shutdown", "err", err)
	}
	if err := gwSrv.Shutdown(sctx); err != nil {
		log.Warn("gateway listener shutdown", "err", err)
	}
	if err := api.Shutdown(sctx); err != nil {
		log.Warn("rest shutdown", "err", err)
	}
	if opsShutdown != nil {
		if err := opsShutdown(sctx); err != nil {
			log.Warn("ops listener shutdown", "err", err)
		}
	}
	return nil
}

const (
	// drainGrace is how long a client told op 7 has to close before the node closes it with
	// 4000 (reconnectable): libraries close at once to resume elsewhere.
	drainGrace = 5 * time.Second
	// shutdownMargin bounds what follows the drain: closing the listeners, flushing state.
	shutdownMargin = 10 * time.Second
)

// newOutages tracks store outages, probing with writes (see guilds.WriteProbe).
func newOutages(store storage.Store, log *slog.Logger) *guilds.Outages {
	return guilds.NewOutages(guilds.WriteProbe(store), time.Second, log)
}

// registerOutageMetrics exposes the store-outage tracker REST and the gateway share.
func registerOutageMetrics(reg *metrics.Registry, o *guilds.Outages) {
	reg.CounterFunc("parley_store_outages_total", "Store outages started (the store stopped answering; REST answers 503 until a probe succeeds).", func() float64 { return float64(o.Count()) })
	reg.CounterFunc("parley_store_unavailable_total", "Calls answered unavailable during store outages (REST 503s, gateway 4000 closes).", func() float64 { return float64(o.Failures()) })
	reg.GaugeFunc("parley_store_down", "1 while a store outage is under way, else 0.", func() float64 {
		if o.Down() {
			return 1
		}
		return 0
	})
}

// outageCheck fails readiness while the outage tracker says the store is down (it probes
// with writes, which a read-only ping would not notice failing: a full disk).
type outageCheck struct{ o *guilds.Outages }

func (c outageCheck) Ping(context.Context) error {
	if c.o.Down() {
		return errStoreOutage
	}
	return nil
}

var errStoreOutage = errors.New("store outage under way: writes fail")

// newLogger builds the root logger: text or JSON on stderr, with request_id on every line a
// REST request logs.
func newLogger(cfg config, stderr io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	return slog.New(rest.LogHandler(h))
}

// redisObserver registers parley_redis_* and returns the observer feeding them, shared by
// the bus and the rate limiter.
func redisObserver(reg *metrics.Registry) redisbus.Observer {
	o := newCallObserver(
		reg.HistogramVec("parley_redis_duration_seconds", "Redis command latency by command (publish: an event; evalsha: a rate-limit take; ping: a readiness check).", metrics.DurationBuckets, "op"),
		reg.CounterVec("parley_redis_errors_total", "Redis commands that failed (connection refused, timeout, ...), by command.", "op"),
		"publish", "evalsha", "eval", "ping")
	return o.observe
}

// registerBusMetrics exposes the Redis bus's own counts.
func registerBusMetrics(reg *metrics.Registry, b *redisbus.Broker) {
	reg.CounterFunc("parley_bus_gaps_total", "Reconnects to Redis after which events may have been missed (caches were dropped).", func() float64 { return float64(b.Gaps()) })
	reg.CounterFunc("parley_bus_dropped_total", "Bus messages that could not be decoded, or events dropped from a full outbox.", func() float64 { return float64(b.Dropped()) })
	reg.CounterFunc("parley_bus_replayed_total", "Events delivered from the Redis replay log after a reconnect.", func() float64 { return float64(b.Replayed()) })
	reg.GaugeFunc("parley_bus_outbox_events", "Events waiting in this node's outbox for Redis.", func() float64 { return float64(b.Queued()) })
	reg.CounterFunc("parley_bus_losses_total", "Times events were lost for good for this node (sessions invalidated).", func() float64 { return float64(b.Losses()) })
	reg.CounterFunc("parley_bus_redis_restarts_total", "Reconnects that found Redis restarted without its data.", func() float64 { return float64(b.Restarts()) })
}

func openStore(ctx context.Context, cfg config) (storage.Store, string, error) {
	if cfg.DatabaseURL != "" {
		st, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, "", fmt.Errorf("open postgres: %w", err)
		}
		return st, "postgres", nil
	}
	st, err := embedded.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, "", fmt.Errorf("open embedded store in %s: %w", cfg.DataDir, err)
	}
	return st, "embedded:" + cfg.DataDir, nil
}

// writeReady writes the bound URLs atomically, for harnesses that start parley on port 0.
func writeReady(path, restURL, gwURL, opsURL string, controls bool) error {
	info := map[string]string{"rest_url": restURL, "gateway_url": gwURL}
	if opsURL != "" {
		info["metrics_url"] = opsURL
	}
	if controls {
		info["test_controls_url"] = "http" + gwURL[len("ws"):] + "/_parley/test"
	}
	b, _ := json.Marshal(info)
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write ready file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write ready file: %w", err)
	}
	return nil
}
