package node

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDamagedLogRefusedThenWipedNodeRejoins plays the operator's story
// with real processes on --data-dir: one node's segment gets a flipped
// byte in the middle while it is down; restarted, it refuses to start
// (init answered with abort, naming the file and byte) but keeps running
// without voting; the other two carry on; the operator wipes its data
// dir and restarts it, and it catches up with every acknowledged send.
func TestDamagedLogRefusedThenWipedNodeRejoins(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin := filepath.Join(t.TempDir(), "zabkafka")
	build := exec.Command("go", "build", "-o", bin, "./cmd/zabkafka")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := newProcRouter(t, bin, []string{"n1", "n2", "n3"}, t.TempDir())
	for _, n := range r.names {
		r.start(n)
	}
	keys := []string{"a", "b", "c"}
	acks := r.sendSome(keys, 0, 35)
	r.waitAcked(acks, keys)

	r.kill("n2")
	seg := largestSegment(t, filepath.Join(r.dataDir, "n2"))
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 200 {
		t.Fatalf("n2's largest segment has %d bytes; the test needs records to damage", len(b))
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}

	m := r.launch("n2")
	text, _ := m.Body["text"].(string)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 14 || !strings.Contains(text, seg) || !strings.Contains(text, "at byte") {
		t.Fatalf("init of n2 on a damaged log: %s", m.Line)
	}
	t.Logf("n2 refused to start: %s", text)

	// n1 and n3 are a quorum without it; n2 stays up and keeps quiet.
	acks = append(acks, r.sendSomeVia([]string{"n1", "n3"}, keys, 100, 10)...)
	offsets := map[string]any{}
	for _, k := range keys {
		offsets[k] = 0
	}
	for _, n := range []string{"n1", "n3"} {
		deadline := time.Now().Add(60 * time.Second)
		for {
			missing, err := r.missing(n, offsets, acks)
			if err != nil {
				t.Fatal(err)
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is missing %d acknowledged sends", n, missing)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	r.mu.Lock()
	p := r.procs["n2"]
	r.mu.Unlock()
	select {
	case <-p.done: // its stdout closed: the process is gone
		t.Fatal("n2 exited after refusing to start")
	default:
	}
	logged, _ := os.ReadFile(filepath.Join(r.logDir, "n2.log"))
	i := strings.Index(string(logged), "log damaged")
	if i < 0 || !strings.Contains(string(logged), "file="+seg) {
		t.Fatalf("n2's log does not name the damage:\n%s", tail(string(logged), 2000))
	}
	t.Logf("n2 logged: %s", strings.SplitN(string(logged[i:]), "\n", 2)[0])

	// The remedy: stop it, wipe its data dir, start it again.
	r.kill("n2")
	if err := os.RemoveAll(filepath.Join(r.dataDir, "n2")); err != nil {
		t.Fatal(err)
	}
	r.start("n2")
	r.waitAcked(acks, keys)
}

// largestSegment is the biggest segment file in dir.
func largestSegment(t *testing.T, dir string) string {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment in %s: %v", dir, err)
	}
	best, size := "", int64(-1)
	for _, s := range segs {
		if fi, err := os.Stat(s); err == nil && fi.Size() > size {
			best, size = s, fi.Size()
		}
	}
	return best
}
