package checker

// Cases of kafka_test.clj that need multi-step :txn ops, which Maelstrom
// never produces (its sends and polls are single steps). They exercise the
// checks that are unreachable from a Maelstrom history but ported anyway:
// int-send-skip, int-nonmonotonic-send, precommitted-read, and the
// must-have-committed rules for info txns.

import (
	"strings"
	"testing"

	"zabkafka/tests/workbench/history"
)

func inv(p int) txnSpec { return txnSpec{process: p, typ: history.Invoke} }

func done(p int, typ history.Type, sends []sendStep, reads ...keyRead) txnSpec {
	return txnSpec{process: p, typ: typ, sends: sends, reads: reads}
}

func kr(k string, ov ...int64) keyRead { return keyRead{key: k, pairs: pairs(ov...)} }

func analyzeTxns(txns []txn) WorkloadResult {
	a := analyze(txns)
	return workloadResult(txns, &a)
}

// [int-send-skip-test]; int-send-skip is an allowed type, so once the
// lost write it also implies is removed, the workload is valid.
func TestIntSendSkipIsAllowed(t *testing.T) {
	const a, b, c = 1, 2, 3
	specs := []txnSpec{
		inv(0), done(0, history.OK, []sendStep{sendAt("x", 1, a), sendNoOffset("x", c)}),
		inv(1), done(1, history.Info, []sendStep{sendNoOffset("x", b)}),
		inv(2), done(2, history.OK, nil, kr("x", 2, b, 3, c)),
	}
	txns := txnHistory(specs...)
	w := analyzeTxns(txns)
	assertEqual(t, "int-send-skip", w.Anomalies.IntSendSkip, []IntSkip{
		{Key: "x", Values: [2]int64{a, c}, Skipped: []int64{b}, Delta: 2, Op: txns[1].ref},
	})
	assertTypes(t, w, TypeIntSendSkip, TypeLostWrite, TypeUnseen)

	// Someone reads a too: only the allowed type is left.
	txns = txnHistory(append(specs, inv(3), done(3, history.OK, nil, kr("x", 1, a)))...)
	w = analyzeTxns(txns)
	assertTypes(t, w, TypeIntSendSkip)
	if w.Valid != Valid || len(w.BadErrorTypes) != 0 {
		t.Fatalf("int-send-skip alone must be allowed: valid %s, bad %v", w.Valid, w.BadErrorTypes)
	}
}

// [int-nonmonotonic-send-test].
func TestIntNonmonotonicSend(t *testing.T) {
	const a, b, c, d = 1, 2, 3, 4
	txns := txnHistory(
		inv(0), done(0, history.OK, []sendStep{sendAt("x", 3, c), sendAt("x", 1, a)}),
		inv(0), done(0, history.Info, []sendStep{sendNoOffset("y", d), sendNoOffset("y", b)}),
		inv(1), done(1, history.Info, []sendStep{sendNoOffset("y", c)}),
		inv(0), done(0, history.OK, nil, kr("y", 2, b, 3, c, 4, d)),
	)
	w := analyzeTxns(txns)
	assertEqual(t, "int-nonmonotonic-send", w.Anomalies.IntNonmonotonicSend, []IntNonmonotonic{
		{Key: "x", Values: [2]int64{c, a}, Delta: -1, Op: txns[1].ref},
		{Key: "y", Values: [2]int64{d, b}, Delta: -2, Op: txns[3].ref},
	})
}

// [precommitted-read-test].
func TestPrecommittedRead(t *testing.T) {
	txns := txnHistory(
		inv(0), done(0, history.OK, []sendStep{sendAt("x", 0, 1)}, kr("x", 0, 1)),
	)
	w := analyzeTxns(txns)
	assertEqual(t, "precommitted-read", w.Anomalies.PrecommittedRead, []PrecommittedRead{
		{Op: txns[1].ref, Key: "x", Value: 1},
	})
	if w.Valid != Invalid {
		t.Fatalf("precommitted-read is bad, valid = %s", w.Valid)
	}
}

// [lost-write-test "atomic"]: an info txn's sends count only once one of
// its values is known to have been read.
func TestLostWriteAtomic(t *testing.T) {
	const a, b, c = 1, 2, 3
	sendAB := []txnSpec{inv(0), done(0, history.Info, []sendStep{sendNoOffset("x", a), sendAt("y", 0, b)})}
	sendC := []txnSpec{inv(1), done(1, history.Info, []sendStep{sendNoOffset("y", c)})}
	pollA := []txnSpec{inv(2), done(2, history.OK, nil, kr("x", 0, a))}
	pollC := []txnSpec{inv(3), done(3, history.OK, nil, kr("y", 1, c))}
	cat := func(parts ...[]txnSpec) []txnSpec {
		var out []txnSpec
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	w := analyzeTxns(txnHistory(cat(sendAB, sendC, pollC)...))
	if len(w.Anomalies.LostWrite) != 0 {
		t.Fatalf("unproven info send reported lost: %+v", w.Anomalies.LostWrite)
	}
	txns := txnHistory(cat(sendAB, sendC, pollA, pollC)...)
	w = analyzeTxns(txns)
	mr := txns[7].ref
	assertEqual(t, "lost-write", w.Anomalies.LostWrite, []LostWrite{
		{Key: "y", Value: b, Index: 0, MaxReadIndex: 1, Writer: txns[1].ref, MaxRead: &mr},
	})
}

// [inconsistent-offsets-test "info conflicts"]: an info send's offset only
// counts once it is proven committed.
func TestInconsistentOffsetsInfoConflicts(t *testing.T) {
	base := []txnSpec{
		inv(0), done(0, history.Info, []sendStep{sendAt("x", 0, 1), sendNoOffset("y", 1)}),
		inv(1), done(1, history.OK, []sendStep{sendAt("x", 0, 2)}),
	}
	w := analyzeTxns(txnHistory(base...))
	if len(w.Anomalies.InconsistentOffsets) != 0 {
		t.Fatalf("unproven info send conflicted: %+v", w.Anomalies.InconsistentOffsets)
	}
	w = analyzeTxns(txnHistory(append(base, inv(2), done(2, history.OK, nil, kr("y", 5, 1)))...))
	assertEqual(t, "inconsistent-offsets", w.Anomalies.InconsistentOffsets, []InconsistentOffset{
		{Key: "x", Offset: 0, Index: 0, Values: []int64{1, 2}},
	})
}

// [duplicate-test "aborted txns"]: polls of failed txns still count; sends
// of failed txns do not.
func TestDuplicateAbortedTxns(t *testing.T) {
	w := analyzeTxns(txnHistory(
		inv(0), done(0, history.OK, []sendStep{sendAt("x", 1, 0)}),
		inv(0), done(0, history.Fail, []sendStep{sendAt("x", 2, 1)}),
		inv(1), done(1, history.Fail, nil, kr("x", 11, 0, 12, 1)),
	))
	assertEqual(t, "duplicate", w.Anomalies.Duplicate, []Duplicate{
		{Key: "x", Value: 0, Count: 2, Offsets: []int64{1, 11}},
	})
}

// [poll-skip-test "txn abort" / "abort doesn't roll back"]: failed polls
// do not advance the process; reading past them is a skip.
func TestPollSkipAbortDoesNotRollBack(t *testing.T) {
	var sends []sendStep
	for i := int64(0); i < 6; i++ {
		sends = append(sends, sendAt("x", i, i))
	}
	txns := txnHistory(
		inv(0), done(0, history.OK, sends),
		inv(1), done(1, history.OK, nil, kr("x", 0, 0)),
		inv(1), done(1, history.Fail, nil, kr("x", 1, 1, 2, 2)),
		inv(1), done(1, history.Fail, nil, kr("x", 3, 3, 4, 4)),
		inv(1), done(1, history.OK, nil, kr("x", 5, 5)),
	)
	w := analyzeTxns(txns)
	assertEqual(t, "poll-skip", w.Anomalies.PollSkip, []Skip{
		{Key: "x", Delta: 3, Skipped: []int64{1, 2}, Ops: [2]OpRef{txns[3].ref, txns[7].ref}},
		{Key: "x", Delta: 5, Skipped: []int64{1, 2, 3, 4}, Ops: [2]OpRef{txns[3].ref, txns[9].ref}},
	})

	// [poll-skip-test "txn abort" "good"]: rewinding after fail and info
	// polls is correct.
	txns = txnHistory(
		inv(0), done(0, history.OK, sends[:3]),
		inv(1), done(1, history.OK, nil, kr("x", 0, 0)),
		inv(1), done(1, history.Fail, nil, kr("x", 1, 1, 2, 2)),
		inv(1), done(1, history.Info, nil, kr("x", 1, 1, 2, 2)),
		inv(1), done(1, history.OK, nil, kr("x", 1, 1, 2, 2)),
	)
	w = analyzeTxns(txns)
	assertTypes(t, w)
}

// A lost candidate that nobody sent makes Jepsen's lost-write-cases throw
// :no-writer-of; only a value read by a non-ok poll can get there.
func TestLostWriteNoWriterIsUnknown(t *testing.T) {
	w := analyzeTxns(txnHistory(
		inv(0), done(0, history.OK, []sendStep{sendAt("x", 1, 10)}),
		inv(1), done(1, history.Fail, nil, kr("x", 0, 9)),
		inv(2), done(2, history.OK, nil, kr("x", 1, 10)),
	))
	if w.Valid != Unknown || !strings.Contains(w.Error, "no-writer-of") {
		t.Fatalf("valid %s, error %q", w.Valid, w.Error)
	}
}

// [log->value->first-index-test, log->last-index->values-test]: the log
// [nil #{a} #{a b c} nil #{c} #{c d} #{d}].
func TestLogIndexes(t *testing.T) {
	const a, b, c, d = 1, 2, 3, 4
	vo := newVersionOrder([]offsetValue{
		{1, a}, {2, a}, {2, b}, {2, c}, {4, c}, {5, c}, {5, d}, {6, d},
	})
	assertEqual(t, "first index", vo.firstIndex(), map[int64]int{a: 0, b: 1, c: 1, d: 3})
	assertEqual(t, "last index values", vo.lastIndexValues(), [][]int64{nil, {a, b}, nil, {c}, {d}})
	var empty *versionOrder
	if len(empty.firstIndex()) != 0 || empty.lastIndexValues() != nil {
		t.Fatal("an unknown key has empty indexes")
	}
}

// [op->max-offsets-test].
func TestMaxOffsets(t *testing.T) {
	txns := txnHistory(inv(0), done(0, history.OK,
		[]sendStep{sendAt("y", 2, 1), sendAt("y", 3, 2)},
		kr("x", 2, 7, 5, 8, 4, 9)))
	assertEqual(t, "max offsets", maxOffsets(&txns[1]), map[string]int64{"x": 5, "y": 3})
	// An empty list counts as -1; an op with an offset-less send
	// contributes no send offsets at all; invocations contribute nothing.
	txns = txnHistory(inv(0), done(0, history.Info,
		[]sendStep{sendAt("y", 2, 1), sendNoOffset("y", 2)},
		keyRead{key: "x"}))
	assertEqual(t, "info op", maxOffsets(&txns[1]), map[string]int64{"x": -1})
	if maxOffsets(&txns[0]) != nil {
		t.Fatal("an invocation has no offsets")
	}
}
