package sim

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"zabkafka/zab"
)

// EventKind is what a trace Event records.
type EventKind uint8

// The event kinds. Deliver and Role are what a space-time diagram draws;
// the rest explain the gaps in it.
const (
	// KindDeliver: a message reached its receiver (From, To, Type, Zxid,
	// Epoch).
	KindDeliver EventKind = iota + 1
	// KindDrop: a message was lost (loss, partition, receiver down, or a
	// scenario filter).
	KindDrop
	// KindRole: a peer's role, phase, leader or epochs changed (Peer,
	// Role, Phase, Leader, Epoch = currentEpoch).
	KindRole
	// KindCommit: a peer's state machine applied a transaction (Peer,
	// Zxid).
	KindCommit
	// KindPropose: a client proposal was accepted by a leader (Peer, Zxid).
	KindPropose
	// KindCrash: a peer crashed (Peer; Note names the crash point).
	KindCrash
	// KindRestart: a crashed peer restarted over its surviving disk (Peer,
	// Zxid = its last durable zxid).
	KindRestart
	// KindNetwork: a partition, heal or other network change (Note).
	KindNetwork
	// KindViolation: the invariant checker reported a violation (Note),
	// right where it happened in the trace.
	KindViolation
)

var kindNames = [...]string{
	KindDeliver: "deliver", KindDrop: "drop", KindRole: "role", KindCommit: "commit",
	KindPropose: "propose", KindCrash: "crash", KindRestart: "restart", KindNetwork: "network",
	KindViolation: "VIOLATION",
}

// String names k.
func (k EventKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText writes k by name, so JSON traces are readable.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one line of the trace. Which fields are set depends on Kind.
type Event struct {
	Time int64     `json:"time"` // simulated time units
	Kind EventKind `json:"kind"`

	// Messages.
	From  zab.PeerID  `json:"from,omitempty"`
	To    zab.PeerID  `json:"to,omitempty"`
	Type  zab.MsgType `json:"type,omitempty"`
	Zxid  zab.Zxid    `json:"zxid,omitempty"`
	Epoch zab.Epoch   `json:"epoch,omitempty"`
	// Session and Attempt: the sync session and follow attempt the
	// message names, when it names one.
	Session uint64 `json:"session,omitempty"`
	Attempt uint64 `json:"attempt,omitempty"`

	// Peer state changes.
	Peer   zab.PeerID `json:"peer,omitempty"`
	Role   zab.Role   `json:"role,omitempty"`
	Phase  zab.Phase  `json:"phase,omitempty"`
	Leader zab.PeerID `json:"leader,omitempty"`

	Note string `json:"note,omitempty"`
}

// String renders e as one readable line.
func (e Event) String() string {
	switch e.Kind {
	case KindDeliver, KindDrop:
		s := fmt.Sprintf("%8d %-7s %d->%d %s e%d z=%v", e.Time, e.Kind, e.From, e.To, e.Type, e.Epoch, e.Zxid)
		if e.Session != 0 {
			s += fmt.Sprintf(" s=%d.%d", e.Session>>32, uint32(e.Session))
		}
		if e.Attempt != 0 {
			s += fmt.Sprintf(" a=%d", e.Attempt)
		}
		if e.Note != "" {
			s += " (" + e.Note + ")"
		}
		return s
	case KindRole:
		return fmt.Sprintf("%8d %-7s peer %d %s/%s leader=%d epoch=%d", e.Time, e.Kind, e.Peer, e.Role, e.Phase, e.Leader, e.Epoch)
	case KindNetwork, KindViolation:
		return fmt.Sprintf("%8d %-7s %s", e.Time, e.Kind, e.Note)
	}
	s := fmt.Sprintf("%8d %-7s peer %d z=%v", e.Time, e.Kind, e.Peer, e.Zxid)
	if e.Note != "" {
		s += " " + e.Note
	}
	return s
}

// Recorder is the trace of a run: it hashes every event (so two runs of
// one seed can be compared cheaply) and keeps either all of them or the
// most recent ones (for a failure report).
type Recorder struct {
	keepAll bool
	events  []Event // all events, or a ring of the last tailSize
	next    int     // ring write position when !keepAll
	count   int
	hash    uint64
	buf     []byte
}

// tailSize is how many recent events a Recorder keeps when not keeping
// all of them: enough to read the lead-up to a violation.
const tailSize = 400

// NewRecorder returns a Recorder that keeps every event if keepAll, else
// only the last few hundred.
func NewRecorder(keepAll bool) *Recorder {
	return &Recorder{keepAll: keepAll, hash: fnvOffset}
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Record adds e to the trace.
func (r *Recorder) Record(e Event) {
	r.count++
	b := r.buf[:0]
	b = binary.AppendVarint(b, e.Time)
	b = append(b, byte(e.Kind), byte(e.Type), byte(e.Role), byte(e.Phase))
	for _, v := range []uint64{uint64(e.From), uint64(e.To), uint64(e.Zxid), uint64(e.Epoch), uint64(e.Peer), uint64(e.Leader)} {
		b = binary.AppendUvarint(b, v)
	}
	b = append(b, e.Note...)
	r.buf = b
	h := r.hash
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	r.hash = h
	if r.keepAll {
		r.events = append(r.events, e)
		return
	}
	if len(r.events) < tailSize {
		r.events = append(r.events, e)
		return
	}
	r.events[r.next] = e
	r.next = (r.next + 1) % tailSize
}

// Hash is a digest of every event recorded so far, in order.
func (r *Recorder) Hash() uint64 { return r.hash }

// Count is how many events were recorded.
func (r *Recorder) Count() int { return r.count }

// Events returns the kept events, oldest first: all of them if the
// Recorder keeps all, else the most recent ones.
func (r *Recorder) Events() []Event {
	if r.keepAll || len(r.events) < tailSize {
		return append([]Event(nil), r.events...)
	}
	out := make([]Event, 0, tailSize)
	out = append(out, r.events[r.next:]...)
	return append(out, r.events[:r.next]...)
}

// WriteText writes the kept events, one String per line.
func (r *Recorder) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, e := range r.Events() {
		if _, err := fmt.Fprintln(bw, e.String()); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteJSONL writes the kept events as JSON lines (for the docs' space-
// time diagrams).
func (r *Recorder) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, e := range r.Events() {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return bw.Flush()
}
