// Package endpoint is Parley's outgoing side of HTTP interactions: it POSTs interactions,
// signed with the application's Ed25519 key as Discord signs them, to the interactions
// endpoint URL an application configured, and reads the answer under strict bounds. The
// domain (package guilds) decides what to send and what the answer means; this package owns
// the wire: signing, URL and address policy, time-outs, body caps, redirects and per-
// application concurrency. Nothing here may let an endpoint hang or exhaust the server.
package endpoint

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Headers Discord signs interactions with; endpoint libraries read exactly these.
const (
	HeaderSignature = "X-Signature-Ed25519"
	HeaderTimestamp = "X-Signature-Timestamp"
)

// Defaults of Config's zero values.
const (
	// DefaultTimeout bounds one whole exchange (connect, request, response headers and body):
	// an application has 3 seconds for its initial response, so waiting longer is useless.
	DefaultTimeout = 3 * time.Second
	// DefaultMaxBody caps a response body.
	DefaultMaxBody = 1 << 20
	// DefaultPerApplication caps the exchanges in flight for one application.
	DefaultPerApplication = 16
	// MaxURLLength is Discord's limit on interactions_endpoint_url.
	MaxURLLength = 2048
)

// Errors of a delivery. All mean "the endpoint did not answer usably"; the caller fails the
// interaction (or the URL's verification) whichever it is, and logs which.
var (
	// ErrBadURL: not an absolute http or https URL with a host (or longer than MaxURLLength).
	ErrBadURL = errors.New("endpoint: url must be an absolute http or https url")
	// ErrForbiddenAddress: the host resolved to a loopback, private, link-local or other
	// non-public address and Config.AllowPrivate is off.
	ErrForbiddenAddress = errors.New("endpoint: address is not public")
	// ErrBusy: the application already has Config.PerApplication exchanges in flight.
	ErrBusy = errors.New("endpoint: too many requests in flight for this application")
	// ErrTooLarge: the response body is over Config.MaxBody.
	ErrTooLarge = errors.New("endpoint: response body too large")
)

// Config configures a Client. Zero values mean the defaults above.
type Config struct {
	// AllowPrivate lets endpoints resolve to loopback, private (RFC 1918, fc00::/7),
	// link-local and unspecified addresses: needed for a bot on the same machine or network
	// (local development, tests). Off, only public addresses are dialled, checked on the
	// address actually connected to (so DNS tricks cannot reach the server's own network).
	AllowPrivate bool
	// Timeout bounds one exchange. Default DefaultTimeout.
	Timeout time.Duration
	// MaxBody caps a response body in bytes. Default DefaultMaxBody.
	MaxBody int64
	// PerApplication caps concurrent exchanges per application. Default DefaultPerApplication.
	PerApplication int
	// Dial replaces the network dialer (tests dial in-memory pipes); the address policy is
	// then the dialer's business. Default: a net.Dialer applying AllowPrivate.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now is the clock of X-Signature-Timestamp. Default time.Now.
	Now func() time.Time
}

// Client posts signed requests to interactions endpoints. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	timeout time.Duration
	maxBody int64
	perApp  int
	now     func() time.Time

	mu       sync.Mutex
	inflight map[uint64]int
}

// New builds a Client.
func New(cfg Config) *Client {
	c := &Client{timeout: cfg.Timeout, maxBody: cfg.MaxBody, perApp: cfg.PerApplication, now: cfg.Now,
		inflight: map[uint64]int{}}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.perApp <= 0 {
		c.perApp = DefaultPerApplication
	}
	if c.now == nil {
		c.now = time.Now
	}
	dial := cfg.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: c.timeout}
		if !cfg.AllowPrivate {
			d.ControlContext = publicOnly
		}
		dial = d.DialContext
	}
	c.http = &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would dial for us, around the address policy
			DialContext:            dial,
			TLSHandshakeTimeout:    c.timeout,
			ResponseHeaderTimeout:  c.timeout,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        30 * time.Second,
			MaxResponseHeaderBytes: 16 << 10,
		},
		// Discord does not follow redirects: a 3xx is a wrong answer, not a pointer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       c.timeout,
	}
	return c
}

// publicOnly refuses to connect to an address that is not public unicast.
func publicOnly(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// Public reports whether a is a public unicast address: not loopback, private, link-local,
// multicast, unspecified, or in the shared (CGNAT, 100.64.0.0/10) range.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	return !cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// CheckURL validates an interactions endpoint URL's form (not its reachability).
func CheckURL(raw string) error {
	if len(raw) > MaxURLLength {
		return ErrBadURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil {
		return ErrBadURL
	}
	return nil
}

// Response is an endpoint's answer.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Signature is the hex Ed25519 signature of timestamp+body, as Discord sends it.
func Signature(key ed25519.PrivateKey, timestamp string, body []byte) string {
	msg := make([]byte, 0, len(timestamp)+len(body))
	msg = append(append(msg, timestamp...), body...)
	return hex.EncodeToString(ed25519.Sign(key, msg))
}

// Post sends body to rawURL signed with key, for application appID, and returns the answer
// whatever its status. An error means no complete answer: a bad URL, a refused address, too
// many exchanges in flight for appID, a network failure or time-out, or a body over the cap.
func (c *Client) Post(ctx context.Context, appID uint64, key ed25519.PrivateKey, rawURL string, body []byte) (Response, error) {
	ts := strconv.FormatInt(c.now().Unix(), 10)
	return c.post(ctx, appID, rawURL, body, ts, Signature(key, ts, body))
}

// PostBadlySigned sends body to rawURL with a signature that does not verify (a valid key's
// signature of other bytes), as Discord does to check that an endpoint refuses forgeries.
func (c *Client) PostBadlySigned(ctx context.Context, appID uint64, key ed25519.PrivateKey, rawURL string, body []byte) (Response, error) {
	ts := strconv.FormatInt(c.now().Unix(), 10)
	return c.post(ctx, appID, rawURL, body, ts, Signature(key, ts, append([]byte("forged:"), body...)))
}

func (c *Client) post(ctx context.Context, appID uint64, rawURL string, body []byte, ts, sig string) (Response, error) {
	if err := CheckURL(rawURL); err != nil {
		return Response{}, err
	}
	if !c.acquire(appID) {
		return Response{}, ErrBusy
	}
	defer c.release(appID)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Response{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Interactions/1.0")
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderTimestamp, ts)
	resp, err := c.http.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("post interaction: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return Response{}, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(data)) > c.maxBody {
		return Response{}, ErrTooLarge
	}
	return Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: data}, nil
}

func (c *Client) acquire(appID uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[appID] >= c.perApp {
		return false
	}
	c.inflight[appID]++
	return true
}

func (c *Client) release(appID uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[appID] <= 1 {
		delete(c.inflight, appID)
		return
	}
	c.inflight[appID]--
}
