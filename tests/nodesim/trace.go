package nodesim

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"hash/fnv"
	"io"
	"strings"
	"time"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// EventKind is what a trace event records.
type EventKind uint8

// The event kinds.
const (
	// KindDeliver: a line reached its receiver (From, To, Sent, Line).
	KindDeliver EventKind = iota + 1
	// KindDrop: a line was lost (Note says why: loss, partition, the
	// receiver was down).
	KindDrop
	// KindLate: a line went only to the late pool; it arrives if and
	// when a release picks it.
	KindLate
	// KindFault: a partition, heal, one-way cut, late release or other
	// change of the network (Note).
	KindFault
	// KindCrash: a node's process died (From; Note: where, and what its
	// disk kept).
	KindCrash
	// KindStart: a node's process started over its disk (From).
	KindStart
	// KindClient: a client operation was invoked or completed (Note).
	KindClient
	// KindViolation: an invariant broke, right where it happened (Note).
	KindViolation
	// KindPhase: the run entered a phase (Note).
	KindPhase
)

var kindNames = [...]string{
	KindDeliver: "deliver", KindDrop: "drop", KindLate: "late", KindFault: "fault", KindCrash: "crash",
	KindStart: "start", KindClient: "client", KindViolation: "VIOLATION", KindPhase: "phase",
}

// String names k.
func (k EventKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one entry of the trace.
type Event struct {
	At       time.Duration // simulated time since the start
	Kind     EventKind
	From, To string        // nodes or clients
	Sent     time.Duration // deliveries and drops: when the line was sent
	Note     string
	Line     []byte // the Maelstrom message, for deliveries and drops
}

// String renders e as one readable line; node-to-node messages are
// decoded into their zab messages and forwarded operations.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%11.6f %-9s", e.At.Seconds(), e.Kind)
	if e.From != "" || e.To != "" {
		fmt.Fprintf(&b, " %s->%s", e.From, e.To)
	}
	if e.Kind == KindDeliver || e.Kind == KindDrop || e.Kind == KindLate {
		fmt.Fprintf(&b, " (sent %.6f)", e.Sent.Seconds())
	}
	if e.Note != "" {
		b.WriteString(" " + e.Note)
	}
	if len(e.Line) > 0 {
		b.WriteString(" " + describeLine(e.Line))
	}
	return b.String()
}

// describeLine summarises a Maelstrom message: a node-to-node message as
// its zab messages and forwarded operations, anything else as its body.
func describeLine(line []byte) string {
	var env struct {
		Body json.RawMessage `json:"body"`
	}
	if json.Unmarshal(line, &env) != nil {
		return fmt.Sprintf("%.200q", line)
	}
	var zb struct {
		Type string        `json:"type"`
		Msgs []zab.Message `json:"m"`
		Fwd  []byte        `json:"fw"`
	}
	if json.Unmarshal(env.Body, &zb) != nil || zb.Type != "zab" {
		return truncate(string(env.Body), 240)
	}
	var parts []string
	for _, m := range zb.Msgs {
		parts = append(parts, describeMsg(m))
	}
	s := "zab[" + strings.Join(parts, "; ") + "]"
	if len(zb.Fwd) > 0 {
		ops, err := kafka.DecodeBatch(zb.Fwd)
		if err != nil {
			s += " fw=<" + err.Error() + ">"
		} else {
			s += fmt.Sprintf(" fw=%d ops", len(ops))
		}
	}
	return s
}

// describeMsg renders one zab message with the fields that say what it
// does.
func describeMsg(m zab.Message) string {
	s := fmt.Sprintf("%s e%d", m.Type, m.Epoch)
	if m.Zxid != 0 {
		s += fmt.Sprintf(" z=%v", m.Zxid)
	}
	if m.Commit != 0 {
		s += fmt.Sprintf(" c=%v", m.Commit)
	}
	if m.Mode != 0 {
		s += " " + m.Mode.String()
	}
	if len(m.Txns) > 0 {
		s += fmt.Sprintf(" x=%v..%v(%d)", m.Txns[0].Zxid, m.Txns[len(m.Txns)-1].Zxid, len(m.Txns))
	}
	if m.Snapshot != nil {
		s += fmt.Sprintf(" snap=%v", m.Snapshot.Zxid)
	}
	if m.Session != 0 {
		s += fmt.Sprintf(" s=%d.%d", m.Session>>32, uint32(m.Session))
	}
	if m.Attempt != 0 {
		s += fmt.Sprintf(" a=%d", m.Attempt)
	}
	if m.Vote != nil {
		s += fmt.Sprintf(" vote=%+v", *m.Vote)
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// tailSize is how many recent events a trace keeps when it does not keep
// them all.
const tailSize = 2000

// Trace records a run: it hashes every event, so that two runs of one
// seed can be compared cheaply, and keeps either every event or the most
// recent ones.
type Trace struct {
	h       hash.Hash64
	keepAll bool
	events  []Event // every event, or a ring of the last tailSize
	next    int     // ring write position when !keepAll
	count   int
	scratch []byte
}

func newTrace(keepAll bool) *Trace {
	return &Trace{h: fnv.New64a(), keepAll: keepAll}
}

// add hashes e and keeps it.
func (t *Trace) add(e Event) {
	t.count++
	b := t.scratch[:0]
	b = binary.AppendVarint(b, int64(e.At))
	b = append(b, byte(e.Kind))
	b = append(b, e.From...)
	b = append(b, 0)
	b = append(b, e.To...)
	b = append(b, 0)
	b = binary.AppendVarint(b, int64(e.Sent))
	b = append(b, e.Note...)
	b = append(b, 0)
	t.scratch = b
	t.h.Write(b)
	t.h.Write(e.Line)
	if t.keepAll || len(t.events) < tailSize {
		t.events = append(t.events, e)
		return
	}
	t.events[t.next] = e
	t.next = (t.next + 1) % tailSize
}

// Hash is the hash of every event so far.
func (t *Trace) Hash() uint64 { return t.h.Sum64() }

// Count is how many events were recorded.
func (t *Trace) Count() int { return t.count }

// Events returns the kept events, oldest first.
func (t *Trace) Events() []Event {
	if t.keepAll || len(t.events) < tailSize {
		return t.events
	}
	return append(append([]Event{}, t.events[t.next:]...), t.events[:t.next]...)
}

// WriteText writes the kept events, one per line.
func (t *Trace) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, e := range t.Events() {
		if _, err := bw.WriteString(e.String() + "\n"); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// lines splits a buffer of output into its complete lines, each copied.
func lines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break // an unfinished line: the process died while writing it
		}
		if i > 0 {
			out = append(out, bytes.Clone(b[:i]))
		}
		b = b[i+1:]
	}
	return out
}
