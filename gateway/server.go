package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Config configures a Server. Zero values mean the documented defaults.
type Config struct {
	// PublicURL is the WebSocket URL clients resume at (READY's resume_gateway_url), without
	// query string or trailing slash, e.g. "wss://gateway.example.com". Default: derived from
	// each upgrade request's Host as "ws://host".
	PublicURL string
	// HeartbeatInterval is Hello's heartbeat_interval. Default: 41250 ms (what Discord sends).
	HeartbeatInterval time.Duration
	// HeartbeatGrace is added to HeartbeatInterval to form the read deadline; a client silent
	// for longer is closed with 4009 (its session stays resumable). Default: 15 s.
	HeartbeatGrace time.Duration
	// IdentifyTimeout is how long a socket may stay without a session (no successful
	// Identify or Resume) before it is closed with 4003, however often it heartbeats.
	// Generous, because libraries hold shards in their own Identify queue (5 s per shard
	// with max_concurrency 1) after Hello. Default: 2 min.
	IdentifyTimeout time.Duration
	// ResumeWindow is how long a session outlives its socket. Default: 3 min.
	ResumeWindow time.Duration
	// DrainTime is how long Shutdown takes to tell every session op 7 (Reconnect): it sends
	// them in evenly spaced batches over this time, so the other nodes are not stormed by
	// all of this node's clients resuming at once. Default: 0, everyone at once.
	DrainTime time.Duration
	// DrainGrace is how long a client told op 7 has to close its socket (clients resume
	// elsewhere) before Shutdown closes it with 4000, which keeps the session resumable.
	// Default: 0, closed right after op 7.
	DrainGrace time.Duration
	// ReplayBufferSize is how many dispatches a session keeps for RESUME beyond what the
	// client acknowledged in heartbeats. A resume that needs more gets op 9. Default: 1024.
	ReplayBufferSize int
	// WriteQueueSize bounds the frames waiting for a connection's writer; a fan-out that finds
	// it full closes the connection resumably (slow consumer). Default: 512.
	WriteQueueSize int
	// WriteTimeout bounds one socket write. Default: 10 s.
	WriteTimeout time.Duration
	// MaxConcurrency is session_start_limit.max_concurrency: Identifies per IdentifyInterval
	// per bot, bucketed by shard_id % MaxConcurrency. Default: 1.
	MaxConcurrency int
	// IdentifyInterval is the max_concurrency window. Default: 5 s.
	IdentifyInterval time.Duration
	// SessionStartLimit is session_start_limit.total per SessionStartWindow per bot; excess
	// Identifies get op 9. Kept in memory (per node). Default: 1000.
	SessionStartLimit int
	// SessionStartWindow is the session start window. Default: 24 h.
	SessionStartWindow time.Duration
	// IdentifyLimitsOff lifts the three Identify limits above (interval, max_concurrency and
	// the session start budget), for private deployments and benchmarks (--identify-limits
	// off). GET /gateway/bot still reports a full budget, so libraries start at once.
	IdentifyLimitsOff bool
	// ClientRateLimit is how many payloads a connection may send per ClientRateWindow before
	// it is closed with 4008. Default: 120.
	ClientRateLimit int
	// ClientRateWindow is the client rate-limit window. Default: 60 s.
	ClientRateWindow time.Duration
	// MaxGuildsPerShard closes an Identify whose shard would hold more guilds with 4011
	// (sharding required). Default: 2500.
	MaxGuildsPerShard int
	// MembersRequestInterval limits op 8 requests for all of a guild's members to one per
	// guild per session. Default: 30 s.
	MembersRequestInterval time.Duration
	// AllowedOrigins are the browser origins ("https://chat.example.org") whose pages may open
	// a gateway connection. An upgrade without an Origin header (bots, any non-browser
	// client) is always accepted; one from an origin not listed is refused with 403 before
	// the upgrade, so a page elsewhere cannot use a visitor's browser against the gateway.
	// Compared exactly with the header, as browsers send it (lower case, no default port, no
	// trailing slash). Default: none (cmd passes Parley's own public origin).
	AllowedOrigins []string
	// Bus brings the domain's committed events (and other nodes' presences) to this node's
	// sessions; the Server subscribes to its sessions' guilds and users. It must be the bus
	// the domain publishes on. The caller created it and closes it, after Shutdown. Default:
	// a private events.Memory, closed by Shutdown (tests, a gateway without a domain).
	Bus events.Broker
	// Sessions keeps resumable sessions. Default: an in-memory store.
	Sessions SessionStore
	// Presences shares users' presences with the other nodes of a cluster (a user
	// connected to node A appears in node B's GUILD_CREATE and op 8 presences). Default:
	// this node's own, in memory. While it fails, presences are this node's only.
	Presences PresenceStore
	// IdentifyLimiter shares the Identify limits (max_concurrency buckets, session start
	// budget) with the other nodes, since Discord counts them per bot. Default: this
	// node's own, in memory. While it fails, the limits are counted per node.
	IdentifyLimiter IdentifyLimiter
	// Shared, when set, is where this node replicates its sessions so that any node on the
	// same store can resume them (redisbus.Sessions on Redis); NodeID names this node in it.
	// Default: none (a session resumes only on the node that holds it).
	Shared events.SessionStore
	// NodeID identifies this node as a session's owner in Shared. Required with Shared.
	NodeID string
	// ReplicateInterval is how often pending session changes are written to Shared, in one
	// batch. Default: 5 ms.
	ReplicateInterval time.Duration
	// HandOverTimeout is how long a cross-node RESUME waits for the old node to hand the
	// session over before taking it as dead. Default: 500 ms.
	HandOverTimeout time.Duration
	// ResumeURL, when set, is READY's resume_gateway_url instead of PublicURL: the cluster's
	// public gateway URL when every node can resume every session. Default: PublicURL.
	ResumeURL string
	// Outages is told when an Identify or Resume fails because the store is unavailable, so
	// the outage is logged once, not per connection. Default: none (still closed with 4000).
	Outages *guilds.Outages
	// Logger receives diagnostics. Default: discard.
	Logger *slog.Logger
	// TestControls enables the /_parley/test/ endpoints (see controls.go). Never in
	// production: they disconnect anyone. Default: false.
	TestControls bool
	// PostMessage lets the test controls post a message while a session is detached
	// (then_post). Default: then_post answers 501.
	PostMessage PostMessageFunc
	// Now is the clock for rate limits. Default: time.Now.
	Now func() time.Time
	// Metrics, when set, receives the parley_gateway_* families. Default: counted in a
	// private registry nobody scrapes (the code path is the same either way).
	Metrics *metrics.Registry
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(i *int, v int) {
		if *i <= 0 {
			*i = v
		}
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	def(&c.HeartbeatInterval, 41250*time.Millisecond)
	def(&c.HeartbeatGrace, 15*time.Second)
	def(&c.ResumeWindow, 3*time.Minute)
	def(&c.IdentifyTimeout, 2*time.Minute)
	defInt(&c.ReplayBufferSize, 1024)
	defInt(&c.WriteQueueSize, 512)
	def(&c.WriteTimeout, 10*time.Second)
	defInt(&c.MaxConcurrency, 1)
	def(&c.IdentifyInterval, 5*time.Second)
	defInt(&c.SessionStartLimit, 1000)
	def(&c.SessionStartWindow, 24*time.Hour)
	defInt(&c.ClientRateLimit, 120)
	def(&c.ClientRateWindow, 60*time.Second)
	defInt(&c.MaxGuildsPerShard, 2500)
	def(&c.MembersRequestInterval, 30*time.Second)
	def(&c.ReplicateInterval, 5*time.Millisecond)
	def(&c.HandOverTimeout, 500*time.Millisecond)
	c.ResumeURL = strings.TrimRight(c.ResumeURL, "/")
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server is the gateway: it accepts WebSocket connections, runs sessions and fans events out
// to them. It is safe for concurrent use.
type Server struct {
	cfg       Config
	svc       Domain
	log       *slog.Logger
	upgrader  websocket.Upgrader
	hub       *hub
	bus       events.Broker
	ownBus    bool   // bus was created by New: Shutdown closes it
	stopBus   func() // ends the Server's Listen on bus
	store     SessionStore
	limiter   *identifyLimiter
	presences *presenceStore
	stats     *statsTable
	hello     *payload
	origins   map[string]bool
	metrics   *gatewayMetrics
	repl      *replicator // nil without Config.Shared

	ctx    context.Context // parent of every connection's context; cancelled by Shutdown
	cancel context.CancelFunc

	mu       sync.Mutex // guards conns and draining; a leaf lock
	conns    map[*conn]struct{}
	draining bool
	wg       sync.WaitGroup // one per connection (reader + writer)
	// lookups counts op 8 member lookups (two goroutines each, see handleRequestMembers), so
	// Shutdown can wait for them; lookupsClosed (under mu) refuses new ones once it waits.
	lookups       sync.WaitGroup
	lookupsClosed bool
}

// New builds a Server and starts consuming cfg.Bus. svc is usually a *guilds.Service built on
// the same bus before it, so that on every event the domain's caches are updated before the
// gateway checks permissions (a Broker runs listeners in the order they were added).
func New(cfg Config, svc Domain) (*Server, error) {
	if svc == nil {
		return nil, errors.New("gateway: a Domain is required")
	}
	cfg.setDefaults()
	s := &Server{
		cfg:       cfg,
		svc:       svc,
		log:       cfg.Logger,
		bus:       cfg.Bus,
		store:     cfg.Sessions,
		limiter:   newIdentifyLimiter(cfg),
		presences: newPresenceStore(cfg),
		stats:     newStatsTable(),
		conns:     make(map[*conn]struct{}),
		origins:   make(map[string]bool, len(cfg.AllowedOrigins)),
	}
	for _, o := range cfg.AllowedOrigins {
		if o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/")); o != "" {
			s.origins[o] = true
		}
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:    1024,
		WriteBufferSize:   4096,
		WriteBufferPool:   &sync.Pool{},
		EnableCompression: false, // Discord compression is application-level (compress=)
		CheckOrigin:       s.originAllowed,
	}
	if s.bus == nil {
		s.bus, s.ownBus = events.NewMemory(), true
	}
	if s.store == nil {
		s.store = NewMemorySessionStore()
	}
	if cfg.Shared != nil {
		if cfg.NodeID == "" {
			return nil, errors.New("gateway: Shared sessions need a NodeID")
		}
		s.repl = newReplicator(s, cfg.Shared, cfg.NodeID, cfg.ReplicateInterval)
	}
	s.hub = newHub(s.bus)
	s.metrics = newGatewayMetrics(cfg.Metrics, s)
	hello, err := newPayload("", struct {
		HeartbeatInterval int      `json:"heartbeat_interval"`
		Trace             []string `json:"_trace"`
	}{int(cfg.HeartbeatInterval / time.Millisecond), []string{traceName}})
	if err != nil {
		return nil, fmt.Errorf("gateway: encode hello: %w", err)
	}
	s.hello = hello
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.stopBus = s.bus.Listen(busListener{s})
	return s, nil
}

// traceName is what _trace arrays carry; clients only log it.
const traceName = "parley-gateway"

// Handler serves WebSocket upgrades on any path and, when enabled, the test controls.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		s.serveWebSocket(w, r)
		return
	}
	if s.cfg.TestControls && strings.HasPrefix(r.URL.Path, controlsPrefix) {
		s.serveControls(w, r)
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found", "code": 0})
}

// publish encodes d and sends an event the gateway itself originates (PRESENCE_UPDATE) on
// the bus, to every node's sessions. It has no MESSAGE_CONTENT form.
func (s *Server) publish(ctx context.Context, ev events.Event, d any) {
	b, err := json.Marshal(d)
	if err != nil {
		s.log.ErrorContext(ctx, "gateway: encode event", "event", ev.Name, "err", err)
		return
	}
	ev.Data = b
	if err := s.bus.Publish(ctx, ev); err != nil {
		s.log.ErrorContext(ctx, "gateway: publish", "event", ev.Name, "err", err)
	}
}

// SessionStartLimit reports GET /gateway/bot's session_start_limit for a bot.
func (s *Server) SessionStartLimit(userID snowflake.ID) (total, remaining int, resetAfter time.Duration, maxConcurrency int) {
	return s.limiter.snapshot(s.ctx, userID)
}

// Shutdown drains the node: new upgrades are refused at once (503), every connection gets
// op 7, in batches spread over DrainTime (see drain), and a reconnectable close (4000)
// DrainGrace after its op 7 unless the client has left by then, so clients resume elsewhere
// and the other nodes are not stormed. Sessions not yet told keep receiving dispatches.
// Shutdown returns once every connection is gone; when ctx ends first, it closes the
// remaining sockets (their sessions stay resumable) and reports ctx's error.
// http.Server.Shutdown does not touch hijacked WebSockets, hence this method.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	s.drain(ctx, conns, done)
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			_ = c.ws.Close()
		}
		err = fmt.Errorf("gateway: shutdown: %w", ctx.Err())
	}
	s.cancel() // ends the op 8 lookups still running (their contexts derive from s.ctx)
	if lerr := s.waitLookups(ctx); lerr != nil && err == nil {
		err = lerr
	}
	s.hub.stopTimers()
	if s.repl != nil {
		s.repl.close() // the last flush: detached sessions stay resumable elsewhere
	}
	s.stopBus()
	if s.ownBus {
		if cerr := s.bus.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("gateway: close bus: %w", cerr)
		}
	}
	return err
}

// startLookup counts one op 8 lookup for Shutdown; false once Shutdown has stopped waiting
// for new ones (the lookup must then not start).
func (s *Server) startLookup() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupsClosed {
		return false
	}
	s.lookups.Add(1)
	return true
}

// waitLookups waits for the op 8 lookups to return, or ctx to end.
func (s *Server) waitLookups(ctx context.Context) error {
	s.mu.Lock()
	s.lookupsClosed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.lookups.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gateway: shutdown: member lookups: %w", ctx.Err())
	}
}

// originAllowed is the upgrader's CheckOrigin: no Origin (not a browser), or a listed one.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || s.origins[origin]
}

// serveWebSocket validates the origin and the query, upgrades and starts the connection's
// goroutine.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) {
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "403: Forbidden (origin not allowed)", "code": 0})
		return
	}
	q := r.URL.Query()
	version, badVersion := 10, false
	if v := q.Get("v"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 9 && n != 10) {
			badVersion = true
		} else {
			version = n
		}
	}
	var enc encoding
	switch q.Get("encoding") {
	case "", "json":
		enc = encodingJSON
	case "etf":
		enc = encodingETF
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "unsupported encoding", "code": 0})
		return
	}
	var tr transport
	switch q.Get("compress") {
	case "":
		tr = transportNone
	case "zlib-stream":
		tr = transportZlibStream
	case "zstd-stream":
		tr = transportZstdStream
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "unsupported compress", "code": 0})
		return
	}
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"message": "gateway draining", "code": 0})
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Debug("gateway: upgrade", "err", err)
		return // the upgrader already answered
	}
	if badVersion {
		closeNow(ws, opcodes.CloseInvalidAPIVersion, "invalid API version", s.cfg.WriteTimeout)
		return
	}
	publicURL := s.cfg.PublicURL
	if publicURL == "" {
		publicURL = "ws://" + r.Host
	}
	comp, err := newCompressor(tr)
	if err != nil {
		s.log.Error("gateway: compressor", "err", err)
		closeNow(ws, opcodes.CloseUnknownError, "internal error", s.cfg.WriteTimeout)
		return
	}
	c := newConn(s, ws, enc, tr, comp, version, publicURL)
	s.metrics.accepted(enc, tr)
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		closeNow(ws, opcodes.CloseUnknownError, "node draining", s.cfg.WriteTimeout)
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	// The connection lives on its own goroutine, not on this handler's: returning lets
	// net/http drop what it keeps per request (its 4 KiB bufio reader and writer, the request
	// and its headers, the response, this goroutine's stack), ~10 KB per idle connection.
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			s.wg.Done()
		}()
		c.run()
	}()
}

// closeNow writes a close frame and closes, for sockets that never got a writer goroutine.
func closeNow(ws *websocket.Conn, code opcodes.CloseCode, reason string, timeout time.Duration) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(code), reason), time.Now().Add(timeout))
	_ = ws.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
