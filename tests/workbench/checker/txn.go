package checker

import (
	"sort"

	"zabkafka/tests/workbench/history"
)

// The op names the kafka analysis treats as transactions. Maelstrom only
// produces send and poll; fTxn exists so that the multi-step checks
// (int-send-skip, precommitted-read, ...) can be exercised by the package's
// own tests, as Jepsen's kafka_test.clj does with :txn ops.
const fTxn = "txn"

// sendStep is one send of a transaction: Value sent to Key, at Offset when
// the send completed ok.
type sendStep struct {
	key       string
	value     int64
	offset    int64
	hasOffset bool
}

// keyRead is what a transaction's polls returned for one key, in order.
// A key returned with an empty list is present with no pairs.
type keyRead struct {
	key   string
	pairs []history.Pair
}

// txn is the checker's view of one client history record, shaped like the
// transactions Jepsen's kafka checker reasons about: the sends it made
// (op-writes), the pairs its polls returned (op-reads) and, for assigns,
// the keys assigned.
type txn struct {
	pos     int // position in the client-op sequence the analysis runs on
	ref     OpRef
	typ     history.Type
	f       string
	process int
	time    int64
	// invokeTime is the time of the matching invocation for a completion
	// (h/invocation); a record without one uses its own time.
	invokeTime int64
	// completion is the position of the matching completion for an
	// invocation (h/completion), -1 if none.
	completion int
	// invocation is the position of the matching invocation for a
	// completion (h/invocation), -1 if none.
	invocation int
	cause      string // the record's Error
	sends      []sendStep
	reads      []keyRead // sorted by key
	assignKeys []string
}

// isInvoke reports whether the record is an invocation.
func (t *txn) isInvoke() bool { return t.typ == history.Invoke }

// readsOf returns the values t read for key k and whether k was read at
// all (J:kafka.clj op-reads, looked up by key).
func (t *txn) readsOf(k string) ([]history.Pair, bool) {
	i := sort.Search(len(t.reads), func(i int) bool { return t.reads[i].key >= k })
	if i < len(t.reads) && t.reads[i].key == k {
		return t.reads[i].pairs, true
	}
	return nil, false
}

// writesByKey groups t's sent values by key, keys in first-send order
// (J:kafka.clj op-writes).
func (t *txn) writesByKey() []keyValues {
	var out []keyValues
	for _, s := range t.sends {
		found := false
		for i := range out {
			if out[i].key == s.key {
				out[i].values = append(out[i].values, s.value)
				found = true
				break
			}
		}
		if !found {
			out = append(out, keyValues{key: s.key, values: []int64{s.value}})
		}
	}
	return out
}

// keyValues is a key with a list of values, in op order.
type keyValues struct {
	key    string
	values []int64
}

// lastWritten returns the last value t sent to k (J:kafka.clj
// nonmonotonic-send-cases: (-> last-op op-writes (get k) last)).
func (t *txn) lastWritten(k string) (int64, bool) {
	for i := len(t.sends) - 1; i >= 0; i-- {
		if t.sends[i].key == k {
			return t.sends[i].value, true
		}
	}
	return 0, false
}

// OpRef names a history record in an error report: its index and enough
// of its shape to read the report without the history at hand. Jepsen
// embeds whole ops; a final-phase poll can hold every message of the run,
// so we keep a reference instead.
type OpRef struct {
	Index   int          `json:"index"`
	Process int          `json:"process"`
	Type    history.Type `json:"type"`
	F       string       `json:"f"`
	Time    int64        `json:"time"`
}

// clientTxns converts the client records of h into txns (J:history.clj
// client-ops), pairing each invocation with its completion per process.
// Nemesis records are left out.
func clientTxns(h history.History) []txn {
	out := make([]txn, 0, len(h))
	pending := make(map[int]int) // process -> position of open invocation
	for i := range h {
		op := &h[i]
		if !op.IsClient() {
			continue
		}
		t := txn{
			pos:        len(out),
			ref:        OpRef{Index: op.Index, Process: op.Process, Type: op.Type, F: op.F, Time: op.Time},
			typ:        op.Type,
			f:          op.F,
			process:    op.Process,
			time:       op.Time,
			invokeTime: op.Time,
			completion: -1,
			invocation: -1,
			cause:      op.Error,
		}
		switch op.F {
		case history.FSend:
			s := sendStep{key: op.Key, value: op.Msg}
			if op.Offset != nil {
				s.offset, s.hasOffset = *op.Offset, true
			}
			t.sends = []sendStep{s}
		case history.FPoll:
			t.reads = readsFromPolls(op.Polls)
		case history.FAssign:
			t.assignKeys = op.Keys
		}
		if op.Type == history.Invoke {
			pending[op.Process] = t.pos
		} else if inv, ok := pending[op.Process]; ok {
			delete(pending, op.Process)
			out[inv].completion = t.pos
			t.invocation = inv
			t.invokeTime = out[inv].time
		}
		out = append(out, t)
	}
	return out
}

// readsFromPolls turns a poll's key -> pairs map into reads sorted by key.
func readsFromPolls(polls map[string][]history.Pair) []keyRead {
	if polls == nil {
		return nil
	}
	out := make([]keyRead, 0, len(polls))
	for k, ps := range polls {
		out = append(out, keyRead{key: k, pairs: ps})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}
