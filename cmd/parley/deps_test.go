package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the package map honest: cmd → rest, gateway → guilds →
// storage → snowflake, rest never reaching gateway or storage, and each third-party library
// living in one package. Only non-test imports count. cmd/parley-load is a black-box client
// (like compat-tests) and may use the WebSocket and compression libraries itself.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "github.com/parley-chat/parley/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	const mod = "github.com/parley-chat/parley/"
	forbidden := map[string][]string{
		"rest":      {mod + "gateway", mod + "storage"},
		"gateway":   {mod + "rest", mod + "storage"},
		"guilds":    {mod + "rest", mod + "gateway", mod + "storage/"},
		"storage":   {mod + "guilds", mod + "rest", mod + "gateway", mod + "opcodes"},
		"opcodes":   {mod + "guilds", mod + "rest", mod + "gateway", mod + "storage"},
		"snowflake": {mod},
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
		"github.com/redis/go-redis":     "gateway", // the broker; rest's RedisLimiter is also allowed (below)
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
			for lib, owner := range owners {
				if lib == "github.com/redis/go-redis" && pkg == "rest" {
					continue // rest.RedisLimiter
				}
				if strings.HasPrefix(imp, lib) && pkg != owner && !strings.HasPrefix(pkg, owner+"/") {
					t.Errorf("%s imports %s, which belongs to %s only", pkg, imp, owner)
				}
			}
		}
	}
}
