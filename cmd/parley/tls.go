package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Sentinel errors of certificate loading, so start-up and reload failures can be told apart
// in tests and logs.
var (
	// errCertExpired is a certificate whose NotAfter has passed.
	errCertExpired = errors.New("certificate has expired")
	// errCertNotYetValid is a certificate whose NotBefore is still ahead.
	errCertNotYetValid = errors.New("certificate is not valid yet")
)

// certRenewalWarning is how close to its expiry a loaded certificate makes the log say so:
// ACME clients renew 30 days ahead, so a certificate this close has missed its renewals.
const certRenewalWarning = 14 * 24 * time.Hour

// certHolder serves the current certificate pair to new TLS handshakes and swaps it when the
// files on disk change, so a renewed certificate is used without a restart. Connections already
// established keep their TLS state: only handshakes after a swap see the new certificate.
type certHolder struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	cur atomic.Pointer[tls.Certificate]

	mu   sync.Mutex // serialises reloads; guards seen
	seen [2]fileStamp
}

// fileStamp is what the poller compares to notice a rewritten file.
type fileStamp struct {
	size    int64
	modTime time.Time
}

// newCertHolder loads the pair once; any problem (missing, unreadable, mismatched, expired) is a
// start-up error naming the file and the reason.
func newCertHolder(certFile, keyFile string, log *slog.Logger) (*certHolder, error) {
	h := &certHolder{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	if err := h.reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// get is tls.Config.GetCertificate: every new handshake reads the current pair.
func (h *certHolder) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return h.cur.Load(), nil
}

// current returns the pair new handshakes get.
func (h *certHolder) current() *tls.Certificate { return h.cur.Load() }

// reload reads both files again. An invalid pair leaves the current one in place and is
// returned, so an operator's half-finished copy never takes TLS down.
func (h *certHolder) reload() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	stamps := [2]fileStamp{stampOf(h.certFile), stampOf(h.keyFile)}
	cert, err := loadCertificate(h.certFile, h.keyFile, h.now())
	h.seen = stamps // a failed pair is retried on the next change, not on every poll
	if err != nil {
		return err
	}
	old := h.cur.Swap(cert)
	leaf := cert.Leaf
	attrs := []any{"cert", h.certFile, "subject", leaf.Subject.String(), "serial", leaf.SerialNumber.String(),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339)}
	if old == nil {
		h.log.Info("tls certificate loaded", attrs...)
	} else {
		h.log.Info("tls certificate reloaded", attrs...)
	}
	if left := leaf.NotAfter.Sub(h.now()); left < certRenewalWarning {
		h.log.Warn("tls certificate expires soon; is the ACME client renewing it?", "cert", h.certFile, "expires_in", left.Round(time.Minute))
	}
	return nil
}

// changed reports whether either file differs (size or modification time) from the last load.
func (h *certHolder) changed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return stampOf(h.certFile) != h.seen[0] || stampOf(h.keyFile) != h.seen[1]
}

// watch reloads on every value from hup (SIGHUP) and, when poll > 0, whenever the files change
// on disk, until ctx ends. Failures are logged and the previous certificate stays in use.
func (h *certHolder) watch(ctx context.Context, hup <-chan os.Signal, poll time.Duration) {
	var tick <-chan time.Time
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			h.reloadLogged("SIGHUP")
		case <-tick:
			if h.changed() {
				h.reloadLogged("files changed")
			}
		}
	}
}

func (h *certHolder) reloadLogged(why string) {
	if err := h.reload(); err != nil {
		h.log.Error("tls certificate reload failed; keeping the previous certificate", "trigger", why, "err", err)
	}
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{size: -1}
	}
	return fileStamp{size: fi.Size(), modTime: fi.ModTime()}
}

// loadCertificate reads and checks a PEM certificate chain and its private key.
func loadCertificate(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: read certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-key: read private key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s with --tls-key %s: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("--tls-cert %s: parse certificate: %w", certFile, err)
		}
	}
	switch leaf := cert.Leaf; {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("--tls-cert %s: %w (not after %s)", certFile, errCertExpired, leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("--tls-cert %s: %w (not before %s)", certFile, errCertNotYetValid, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return &cert, nil
}

// tlsConfig is what both listeners serve: TLS 1.2 or newer, forward-secret AEAD suites only
// (TLS 1.3's suites are not configurable and all qualify), and HTTP/1.1 as the only ALPN
// protocol: the gateway's WebSocket upgrade needs HTTP/1.1, and Fiber speaks nothing else.
func tlsConfig(h *certHolder) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: h.get,
		NextProtos:     []string{"http/1.1"},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// tlsOptions are the serve flags of TLS in the binary.
type tlsOptions struct {
	TLSCert           string
	TLSKey            string
	TLSReloadInterval time.Duration
}

func (o *tlsOptions) enabled() bool { return o.TLSCert != "" }

// addTLSFlags registers the TLS flags on fs.
func addTLSFlags(fs *flag.FlagSet, o *tlsOptions) {
	fs.StringVar(&o.TLSCert, "tls-cert", envOr("PARLEY_TLS_CERT", ""), "PEM certificate chain; with --tls-key both listeners serve TLS and public URLs default to https:// and wss:// (env PARLEY_TLS_CERT)")
	fs.StringVar(&o.TLSKey, "tls-key", envOr("PARLEY_TLS_KEY", ""), "PEM private key of --tls-cert (env PARLEY_TLS_KEY)")
	fs.DurationVar(&o.TLSReloadInterval, "tls-reload-interval", envDuration("PARLEY_TLS_RELOAD_INTERVAL", 5*time.Second), "how often to check the certificate files for a renewal; 0 = only on SIGHUP (env PARLEY_TLS_RELOAD_INTERVAL)")
}

// check reports flag combinations that cannot work.
func (o *tlsOptions) check() error {
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	if o.TLSReloadInterval < 0 {
		return errors.New("--tls-reload-interval must not be negative")
	}
	return nil
}

// wrap wraps both listeners when TLS is on and starts the reload watcher (SIGHUP and the
// file poll) until ctx ends. Without TLS it returns the listeners unchanged. The schemes are
// those of the public URLs derived from the bound addresses.
func (o *tlsOptions) wrap(ctx context.Context, h *certHolder, restLn, gwLn net.Listener) (rest, gw net.Listener, httpScheme, wsScheme string) {
	if h == nil {
		return restLn, gwLn, "http", "ws"
	}
	conf := tlsConfig(h)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		h.watch(ctx, hup, o.TLSReloadInterval)
	}()
	return tls.NewListener(restLn, conf), tls.NewListener(gwLn, conf), "https", "wss"
}

// load returns the certificate holder when TLS is on, nil when off.
func (o *tlsOptions) load(log *slog.Logger) (*certHolder, error) {
	if !o.enabled() {
		return nil, nil
	}
	return newCertHolder(o.TLSCert, o.TLSKey, log)
}
