package net

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// whoami asks a testnode for its pid and working directory.
func whoami(t *testing.T, cl *Client, node string) (int, string) {
	t.Helper()
	r, err := rpc(t, cl, node, 5*time.Second, map[string]any{"type": "whoami"})
	if err != nil {
		t.Fatalf("whoami %s: %v", node, err)
	}
	var b struct {
		Pid int    `json:"pid"`
		Cwd string `json:"cwd"`
	}
	if err := json.Unmarshal(r, &b); err != nil {
		t.Fatal(err)
	}
	return b.Pid, b.Cwd
}

// TestKillAndRestart: a killed node's outstanding RPC ends at once as
// killed, new RPCs are refused unsent, the other node keeps working; the
// restart runs the same binary in the same directory, answers init, and
// appends to the same log after marker lines.
func TestKillAndRestart(t *testing.T) {
	sink := &logSink{t: t}
	cfg := testConfig(t, sink, "normal", "n0", "n1")
	cfg.WorkDir = t.TempDir()
	c := startCluster(t, cfg)
	cl := c.OpenClient()
	pid1, cwd1 := whoami(t, cl, "n0")
	if want := filepath.Join(cfg.WorkDir, "n0"); cwd1 != want || c.Dir("n0") != want {
		t.Fatalf("n0 runs in %s (Dir %s), want %s", cwd1, c.Dir("n0"), want)
	}
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "stderr", "text": "before the kill"}); err != nil {
		t.Fatal(err)
	}

	waiting := c.OpenClient()
	done := make(chan error, 1)
	go func() {
		// raw with no lines: the node never answers.
		_, err := rpc(t, waiting, "n0", time.Minute, map[string]any{"type": "raw", "lines": []string{}})
		done <- err
	}()
	eventually(t, "the request to be outstanding", func() bool {
		select {
		case err := <-done:
			t.Fatalf("the request ended before the kill: %v", err)
		default:
		}
		return busy(waiting)
	})
	var ne interface {
		Definite() bool
		Name() string
	}
	if got := c.Kill([]string{"n0", "nx"}); len(got) != 1 || got[0] != "n0" {
		t.Fatalf("Kill returned %v", got)
	}
	if err := <-done; !errors.Is(err, ErrNodeKilled) || !errors.As(err, &ne) || ne.Definite() || ne.Name() != "node-killed" {
		t.Fatalf("outstanding RPC ended with %v, want an indefinite ErrNodeKilled", err)
	}
	if err := syscall.Kill(pid1, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d survived Kill (%v)", pid1, err)
	}
	_, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo"})
	if !errors.Is(err, ErrNodeDown) || !errors.As(err, &ne) || !ne.Definite() || ne.Name() != "node-down" {
		t.Fatalf("RPC to a killed node: %v, want a definite ErrNodeDown", err)
	}
	if _, err := rpc(t, cl, "n1", 5*time.Second, map[string]any{"type": "echo"}); err != nil {
		t.Fatalf("n1 must keep working: %v", err)
	}
	if got := c.Kill([]string{"n0"}); len(got) != 0 {
		t.Fatalf("killing a dead node again acted on %v", got)
	}

	started, err := c.Restart(context.Background(), []string{"n0", "n1"})
	if err != nil || len(started) != 1 || started[0] != "n0" {
		t.Fatalf("Restart: %v %v, want [n0] (n1 was running)", started, err)
	}
	pid2, cwd2 := whoami(t, cl, "n0")
	if pid2 == pid1 || cwd2 != cwd1 {
		t.Fatalf("after restart pid %d cwd %s; before pid %d cwd %s", pid2, cwd2, pid1, cwd1)
	}
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "stderr", "text": "after the restart"}); err != nil {
		t.Fatal(err)
	}
	if len(c.Faults()) != 0 || len(c.Crashed()) != 0 {
		t.Fatalf("faults %v crashed %v: a kill is not a crash", c.Faults(), c.Crashed())
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.LogPath("n0"))
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	order := []string{"before the kill", markerPrefix + "killed", markerPrefix + "restarting: process 2 of n0", markerPrefix + "restarted", "after the restart"}
	at := 0
	for _, want := range order {
		i := strings.Index(log[at:], want)
		if i < 0 {
			t.Fatalf("log lacks %q after offset %d:\n%s", want, at, log)
		}
		at += i + len(want)
	}
}

// TestRestartDiscardsMessagesQueuedWhileDown: a message another node sends
// to a killed node is accepted (no fault for the sender) and never
// delivered.
func TestRestartDiscardsMessagesQueuedWhileDown(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal", "n0", "n1"))
	cl := c.OpenClient()
	c.Kill([]string{"n0"})
	before := c.Counts().Servers
	rpc(t, cl, "n1", 100*time.Millisecond, map[string]any{"type": "send", "dest": "n0", "body": map[string]any{"type": "hello"}})
	eventually(t, "n1's message to be sent", func() bool { return c.Counts().Servers.SendCount == before.SendCount+1 })
	if _, err := c.Restart(context.Background(), []string{"n0"}); err != nil {
		t.Fatal(err)
	}
	whoami(t, cl, "n0")
	if got := c.Counts().Servers; got.RecvCount != before.RecvCount || len(c.Faults()) != 0 {
		t.Fatalf("servers %+v (before %+v), faults %v: the message must be dropped quietly", got, before, c.Faults())
	}
}

// TestPauseResumeExcusesStaleReplies: a paused node's clients time out;
// after SIGCONT it answers them although they left, which is excused (no
// fault, the node is not silenced) and counted.
func TestPauseResumeExcusesStaleReplies(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal", "n0", "n1"))
	cl := c.OpenClient()
	pid, _ := whoami(t, cl, "n0")
	if got := c.Pause([]string{"n0"}); len(got) != 1 {
		t.Fatalf("Pause returned %v", got)
	}
	if got := c.Pause([]string{"n0"}); len(got) != 0 {
		t.Fatalf("pausing a paused node acted on %v", got)
	}
	gone := c.OpenClient()
	if _, err := rpc(t, gone, "n0", 200*time.Millisecond, map[string]any{"type": "echo"}); !IsTimeout(err) {
		t.Fatalf("a paused node answered: %v", err)
	}
	gone.Close()
	if got := c.Resume([]string{"n0", "n1"}); len(got) != 1 || got[0] != "n0" {
		t.Fatalf("Resume returned %v", got)
	}
	eventually(t, "the stale reply", func() bool { return c.StaleReplies()["n0"] == 1 })
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo"}); err != nil {
		t.Fatalf("the node must not be silenced: %v", err)
	}
	if len(c.Faults()) != 0 {
		t.Fatalf("faults %v", c.Faults())
	}

	// A late reply to a client whose whole life fell after the resume is
	// still a fault.
	late := c.OpenClient()
	late.Close()
	rpc(t, cl, "n0", 100*time.Millisecond, map[string]any{"type": "send", "dest": late.ID(), "body": map[string]any{"type": "echo_ok", "in_reply_to": 1}})
	eventually(t, "the fault", func() bool { return len(c.Faults()) == 1 })
	if f := c.Faults()[0]; f.Kind != FaultUnknownDestination {
		t.Fatalf("fault %+v", f)
	}

	// Stop kills a paused process too.
	c.Pause([]string{"n1"})
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d survived Stop (%v)", pid, err)
	}
}

// TestKillPausedNodeAndRestart: a paused process can be killed, and the
// restarted node is not paused.
func TestKillPausedNodeAndRestart(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	c.Pause([]string{"n0"})
	if got := c.Kill([]string{"n0"}); len(got) != 1 {
		t.Fatalf("Kill of a paused node returned %v", got)
	}
	if got := c.Resume([]string{"n0"}); len(got) != 0 {
		t.Fatalf("Resume of a killed node acted on %v", got)
	}
	if _, err := c.Restart(context.Background(), []string{"n0"}); err != nil {
		t.Fatal(err)
	}
	whoami(t, cl, "n0")
}

// TestRestartFailureIsReported: a process that refuses to start again
// (init-once finds the file its predecessor left in the same directory)
// is a failed restart: an error, a fault, a crashed node that stays down.
func TestRestartFailureIsReported(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "init-once", "n0", "n1"))
	cl := c.OpenClient()
	c.Kill([]string{"n0"})
	started, err := c.Restart(context.Background(), []string{"n0"})
	if err == nil || len(started) != 0 || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("Restart: %v %v, want a failure quoting the node's stderr", started, err)
	}
	if got := c.Crashed(); len(got) != 1 || got[0] != "n0" {
		t.Fatalf("crashed %v", got)
	}
	kinds := map[string]bool{}
	for _, f := range c.Faults() {
		kinds[f.Kind] = true
	}
	if !kinds[FaultRestartFailed] {
		t.Fatalf("faults %v lack a %s", c.Faults(), FaultRestartFailed)
	}
	if _, err := rpc(t, cl, "n0", time.Second, map[string]any{"type": "echo"}); !errors.Is(err, ErrNodeDown) {
		t.Fatalf("a node whose restart failed must stay down: %v", err)
	}
}

// TestRestartReadsASilencedNodeAgain: the stop-reading rule belongs to a
// process. A node silenced by a malformed line is read again once it has
// been killed and restarted; the fault stays on record.
func TestRestartReadsASilencedNodeAgain(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	rpc(t, cl, "n0", 100*time.Millisecond, map[string]any{"type": "raw", "lines": []string{"not json"}})
	eventually(t, "the fault", func() bool { return len(c.Faults()) == 1 })
	if _, err := rpc(t, cl, "n0", 300*time.Millisecond, map[string]any{"type": "echo"}); !IsTimeout(err) {
		t.Fatalf("a silenced node answered: %v", err)
	}
	c.Kill([]string{"n0"})
	if _, err := c.Restart(context.Background(), []string{"n0"}); err != nil {
		t.Fatalf("the new process must be read (its init_ok too): %v", err)
	}
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo"}); err != nil {
		t.Fatalf("the restarted node is not read: %v", err)
	}
	if f := c.Faults(); len(f) != 1 || f[0].Kind != FaultMalformedLine {
		t.Fatalf("faults %v, want the one malformed line", f)
	}
}
