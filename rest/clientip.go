package rest

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address unauthenticated requests are rate-limited under. It is the TCP
// peer, unless the peer is one of Config.TrustedProxies: then the forwarding headers the
// proxies wrote (RFC 7239 Forwarded, else X-Forwarded-For) are walked from the right, skipping
// trusted hops, and the first untrusted address is the client. Walking from the right matters:
// the left-most entries are whatever the client sent, so trusting them would let anyone pick
// their own rate-limit bucket. Without trusted proxies the headers are never read.
func (s *Server) clientIP(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	peer = peer.Unmap()
	if len(s.cfg.TrustedProxies) == 0 || !s.trusted(peer) {
		return peer
	}
	var hops []string
	if fwd := c.Request().Header.PeekAll(fiber.HeaderForwarded); len(fwd) > 0 {
		for _, h := range fwd {
			hops = append(hops, forwardedFor(string(h))...)
		}
	} else {
		for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			hops = append(hops, strings.Split(string(h), ",")...)
		}
	}
	return resolveClient(peer, hops, s.trusted)
}

// resolveClient walks hops (left = farthest from us) back from peer. A hop that is not an
// address (RFC 7239's "unknown" or an obfuscated name) ends the walk at the proxy that wrote it.
func resolveClient(peer netip.Addr, hops []string, trusted func(netip.Addr) bool) netip.Addr {
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			return client
		}
		client = a
		if !trusted(a) {
			return a
		}
	}
	return client
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor returns the for= values of a Forwarded header, in order.
func forwardedFor(h string) []string {
	var out []string
	for _, elem := range strings.Split(h, ",") {
		for _, pair := range strings.Split(elem, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "for") {
				out = append(out, v)
			}
		}
	}
	return out
}

// parseHop reads one hop: 192.0.2.1, 192.0.2.1:4711, "[2001:db8::1]:4711", 2001:db8::1.
func parseHop(v string) (netip.Addr, bool) {
	v = strings.Trim(strings.TrimSpace(v), `"`)
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap(), true
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
