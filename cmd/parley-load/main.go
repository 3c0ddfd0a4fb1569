// Command parley-load is a black-box load harness for Parley. It starts the server binary as
// a child process (embedded store in a temp dir, ports chosen by the kernel, URLs read from
// --ready-file), drives it over loopback with raw JSON over REST and the gateway, reads the
// child's CPU and memory from /proc, and stops everything by itself.
//
//	parley-load s1  [flags]   idle sessions: RSS/session and idle CPU (S1, S1b)
//	parley-load s3  [flags]   1k-member guild fan-out latency and CPU per delivery (S3, S5)
//	parley-load s9  [flags]   zlib-stream / zstd-stream compression ratio (S9)
//	parley-load s12 [flags]   heartbeat echo round trips (S12)
//
// Scenario and targets: shared/reference/performance.md §4. Every scenario has --timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// common holds the flags every scenario shares.
type common struct {
	serverBin string
	timeout   time.Duration
	json      bool
	keepData  bool
	serverLog bool
}

func (c *common) register(fs *flag.FlagSet, defTimeout time.Duration) {
	fs.StringVar(&c.serverBin, "server-bin", "", "parley server binary (default: `go build ./cmd/parley` into a temp dir; run from the repo root)")
	fs.DurationVar(&c.timeout, "timeout", defTimeout, "hard limit for the whole scenario (setup included)")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON instead of a table")
	fs.BoolVar(&c.keepData, "keep-data", false, "keep the temp data dir and server log")
	fs.BoolVar(&c.serverLog, "server-log", false, "print the server's stderr log path and tail at the end")
}

type scenario struct {
	name, help string
	run        func(ctx context.Context, args []string) (*report, error)
}

var scenarios = []scenario{
	{"s1", "idle sessions: server RSS/session and idle CPU", runS1},
	{"s3", "1k-member guild fan-out: REST send → gateway receive latency, loss, CPU/delivery", runS3},
	{"s9", "compression ratio of a replayed MESSAGE_CREATE-heavy stream, zlib-stream and zstd-stream", runS9},
	{"s12", "heartbeat echo (op 1 → op 11) round trips/s", runS12},
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: parley-load <scenario> [flags]   (parley-load <scenario> -h for its flags)")
	for _, s := range scenarios {
		fmt.Fprintf(os.Stderr, "  %-4s %s\n", s.name, s.help)
	}
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	name := os.Args[1]
	var sc *scenario
	for i := range scenarios {
		if scenarios[i].name == name {
			sc = &scenarios[i]
		}
	}
	if sc == nil {
		usage()
		os.Exit(2)
	}
	if err := raiseFDLimit(); err != nil {
		fmt.Fprintf(os.Stderr, "parley-load: raise fd limit: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := sc.run(ctx, os.Args[2:])
	if errors.Is(err, errHelp) {
		os.Exit(0)
	}
	if rep != nil {
		rep.print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "parley-load %s: %v\n", name, err)
		os.Exit(1)
	}
}

var errHelp = errors.New("help")

// raiseFDLimit lifts the soft open-files limit to the hard one (the child server inherits it).
func raiseFDLimit() error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return nil
}

func fdLimit() uint64 {
	var l syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return nil
}
