package node

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zabkafka/log"
)

// TestDamagedLogStopsTheNode: a node whose log refuses to open answers
// init with abort (14), logs the file, offset and problem, and then never
// votes or serves: every later request gets an error, peer messages are
// dropped, ticks do nothing, and the damaged files are left as they were
// for the operator.
func TestDamagedLogStopsTheNode(t *testing.T) {
	cfg := testConfig()
	cfg.DataDir = t.TempDir()
	dir := filepath.Join(cfg.DataDir, "n1")
	st, err := log.OpenFileStore(dir, log.FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for z := uint64(1); z <= 20; z++ {
		if err := st.Append(log.Entry{Zxid: z, Data: []byte("acknowledged")}); err != nil {
			t.Fatal(err)
		}
		if err := st.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Fatalf("segments %v", segs)
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(segs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	out := &bytes.Buffer{}
	s, err := NewServer(cfg, out, newTextLogger(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := &single{t: t, s: s, out: out, now: t0, cfg: cfg}
	initLine := line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}})

	got := h.input(initLine)
	if len(got) != 1 || got[0].typ() != "error" {
		t.Fatalf("init on a damaged log: %v", got)
	}
	text, _ := got[0].Body["text"].(string)
	if c, _ := got[0].intField("code"); c != 14 || !strings.Contains(text, segs[0]) || !strings.Contains(text, "at byte") {
		t.Fatalf("init reply: %s", got[0].Line)
	}
	for _, want := range []string{"log damaged", "file=" + segs[0], "offset=", "problem="} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if s.peer != nil {
		t.Fatal("the peer started on a damaged log")
	}
	t.Logf("init reply: %s\nlog: %s", got[0].Line, logs.String())

	// Every later input is answered with an error or dropped.
	for _, tc := range []struct {
		body map[string]any
		code int64
	}{
		{map[string]any{"type": "send", "msg_id": 2, "key": "a", "msg": 1}, 11},
		{map[string]any{"type": "poll", "msg_id": 3, "offsets": map[string]any{"a": 0}}, 11},
		{map[string]any{"type": "commit_offsets", "msg_id": 4, "offsets": map[string]any{"a": 0}}, 13},
		{map[string]any{"type": "list_committed_offsets", "msg_id": 5, "keys": []string{"a"}}, 11},
		{map[string]any{"type": "init", "msg_id": 6, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}}, 14},
	} {
		got := h.input(line("c1", "n1", tc.body))
		if len(got) != 1 || got[0].typ() != "error" {
			t.Fatalf("%v: got %v", tc.body["type"], got)
		}
		if c, _ := got[0].intField("code"); c != tc.code {
			t.Fatalf("%v: code %d, want %d: %s", tc.body["type"], c, tc.code, got[0].Line)
		}
	}
	// A peer's election message: dropped, no vote.
	vote := line("n2", "n1", map[string]any{"type": "zab", "m": []map[string]any{{"type": "NOTIFICATION", "from": 2, "to": 1}}})
	if got := h.input(vote); len(got) != 0 {
		t.Fatalf("a stopped node answered a peer: %v", got)
	}
	for i := 0; i < 100; i++ {
		if got := h.tick(); len(got) != 0 {
			t.Fatalf("a stopped node sent %v", got)
		}
	}
	if after, _ := os.ReadFile(segs[0]); !bytes.Equal(after, b) {
		t.Fatal("the damaged segment was changed")
	}
}
