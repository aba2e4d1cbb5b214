package kafka

import (
	"maps"
	"slices"

	"zabkafka/tests/workbench/history"
)

// Request is one operation the workload asks a client thread to perform.
type Request struct {
	F string // history.FSend, FPoll, FAssign or FCrash

	Key string // send: the key, as a decimal string
	Msg int64  // send: the value, 1..max-writes-per-key

	Keys []string // assign: the keys to assign
	// Unseen is the poll-unseen debug map of an assign it widened
	// (J:kafka.clj PollUnseen).
	Unseen map[string]history.Unseen
	// SeekToBeginning makes an assign set every key to offset 0 without an
	// RPC; only the final phase sets it (J:kafka.clj final-polls).
	SeekToBeginning bool

	// Final marks requests of the final phase (J:kafka.clj final-polls).
	Final bool
}

// Invocation returns the history record of the request's invocation;
// the runner stamps Index, Time and Process.
func (r Request) Invocation() history.Op {
	return history.Op{
		Type:       history.Invoke,
		F:          r.F,
		Key:        r.Key,
		Msg:        r.Msg,
		Keys:       slices.Clone(r.Keys),
		Unseen:     maps.Clone(r.Unseen),
		FinalPhase: r.Final,
	}
}

// Outcome is how a client completed a request.
type Outcome struct {
	Type   history.Type
	Offset *int64                    // ok send
	Polls  map[string][]history.Pair // ok poll: the messages exactly as returned
	Error  string                    // fail / info cause, empty for ok and crash
	// Unrepresentable marks a poll that returned a message the history cannot
	// hold (not a JSON integer). Jepsen would have found no writer for it and
	// answered "unknown"; the runner downgrades the verdict to match.
	Unrepresentable bool
}

// Complete returns the completion record for invocation inv: the
// invocation's fields (a failed or indefinite op keeps its invocation value,
// M:client.clj with-errors) plus the outcome. The runner stamps Index and Time.
func (o Outcome) Complete(inv history.Op) history.Op {
	c := inv
	c.Type = o.Type
	c.Keys = slices.Clone(inv.Keys)
	c.Unseen = maps.Clone(inv.Unseen)
	c.Error = o.Error
	if o.Type == history.OK {
		c.Offset = o.Offset
		c.Polls = o.Polls
	}
	return c
}
