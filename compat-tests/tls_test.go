package compattests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTestPKI creates a CA and a 127.0.0.1/localhost server certificate signed by it in dir,
// and returns the paths of the CA certificate, the server certificate and its key.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley compat test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFile, certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, b := range map[string][]byte{
		caFile:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
	} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return caFile, certFile, keyFile
}

// trustCA makes this package's HTTP client (fixtures, test controls) trust the CA on top of
// the system roots, for the rest of the test binary; it only ever adds trust.
func trustCA(t *testing.T, caFile string) {
	t.Helper()
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	b, err := os.ReadFile(caFile)
	if err != nil || !pool.AppendCertsFromPEM(b) {
		t.Fatalf("load test CA %s: %v", caFile, err)
	}
	httpClient.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
}

// TestLibrariesOverTLS runs real bot libraries against a parley serving TLS on both listeners
// (--tls-cert/--tls-key), with the test CA trusted only through each runtime's own knob:
// NODE_EXTRA_CA_CERTS for Node, SSL_CERT_FILE for Python's ssl. The libraries get https://
// and wss:// URLs from GET /gateway/bot and READY, and run the whole scenario: READY, REST,
// and two resumes at resume_gateway_url (wss).
func TestLibrariesOverTLS(t *testing.T) {
	checkToolchains()
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestPKI(t, dir)
	trustCA(t, caFile)
	srv := startServer(t, true, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(srv.RESTURL, "https://") || !strings.HasPrefix(srv.GatewayURL, "wss://") ||
		!strings.HasPrefix(srv.TestControlsURL, "https://") {
		t.Fatalf("TLS server URLs: %+v", srv.readyInfo)
	}
	srv.botEnv = []string{"NODE_EXTRA_CA_CERTS=" + caFile, "SSL_CERT_FILE=" + caFile}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	o, err := registerOwner(ctx, srv)
	cancel()
	if err != nil {
		t.Fatalf("fixture over https: %v", err)
	}
	for _, v := range variants {
		if v.Library != "discord.js" && v.Library != "discord.py" {
			continue
		}
		t.Run(v.name(), func(t *testing.T) {
			r := &result{Variant: v, Steps: map[string]string{}}
			switch {
			case v.Kind == nodeBot && nodeErr != nil:
				missing(t, "%v", nodeErr)
			case v.Kind == nodeBot && v.NeedsZlibSync && zlibErr != nil:
				missing(t, "%v", zlibErr)
			case v.Kind == pythonBot && pyErr != nil:
				missing(t, "%v", pyErr)
			}
			runVariant(t, srv, o, v, r)
			if t.Failed() {
				markKeep()
			}
		})
	}
}
