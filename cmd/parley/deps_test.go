package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the package map honest: cmd → rest, gateway → guilds →
// storage → snowflake, rest never reaching gateway or storage, the domain (guilds and its
// event bus) never reaching a transport, and each third-party library living in one
// package. Only non-test imports count. cmd/parley-load is a black-box client
// (like compat-tests) and may use the WebSocket and compression libraries itself.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/parley-chat/parley/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	const mod = "github.com/parley-chat/parley/"
	// redisbus is wired in by cmd only: the domain and the transports use the events and
	// ratelimit interfaces.
	const redisbus = mod + "guilds/events/redisbus"
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
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], mod)
		if strings.HasPrefix(pkg, "cmd/parley-load") {
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
