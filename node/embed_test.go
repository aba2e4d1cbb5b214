package node

import (
	"errors"
	"strings"
	"testing"
	"time"

	"zabkafka/log"
)

// TestStoreOpenerSurvivesRestart: a node over a store its embedder owns
// keeps what it committed across a process restart, which is a new
// Server over the same disk: the second run polls the first run's
// message, and its send gets the next offset.
func TestStoreOpenerSurvivesRestart(t *testing.T) {
	disk := log.NewMemStore()
	var opened []string
	boot := func(now time.Time, st log.Store) *single {
		h := newSingle(t, testConfig())
		h.now = now
		h.s.SetStoreOpener(func(id string) (log.Store, error) {
			opened = append(opened, id)
			return st, nil
		})
		got := h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
		if len(got) != 1 || got[0].typ() != "init_ok" {
			t.Fatalf("init: %v", got)
		}
		for i := 0; i < 1000 && !h.isLeader(); i++ {
			h.tick()
		}
		if !h.isLeader() {
			t.Fatal("no leader")
		}
		return h
	}
	h := boot(t0, disk)
	m, ok := h.call("c1", map[string]any{"type": "send", "msg_id": 2, "key": "k", "msg": 7}, 100)
	if off, _ := m.intField("offset"); !ok || m.typ() != "send_ok" || off != 0 {
		t.Fatalf("first run's send: %v", m.Line)
	}
	disk.Crash() // the process dies; whatever it synced stays

	h2 := boot(h.now.Add(time.Second), disk.Reopen())
	m, ok = h2.call("c2", map[string]any{"type": "poll", "msg_id": 3, "offsets": map[string]any{"k": 0}}, 10)
	if !ok || m.typ() != "poll_ok" || !strings.Contains(m.Line, `"k":[[0,7]]`) {
		t.Fatalf("poll after the restart: %v", m.Line)
	}
	m, ok = h2.call("c2", map[string]any{"type": "send", "msg_id": 4, "key": "k", "msg": 8}, 100)
	if off, _ := m.intField("offset"); !ok || off != 1 {
		t.Fatalf("second run's send: %v", m.Line)
	}
	if strings.Join(opened, ",") != "n1,n1" {
		t.Fatalf("opener called with %v, want n1 once per run", opened)
	}
}

// TestStoreOpenerFailure: an opener's error fails init with abort (14),
// naming the error, like a log that refuses to open.
func TestStoreOpenerFailure(t *testing.T) {
	h := newSingle(t, testConfig())
	h.s.SetStoreOpener(func(string) (log.Store, error) { return nil, errors.New("disk on fire") })
	got := h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
	if len(got) != 1 || got[0].typ() != "error" {
		t.Fatalf("init: %v", got)
	}
	text, _ := got[0].Body["text"].(string)
	if code, _ := got[0].intField("code"); code != 14 || !strings.Contains(text, "disk on fire") {
		t.Fatalf("init with a failing opener: %s", got[0].Line)
	}
}
