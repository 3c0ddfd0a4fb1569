package endpoint_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/endpoint"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// verified reports whether r carries a valid signature of body by pub, as an endpoint
// library checks it.
func verified(r *http.Request, body []byte, pub ed25519.PublicKey) bool {
	sig, err := hex.DecodeString(r.Header.Get(endpoint.HeaderSignature))
	if err != nil {
		return false
	}
	return ed25519.Verify(pub, append([]byte(r.Header.Get(endpoint.HeaderTimestamp)), body...), sig)
}

func TestPostSignsTimestampAndBody(t *testing.T) {
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	now := time.Unix(1_700_000_000, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" ||
			r.Header.Get(endpoint.HeaderTimestamp) != "1700000000" {
			http.Error(w, "bad request shape", http.StatusBadRequest)
			return
		}
		if !verified(r, body, pub) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":1}`))
	}))
	defer srv.Close()
	c := endpoint.New(endpoint.Config{AllowPrivate: true, Now: func() time.Time { return now }})

	resp, err := c.Post(t.Context(), 1, key, srv.URL, []byte(`{"type":1}`))
	if err != nil || resp.Status != http.StatusOK || string(resp.Body) != `{"type":1}` || resp.ContentType != "application/json" {
		t.Fatalf("signed post = %+v, %v", resp, err)
	}
	resp, err = c.PostBadlySigned(t.Context(), 1, key, srv.URL, []byte(`{"type":1}`))
	if err != nil || resp.Status != http.StatusUnauthorized {
		t.Fatalf("badly signed post = %+v, %v; want a 401 from a verifying endpoint", resp, err)
	}
	other := newKey(t)
	resp, err = c.Post(t.Context(), 1, other, srv.URL, []byte(`{"type":1}`))
	if err != nil || resp.Status != http.StatusUnauthorized {
		t.Fatalf("post signed with another key = %+v, %v; want 401", resp, err)
	}
}

func TestPostErrors(t *testing.T) {
	key := newKey(t)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":4,"data":{"content":"` + strings.Repeat("x", 2048) + `"}}`))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"type":1}`)) })
	// /hang never answers: it waits for the client to give up (or the test to end).
	mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client hanging up
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for handlers
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	c := endpoint.New(endpoint.Config{AllowPrivate: true, MaxBody: 1024, Timeout: 200 * time.Millisecond})
	public := endpoint.New(endpoint.Config{})
	for _, tc := range []struct {
		name   string
		c      *endpoint.Client
		url    string
		want   error
		status int // when want is nil
	}{
		{"body over the cap", c, srv.URL + "/big", endpoint.ErrTooLarge, 0},
		{"redirect is not followed", c, srv.URL + "/redirect", nil, http.StatusTemporaryRedirect},
		{"endpoint down", c, downURL, nil, -1},
		{"no answer within the time-out", c, srv.URL + "/hang", context.DeadlineExceeded, 0},
		{"loopback refused without AllowPrivate", public, srv.URL + "/ok", endpoint.ErrForbiddenAddress, 0},
		{"not http", c, "ftp://example.org/x", endpoint.ErrBadURL, 0},
		{"no host", c, "http:///x", endpoint.ErrBadURL, 0},
		{"credentials in the url", c, "http://u:p@127.0.0.1/x", endpoint.ErrBadURL, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.c.Post(t.Context(), 1, key, tc.url, []byte(`{}`))
			switch {
			case tc.status == -1:
				if err == nil {
					t.Fatalf("post to a closed server = %+v, want an error", resp)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("post = %+v, %v; want %v", resp, err, tc.want)
				}
			default:
				if err != nil || resp.Status != tc.status {
					t.Fatalf("post = %+v, %v; want status %d", resp, err, tc.status)
				}
			}
		})
	}
}

func TestPerApplicationConcurrency(t *testing.T) {
	key := newKey(t)
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			entered <- struct{}{}
			<-release
		}
		_, _ = w.Write([]byte(`{"type":1}`))
	}))
	defer srv.Close()
	c := endpoint.New(endpoint.Config{AllowPrivate: true, PerApplication: 1})
	done := make(chan error, 1)
	go func() {
		_, err := c.Post(context.Background(), 7, key, srv.URL+"/block", []byte(`{}`))
		done <- err
	}()
	<-entered
	if _, err := c.Post(t.Context(), 7, key, srv.URL, []byte(`{}`)); !errors.Is(err, endpoint.ErrBusy) {
		t.Fatalf("second post of the same application while one is in flight: %v, want ErrBusy", err)
	}
	if resp, err := c.Post(t.Context(), 8, key, srv.URL, []byte(`{}`)); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("another application's post = %+v, %v; want it unaffected", resp, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("blocked post: %v", err)
	}
	if resp, err := c.Post(t.Context(), 7, key, srv.URL, []byte(`{}`)); err != nil || resp.Status != http.StatusOK {
		t.Fatalf("post after the first ended = %+v, %v; want the slot released", resp, err)
	}
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "192.168.0.1": false, "172.16.5.4": false,
		"169.254.169.254": false, "fe80::1": false, "fd00::1": false, "0.0.0.0": false, "::": false,
		"100.64.0.1": false, "224.0.0.1": false, "::ffff:127.0.0.1": false,
	} {
		if got := endpoint.Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://bot.example/interactions": true, "http://127.0.0.1:8080/i": true,
		"": false, "bot.example/interactions": false, "javascript:alert(1)": false,
		"https://" + strings.Repeat("a", endpoint.MaxURLLength) + ".example": false,
	} {
		if err := endpoint.CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
}
