package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/rest"
)

func TestParseServe(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c config)
	}{
		{"defaults", nil, nil, func(t *testing.T, c config) {
			if c.RateLimits.Off || c.RateLimits.Global != 50 || c.RateLimits.Default != (rest.Rate{Limit: 50, Window: time.Second}) {
				t.Errorf("RateLimits = %+v", c.RateLimits)
			}
			if c.IdentifyLimitsMode != "discord" || c.MaxConcurrency != 1 || c.IdentifyInterval != 5*time.Second ||
				c.SessionStartLimit != 1000 || c.ReplayBuffer != 1024 || c.WriteQueue != 512 || c.MetricsAddr != "" || c.LogFormat != "text" {
				t.Errorf("config = %+v", c)
			}
		}},
		{"switches off", []string{"--rate-limits", "off", "--identify-limits", "off"}, nil, func(t *testing.T, c config) {
			if !c.RateLimits.Off || c.IdentifyLimitsMode != "off" {
				t.Errorf("RateLimits.Off = %v, identify = %q", c.RateLimits.Off, c.IdentifyLimitsMode)
			}
		}},
		{"switches by env", nil, map[string]string{"PARLEY_RATE_LIMITS": "off", "PARLEY_IDENTIFY_LIMITS": "off"}, func(t *testing.T, c config) {
			if !c.RateLimits.Off || c.IdentifyLimitsMode != "off" {
				t.Errorf("RateLimits.Off = %v, identify = %q", c.RateLimits.Off, c.IdentifyLimitsMode)
			}
		}},
		{"flag beats env", []string{"--rate-limits", "discord"}, map[string]string{"PARLEY_RATE_LIMITS": "off"}, func(t *testing.T, c config) {
			if c.RateLimits.Off {
				t.Error("the environment won over the flag")
			}
		}},
		{"rates", []string{"--rate-limit-global", "off", "--rate-limit-default", "10/2s",
			"--rate-limit-route", "POST /channels/{channel_id}/messages=100/1s", "--rate-limit-route", "PATCH /channels/{channel_id}=off"}, nil,
			func(t *testing.T, c config) {
				rl := c.RateLimits
				if rl.Global != -1 || rl.Default != (rest.Rate{Limit: 10, Window: 2 * time.Second}) ||
					rl.Routes["POST /channels/{channel_id}/messages"] != (rest.Rate{Limit: 100, Window: time.Second}) ||
					rl.Routes["PATCH /channels/{channel_id}"] != rest.Unlimited {
					t.Errorf("RateLimits = %+v", rl)
				}
			}},
		{"routes by env", nil, map[string]string{"PARLEY_RATE_LIMIT_ROUTE": "POST /auth/login=off, POST /auth/register=1/1m"}, func(t *testing.T, c config) {
			if len(c.RateLimits.Routes) != 2 || c.RateLimits.Routes["POST /auth/register"] != (rest.Rate{Limit: 1, Window: time.Minute}) {
				t.Errorf("Routes = %+v", c.RateLimits.Routes)
			}
		}},
		{"gateway limits", []string{"--identify-interval", "1s", "--max-concurrency", "16", "--session-start-limit", "5",
			"--session-start-window", "1h", "--replay-buffer", "64", "--write-queue", "32", "--resume-window", "10s"}, nil,
			func(t *testing.T, c config) {
				if c.IdentifyInterval != time.Second || c.MaxConcurrency != 16 || c.SessionStartLimit != 5 ||
					c.SessionStartWindow != time.Hour || c.ReplayBuffer != 64 || c.WriteQueue != 32 || c.ResumeWindow != 10*time.Second {
					t.Errorf("config = %+v", c)
				}
			}},
		{"ops", []string{"--metrics-addr", "127.0.0.1:0", "--pprof", "--log-format", "json"}, nil, func(t *testing.T, c config) {
			if c.MetricsAddr != "127.0.0.1:0" || !c.PProf || c.LogFormat != "json" {
				t.Errorf("config = %+v", c)
			}
		}},
		{"pprof by env", []string{"--metrics-addr", "127.0.0.1:0"}, map[string]string{"PARLEY_PPROF": "true"}, func(t *testing.T, c config) {
			if !c.PProf {
				t.Error("PARLEY_PPROF=true ignored")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := parseServe(tt.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

// TestParseServeErrors: every bad value, by flag or by environment, is refused at start-up
// with an error naming it, and run exits 2.
func TestParseServeErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"rate-limits", []string{"--rate-limits", "none"}, nil, `--rate-limits "none": want discord or off`},
		{"rate-limits env", nil, map[string]string{"PARLEY_RATE_LIMITS": "nope"}, `--rate-limits "nope"`},
		{"identify-limits", []string{"--identify-limits", "0"}, nil, `--identify-limits "0": want discord or off`},
		{"global", []string{"--rate-limit-global", "-5"}, nil, `--rate-limit-global "-5"`},
		{"global words", []string{"--rate-limit-global", "lots"}, nil, `--rate-limit-global "lots"`},
		{"default rate", []string{"--rate-limit-default", "50"}, nil, `--rate-limit-default: "50": want N/DURATION`},
		{"default zero", []string{"--rate-limit-default", "0/1s"}, nil, `want N/DURATION with both positive`},
		{"route syntax", []string{"--rate-limit-route", "/channels=5/1s"}, nil, `want "METHOD /template=N/DURATION"`},
		{"route rate", []string{"--rate-limit-route", "GET /gateway=5"}, nil, `"5": want N/DURATION`},
		{"route env", nil, map[string]string{"PARLEY_RATE_LIMIT_ROUTE": "GET /gateway=off,bogus"}, "PARLEY_RATE_LIMIT_ROUTE="},
		{"interval", []string{"--identify-interval", "0s"}, nil, "--identify-interval must be positive"},
		{"max-concurrency", []string{"--max-concurrency", "0"}, nil, "--max-concurrency must be positive"},
		{"session-start-limit", []string{"--session-start-limit", "-1"}, nil, "--session-start-limit must be positive"},
		{"replay", []string{"--replay-buffer", "0"}, nil, "--replay-buffer must be positive"},
		{"write-queue", []string{"--write-queue", "0"}, nil, "--write-queue must be positive"},
		{"resume-window", []string{"--resume-window", "-1s"}, nil, "--resume-window must be positive"},
		{"int env", nil, map[string]string{"PARLEY_WRITE_QUEUE": "big"}, `PARLEY_WRITE_QUEUE="big"`},
		{"duration env", nil, map[string]string{"PARLEY_RESUME_WINDOW": "3"}, `PARLEY_RESUME_WINDOW="3"`},
		{"bool env", nil, map[string]string{"PARLEY_PPROF": "yes please"}, `PARLEY_PPROF="yes please"`},
		{"log-format", []string{"--log-format", "xml"}, nil, `--log-format "xml": want text or json`},
		{"pprof alone", []string{"--pprof"}, nil, "--pprof needs --metrics-addr"},
		{"metrics-addr", []string{"--metrics-addr", "9090"}, nil, `--metrics-addr "9090"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := parseServe(tt.args, io.Discard)
			if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseServe(%v) = %v, want a usage error containing %q", tt.args, err, tt.want)
			}
			var stderr strings.Builder
			if code := run(t.Context(), append([]string{"serve"}, tt.args...), io.Discard, &stderr); code != 2 {
				t.Fatalf("run exit %d, want 2; stderr %s", code, stderr.String())
			}
		})
	}
}

// TestUnknownRouteLimit: a per-route limit for a route Parley does not serve stops start-up
// with exit 2 instead of being ignored.
func TestUnknownRouteLimit(t *testing.T) {
	var stderr strings.Builder
	args := []string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--rate-limit-route", "POST /channels/{channel_id}/mesages=5/5s"}
	if code := run(t.Context(), args, io.Discard, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"POST /channels/{channel_id}/mesages"`) {
		t.Fatalf("stderr does not name the route:\n%s", stderr.String())
	}
}

// TestFlagsDocumented: docs/operations.md and README.md mention every `parley serve` flag
// (as --name), and operations.md its environment variable too, so the docs cannot drift.
func TestFlagsDocumented(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	docs := map[string]string{}
	for _, f := range []string{"docs/operations.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(b)
	}
	var c config
	serveFlags(&c, io.Discard).VisitAll(func(f *flag.Flag) {
		re := regexp.MustCompile(`--` + regexp.QuoteMeta(f.Name) + `\b[^-]`)
		for name, text := range docs {
			if !re.MatchString(text) {
				t.Errorf("%s does not mention --%s", name, f.Name)
			}
		}
		if !strings.Contains(docs["docs/operations.md"], envName(f.Name)) {
			t.Errorf("docs/operations.md does not mention %s", envName(f.Name))
		}
	})
}
