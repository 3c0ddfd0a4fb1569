package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/klauspost/compress/zstd"
)

// testCA is a self-signed certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "parley test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue writes a 127.0.0.1/localhost server certificate with the given serial and validity
// into certFile and keyFile (replacing them the way an ACME client does: write, then rename).
func (ca *testCA) issue(t *testing.T, certFile, keyFile string, serial int64, notBefore, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeAtomic(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

func writeAtomic(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (ca *testCA) client() *http.Client {
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ca.pool}, ForceAttemptHTTP2: true,
	}}
}

// tlsServer starts parley with a fresh certificate (serial 1) and returns it with its files.
func tlsServer(t *testing.T, ca *testCA, extra ...string) (srv *server, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, certFile, keyFile, 1, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	srv = startServer(t, t.TempDir(), append([]string{"--tls-cert", certFile, "--tls-key", keyFile}, extra...)...)
	srv.client = ca.client()
	return srv, certFile, keyFile
}

// peerSerial opens a new TLS connection to addr (a URL) and returns the certificate serial.
func peerSerial(t *testing.T, ca *testCA, rawURL string) int64 {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: ca.pool})
	if err != nil {
		t.Fatalf("tls dial %s: %v", u.Host, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// wss is a gateway client over TLS with optional transport compression.
type wss struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan frame
	errc   chan error
}

func dialWSS(t *testing.T, ca *testCA, gatewayURL, compress string) *wss {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: ca.pool}, HandshakeTimeout: 10 * time.Second}
	q := "/?v=10&encoding=json"
	if compress != "" {
		q += "&compress=" + compress
	}
	ws, _, err := d.Dial(gatewayURL+q, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", gatewayURL, err)
	}
	if tc, ok := ws.UnderlyingConn().(*tls.Conn); !ok || tc.ConnectionState().Version < tls.VersionTLS12 {
		t.Fatalf("gateway connection is not TLS 1.2+: %T", ws.UnderlyingConn())
	}
	t.Cleanup(func() { ws.Close() })
	c := &wss{t: t, ws: ws, frames: make(chan frame, 64), errc: make(chan error, 1)}
	go c.readLoop(compress)
	return c
}

func (c *wss) readLoop(compress string) {
	defer close(c.frames)
	var pw *io.PipeWriter
	if compress != "" {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		defer pw.Close()
		go func() {
			var src io.Reader
			var err error
			if compress == "zlib-stream" {
				src, err = zlib.NewReader(pr)
			} else {
				var zr *zstd.Decoder
				zr, err = zstd.NewReader(pr, zstd.WithDecoderConcurrency(1))
				if zr != nil {
					defer zr.Close()
				}
				src = zr
			}
			if err != nil {
				c.errc <- fmt.Errorf("%s reader: %w", compress, err)
				return
			}
			dec := json.NewDecoder(src)
			for {
				var f frame
				if err := dec.Decode(&f); err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
						c.errc <- fmt.Errorf("%s decode: %w", compress, err)
					}
					return
				}
				c.frames <- f
			}
		}()
	}
	for {
		mt, b, err := c.ws.ReadMessage()
		if err != nil {
			c.errc <- err
			return
		}
		if pw != nil {
			if mt != websocket.BinaryMessage {
				c.errc <- errors.New("compressed stream frame is not binary")
				return
			}
			pw.Write(b)
			continue
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			c.errc <- fmt.Errorf("frame %q: %w", b, err)
			return
		}
		c.frames <- f
	}
}

func (c *wss) send(v string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// next returns the next frame with op (and, for dispatches, type t), skipping others.
func (c *wss) next(op int, t string) frame {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("waiting for op %d %s: connection ended: %v", op, t, <-c.errc)
			}
			if f.Op == op && (t == "" || f.T != nil && *f.T == t) {
				return f
			}
		case err := <-c.errc:
			c.t.Fatalf("waiting for op %d %s: %v", op, t, err)
		case <-timeout:
			c.t.Fatalf("no op %d %s within 10s", op, t)
		}
	}
}

const botIntents = 1 | 1<<9 | 1<<15 // GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT

func (c *wss) identify(token string) (sessionID, resumeURL string) {
	c.t.Helper()
	c.next(10, "")
	c.send(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":%d,"properties":{"os":"linux","browser":"t","device":"t"}}}`, token, botIntents))
	ready := c.next(0, "READY")
	var d struct {
		SessionID string `json:"session_id"`
		ResumeURL string `json:"resume_gateway_url"`
	}
	json.Unmarshal(ready.D, &d)
	c.next(0, "GUILD_CREATE")
	return d.SessionID, d.ResumeURL
}

// TestTLS: with --tls-cert/--tls-key, REST is HTTPS and the gateway WSS (plain, zlib-stream,
// zstd-stream), the public URLs say so, only TLS 1.2+ and HTTP/1.1 are offered, and a session
// resumes over WSS at resume_gateway_url with the missed dispatch replayed.
func TestTLS(t *testing.T) {
	ca := newTestCA(t)
	srv, _, _ := tlsServer(t, ca)
	if !strings.HasPrefix(srv.RESTURL, "https://127.0.0.1:") || !strings.HasPrefix(srv.GatewayURL, "wss://127.0.0.1:") {
		t.Fatalf("URLs with TLS: rest %s gateway %s", srv.RESTURL, srv.GatewayURL)
	}
	var gwInfo map[string]any
	srv.api(t, "GET", "/gateway", "", nil, &gwInfo)
	if gwInfo["url"] != srv.GatewayURL {
		t.Fatalf("GET /gateway = %v, want %s", gwInfo, srv.GatewayURL)
	}

	t.Run("plain http to the TLS port is refused", func(t *testing.T) {
		resp, err := http.Get("http" + strings.TrimPrefix(srv.RESTURL, "https") + "/api/v10/gateway")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatal("plain HTTP answered 200 on the TLS listener")
			}
		}
	})
	t.Run("TLS 1.1 is refused, h2 is not negotiated", func(t *testing.T) {
		for _, u := range []string{srv.RESTURL, "https" + strings.TrimPrefix(srv.GatewayURL, "wss")} {
			host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
			if c, err := tls.Dial("tcp", host, &tls.Config{RootCAs: ca.pool, MaxVersion: tls.VersionTLS11}); err == nil {
				c.Close()
				t.Errorf("%s: TLS 1.1 handshake succeeded", host)
			}
			c, err := tls.Dial("tcp", host, &tls.Config{RootCAs: ca.pool, NextProtos: []string{"h2", "http/1.1"}})
			if err != nil {
				t.Fatalf("%s: %v", host, err)
			}
			if p := c.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
				t.Errorf("%s: ALPN %q, want http/1.1", host, p)
			}
			c.Close()
		}
	})

	for _, compress := range []string{"", "zlib-stream", "zstd-stream"} {
		t.Run("wss "+compress, func(t *testing.T) {
			// One bot per subtest: a bot may Identify once per 5 s (max_concurrency 1).
			f := srv.fixture(t, "tina"+strings.ReplaceAll(compress, "-", ""), 1<<19)
			c := dialWSS(t, ca, srv.GatewayURL, compress)
			sessionID, resumeURL := c.identify(f.botToken)
			if resumeURL != srv.GatewayURL {
				t.Fatalf("resume_gateway_url = %q, want %q", resumeURL, srv.GatewayURL)
			}
			content := "over tls " + compress
			srv.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": content}, nil)
			mc := c.next(0, "MESSAGE_CREATE")
			if !bytes.Contains(mc.D, []byte(content)) {
				t.Fatalf("MESSAGE_CREATE = %s", mc.D)
			}
			seq := *mc.S

			// Drop the socket, post while detached, resume over WSS: the message is replayed.
			c.ws.UnderlyingConn().Close()
			missed := "missed " + compress
			srv.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": missed}, nil)
			r := dialWSS(t, ca, resumeURL, compress)
			r.next(10, "")
			r.send(fmt.Sprintf(`{"op":6,"d":{"token":%q,"session_id":%q,"seq":%d}}`, f.botToken, sessionID, seq))
			replay := r.next(0, "MESSAGE_CREATE")
			if !bytes.Contains(replay.D, []byte(missed)) {
				t.Fatalf("replayed %s, want %q", replay.D, missed)
			}
			r.next(0, "RESUMED")
		})
	}
}

// TestTLSReload: a certificate renewed on disk is served to new connections — picked up by the
// file poll and by SIGHUP — while connections opened before keep working; an invalid new pair is
// refused and the previous certificate stays.
func TestTLSReload(t *testing.T) {
	for _, mode := range []string{"poll", "sighup"} {
		t.Run(mode, func(t *testing.T) {
			ca := newTestCA(t)
			interval := "100ms"
			if mode == "sighup" {
				interval = "0"
			}
			srv, certFile, keyFile := tlsServer(t, ca, "--tls-reload-interval", interval)
			f := srv.fixture(t, "rita"+mode, 1<<19)
			old := dialWSS(t, ca, srv.GatewayURL, "zlib-stream")
			old.identify(f.botToken)
			// A REST client holding one keep-alive connection from before the renewal.
			keep := ca.client()
			keep.Transport.(*http.Transport).MaxIdleConnsPerHost = 1
			var oldState *tls.ConnectionState
			getVia := func(c *http.Client) *tls.ConnectionState {
				t.Helper()
				resp, err := c.Get(srv.RESTURL + "/api/v10/gateway")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("GET /gateway: %d", resp.StatusCode)
				}
				return resp.TLS
			}
			oldState = getVia(keep)
			if got := peerSerial(t, ca, srv.RESTURL); got != 1 {
				t.Fatalf("serial before renewal = %d", got)
			}

			renew := func(serial int64, notBefore, notAfter time.Time) {
				ca.issue(t, certFile, keyFile, serial, notBefore, notAfter)
				if mode == "sighup" {
					if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
						t.Fatal(err)
					}
				}
			}
			waitSerial := func(want int64) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for {
					rest, gw := peerSerial(t, ca, srv.RESTURL), peerSerial(t, ca, "https"+strings.TrimPrefix(srv.GatewayURL, "wss"))
					if rest == want && gw == want {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("new connections see serials rest=%d gateway=%d, want %d:\n%s", rest, gw, want, srv.logs)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			renew(2, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
			waitSerial(2)

			// The session from before the renewal still delivers, and heartbeats are acked.
			srv.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": "after renewal"}, nil)
			if mc := old.next(0, "MESSAGE_CREATE"); !bytes.Contains(mc.D, []byte("after renewal")) {
				t.Fatalf("old session got %s", mc.D)
			}
			old.send(`{"op":1,"d":null}`)
			old.next(11, "")
			if st := getVia(keep); st.PeerCertificates[0].SerialNumber.Int64() != oldState.PeerCertificates[0].SerialNumber.Int64() {
				t.Fatalf("the keep-alive connection was replaced (serial %d)", st.PeerCertificates[0].SerialNumber)
			}
			// A new session over the new certificate works too.
			fresh := dialWSS(t, ca, srv.GatewayURL, "zstd-stream")
			fresh.identify(srv.fixture(t, "rosa"+mode, 1<<19).botToken) // another bot: one Identify per 5 s each

			// An expired renewal is refused: the log says so and serial 2 stays.
			renew(3, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour))
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(srv.logs.String(), "keeping the previous certificate") {
				if time.Now().After(deadline) {
					t.Fatalf("no reload failure logged:\n%s", srv.logs)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := peerSerial(t, ca, srv.RESTURL); got != 2 {
				t.Fatalf("after an invalid renewal new connections see serial %d, want 2", got)
			}
			// A later valid renewal is picked up again.
			renew(4, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
			waitSerial(4)
		})
	}
}

// TestTLSStartupErrors: a certificate that cannot be served stops start-up with exit 1 and a
// message naming the flag and the reason; half a pair is a usage error (exit 2).
func TestTLSStartupErrors(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	good, goodKey := filepath.Join(dir, "good.pem"), filepath.Join(dir, "good.key")
	ca.issue(t, good, goodKey, 1, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	other, otherKey := filepath.Join(dir, "other.pem"), filepath.Join(dir, "other.key")
	ca.issue(t, other, otherKey, 2, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	expired, expiredKey := filepath.Join(dir, "expired.pem"), filepath.Join(dir, "expired.key")
	ca.issue(t, expired, expiredKey, 3, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	future, futureKey := filepath.Join(dir, "future.pem"), filepath.Join(dir, "future.key")
	ca.issue(t, future, futureKey, 4, time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour))
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o600)

	tests := []struct {
		name      string
		cert, key string
		code      int
		want      string
	}{
		{"missing certificate", filepath.Join(dir, "nope.pem"), goodKey, 1, "--tls-cert: read certificate"},
		{"missing key", good, filepath.Join(dir, "nope.key"), 1, "--tls-key: read private key"},
		{"unreadable certificate (a directory)", dir, goodKey, 1, "--tls-cert: read certificate"},
		{"not PEM", garbage, goodKey, 1, "failed to find any PEM data"},
		{"key of another certificate", good, otherKey, 1, "private key does not match public key"},
		{"expired", expired, expiredKey, 1, "certificate has expired"},
		{"not valid yet", future, futureKey, 1, "certificate is not valid yet"},
		{"certificate without key", good, "", 2, "--tls-cert and --tls-key go together"},
		{"key without certificate", "", goodKey, 2, "--tls-cert and --tls-key go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := []string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
				"--data-dir", t.TempDir(), "--tls-cert", tt.cert, "--tls-key", tt.key}
			if code := run(context.Background(), args, io.Discard, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}
