package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/rest"
)

// config is everything `parley serve` reads from flags and environment variables. A flag
// wins over its variable, which wins over the default. Every flag's variable is PARLEY_ and
// the flag's name in upper case with dashes as underscores (envName).
type config struct {
	RESTAddr         string
	GatewayAddr      string
	PublicRESTURL    string
	PublicGatewayURL string
	PublicResumeURL  string
	DataDir          string
	DatabaseURL      string
	RedisURL         string
	RedisPrefix      string
	RedisReplay      time.Duration
	RedisOutbox      int
	LogLevel         string
	LogFormat        string
	WorkerID         int
	ProcessID        int
	HeartbeatMS      int
	ResumeWindow     time.Duration
	// DrainTime is how long a stopping node takes to send op 7 to all its sessions
	// (--drain-time; 0: all at once).
	DrainTime    time.Duration
	TestControls bool
	// InteractionsAllowPrivate lets interactions endpoint URLs reach loopback and private
	// addresses (--interactions-allow-private).
	InteractionsAllowPrivate bool
	ReadyFile                string
	// AllowedOrigins are the extra browser origins allowed besides Parley's own (see
	// allowedOrigins), normalised as browsers send them; from allowedOriginsRaw.
	AllowedOrigins    []string
	allowedOriginsRaw string
	TrustedProxies    []netip.Prefix
	tlsOptions
	limits

	// Operator surface.
	MetricsAddr string
	PProf       bool

	// REST limits. RateLimits is what rest.Config gets, built from the flags below.
	RateLimitsMode   string // "discord" or "off"
	RateLimitGlobal  string // requests per second per identity, or "off"
	RateLimitDefault string // "N/DURATION" or "off"
	RateLimitRoutes  routeRates
	RateLimits       rest.RateLimits

	// Gateway limits.
	IdentifyLimitsMode string // "discord" or "off"
	IdentifyInterval   time.Duration
	MaxConcurrency     int
	SessionStartLimit  int
	SessionStartWindow time.Duration
	ReplayBuffer       int
	WriteQueue         int
}

// limits are the hostile-client bounds (docs/operations.md, "Hostile clients and limits").
type limits struct {
	MaxConns          int
	MaxConnsPerIP     int
	JSONBodyLimit     int
	UploadBodyLimit   int
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	IdentifyTimeout   time.Duration
}

// flagHelp reports that -h was asked for and usage printed.
var flagHelp = errors.New("help requested")

// errUsage marks an error in flags or environment: run exits 2 for it, as for a bad flag.
var errUsage = errors.New("usage")

// serveFlags defines every flag of `parley serve` on a new FlagSet writing into c. It is
// separate from parseServe so tests can list the flags (docs must mention each one).
func serveFlags(c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.RESTAddr, "rest-addr", "127.0.0.1:8080", "REST listen address")
	fs.StringVar(&c.GatewayAddr, "gateway-addr", "127.0.0.1:8081", "gateway listen address")
	fs.StringVar(&c.PublicRESTURL, "public-rest-url", "", "REST URL clients use (default from --rest-addr)")
	fs.StringVar(&c.PublicGatewayURL, "public-gateway-url", "", "gateway URL GET /gateway returns (default from --gateway-addr)")
	fs.StringVar(&c.PublicResumeURL, "public-resume-url", "", "READY's resume_gateway_url (default --public-gateway-url); with --redis-url any node resumes any session, so the cluster's URL fits")
	fs.StringVar(&c.DataDir, "data-dir", "./parley-data", "embedded store directory")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "Postgres URL; set to use Postgres instead of the embedded store")
	fs.StringVar(&c.RedisURL, "redis-url", "", "Redis URL (redis://host:6379/0); set to run several nodes: events and rate limits go through Redis")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", "parley:", "prefix of every Redis key and channel, for deployments sharing one Redis")
	fs.DurationVar(&c.RedisReplay, "redis-replay-window", 2*time.Minute, "how long the Redis event log keeps events for a node that lost Redis to catch up")
	fs.IntVar(&c.RedisOutbox, "redis-outbox", 65536, "events a node queues while Redis does not answer; beyond it the oldest are dropped and sessions invalidated")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text (logfmt-style) or json (one JSON object per line)")
	fs.IntVar(&c.WorkerID, "worker-id", -1, "snowflake worker ID 0-31; -1: leased from Redis with --redis-url, else 0")
	fs.IntVar(&c.ProcessID, "process-id", -1, "snowflake process ID 0-31; -1: leased from Redis with --redis-url, else 0")
	fs.IntVar(&c.HeartbeatMS, "heartbeat-interval", 41250, "gateway heartbeat interval in ms")
	fs.DurationVar(&c.ResumeWindow, "resume-window", 3*time.Minute, "how long a dropped session stays resumable")
	fs.DurationVar(&c.DrainTime, "drain-time", 10*time.Second, "on SIGTERM, spread the op 7 Reconnects to this node's sessions over this long so other nodes are not stormed; 0: all at once (env PARLEY_DRAIN_TIME)")
	fs.BoolVar(&c.TestControls, "test-controls", false, "serve test-only controls under /_parley/test on the gateway listener (never in production)")
	fs.BoolVar(&c.InteractionsAllowPrivate, "interactions-allow-private", false, "let applications' interactions endpoint URLs reach loopback, private and link-local addresses (a bot on this machine or network: local development, tests); default: public addresses only")
	fs.StringVar(&c.ReadyFile, "ready-file", "", "write the bound URLs as JSON to this file once listening")
	addTLSFlags(fs, &c.tlsOptions)
	fs.Func("trusted-proxies", "comma-separated CIDRs or IPs of reverse proxies whose X-Forwarded-For / Forwarded headers give the client address (default none: headers are ignored)", func(v string) error {
		p, err := parsePrefixes(v)
		c.TrustedProxies = p
		return err
	})
	fs.StringVar(&c.allowedOriginsRaw, "allowed-origins", "", "comma-separated browser origins (https://chat.example.org) allowed to open the gateway and call REST with credentials, besides Parley's own (the --public-rest-url origin)")

	fs.IntVar(&c.MaxConns, "max-conns", 16384, "open connections per listener (REST and gateway each); over it: 503; 0: no cap (env PARLEY_MAX_CONNS)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 256, "open connections per client address per listener; over it: 429; 0: no cap, e.g. behind a reverse proxy (env PARLEY_MAX_CONNS_PER_IP)")
	fs.IntVar(&c.JSONBodyLimit, "json-body-limit", 1<<20, "max bytes of a JSON request body; over it: 413 (env PARLEY_JSON_BODY_LIMIT)")
	fs.IntVar(&c.UploadBodyLimit, "upload-body-limit", 25<<20, "max bytes of a multipart upload request; over it: 413 (env PARLEY_UPLOAD_BODY_LIMIT)")
	fs.DurationVar(&c.ReadHeaderTimeout, "rest-read-header-timeout", 10*time.Second, "REST: time to receive a request's headers (env PARLEY_REST_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&c.ReadTimeout, "rest-read-timeout", 60*time.Second, "REST: time to receive a request's body after its headers (env PARLEY_REST_READ_TIMEOUT)")
	fs.DurationVar(&c.WriteTimeout, "rest-write-timeout", 30*time.Second, "REST: time to write a response (env PARLEY_REST_WRITE_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "rest-idle-timeout", 120*time.Second, "REST: how long a keep-alive connection may idle (env PARLEY_REST_IDLE_TIMEOUT)")
	fs.DurationVar(&c.IdentifyTimeout, "identify-timeout", 2*time.Minute, "gateway: a socket without Identify or Resume by then is closed with 4003, heartbeats or not (env PARLEY_IDENTIFY_TIMEOUT)")

	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "ops listen address serving /metrics, /healthz and /readyz (e.g. 127.0.0.1:9090; default off)")
	fs.BoolVar(&c.PProf, "pprof", false, "also serve /debug/pprof/ on --metrics-addr")

	fs.StringVar(&c.RateLimitsMode, "rate-limits", "discord", "REST rate limiting: discord (buckets and a global limit, as Discord) or off (none, and no X-RateLimit headers)")
	fs.StringVar(&c.RateLimitGlobal, "rate-limit-global", "50", "REST global limit: requests per second per user, bot or IP, or off")
	fs.StringVar(&c.RateLimitDefault, "rate-limit-default", "50/1s", "REST bucket of every route without its own: N/DURATION, or off")
	fs.Var(&c.RateLimitRoutes, "rate-limit-route", `one route's bucket, "METHOD /template=N/DURATION" or "METHOD /template=off"; repeatable (several in the variable: comma-separated)`)

	fs.StringVar(&c.IdentifyLimitsMode, "identify-limits", "discord", "gateway Identify limits: discord (identify interval, max_concurrency and daily session starts) or off (none)")
	fs.DurationVar(&c.IdentifyInterval, "identify-interval", 5*time.Second, "time between Identifies of one bot in one max_concurrency bucket")
	fs.IntVar(&c.MaxConcurrency, "max-concurrency", 1, "session_start_limit.max_concurrency: Identify buckets per --identify-interval")
	fs.IntVar(&c.SessionStartLimit, "session-start-limit", 1000, "session_start_limit.total: Identifies per bot per --session-start-window")
	fs.DurationVar(&c.SessionStartWindow, "session-start-window", 24*time.Hour, "session start budget window")
	fs.IntVar(&c.ReplayBuffer, "replay-buffer", 1024, "dispatches a session keeps for RESUME; a resume needing more gets op 9")
	fs.IntVar(&c.WriteQueue, "write-queue", 512, "frames queued per connection before it is cut off as a slow consumer (resumable)")
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(f.Usage, "env PARLEY_") {
			f.Usage += " (env " + envName(f.Name) + ")"
		}
	})
	return fs
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "PARLEY_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func parseServe(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := serveFlags(&c, stderr)
	// Environment first, through the flags' own parsers, so a bad variable is an error
	// naming it instead of a silently ignored value.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok || v == "" || envErr != nil {
			return
		}
		if f.Name == "rate-limit-route" {
			for _, r := range strings.Split(v, ",") {
				if r = strings.TrimSpace(r); r != "" {
					if err := f.Value.Set(r); err != nil {
						envErr = fmt.Errorf("%w: %s=%q: %v", errUsage, envName(f.Name), v, err)
						return
					}
				}
			}
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = fmt.Errorf("%w: %s=%q: %v", errUsage, envName(f.Name), v, err)
		}
	})
	if envErr != nil {
		return c, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, flagHelp
		}
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected arguments: %v", errUsage, fs.Args())
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%w: %v", errUsage, err)
	}
	return c, nil
}

// validate checks what the flag parsers cannot and derives RateLimits.
func (c *config) validate() error {
	if c.WorkerID < -1 || c.WorkerID > 31 || c.ProcessID < -1 || c.ProcessID > 31 {
		return fmt.Errorf("--worker-id and --process-id must be 0-31 (or -1: leased)")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	for _, o := range strings.Split(c.allowedOriginsRaw, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		n, err := normalizeOrigin(o, false)
		if err != nil {
			return fmt.Errorf("--allowed-origins: %w", err)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, n)
	}
	if err := c.tlsOptions.check(); err != nil {
		return err
	}
	if err := c.limits.validate(); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	if c.PProf && c.MetricsAddr == "" {
		return fmt.Errorf("--pprof needs --metrics-addr (pprof is only served on the ops listener)")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr %q: %v", c.MetricsAddr, err)
		}
	}
	switch c.RateLimitsMode {
	case "discord", "off":
	default:
		return fmt.Errorf("--rate-limits %q: want discord or off", c.RateLimitsMode)
	}
	switch c.IdentifyLimitsMode {
	case "discord", "off":
	default:
		return fmt.Errorf("--identify-limits %q: want discord or off", c.IdentifyLimitsMode)
	}
	if c.DrainTime < 0 {
		return fmt.Errorf("--drain-time must not be negative")
	}
	positive := []struct {
		name string
		v    int64
	}{
		{"--heartbeat-interval", int64(c.HeartbeatMS)},
		{"--resume-window", int64(c.ResumeWindow)},
		{"--identify-interval", int64(c.IdentifyInterval)},
		{"--max-concurrency", int64(c.MaxConcurrency)},
		{"--session-start-limit", int64(c.SessionStartLimit)},
		{"--session-start-window", int64(c.SessionStartWindow)},
		{"--replay-buffer", int64(c.ReplayBuffer)},
		{"--write-queue", int64(c.WriteQueue)},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("%s must be positive", p.name)
		}
	}
	rl := rest.RateLimits{Off: c.RateLimitsMode == "off", Routes: map[string]rest.Rate{}}
	if c.RateLimitGlobal == "off" {
		rl.Global = -1
	} else if n, err := strconv.Atoi(c.RateLimitGlobal); err != nil || n <= 0 {
		return fmt.Errorf("--rate-limit-global %q: want a positive number of requests per second, or off", c.RateLimitGlobal)
	} else {
		rl.Global = n
	}
	d, err := parseRate(c.RateLimitDefault)
	if err != nil {
		return fmt.Errorf("--rate-limit-default: %v", err)
	}
	rl.Default = d
	for _, r := range c.RateLimitRoutes {
		rl.Routes[r.route] = r.rate
	}
	c.RateLimits = rl
	return nil
}

// parseRate reads "N/DURATION" (5/5s: five requests per five seconds) or "off".
func parseRate(s string) (rest.Rate, error) {
	if s == "off" {
		return rest.Unlimited, nil
	}
	ns, ds, ok := strings.Cut(s, "/")
	n, nerr := strconv.Atoi(ns)
	d, derr := time.ParseDuration(ds)
	if !ok || nerr != nil || derr != nil || n <= 0 || d <= 0 {
		return rest.Rate{}, fmt.Errorf("%q: want N/DURATION with both positive (e.g. 5/5s), or off", s)
	}
	return rest.Rate{Limit: n, Window: d}, nil
}

// routeRates is the repeatable --rate-limit-route flag.
type routeRates []routeRate

type routeRate struct {
	route string // "POST /channels/{channel_id}/messages"
	rate  rest.Rate
}

var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func (r *routeRates) String() string {
	if r == nil {
		return ""
	}
	var parts []string
	for _, x := range *r {
		parts = append(parts, x.route)
	}
	return strings.Join(parts, ",")
}

func (r *routeRates) Set(s string) error {
	route, rate, ok := strings.Cut(s, "=")
	method, path, _ := strings.Cut(strings.TrimSpace(route), " ")
	if !ok || !slices.Contains(httpMethods, method) || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%q: want \"METHOD /template=N/DURATION\" or \"METHOD /template=off\"", s)
	}
	rt, err := parseRate(strings.TrimSpace(rate))
	if err != nil {
		return err
	}
	*r = append(*r, routeRate{route: method + " " + path, rate: rt})
	return nil
}

// normalizeOrigin turns a configured origin (or, with anyPath, a URL: Parley's own) into the
// form browsers send in the Origin header: lower-case scheme and host, no default port, no
// path. Only http and https origins exist for pages that could call Parley.
func normalizeOrigin(raw string, anyPath bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("origin %q: %w", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(!anyPath && u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("origin %q: want scheme://host[:port], http or https", raw)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// allowedOrigins is what the gateway and REST accept: Parley's own origin (that of the public
// REST URL, which serves the web client) and the configured ones.
func allowedOrigins(publicRESTURL string, extra []string) ([]string, error) {
	own, err := normalizeOrigin(publicRESTURL, true)
	if err != nil {
		return nil, fmt.Errorf("public REST URL: %w", err)
	}
	return append([]string{own}, extra...), nil
}

// validate rejects limits that cannot work, naming the flag.
func (l limits) validate() error {
	switch {
	case l.MaxConns < 0:
		return fmt.Errorf("--max-conns %d: want 0 (no cap) or more", l.MaxConns)
	case l.MaxConnsPerIP < 0:
		return fmt.Errorf("--max-conns-per-ip %d: want 0 (no cap) or more", l.MaxConnsPerIP)
	case l.MaxConns > 0 && l.MaxConnsPerIP > l.MaxConns:
		return fmt.Errorf("--max-conns-per-ip %d is above --max-conns %d", l.MaxConnsPerIP, l.MaxConns)
	case l.JSONBodyLimit < 4096:
		return fmt.Errorf("--json-body-limit %d: want at least 4096 bytes", l.JSONBodyLimit)
	case l.UploadBodyLimit < l.JSONBodyLimit:
		return fmt.Errorf("--upload-body-limit %d is below --json-body-limit %d", l.UploadBodyLimit, l.JSONBodyLimit)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"--rest-read-header-timeout", l.ReadHeaderTimeout}, {"--rest-read-timeout", l.ReadTimeout},
		{"--rest-write-timeout", l.WriteTimeout}, {"--rest-idle-timeout", l.IdleTimeout},
		{"--identify-timeout", l.IdentifyTimeout},
	} {
		if d.v < 100*time.Millisecond {
			return fmt.Errorf("%s %v: want at least 100ms", d.name, d.v)
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// envInt and envDuration read a variable leniently (a bad value means def); parseServe
// applies every flag's variable strictly itself, so these are only for values that are not
// flags.
func envInt(key string, def int) int {
	if v, err := strconv.Atoi(envOr(key, "")); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(envOr(key, "")); err == nil {
		return v
	}
	return def
}

// publicURL derives a client-facing URL from a bound address: a wildcard host becomes
// 127.0.0.1, because clients cannot dial 0.0.0.0.
func publicURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// parsePrefixes reads "10.0.0.0/8, 192.0.2.7, ::1": bare addresses are single-host prefixes.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trimURL removes a trailing slash and any query string: libraries append their own.
func trimURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return strings.TrimRight(u, "/")
}
