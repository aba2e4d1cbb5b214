package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"zabkafka/log/kafka"
)

func TestMain(m *testing.M) {
	// The maelstrom library logs through the standard logger; the binary
	// silences it in main, the tests here.
	stdlog.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// t0 is the fake clock's start. Tests never read the real clock.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// testConfig is the default configuration with a fixed seed and no
// batching delay, so a test is a pure function of its inputs.
func testConfig() Config {
	c := DefaultConfig()
	c.Seed = 1
	c.BatchInterval = 0
	return c
}

// outMsg is one line the node wrote, decoded with exact integers.
type outMsg struct {
	Src, Dest string
	Body      map[string]any
	Line      string
}

func (m outMsg) typ() string { s, _ := m.Body["type"].(string); return s }

// intField reads an integer body field.
func (m outMsg) intField(name string) (int64, bool) {
	n, ok := m.Body[name].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}

// parseOutput decodes and empties buf. Every line must be a message
// Maelstrom accepts: a JSON object with exactly src, dest and body, body
// an object with a string type
// (docs/running.md#one-message-per-line-or-maelstrom-stops-reading).
func parseOutput(t testing.TB, buf *bytes.Buffer) []outMsg {
	t.Helper()
	var msgs []outMsg
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		m, err := decodeOut(line)
		if err != nil {
			t.Fatalf("bad output line %q: %v", line, err)
		}
		msgs = append(msgs, m)
	}
	buf.Reset()
	return msgs
}

func decodeOut(line []byte) (outMsg, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(line, &top); err != nil {
		return outMsg{}, err
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"body", "dest", "src"}) {
		return outMsg{}, fmt.Errorf("top-level keys %v", keys)
	}
	m := outMsg{Line: string(line)}
	if err := json.Unmarshal(top["src"], &m.Src); err != nil {
		return m, fmt.Errorf("src: %v", err)
	}
	if err := json.Unmarshal(top["dest"], &m.Dest); err != nil {
		return m, fmt.Errorf("dest: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(top["body"]))
	dec.UseNumber()
	if err := dec.Decode(&m.Body); err != nil || m.Body == nil {
		return m, fmt.Errorf("body is not an object: %v", err)
	}
	if m.typ() == "" {
		return m, fmt.Errorf("body without type")
	}
	return m, nil
}

// bodyKeys lists a body's fields, sorted.
func bodyKeys(m outMsg) []string {
	keys := make([]string, 0, len(m.Body))
	for k := range m.Body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// line builds an input line from a client or node.
func line(src, dest string, body map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"src": src, "dest": dest, "body": body})
	if err != nil {
		panic(err)
	}
	return b
}

// single is one Server driven by hand with a fake clock.
type single struct {
	t   testing.TB
	s   *Server
	out *bytes.Buffer
	now time.Time
	cfg Config
}

// newSingle returns an uninitialized server.
func newSingle(t testing.TB, cfg Config) *single {
	t.Helper()
	out := &bytes.Buffer{}
	s, err := NewServer(cfg, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &single{t: t, s: s, out: out, now: t0, cfg: cfg}
}

// newLeader returns n1 of a one-node cluster, initialized and elected.
func newLeader(t testing.TB, cfg Config) *single {
	t.Helper()
	h := newSingle(t, cfg)
	got := h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
	if len(got) != 1 || got[0].typ() != "init_ok" {
		t.Fatalf("init: got %v", got)
	}
	for i := 0; i < 1000 && !h.isLeader(); i++ {
		h.tick()
	}
	if !h.isLeader() {
		t.Fatalf("a one-node cluster did not elect itself: %+v", h.s.peer.Status())
	}
	return h
}

func (h *single) isLeader() bool {
	st := h.s.peer.Status()
	return st.Role.String() == "LEADING" && st.Phase.String() == "BROADCAST"
}

// input handles lines at the current time and returns the output.
func (h *single) input(lines ...[]byte) []outMsg {
	h.t.Helper()
	for _, l := range lines {
		h.s.HandleLine(l, h.now)
	}
	h.s.Process(h.now)
	h.checkWake()
	return parseOutput(h.t, h.out)
}

// tick advances the clock by one tick and returns the output.
func (h *single) tick() []outMsg {
	h.t.Helper()
	h.now = h.now.Add(h.cfg.Tick)
	h.s.Tick(h.now)
	h.s.Process(h.now)
	h.checkWake()
	return parseOutput(h.t, h.out)
}

// checkWake fails if Run's loop would spin: NextWake must lie ahead.
func (h *single) checkWake() {
	h.t.Helper()
	if at, ok := h.s.NextWake(); ok && !at.After(h.now) {
		h.t.Fatalf("NextWake %v is not after now %v", at, h.now)
	}
}

// call sends one client request and ticks until its reply (at most
// maxTicks), returning it.
func (h *single) call(client string, body map[string]any, maxTicks int) (outMsg, bool) {
	h.t.Helper()
	id, _ := body["msg_id"].(int)
	match := func(ms []outMsg) (outMsg, bool) {
		for _, m := range ms {
			if r, ok := m.intField("in_reply_to"); ok && r == int64(id) && m.Dest == client {
				return m, true
			}
		}
		return outMsg{}, false
	}
	if m, ok := match(h.input(line(client, h.s.members.id, body))); ok {
		return m, true
	}
	for i := 0; i < maxTicks; i++ {
		if m, ok := match(h.tick()); ok {
			return m, true
		}
	}
	return outMsg{}, false
}

// sendOp is a send operation as a batch carries it.
func sendOp(key string, msg int64, origin string, seq uint64) kafka.Op {
	return kafka.Op{Kind: kafka.OpSend, Key: key, Msg: msg, Origin: origin, Incarnation: 1, Seq: seq}
}

// encodeOps encodes ops as a forwarded batch ("fw" carries the bytes,
// which JSON renders as base64).
func encodeOps(t testing.TB, ops ...kafka.Op) []byte {
	t.Helper()
	return kafka.EncodeBatch(ops)
}

// newTextLogger logs everything to w.
func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
