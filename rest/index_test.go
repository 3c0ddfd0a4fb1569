package rest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/rest"
)

// TestIndex: GET /, /api, /api/v9 and /api/v10 describe the server instead of a bare 404.
func TestIndex(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range []struct {
		path    string
		version float64
	}{{"/api/v10", 10}, {"/api/v10/", 10}, {"/api/v9", 9}, {"/api", 10}, {"/", 10}} {
		m := want(t, e.call(t, "GET", e.base+tt.path, "", nil), 200).obj(t)
		if m["api_version"] != tt.version || m["gateway_url"] != "ws://127.0.0.1:1" ||
			m["api_base"] != e.base+"/api/v"+itoa(int(tt.version)) {
			t.Errorf("GET %s = %v", tt.path, m)
		}
		docs, _ := m["docs"].(map[string]any)
		if !strings.HasSuffix(str(docs, "rest_coverage"), "docs/rest-coverage.md") {
			t.Errorf("GET %s docs = %v", tt.path, docs)
		}
	}

	// A browser gets a page naming the same URLs.
	r := rawGet(t, e.base+"/", "text/html,application/xhtml+xml")
	if !strings.HasPrefix(r.ct, "text/html") || !strings.Contains(r.body, e.base+"/api/v10") || !strings.Contains(r.body, "rest-coverage.md") {
		t.Errorf("GET / as a browser: %s\n%s", r.ct, r.body)
	}

	// The configured public URL wins over the request's Host.
	e2 := newEnv(t, func(c *rest.Config) { c.PublicRESTURL = "https://chat.example.org/" })
	m := want(t, e2.call(t, "GET", "/api/v10", "", nil), 200).obj(t)
	if m["api_base"] != "https://chat.example.org/api/v10" {
		t.Errorf("api_base with PublicRESTURL = %v", m["api_base"])
	}
}

type rawResp struct{ ct, body string }

func rawGet(t *testing.T, url, accept string) rawResp {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: HTTP %d: %s", url, res.StatusCode, b)
	}
	return rawResp{res.Header.Get("Content-Type"), string(b)}
}
