package main

import (
	"context"
	"io"
	"net/netip"
	"reflect"
	"testing"
)

func TestParsePrefixes(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{" 192.0.2.7 , ::1,10.1.2.3/8", []string{"192.0.2.7/32", "::1/128", "10.0.0.0/8"}, false},
		{"::ffff:192.0.2.1", []string{"192.0.2.1/32"}, false},
		{"10.0.0.0/33", nil, true},
		{"proxy.example.org", nil, true},
	}
	for _, tt := range tests {
		got, err := parsePrefixes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parsePrefixes(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		var want []netip.Prefix
		for _, w := range tt.want {
			want = append(want, netip.MustParsePrefix(w))
		}
		if !tt.wantErr && !reflect.DeepEqual(got, want) {
			t.Errorf("parsePrefixes(%q) = %v, want %v", tt.in, got, want)
		}
	}
}

// TestBadProxyAndTLSFlags: unusable --trusted-proxies (flag or env) and TLS flag values are
// usage errors (exit 2) before anything starts.
func TestBadProxyAndTLSFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--trusted-proxies", "10.0.0.0/99"},
		{"--trusted-proxies", "not-an-ip"},
		{"--tls-reload-interval", "-1s", "--tls-cert", "a", "--tls-key", "b"},
	} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%v) = %d, want 2", args, code)
		}
	}
	t.Setenv("PARLEY_TRUSTED_PROXIES", "10.0.0.0/8,bogus")
	if code := run(context.Background(), []string{"serve"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("PARLEY_TRUSTED_PROXIES=bogus: exit %d, want 2", code)
	}
}
