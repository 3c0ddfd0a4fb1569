package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the package map honest: cmd → rest, gateway → guilds →
// storage → snowflake, rest never reaching gateway or storage, the domain (guilds and its
// event bus) never reaching a transport, and each third-party library living in one
// package. Only non-test imports count. cmd/parley-load is a black-box client
// (like compat-tests) and may use the WebSocket and compression libraries itself.
// storage/testenv (test servers for every package's tests) may use the Postgres and Redis
// clients, but only test files may import it.
//
// The test runs `go list`, which is on PATH wherever the tests themselves run; if it fails,
// the test fails, since skipping would check nothing.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/parley-chat/parley/...").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	checkDependencies(t, string(out))
}

// testSupport is a package only test files may import; it may use any library.
const testSupport = "storage/testenv"

// checkDependencies applies the rules to go list's "package import..." lines.
func checkDependencies(t testing.TB, out string) {
	t.Helper()
	const mod = "github.com/parley-chat/parley/"
	// redisbus is wired in by cmd only: the domain and the transports use the events and
	// ratelimit interfaces.
	const redisbus = mod + "guilds/events/redisbus"
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], mod) {
		t.Fatalf("go list printed no packages of %s:\n%s", mod, out)
		return
	}
	forbidden := map[string][]string{
		"rest":    {mod + "gateway", mod + "storage", redisbus},
		"gateway": {mod + "rest", mod + "storage", redisbus},
		"guilds":  {mod + "rest", mod + "gateway", mod + "storage/"},
		// The bus belongs to the domain: no transport, and the domain itself holds no
		// network client (redisbus, below, is the only package with go-redis).
		"guilds/events": {mod + "rest", mod + "gateway", "github.com/gorilla/websocket", "github.com/gofiber/fiber"},
		"storage":       {mod + "guilds", mod + "rest", mod + "gateway", mod + "opcodes"},
		"opcodes":       {mod + "guilds", mod + "rest", mod + "gateway", mod + "storage"},
		"snowflake":     {mod},
		// The metrics leaf is imported by gateway, rest and cmd alike, so it imports no
		// Parley package at all.
		"guilds/metrics": {mod},
	}
	owners := map[string]string{
		"github.com/gofiber/fiber":      "rest",
		"github.com/gorilla/websocket":  "gateway",
		"github.com/klauspost/compress": "gateway",
		"github.com/jackc/pgx":          "storage/postgres",
		"github.com/golang-jwt/jwt":     "guilds",
		"golang.org/x/crypto":           "guilds",
		"github.com/bwmarrin/snowflake": "snowflake",
		"modernc.org/sqlite":            "storage/embedded",
		"github.com/redis/go-redis":     "guilds/events/redisbus", // the bus and the rate limiter on Redis
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		for _, imp := range fields[1:] {
			if imp == mod+testSupport {
				t.Errorf("%s imports %s, which only test files may import", pkg, imp)
			}
		}
		if strings.HasPrefix(pkg, "cmd/parley-load") || pkg == testSupport {
			continue
		}
		for _, imp := range fields[1:] {
			for prefix, bad := range forbidden {
				if pkg != prefix && !strings.HasPrefix(pkg, prefix+"/") {
					continue
				}
				for _, b := range bad {
					if strings.HasPrefix(imp, b) && !strings.HasPrefix(imp, mod+pkg) {
						t.Errorf("%s imports %s", pkg, imp)
					}
				}
			}
			if (pkg == "guilds" || pkg == "guilds/events" || pkg == "guilds/ratelimit") && imp == redisbus {
				t.Errorf("%s imports %s: only cmd chooses the Redis implementation", pkg, imp)
			}
			for lib, owner := range owners {
				if strings.HasPrefix(imp, lib) && pkg != owner && !strings.HasPrefix(pkg, owner+"/") {
					t.Errorf("%s imports %s, which belongs to %s only", pkg, imp, owner)
				}
			}
		}
	}
}

// recorder captures a rule check's verdicts instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

// TestDependencyRulesCatch feeds the checker import lists that break each rule, so the real
// run above cannot pass by checking nothing.
func TestDependencyRulesCatch(t *testing.T) {
	const mod = "github.com/parley-chat/parley/"
	cases := []struct {
		name, out string
		bad       bool
	}{
		{"clean", mod + "rest " + mod + "guilds\n" + mod + "storage/testenv github.com/jackc/pgx/v5", false},
		{"empty go list", "", true},
		{"rest imports storage", mod + "rest " + mod + "storage\n" + mod + "guilds", true},
		{"library outside its owner", mod + "guilds github.com/jackc/pgx/v5\n" + mod + "rest", true},
		{"test support in production code", mod + "gateway " + mod + "storage/testenv\n" + mod + "rest", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			checkDependencies(r, tc.out)
			if got := len(r.errs) > 0; got != tc.bad {
				t.Fatalf("violations %q, want some: %v", r.errs, tc.bad)
			}
		})
	}
}
