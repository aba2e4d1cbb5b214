package checker

import (
	"zabkafka/tests/workbench/history"
)

// hb builds histories for tests. Each record's index is its position and,
// unless set with at, its time too, as kafka_test.clj's `o` helper does.
type hb struct {
	h      history.History
	nextAt int64 // explicit time for the next record, -1 for none
}

func newHB() *hb { return &hb{nextAt: -1} }

// at sets the time of the next record.
func (b *hb) at(t int64) *hb { b.nextAt = t; return b }

func (b *hb) add(op history.Op) int {
	op.Index = len(b.h)
	op.Time = int64(op.Index)
	if b.nextAt >= 0 {
		op.Time, b.nextAt = b.nextAt, -1
	}
	b.h = append(b.h, op)
	return op.Index
}

func off(o int64) *int64 { return &o }

// pairs builds poll pairs from offset, value, offset, value, ...
func pairs(ov ...int64) []history.Pair {
	out := []history.Pair{}
	for i := 0; i+1 < len(ov); i += 2 {
		out = append(out, history.Pair{Offset: ov[i], Msg: ov[i+1]})
	}
	return out
}

func (b *hb) sendInv(p int, k string, v int64) int {
	return b.add(history.Op{Type: history.Invoke, Process: p, F: history.FSend, Key: k, Msg: v})
}

func (b *hb) sendOK(p int, k string, o, v int64) int {
	return b.add(history.Op{Type: history.OK, Process: p, F: history.FSend, Key: k, Msg: v, Offset: off(o)})
}

func (b *hb) sendEnd(p int, typ history.Type, k string, v int64, err string) int {
	return b.add(history.Op{Type: typ, Process: p, F: history.FSend, Key: k, Msg: v, Error: err})
}

// send records an invocation and an ok completion; it returns the
// completion's index.
func (b *hb) send(p int, k string, o, v int64) int {
	b.sendInv(p, k, v)
	return b.sendOK(p, k, o, v)
}

func (b *hb) pollInv(p int) int {
	return b.add(history.Op{Type: history.Invoke, Process: p, F: history.FPoll})
}

func (b *hb) pollOK(p int, polls map[string][]history.Pair) int {
	if polls == nil {
		polls = map[string][]history.Pair{}
	}
	return b.add(history.Op{Type: history.OK, Process: p, F: history.FPoll, Polls: polls})
}

func (b *hb) pollEnd(p int, typ history.Type, err string) int {
	return b.add(history.Op{Type: typ, Process: p, F: history.FPoll, Error: err})
}

// poll records an invocation and an ok completion; it returns the
// completion's index.
func (b *hb) poll(p int, polls map[string][]history.Pair) int {
	b.pollInv(p)
	return b.pollOK(p, polls)
}

func (b *hb) assign(p int, typ history.Type, keys ...string) int {
	b.add(history.Op{Type: history.Invoke, Process: p, F: history.FAssign, Keys: keys})
	return b.add(history.Op{Type: typ, Process: p, F: history.FAssign, Keys: keys})
}

func (b *hb) crash(p int) int {
	b.add(history.Op{Type: history.Invoke, Process: p, F: history.FCrash})
	return b.add(history.Op{Type: history.Info, Process: p, F: history.FCrash})
}

func (b *hb) nemesis(f string, typ history.Type, v any) int {
	return b.add(history.Op{Type: typ, Process: history.NemesisProcess, F: f, Value: v})
}

// ref is the OpRef the checker reports for record i.
func (b *hb) ref(i int) OpRef {
	op := b.h[i]
	return OpRef{Index: op.Index, Process: op.Process, Type: op.Type, F: op.F, Time: op.Time}
}

// analyzeHistory runs the kafka analysis alone.
func analyzeHistory(h history.History) (kafkaAnalysis, WorkloadResult) {
	txns := clientTxns(h)
	a := analyze(txns)
	return a, workloadResult(txns, &a)
}

// txnSpec describes a multi-step transaction for the checks Maelstrom's
// one-step ops cannot reach (kafka_test.clj uses :txn ops for them).
type txnSpec struct {
	process int
	typ     history.Type
	sends   []sendStep
	reads   []keyRead
}

// sendAt is a send step with a known offset; sendNoOffset one without.
func sendAt(k string, o, v int64) sendStep {
	return sendStep{key: k, value: v, offset: o, hasOffset: true}
}
func sendNoOffset(k string, v int64) sendStep {
	return sendStep{key: k, value: v}
}

// txnHistory turns specs into txns with index = time = position, pairing
// each invocation with the next completion of its process.
func txnHistory(specs ...txnSpec) []txn {
	var h history.History
	for i, s := range specs {
		h = append(h, history.Op{Index: i, Time: int64(i), Type: s.typ, Process: s.process, F: fTxn})
	}
	txns := clientTxns(h)
	for i, s := range specs {
		txns[i].sends = s.sends
		txns[i].reads = s.reads
	}
	return txns
}
