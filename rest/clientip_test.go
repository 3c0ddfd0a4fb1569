package rest_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/parley-chat/parley/rest"
)

// TestTrustedProxies: unauthenticated requests are rate-limited per client address; the
// forwarding headers choose that address only when the TCP peer is a configured proxy, and
// then only the right-most untrusted hop counts (the left of the list is client-controlled).
func TestTrustedProxies(t *testing.T) {
	limitGateway := func(trusted ...netip.Prefix) func(*rest.Config) {
		return func(c *rest.Config) {
			c.TrustedProxies = trusted
			c.RateLimits.Routes["GET /gateway"] = rest.Rate{Limit: 1, Window: time.Hour} // long: the first call may load the OpenAPI spec for minutes under -race
		}
	}
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	proxyNet := netip.MustParsePrefix("198.51.100.0/24")
	type req struct {
		hdr  []string
		want int
	}
	xff := func(v string) []string { return []string{"X-Forwarded-For", v} }
	fwd := func(v string) []string { return []string{"Forwarded", v} }
	tests := []struct {
		name    string
		trusted []netip.Prefix
		reqs    []req
	}{
		{"no trusted proxies: headers ignored, one bucket for the peer", nil, []req{
			{xff("203.0.113.1"), 200}, {xff("203.0.113.2"), 429}, {fwd("for=203.0.113.3"), 429},
		}},
		{"peer not in the list: headers ignored", []netip.Prefix{proxyNet}, []req{
			{xff("203.0.113.1"), 200}, {xff("203.0.113.2"), 429},
		}},
		{"trusted peer: X-Forwarded-For names the client", []netip.Prefix{loopback}, []req{
			{xff("203.0.113.1"), 200}, {xff("203.0.113.2"), 200}, {xff("203.0.113.1"), 429},
		}},
		{"spoofed left-most hop does not pick a fresh bucket", []netip.Prefix{loopback, proxyNet}, []req{
			{xff("203.0.113.1, 198.51.100.7"), 200},
			{xff("192.0.2.99, 203.0.113.1, 198.51.100.7"), 429},
		}},
		{"Forwarded wins over X-Forwarded-For", []netip.Prefix{loopback}, []req{
			{fwd(`for="[2001:db8::1]:4711";proto=https`), 200},
			{append(fwd(`for="[2001:db8::1]:4711"`), xff("203.0.113.5")...), 429},
			{fwd("for=203.0.113.5"), 200},
		}},
		{"unknown hop stops at the proxy that wrote it", []netip.Prefix{loopback}, []req{
			{fwd("for=unknown"), 200}, // the client is the proxy 127.0.0.1 itself
			{xff("garbage"), 429},     // the same bucket
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, limitGateway(tt.trusted...))
			for i, r := range tt.reqs {
				got := e.call(t, "GET", "/gateway", "", nil, r.hdr...)
				if got.Status != r.want {
					t.Fatalf("request %d %v: HTTP %d, want %d: %s", i, r.hdr, got.Status, r.want, got.Body)
				}
			}
		})
	}
}
