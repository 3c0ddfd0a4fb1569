package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every Linux/amd64).
const clkTck = 100

// child is the server under test, a process of its own so its /proc numbers are its alone.
type child struct {
	bin, dataDir, logPath string
	extra                 []string
	cmd                   *exec.Cmd
	done                  chan struct{}
	restURL, gwURL        string
}

// prepareServer builds the server binary (unless given) and makes a temp dir for its data.
func prepareServer(ctx context.Context, c *common) (*child, func(), error) {
	tmp, err := os.MkdirTemp("", "parley-load-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if c.keepData {
			fmt.Fprintf(os.Stderr, "parley-load: kept %s\n", tmp)
			return
		}
		os.RemoveAll(tmp)
	}
	bin := c.serverBin
	if bin == "" {
		bin = filepath.Join(tmp, "parley")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/parley")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("build server (run from the repo root or pass --server-bin): %w", err)
		}
	}
	return &child{bin: bin, dataDir: filepath.Join(tmp, "data"), logPath: filepath.Join(tmp, "server.log")}, cleanup, nil
}

// start runs the server on 127.0.0.1:0 ports and waits for its ready file.
func (s *child) start(ctx context.Context) error {
	ready := filepath.Join(filepath.Dir(s.dataDir), "ready.json")
	os.Remove(ready)
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := append([]string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
		"--data-dir", s.dataDir, "--log-level", "warn", "--ready-file", ready,
		// Every load connection comes from 127.0.0.1: the per-address caps would refuse them.
		"--max-conns", "0", "--max-conns-per-ip", "0"}, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the harness
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil {
			var info struct {
				RESTURL string `json:"rest_url"`
				GWURL   string `json:"gateway_url"`
			}
			if json.Unmarshal(b, &info) == nil && info.RESTURL != "" {
				s.restURL, s.gwURL = info.RESTURL, info.GWURL
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited during startup; log %s:\n%s", s.logPath, s.logTail())
		case <-ctx.Done():
			s.stop()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("server not ready after 60 s")
		}
	}
}

// stop asks the server to shut down (SIGTERM), then kills it after 10 s.
func (s *child) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *child) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *child) pid() int { return s.cmd.Process.Pid }

func (s *child) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// procStats is one sample of the child's /proc numbers.
type procStats struct {
	At        time.Time
	CPU       time.Duration // utime + stime
	RSSKB     int64         // VmRSS
	Threads   int
	FDs       int
	SlabKB    int64 // system-wide /proc/meminfo Slab (kernel socket memory lives here)
	SUnreclKB int64
}

func sample(pid int) (procStats, error) {
	st := procStats{At: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return st, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)  // field 14
	stt, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	st.CPU = time.Duration(ut+stt) * time.Second / clkTck
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			st.RSSKB = kb(v)
		case "Threads":
			st.Threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		st.FDs = len(ents)
	}
	if mi, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(mi), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch k {
			case "Slab":
				st.SlabKB = kb(v)
			case "SUnreclaim":
				st.SUnreclKB = kb(v)
			}
		}
	}
	return st, nil
}

func kb(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n
}

func selfCPU() time.Duration {
	s, err := sample(os.Getpid())
	if err != nil {
		return 0
	}
	return s.CPU
}

// boxCPU reads /proc/stat's aggregate line: busy and total ticks over all CPUs (steal counts
// as busy: the VM did not get the core).
func boxCPU() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 8 || i == 9 { // guest, guest_nice are already in user/nice
			continue
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

func boxBusyPct(b0, t0, b1, t1 int64) float64 {
	if t1 <= t0 {
		return 0
	}
	return float64(b1-b0) / float64(t1-t0) * 100
}
