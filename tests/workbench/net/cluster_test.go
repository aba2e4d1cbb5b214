package net

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStartInitsEveryNodeAndNumbersClients(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal", "n0", "n1", "n2"))
	// c0..c2 were the init clients, c3..c5 the setup clients.
	for _, want := range []string{"c6", "c7"} {
		if got := c.OpenClient().ID(); got != want {
			t.Fatalf("client id %s, want %s", got, want)
		}
	}
	cl := c.OpenClient()
	for i, node := range c.Nodes() {
		r, err := rpc(t, cl, node, 5*time.Second, map[string]any{"type": "echo", "payload": i})
		if err != nil {
			t.Fatalf("echo %s: %v", node, err)
		}
		var body struct {
			Payload   int   `json:"payload"`
			InReplyTo int64 `json:"in_reply_to"`
		}
		json.Unmarshal(r, &body)
		// msg_ids count 1, 2, 3 per client.
		if body.Payload != i || body.InReplyTo != int64(i+1) {
			t.Fatalf("reply %s", r)
		}
	}
	got := c.Counts()
	// 3 inits + 3 init_oks + 3 echoes + 3 replies; no server traffic.
	if got.Clients.SendCount != 12 || got.Clients.RecvCount != 12 || got.Servers.SendCount != 0 {
		t.Fatalf("counts %+v", got)
	}
	if len(c.Faults()) != 0 {
		t.Fatalf("faults %+v", c.Faults())
	}
}

func TestNodeToNodeTrafficCountsAsServers(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal", "n0", "n1"))
	cl := c.OpenClient()
	// n0 sends an echo request to n1 as if from n0; n1 answers n0, which
	// ignores the echo_ok. Then n1 gets a stderr request to learn it is done.
	body := map[string]any{"type": "send", "dest": "n1", "body": map[string]any{"type": "echo", "msg_id": 1}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	cl.RPC(ctx, "n0", body) // no reply to a send command
	eventually(t, "n0 -> n1 -> n0 traffic", func() bool { return c.Counts().Servers.RecvCount == 2 })
	if got := c.Counts().Servers; got.SendCount != 2 || got.MsgCount != 2 {
		t.Fatalf("servers %+v", got)
	}
}

func TestRPCDiscardsUnmatchedReplies(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	id := cl.ID()
	// Ask n0 to print two replies to us: one for another msg_id, one for
	// this request (msg_id 1), then a third, late one for msg_id 1 again.
	lines := []string{
		`{"src":"n0","dest":"` + id + `","body":{"type":"echo_ok","in_reply_to":99}}`,
		`{"src":"n0","dest":"` + id + `","body":{"type":"echo_ok","in_reply_to":1.0}}`,
		`{"src":"lin-kv","dest":"` + id + `","body":{"type":"raw_ok","in_reply_to":1}}`,
		`{"src":"n0","dest":"` + id + `","body":{"type":"stale","in_reply_to":1}}`,
	}
	r, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "raw", "lines": lines})
	if err != nil {
		t.Fatal(err)
	}
	// The reply's src is not checked: lin-kv's forged line is the match.
	if !strings.Contains(string(r), "raw_ok") {
		t.Fatalf("got %s", r)
	}
	// The stale reply to msg_id 1 is discarded by the next RPC (msg_id 2).
	r, err = rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo", "payload": "x"})
	if err != nil || !strings.Contains(string(r), `"payload":"x"`) {
		t.Fatalf("second rpc: %s %v", r, err)
	}
}

func TestClientAPIErrors(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	if _, err := rpc(t, cl, "n9", time.Second, map[string]any{"type": "echo"}); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("unknown dest: %v", err)
	}
	// Busy: a second RPC while one is outstanding.
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		close(started)
		_, err := rpc(t, cl, "n0", 300*time.Millisecond, map[string]any{"type": "nothing"})
		done <- err
	}()
	<-started
	eventually(t, "first rpc to be outstanding", func() bool { return busy(cl) })
	if _, err := rpc(t, cl, "n0", time.Second, map[string]any{"type": "echo"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("concurrent rpc: %v", err)
	}
	if err := <-done; !IsTimeout(err) {
		t.Fatalf("unanswered rpc: %v", err)
	}
	// Cancellation is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cl.RPC(ctx, "n0", map[string]any{"type": "nothing"}); IsTimeout(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rpc: %v", err)
	}
	// Close during an RPC, and after.
	go func() {
		eventually(t, "rpc outstanding", func() bool { return busy(cl) })
		cl.Close()
	}()
	if _, err := rpc(t, cl, "n0", 10*time.Second, map[string]any{"type": "nothing"}); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("rpc on closing client: %v", err)
	}
	if _, err := rpc(t, cl, "n0", time.Second, map[string]any{"type": "echo"}); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("rpc on closed client: %v", err)
	}
	// After Stop every RPC fails at once.
	other := c.OpenClient()
	c.Stop()
	if _, err := rpc(t, other, "n0", 10*time.Second, map[string]any{"type": "echo"}); !errors.Is(err, ErrStopped) {
		t.Fatalf("rpc after stop: %v", err)
	}
}

// TestHarshRuleMalformedLine: after a malformed stdout line nothing the
// node prints is delivered, not even the valid reply on the next line; the
// fault is recorded and logged loudly. The node keeps running.
func TestHarshRuleMalformedLine(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo"}); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		"this is a log line on stdout",
		`{"src":"n0","dest":"` + cl.ID() + `","body":{"type":"raw_ok","in_reply_to":2}}`,
	}
	if _, err := rpc(t, cl, "n0", 500*time.Millisecond, map[string]any{"type": "raw", "lines": lines}); !IsTimeout(err) {
		t.Fatalf("the reply after the bad line must not be delivered: %v", err)
	}
	eventually(t, "the fault", func() bool { return len(c.Faults()) == 1 })
	f := c.Faults()[0]
	if f.Node != "n0" || f.Kind != FaultMalformedLine || f.Line != lines[0] || !strings.Contains(f.Detail, "not valid JSON") || f.Time <= 0 {
		t.Fatalf("fault %+v", f)
	}
	if _, err := rpc(t, cl, "n0", 300*time.Millisecond, map[string]any{"type": "echo"}); !IsTimeout(err) {
		t.Fatalf("later replies must not be delivered either: %v", err)
	}
	if !strings.Contains(sink.String(), "WARNING: node n0: malformed-line") || !strings.Contains(sink.String(), "stops reading") {
		t.Fatalf("not logged loudly: %s", sink.String())
	}
	if len(c.Crashed()) != 0 {
		t.Fatal("the node must keep running")
	}
}

func TestHarshRuleFaultLineIsTruncated(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	long := `{"src":"n0","dest":"n0","extra":"` + strings.Repeat("y", 5000) + `"}`
	rpc(t, cl, "n0", 200*time.Millisecond, map[string]any{"type": "raw", "lines": []string{long}})
	eventually(t, "the fault", func() bool { return len(c.Faults()) == 1 })
	f := c.Faults()[0]
	if len(f.Line) > maxFaultLine+50 || !strings.HasPrefix(long, f.Line[:maxFaultLine]) || !strings.Contains(f.Detail, `"extra"`) {
		t.Fatalf("fault line %d bytes, detail %q", len(f.Line), f.Detail)
	}
}

// TestHarshRuleClosedClient: a message to a client that was closed (the
// typical late reply after a timeout) silences the node the same way.
func TestHarshRuleClosedClient(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	gone := c.OpenClient()
	gone.Close()
	cl := c.OpenClient()
	late := map[string]any{"type": "send", "dest": gone.ID(), "body": map[string]any{"type": "echo_ok", "in_reply_to": 1}}
	rpc(t, cl, "n0", 100*time.Millisecond, late) // no reply to a send command
	eventually(t, "the fault", func() bool { return len(c.Faults()) == 1 })
	f := c.Faults()[0]
	if f.Kind != FaultUnknownDestination || !strings.Contains(f.Detail, gone.ID()) {
		t.Fatalf("fault %+v", f)
	}
	if _, err := rpc(t, cl, "n0", 300*time.Millisecond, map[string]any{"type": "echo"}); !IsTimeout(err) {
		t.Fatalf("node must be silenced: %v", err)
	}
	if got := c.Counts(); got.All.SendCount != got.All.MsgCount {
		t.Fatalf("counts %+v", got)
	}
}

// TestLenientKeepsReading: with Lenient the bad line is recorded but the
// next line is still delivered.
func TestLenientKeepsReading(t *testing.T) {
	sink := &logSink{t: t}
	cfg := testConfig(t, sink, "normal")
	cfg.Lenient = true
	c := startCluster(t, cfg)
	cl := c.OpenClient()
	lines := []string{
		"",
		`{"src":"n0","dest":"c999","body":{}}`,
		`{"src":"n0","dest":"` + cl.ID() + `","body":{"type":"raw_ok","in_reply_to":1}}`,
	}
	if r, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "raw", "lines": lines}); err != nil {
		t.Fatalf("lenient must deliver the valid line: %s %v", r, err)
	}
	fs := c.Faults()
	if len(fs) != 2 || fs[0].Kind != FaultMalformedLine || !strings.Contains(fs[0].Detail, "blank") || fs[1].Kind != FaultUnknownDestination {
		t.Fatalf("faults %+v", fs)
	}
}

func TestInitFailures(t *testing.T) {
	cases := []struct {
		mode string
		want []string
	}{
		{"silent", []string{"node n0 did not answer init within 1s", "node n1 did not answer init"}},
		{"exit", []string{"node n0 exited (exit status 3) before answering init", "refusing to start", "node n1 exited"}},
		{"init-error", []string{"node n0 answered init with", `"code":13`}},
		{"chatty", []string{"node n0 did not answer init", `malformed-line`, `"starting up"`}},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			sink := &logSink{t: t}
			cfg := testConfig(t, sink, tc.mode, "n0", "n1")
			cfg.InitTimeout = time.Second
			c, err := Start(context.Background(), cfg)
			if err == nil {
				c.Stop()
				t.Fatal("Start succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestStartHonoursContext(t *testing.T) {
	sink := &logSink{t: t}
	cfg := testConfig(t, sink, "silent")
	cfg.InitTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	stop := time.AfterFunc(200*time.Millisecond, cancel) // a trigger, not an assertion
	defer stop.Stop()
	_, err := Start(ctx, cfg)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with cancelled context: %v", err)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	sink := &logSink{t: t}
	base := testConfig(t, sink, "normal")
	bad := map[string]func(*Config){
		"no nodes":       func(c *Config) { c.NodeIDs = nil },
		"client-like id": func(c *Config) { c.NodeIDs = []string{"c1"} },
		"service id":     func(c *Config) { c.NodeIDs = []string{"lin-kv"} },
		"duplicate":      func(c *Config) { c.NodeIDs = []string{"n1", "n1"} },
		"missing binary": func(c *Config) { c.Bin = "/nonexistent/node" },
		"directory":      func(c *Config) { c.Bin = os.TempDir() },
		"uniform mean 0": func(c *Config) { c.Dist = DistUniform },
		"unknown dist":   func(c *Config) { c.Dist = "pareto"; c.Latency = time.Millisecond },
		"exponential 0":  func(c *Config) { c.Dist = DistExponential },
	}
	for name, mutate := range bad {
		cfg := base
		mutate(&cfg)
		if c, err := Start(context.Background(), cfg); err == nil {
			c.Stop()
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCrashIsDetectedAndReported(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal", "n0", "n1"))
	cl := c.OpenClient()
	rpc(t, cl, "n1", 100*time.Millisecond, map[string]any{"type": "crash", "code": 7})
	eventually(t, "the crash", func() bool { return len(c.Crashed()) == 1 })
	if got := c.Crashed(); got[0] != "n1" {
		t.Fatalf("crashed %v", got)
	}
	f := c.Faults()[0]
	if f.Kind != FaultCrash || f.Node != "n1" || !strings.Contains(f.Detail, "exit status 7") || !strings.Contains(f.Detail, "crashing as asked") {
		t.Fatalf("fault %+v", f)
	}
	// Messages to the dead node are accepted and lost; the other node works.
	if _, err := rpc(t, cl, "n1", 200*time.Millisecond, map[string]any{"type": "echo"}); !IsTimeout(err) {
		t.Fatalf("dead node answered: %v", err)
	}
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "echo"}); err != nil {
		t.Fatal(err)
	}
	// The kill at Stop is not a crash.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := c.Crashed(); len(got) != 1 {
		t.Fatalf("Stop's SIGKILL reported as a crash: %v", got)
	}
}

func TestLinesLongerThanOneMiBBothWays(t *testing.T) {
	sink := &logSink{t: t}
	c := startCluster(t, testConfig(t, sink, "normal"))
	cl := c.OpenClient()
	payload := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB
	r, err := rpc(t, cl, "n0", 20*time.Second, map[string]any{"type": "echo", "payload": payload})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(r, &body); err != nil || body.Payload != payload {
		t.Fatalf("payload of %d bytes came back as %d bytes (%v)", len(payload), len(body.Payload), err)
	}
}

func TestStderrGoesToLogFileAndOptionalEcho(t *testing.T) {
	sink := &logSink{t: t}
	cfg := testConfig(t, sink, "normal")
	var echo syncBuffer
	cfg.LogStderr = true
	cfg.Stderr = &echo
	c := startCluster(t, cfg)
	cl := c.OpenClient()
	if _, err := rpc(t, cl, "n0", 5*time.Second, map[string]any{"type": "stderr", "text": "hello from n0"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stderr echo", func() bool { return strings.Contains(echo.String(), "n0 stderr: hello from n0\n") })
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.LogPath("n0"))
	if err != nil || !strings.Contains(string(b), "hello from n0\n") {
		t.Fatalf("log file: %q %v", b, err)
	}
}

// busy reports whether cl has an RPC outstanding.
func busy(cl *Client) bool {
	if cl.mu.TryLock() {
		cl.mu.Unlock()
		return false
	}
	return true
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStopKillsEveryProcessEvenWhenBlocked: a node silenced by the harsh
// rule that keeps writing fills its stdout pipe and blocks; Stop must
// still kill it, be idempotent, and leave no process behind.
func TestStopKillsEveryProcessEvenWhenBlocked(t *testing.T) {
	sink := &logSink{t: t}
	c, err := Start(context.Background(), testConfig(t, sink, "normal", "n0", "n1"))
	if err != nil {
		t.Fatal(err)
	}
	cl := c.OpenClient()
	big := strings.Repeat("z", 1<<20)
	lines := []string{"bad line"}
	for i := 0; i < 4; i++ {
		lines = append(lines, big) // 4 MiB more than any pipe buffer holds
	}
	rpc(t, cl, "n0", 200*time.Millisecond, map[string]any{"type": "raw", "lines": lines})
	var pids []int
	for _, n := range c.nodes {
		pids = append(pids, n.proc.cmd.Process.Pid)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Stop() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Stop (%v)", pid, err)
		}
	}
	if got := c.Crashed(); len(got) != 0 {
		t.Fatalf("Stop reported crashes: %v", got)
	}
}
