package net

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNodeBin is the testdata/testnode binary, built once by TestMain.
var testNodeBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "net-testnode-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	testNodeBin = filepath.Join(dir, "testnode")
	cmd := exec.Command("go", "build", "-o", testNodeBin, "./testdata/testnode")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building testnode: %v\n%s", err, out)
		return 2
	}
	return m.Run()
}

// logSink collects Logf output for assertions and echoes it to the test log.
type logSink struct {
	t  *testing.T
	mu sync.Mutex
	b  strings.Builder
}

func (l *logSink) logf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.b.WriteString(s)
	l.b.WriteByte('\n')
	l.mu.Unlock()
	l.t.Log(s)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testConfig is a one-node cluster of testnode in the given mode.
func testConfig(t *testing.T, sink *logSink, mode string, nodes ...string) Config {
	if len(nodes) == 0 {
		nodes = []string{"n0"}
	}
	return Config{
		NodeIDs:     nodes,
		Bin:         testNodeBin,
		Args:        []string{mode},
		Seed:        1,
		LogDir:      t.TempDir(),
		Logf:        sink.logf,
		InitTimeout: 3 * time.Second,
	}
}

// startCluster starts cfg and stops it when the test ends.
func startCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// eventually polls cond until it holds, failing after a generous bound.
// Used only where the workbench reacts asynchronously to a child process.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rpc calls dest with a short timeout.
func rpc(t *testing.T, cl *Client, dest string, timeout time.Duration, body map[string]any) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return cl.RPC(ctx, dest, body)
}
