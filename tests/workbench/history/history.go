// Package history is the record of a workbench run: every client and
// nemesis operation, invocation and completion, in the order the workbench
// saw them. It is the one contract between the kafka workload (which writes
// it) and the checker (which reads it), and it mirrors the history Jepsen
// keeps for Maelstrom's kafka workload (its history.txt and history.edn).
//
// Values are typed rather than kept as Jepsen's nested vectors: a send
// carries Key/Msg/Offset, a poll carries Polls, an assign carries Keys. The
// JSON form (one Op per line in history.jsonl) uses the same field names.
package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// Type is the kind of history record: an invocation or one of the three
// completion types Jepsen distinguishes.
type Type string

// The four record types. An ok completion took effect; a fail completion
// certainly did not; an info completion may or may not have.
const (
	Invoke Type = "invoke"
	OK     Type = "ok"
	Fail   Type = "fail"
	Info   Type = "info"
)

// Operation names (the op's f). The first four are client operations of the
// kafka workload; the others are the nemesis's (J:jepsen/src/jepsen/
// nemesis/combined.clj partition-package and db-nemesis).
const (
	FSend           = "send"
	FPoll           = "poll"
	FAssign         = "assign"
	FCrash          = "crash"
	FStartPartition = "start-partition"
	FStopPartition  = "stop-partition"
	FKill           = "kill"   // SIGKILL some nodes
	FStart          = "start"  // restart every killed node
	FPause          = "pause"  // SIGSTOP some nodes
	FResume         = "resume" // SIGCONT every paused node
)

// NemesisProcess is the Process of every nemesis record. Client processes
// are 0, 1, 2, ...; thread t starts as process t and becomes p+concurrency
// after each info completion (J:generator/interpreter.clj).
const NemesisProcess = -1

// Pair is one message a poll returned: its offset and its value.
type Pair struct {
	Offset int64
	Msg    int64
}

// MarshalJSON writes a Pair as [offset, msg], the shape Maelstrom uses.
func (p Pair) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("[%d,%d]", p.Offset, p.Msg)), nil
}

// UnmarshalJSON reads a Pair from [offset, msg].
func (p *Pair) UnmarshalJSON(b []byte) error {
	var v [2]int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p.Offset, p.Msg = v[0], v[1]
	return nil
}

// Op is one history record.
//
// By F:
//   - send: Key and Msg always; Offset only on an ok completion.
//   - poll: Polls only on an ok completion (key -> pairs, in the order the
//     node returned them; a key present with an empty slice was returned
//     with an empty list). Invocations and fail/info completions carry none.
//   - assign: Keys (the keys assigned), on invocation and completion;
//     Unseen is the poll-unseen debug map (J:kafka.clj PollUnseen) when it
//     widened the op.
//   - crash: nothing.
//   - start-partition: Value is the shape name on invocation and the grudge
//     (node -> nodes it drops) on completion; stop-partition: Value is
//     "network-healed" on completion.
//   - kill, pause: Value is the node spec ("one", "minority", "all", ...)
//     on invocation and the list of nodes killed or paused on completion;
//     start, resume: Value is "all" on invocation and the list of nodes
//     restarted or resumed on completion, and a start whose restarts
//     failed has Error.
type Op struct {
	Index   int    `json:"index"`
	Time    int64  `json:"time"` // nanoseconds since the run began
	Type    Type   `json:"type"`
	Process int    `json:"process"`
	F       string `json:"f"`

	Key    string            `json:"key,omitempty"`
	Msg    int64             `json:"msg,omitempty"`
	Offset *int64            `json:"offset,omitempty"`
	Polls  map[string][]Pair `json:"polls,omitempty"`
	Keys   []string          `json:"keys,omitempty"`
	Unseen map[string]Unseen `json:"unseen,omitempty"`
	Value  any               `json:"value,omitempty"`

	// Error is set on fail and info completions that had a cause:
	// "net-timeout", or an error reply's name and text ("crash: text"),
	// or "indeterminate: ..." for a malformed reply.
	Error string `json:"error,omitempty"`
	// FinalPhase marks ops issued by the final generator (J:kafka.clj
	// final-polls).
	FinalPhase bool `json:"final,omitempty"`
}

// Unseen is one entry of an assign's poll-unseen debug field.
type Unseen struct {
	Polled int64 `json:"polled"`
	Sent   int64 `json:"sent"`
}

// IsClient reports whether the op belongs to a client process (not the
// nemesis).
func (o *Op) IsClient() bool { return o.Process != NemesisProcess }

// History is the whole record of a run, in order; Index equals position.
type History []Op

// WriteJSONL writes the history as JSON lines, one op per line.
func (h History) WriteJSONL(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range h {
		if err := enc.Encode(&h[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadJSONL reads a history written by WriteJSONL.
func ReadJSONL(r io.Reader) (History, error) {
	var h History
	dec := json.NewDecoder(r)
	for dec.More() {
		var op Op
		if err := dec.Decode(&op); err != nil {
			return nil, fmt.Errorf("history record %d: %w", len(h), err)
		}
		h = append(h, op)
	}
	return h, nil
}
