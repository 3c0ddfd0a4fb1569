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
	"strconv"
	"strings"
	"time"
)

// config is everything `parley serve` reads from flags and environment variables. A flag
// wins over its variable, which wins over the default.
type config struct {
	RESTAddr         string
	GatewayAddr      string
	PublicRESTURL    string
	PublicGatewayURL string
	DataDir          string
	DatabaseURL      string
	RedisURL         string
	RedisPrefix      string
	LogLevel         string
	WorkerID         int
	ProcessID        int
	HeartbeatMS      int
	ResumeWindow     time.Duration
	TestControls     bool
	ReadyFile        string
	// AllowedOrigins are the extra browser origins allowed besides Parley's own (see
	// allowedOrigins), normalised as browsers send them.
	AllowedOrigins []string
	TrustedProxies []netip.Prefix
	tlsOptions
	limits
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

func parseServe(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.RESTAddr, "rest-addr", envOr("PARLEY_REST_ADDR", "127.0.0.1:8080"), "REST listen address (env PARLEY_REST_ADDR)")
	fs.StringVar(&c.GatewayAddr, "gateway-addr", envOr("PARLEY_GATEWAY_ADDR", "127.0.0.1:8081"), "gateway listen address (env PARLEY_GATEWAY_ADDR)")
	fs.StringVar(&c.PublicRESTURL, "public-rest-url", envOr("PARLEY_PUBLIC_REST_URL", ""), "REST URL clients use (env PARLEY_PUBLIC_REST_URL; default from --rest-addr)")
	fs.StringVar(&c.PublicGatewayURL, "public-gateway-url", envOr("PARLEY_PUBLIC_GATEWAY_URL", ""), "gateway URL GET /gateway returns (env PARLEY_PUBLIC_GATEWAY_URL; default from --gateway-addr)")
	fs.StringVar(&c.DataDir, "data-dir", envOr("PARLEY_DATA_DIR", "./parley-data"), "embedded store directory (env PARLEY_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("PARLEY_DATABASE_URL", ""), "Postgres URL; set to use Postgres instead of the embedded store (env PARLEY_DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", envOr("PARLEY_REDIS_URL", ""), "Redis URL (redis://host:6379/0); set to run several nodes: events and rate limits go through Redis (env PARLEY_REDIS_URL)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", envOr("PARLEY_REDIS_PREFIX", "parley:"), "prefix of every Redis key and channel, for deployments sharing one Redis (env PARLEY_REDIS_PREFIX)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("PARLEY_LOG_LEVEL", "info"), "debug, info, warn or error (env PARLEY_LOG_LEVEL)")
	fs.IntVar(&c.WorkerID, "worker-id", envInt("PARLEY_WORKER_ID", 0), "snowflake worker ID 0-31, distinct per node (env PARLEY_WORKER_ID)")
	fs.IntVar(&c.ProcessID, "process-id", envInt("PARLEY_PROCESS_ID", 0), "snowflake process ID 0-31 (env PARLEY_PROCESS_ID)")
	fs.IntVar(&c.HeartbeatMS, "heartbeat-interval", envInt("PARLEY_HEARTBEAT_INTERVAL", 41250), "gateway heartbeat interval in ms (env PARLEY_HEARTBEAT_INTERVAL)")
	fs.DurationVar(&c.ResumeWindow, "resume-window", envDuration("PARLEY_RESUME_WINDOW", 3*time.Minute), "how long a dropped session stays resumable (env PARLEY_RESUME_WINDOW)")
	fs.BoolVar(&c.TestControls, "test-controls", envOr("PARLEY_TEST_CONTROLS", "") == "1", "serve test-only controls under /_parley/test on the gateway listener (never in production)")
	fs.StringVar(&c.ReadyFile, "ready-file", envOr("PARLEY_READY_FILE", ""), "write the bound URLs as JSON to this file once listening")
	origins := fs.String("allowed-origins", envOr("PARLEY_ALLOWED_ORIGINS", ""), "comma-separated browser origins (https://chat.example.org) allowed to open the gateway and call REST with credentials, besides Parley's own (the --public-rest-url origin) (env PARLEY_ALLOWED_ORIGINS)")
	addTLSFlags(fs, &c.tlsOptions)
	fs.Func("trusted-proxies", "comma-separated CIDRs or IPs of reverse proxies whose X-Forwarded-For / Forwarded headers give the client address (env PARLEY_TRUSTED_PROXIES; default none: headers are ignored)", func(v string) error {
		p, err := parsePrefixes(v)
		c.TrustedProxies = p
		return err
	})
	if v := envOr("PARLEY_TRUSTED_PROXIES", ""); v != "" {
		p, err := parsePrefixes(v)
		if err != nil {
			return c, fmt.Errorf("PARLEY_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = p
	}
	fs.IntVar(&c.MaxConns, "max-conns", envInt("PARLEY_MAX_CONNS", 16384), "open connections per listener (REST and gateway each); over it: 503; 0: no cap (env PARLEY_MAX_CONNS)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", envInt("PARLEY_MAX_CONNS_PER_IP", 256), "open connections per client address per listener; over it: 429; 0: no cap, e.g. behind a reverse proxy (env PARLEY_MAX_CONNS_PER_IP)")
	fs.IntVar(&c.JSONBodyLimit, "json-body-limit", envInt("PARLEY_JSON_BODY_LIMIT", 1<<20), "max bytes of a JSON request body; over it: 413 (env PARLEY_JSON_BODY_LIMIT)")
	fs.IntVar(&c.UploadBodyLimit, "upload-body-limit", envInt("PARLEY_UPLOAD_BODY_LIMIT", 25<<20), "max bytes of a multipart upload request; over it: 413 (env PARLEY_UPLOAD_BODY_LIMIT)")
	fs.DurationVar(&c.ReadHeaderTimeout, "rest-read-header-timeout", envDuration("PARLEY_REST_READ_HEADER_TIMEOUT", 10*time.Second), "REST: time to receive a request's headers (env PARLEY_REST_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&c.ReadTimeout, "rest-read-timeout", envDuration("PARLEY_REST_READ_TIMEOUT", 60*time.Second), "REST: time to receive a request's body after its headers (env PARLEY_REST_READ_TIMEOUT)")
	fs.DurationVar(&c.WriteTimeout, "rest-write-timeout", envDuration("PARLEY_REST_WRITE_TIMEOUT", 30*time.Second), "REST: time to write a response (env PARLEY_REST_WRITE_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "rest-idle-timeout", envDuration("PARLEY_REST_IDLE_TIMEOUT", 120*time.Second), "REST: how long a keep-alive connection may idle (env PARLEY_REST_IDLE_TIMEOUT)")
	fs.DurationVar(&c.IdentifyTimeout, "identify-timeout", envDuration("PARLEY_IDENTIFY_TIMEOUT", 2*time.Minute), "gateway: a socket without Identify or Resume by then is closed with 4003, heartbeats or not (env PARLEY_IDENTIFY_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, flagHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.WorkerID < 0 || c.WorkerID > 31 || c.ProcessID < 0 || c.ProcessID > 31 {
		return c, fmt.Errorf("--worker-id and --process-id must be 0-31")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return c, err
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		n, err := normalizeOrigin(o, false)
		if err != nil {
			return c, fmt.Errorf("--allowed-origins: %w", err)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, n)
	}
	if err := c.tlsOptions.check(); err != nil {
		return c, err
	}
	if err := c.limits.validate(); err != nil {
		return c, err
	}
	return c, nil
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
