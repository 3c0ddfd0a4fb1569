package rest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Default limits. See docs/operations.md, "Hostile clients and limits", for why each is what
// it is and what they bound.
const (
	// DefaultJSONBodyLimit caps the body of every route that takes JSON only. Discord's
	// largest JSON bodies are far below it: a 256 KiB image as a base64 data URI is 342 KiB,
	// a message with 10 full embeds about 60 KiB.
	DefaultJSONBodyLimit = 1 << 20
	// DefaultUploadBodyLimit caps the routes that take multipart uploads: Discord's 25 MiB
	// per-request upload limit.
	DefaultUploadBodyLimit = 25 << 20
	// DefaultReadHeaderTimeout bounds the wait for a new connection's request line and
	// headers (and the first byte of a request on a fresh connection).
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading one request's body once its headers are in: 25 MiB
	// at about 3.5 Mbit/s.
	DefaultReadTimeout = 60 * time.Second
	// DefaultWriteTimeout bounds writing one response.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long a keep-alive connection may wait for its next request.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultRetryAfter is the Retry-After of a 503 during a store outage.
	DefaultRetryAfter = 2 * time.Second
)

// bodyLimits is a route's body caps: JSON bodies always get the small one, multipart bodies
// the large one on the routes declared withUploads (and the small one elsewhere). The
// declaration is the one place a route opts into the large cap.
type bodyLimits struct{ json, multipart int }

func (s *Server) bodyLimit(uploads bool) bodyLimits {
	if uploads {
		return bodyLimits{s.cfg.JSONBodyLimit, s.cfg.UploadBodyLimit}
	}
	return bodyLimits{s.cfg.JSONBodyLimit, s.cfg.JSONBodyLimit}
}

// errUnavailable is Discord's generic 503. It goes out with Retry-After.
var errUnavailable = &apiError{Status: fiber.StatusServiceUnavailable, Code: 0, Message: "503: Service Unavailable"}

// errBadBody is a body that could not be read or parsed as multipart.
var errBadBody = &apiError{Status: fiber.StatusBadRequest, Code: 0, Message: "400: Bad Request"}

// serverConfig applies the limits to Fiber's configuration. The request body is streamed
// (fasthttp otherwise allocates a buffer of the announced Content-Length before a byte of
// it arrives) and read by readBody, under the route's cap, into memory that grows only as
// bytes come in. Multipart bodies are never pre-parsed by fasthttp, which would read them
// into memory and temporary files before any route is matched.
func (s *Server) serverConfig(fc *fiber.Config) {
	fc.StreamRequestBody = true
	fc.DisablePreParseMultipartForm = true
	// fasthttp only pre-reads up to 8 KiB of a streamed body; the real cap is per route.
	fc.BodyLimit = max(s.cfg.UploadBodyLimit, s.cfg.JSONBodyLimit)
	// fasthttp's ReadTimeout starts before the headers; HeaderReceived (below) moves the
	// deadline to ReadTimeout for the body once they are in.
	fc.ReadTimeout = s.cfg.ReadHeaderTimeout
	fc.WriteTimeout = s.cfg.WriteTimeout
	fc.IdleTimeout = s.cfg.IdleTimeout
}

// tuneServer sets what Fiber's configuration does not expose.
func (s *Server) tuneServer(srv *fasthttp.Server) {
	most := max(s.cfg.UploadBodyLimit, s.cfg.JSONBodyLimit)
	srv.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if h.ContentLength() > most {
			// Refused whatever the route: fasthttp still reads up to 8 KiB before the
			// handler answers 413, but gets no more time for it than for the headers.
			return fasthttp.RequestConfig{ReadTimeout: s.cfg.ReadHeaderTimeout}
		}
		return fasthttp.RequestConfig{ReadTimeout: s.cfg.ReadTimeout}
	}
}

// limitedReader reads at most n bytes and then fails with errTooLarge, so a body is cut
// while it is read instead of after.
type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One probe byte tells "exactly at the cap" from "over it".
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			l.over = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// bodyBuffers pools the buffers JSON bodies are read into.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody keeps a rare large body's buffer out of the pool.
const maxPooledBody = 64 << 10

// readBody reads the request body under limit before the handler runs: a JSON body into a
// pooled buffer (then c.Body() returns it), a multipart body into r.form. A Content-Length
// above the limit is refused before reading; a chunked or lying body is cut at the limit.
// Either way the answer is 413 (40005) and the connection is closed, since the rest of the
// body is never read. The returned func releases what was read, after the handler.
func (r *request) readBody(limits bodyLimits) (release func(), err error) {
	req := r.c.Request()
	boundary := req.Header.MultipartFormBoundary()
	limit := limits.json
	if len(boundary) > 0 {
		limit = limits.multipart
	}
	cl := req.Header.ContentLength() // -1 chunked, -2 none
	if cl > limit {
		r.c.Context().SetConnectionClose()
		return nop, errTooLarge
	}
	stream := req.BodyStream()
	if stream == nil || cl == 0 || cl == -2 {
		r.bodyRead = true
		if len(req.Body()) > limit { // a body already in memory (tests that build requests)
			return nop, errTooLarge
		}
		return nop, nil
	}
	lr := &limitedReader{r: stream, n: int64(limit)}
	if len(boundary) > 0 {
		form, err := parseMultipart(lr, string(boundary), limit)
		if err != nil {
			r.c.Context().SetConnectionClose()
			if lr.over || errors.Is(err, multipart.ErrMessageTooLarge) {
				return nop, errTooLarge
			}
			return nop, fmt.Errorf("%w: read multipart body: %v", errBadBody, err)
		}
		r.form, r.bodyRead = form, true
		return func() { _ = form.RemoveAll() }, nil
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(lr); err != nil {
		putBody(buf)
		r.c.Context().SetConnectionClose()
		if lr.over {
			return nop, errTooLarge
		}
		return nop, fmt.Errorf("%w: read body: %v", errBadBody, err)
	}
	req.SetBodyRaw(buf.Bytes())
	r.bodyRead = true
	return func() {
		req.SetBodyRaw(nil)
		putBody(buf)
	}, nil
}

// parseMultipart reads a multipart body. Everything up to limit stays in memory (maxMemory
// = limit: no temporary files); Go's reader also caps the number of parts and headers.
func parseMultipart(r io.Reader, boundary string, limit int) (*multipart.Form, error) {
	form, err := multipart.NewReader(r, boundary).ReadForm(int64(limit))
	if err != nil {
		return nil, fmt.Errorf("read multipart form: %w", err)
	}
	return form, nil
}

func putBody(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBody {
		bodyBuffers.Put(b)
	}
}

func nop() {}

// closeIfBodyUnread closes the connection after an answer given without reading the body
// (401, 429, 413): the unread bytes would otherwise be parsed as the next request.
func (r *request) closeIfBodyUnread() {
	if !r.bodyRead {
		closeIfBodyUnread(r.c)
	}
}

// closeIfBodyUnread closes the connection after an answer given without reading a streamed
// body (an unknown route, a 405).
func closeIfBodyUnread(c *fiber.Ctx) {
	req := c.Request()
	if req.BodyStream() != nil && req.Header.ContentLength() != 0 && req.Header.ContentLength() != -2 {
		c.Context().SetConnectionClose()
	}
}

// answer writes err as Discord's JSON error. An outage is 503 with Retry-After, reported to
// Config.Outages (which logs once per outage); other server errors are logged per request.
func (s *Server) answer(c *fiber.Ctx, err error) error {
	if s.outages.Observe(err) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((s.cfg.RetryAfter+time.Second-1)/time.Second)))
		return writeJSON(c, errUnavailable.Status, errUnavailable)
	}
	ae := toAPIError(err)
	if ae.Status >= 500 {
		s.log.ErrorContext(c.UserContext(), "request failed", "route", s.routeName(c), "path", logPath(c), "err", err)
	}
	return writeJSON(c, ae.Status, ae)
}
