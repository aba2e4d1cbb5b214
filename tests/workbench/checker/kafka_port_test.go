package checker

// Cases ported from J:jepsen/test/jepsen/tests/kafka_test.clj (v0.3.7),
// reshaped to Maelstrom's one-step ops. Values
// :a :b :c ... become 1 2 3 ...; the Clojure test each case comes from is
// named in brackets.

import (
	"reflect"
	"testing"

	"zabkafka/tests/workbench/history"
)

type polls = map[string][]history.Pair

func assertTypes(t *testing.T, w WorkloadResult, want ...string) {
	t.Helper()
	if w.Error != "" {
		t.Fatalf("analysis error: %s", w.Error)
	}
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(w.ErrorTypes, want) {
		t.Fatalf("error types = %v, want %v", w.ErrorTypes, want)
	}
}

func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// TestCleanHistoryIsValid: a clean run.
func TestCleanHistoryIsValid(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.send(1, "x", 1, 2)
	b.assign(2, history.OK, "x")
	b.poll(2, polls{"x": pairs(0, 1, 1, 2)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w)
	if w.Valid != Valid {
		t.Fatalf("valid = %s", w.Valid)
	}
	r := Check(b.h, Options{})
	if r.Valid != Valid || r.Verdict() != VerdictValid {
		t.Fatalf("overall %s, verdict %q", r.Valid, r.Verdict())
	}
}

// [g1a-test].
func TestG1a(t *testing.T) {
	b := newHB()
	b.sendInv(0, "x", 1)
	fail := b.sendEnd(0, history.Fail, "x", 1, "temporarily-unavailable: no leader")
	read := b.poll(1, polls{"x": pairs(0, 1)})
	b.poll(1, polls{})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeG1a)
	assertEqual(t, "G1a", w.Anomalies.G1a, []G1a{{Key: "x", Value: 1, Writer: b.ref(fail), Reader: b.ref(read)}})
	if w.Valid != Invalid {
		t.Fatalf("valid = %s", w.Valid)
	}
}

// [g1a-test] without the trailing poll: the unseen quirk also fires, since
// the key was polled but never acknowledged and that poll is the last ok op.
func TestUnseenQuirkPolledButNeverSent(t *testing.T) {
	b := newHB()
	b.sendInv(0, "x", 1)
	b.sendEnd(0, history.Info, "x", 1, "net-timeout")
	last := b.poll(1, polls{"x": pairs(0, 1)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeUnseen)
	assertEqual(t, "unseen", w.Anomalies.Unseen, &Unseen{
		Time: int64(last), Counts: map[string]int{"x": 1}, Messages: map[string][]int64{"x": {1}},
	})
	// One more ok op and the quirk is gone.
	b.poll(1, polls{})
	_, w = analyzeHistory(b.h)
	assertTypes(t, w)
}

// [lost-write-test "consistent"].
func TestLostWriteConsistent(t *testing.T) {
	b := newHB()
	s1 := b.send(0, "x", 0, 1)
	s2 := b.send(0, "x", 1, 2)
	b.send(0, "x", 3, 4)
	b.sendInv(1, "x", 3)
	b.sendEnd(1, history.Info, "x", 3, "net-timeout")
	read := b.poll(2, polls{"x": pairs(2, 3)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeLostWrite, TypeUnseen)
	mr := b.ref(read)
	assertEqual(t, "lost-write", w.Anomalies.LostWrite, []LostWrite{
		{Key: "x", Value: 1, Index: 0, MaxReadIndex: 2, Writer: b.ref(s1), MaxRead: &mr},
		{Key: "x", Value: 2, Index: 1, MaxReadIndex: 2, Writer: b.ref(s2), MaxRead: &mr},
	})
	assertEqual(t, "unseen", w.Anomalies.Unseen, &Unseen{
		Time: int64(read), Counts: map[string]int{"x": 3}, Messages: map[string][]int64{"x": {1, 2, 4}},
	})
	assertEqual(t, "info-txn-causes", w.InfoTxnCauses, []string{"net-timeout"})
	assertEqual(t, "bad", w.BadErrorTypes, []string{TypeLostWrite, TypeUnseen})
}

// [lost-write-test "inconsistent"]: a was sent at offset 0, b overwrote
// offset 0, c is at 2; reading b and c means a should have been read.
func TestLostWriteInconsistentOffsets(t *testing.T) {
	b := newHB()
	sa := b.send(0, "x", 0, 1)
	b.send(0, "x", 0, 2)
	b.send(0, "x", 2, 3)
	read := b.poll(0, polls{"x": pairs(0, 2, 2, 3)})
	_, w := analyzeHistory(b.h)
	mr := b.ref(read)
	assertEqual(t, "lost-write", w.Anomalies.LostWrite, []LostWrite{
		{Key: "x", Value: 1, Index: 0, MaxReadIndex: 1, Writer: b.ref(sa), MaxRead: &mr},
	})
	assertEqual(t, "inconsistent-offsets", w.Anomalies.InconsistentOffsets, []InconsistentOffset{
		{Key: "x", Offset: 0, Index: 0, Values: []int64{1, 2}},
	})
	assertTypes(t, w, TypeInconsistentOffsets, TypeLostWrite, TypeUnseen)
}

// [poll-skip-test], with the assign variants of "with
// intermediate subscribe".
func TestPollSkip(t *testing.T) {
	build := func(between func(b *hb)) (*hb, int, int) {
		b := newHB()
		for i := int64(0); i < 4; i++ {
			b.send(0, "x", i, i+1)
		}
		first := b.poll(1, polls{"x": pairs(0, 1, 1, 2)})
		b.poll(2, polls{"x": pairs(2, 3)})
		if between != nil {
			between(b)
		}
		second := b.poll(1, polls{"x": pairs(3, 4)})
		return b, first, second
	}
	b, first, second := build(nil)
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypePollSkip)
	assertEqual(t, "poll-skip", w.Anomalies.PollSkip, []Skip{
		{Key: "x", Delta: 2, Skipped: []int64{3}, Ops: [2]OpRef{b.ref(first), b.ref(second)}},
	})

	cases := []struct {
		name   string
		typ    history.Type
		keys   []string
		forget bool
	}{
		{"ok assign without x forgets", history.OK, []string{"y"}, true},
		{"info assign without x forgets", history.Info, []string{"y"}, true},
		{"fail assign changes nothing", history.Fail, []string{"y"}, false},
		{"assign still holding x keeps", history.OK, []string{"x", "y"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _, _ := build(func(b *hb) { b.assign(1, c.typ, c.keys...) })
			_, w := analyzeHistory(b.h)
			if got := len(w.Anomalies.PollSkip); (got == 0) != c.forget {
				t.Fatalf("poll-skips = %d, forget = %v", got, c.forget)
			}
		})
	}
}

// [poll-skip-test] in full: process 0 reads 1 2, then 4, then 7, while
// others show 3 and 6 exist (5 may be a gap).
func TestPollSkipKafkaTest(t *testing.T) {
	const a, bb, c, d, f, g = 1, 2, 3, 4, 6, 7
	b := newHB()
	p12 := b.poll(0, polls{"x": pairs(1, a, 2, bb)})
	b.poll(1, polls{"x": pairs(3, c)})
	p4 := b.poll(0, polls{"x": pairs(4, d)})
	b.send(2, "x", 6, f)
	p7 := b.poll(0, polls{"x": pairs(7, g)})
	for _, v := range []int64{a, bb, c, d, g} {
		b.sendInv(3, "x", v)
		b.sendEnd(3, history.Info, "x", v, "net-timeout")
	}
	_, w := analyzeHistory(b.h)
	assertEqual(t, "poll-skip", w.Anomalies.PollSkip, []Skip{
		{Key: "x", Delta: 2, Skipped: []int64{c}, Ops: [2]OpRef{b.ref(p12), b.ref(p4)}},
		{Key: "x", Delta: 2, Skipped: []int64{f}, Ops: [2]OpRef{b.ref(p4), b.ref(p7)}},
	})
}

// [nonmonotonic-poll-test].
func TestNonmonotonicPoll(t *testing.T) {
	build := func(between func(b *hb)) (*hb, int, int) {
		b := newHB()
		for i := int64(0); i < 4; i++ {
			b.send(0, "x", i, i+1)
		}
		first := b.poll(1, polls{"x": pairs(0, 1, 1, 2, 2, 3)})
		if between != nil {
			between(b)
		}
		second := b.poll(1, polls{"x": pairs(1, 2, 2, 3, 3, 4)})
		return b, first, second
	}
	b, first, second := build(nil)
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeNonmonotonicPoll)
	assertEqual(t, "nonmonotonic-poll", w.Anomalies.NonmonotonicPoll, []Nonmonotonic{
		{Key: "x", Values: [2]int64{3, 2}, Delta: -1, Ops: [2]OpRef{b.ref(first), b.ref(second)}},
	})
	b, _, _ = build(func(b *hb) { b.assign(1, history.OK, "y") })
	_, w = analyzeHistory(b.h)
	assertTypes(t, w)
	b, _, _ = build(func(b *hb) { b.assign(1, history.OK, "x", "y") })
	_, w = analyzeHistory(b.h)
	assertTypes(t, w, TypeNonmonotonicPoll)
}

// [int-poll-skip-test, int-nonmonotonic-poll-test].
func TestInternalPollErrors(t *testing.T) {
	b := newHB()
	for i := int64(0); i < 3; i++ {
		b.send(0, "x", i, i+1)
	}
	back := b.poll(1, polls{"x": pairs(1, 2, 0, 1)})
	skip := b.poll(2, polls{"x": pairs(0, 1, 2, 3)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeIntNonmonotonicPoll, TypeIntPollSkip)
	assertEqual(t, "int-nonmonotonic-poll", w.Anomalies.IntNonmonotonicPoll, []IntNonmonotonic{
		{Key: "x", Values: [2]int64{2, 1}, Delta: -1, Op: b.ref(back)},
	})
	assertEqual(t, "int-poll-skip", w.Anomalies.IntPollSkip, []IntSkip{
		{Key: "x", Values: [2]int64{1, 3}, Delta: 2, Skipped: []int64{2}, Op: b.ref(skip)},
	})
}

// [int-poll-skip-test]: one op reads offsets 1 and 4, another shows 2.
// (Jepsen's second op did two polls; here it is one poll with both.)
func TestIntPollSkipKafkaTest(t *testing.T) {
	const a, bb, d = 1, 2, 4
	b := newHB()
	for _, v := range []int64{a, bb, d} {
		b.sendInv(1, "x", v)
		b.sendEnd(1, history.Info, "x", v, "net-timeout")
	}
	p1 := b.poll(0, polls{"x": pairs(1, a, 4, d)})
	p2 := b.poll(0, polls{"x": pairs(1, a, 4, d)})
	b.poll(0, polls{"x": pairs(2, bb)})
	_, w := analyzeHistory(b.h)
	want := func(op int) IntSkip {
		return IntSkip{Key: "x", Values: [2]int64{a, d}, Skipped: []int64{bb}, Delta: 2, Op: b.ref(op)}
	}
	assertEqual(t, "int-poll-skip", w.Anomalies.IntPollSkip, []IntSkip{want(p1), want(p2)})
}

// [int-nonmonotonic-poll-test]: [3 c] [1 a] goes back two indices once b
// is known to sit between; reading c twice is a delta of 0.
func TestIntNonmonotonicPollKafkaTest(t *testing.T) {
	const a, bb, c = 1, 2, 3
	b := newHB()
	for _, v := range []int64{a, bb, c} {
		b.sendInv(0, "x", v)
		b.sendEnd(0, history.Info, "x", v, "net-timeout")
	}
	p1 := b.poll(0, polls{"x": pairs(3, c, 1, a)})
	p2 := b.poll(0, polls{"x": pairs(2, bb, 3, c, 3, c)})
	_, w := analyzeHistory(b.h)
	assertEqual(t, "int-nonmonotonic-poll", w.Anomalies.IntNonmonotonicPoll, []IntNonmonotonic{
		{Key: "x", Values: [2]int64{c, a}, Delta: -2, Op: b.ref(p1)},
		{Key: "x", Values: [2]int64{c, c}, Delta: 0, Op: b.ref(p2)},
	})
}

// [version-orders-test "a real-world example"]: two sends
// acknowledged at one offset cascade into several error types.
func TestInconsistentOffsetsCascade(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	s2 := b.send(1, "x", 0, 2)
	read := b.poll(2, polls{"x": pairs(0, 1)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeInconsistentOffsets, TypeLostWrite, TypeUnseen)
	assertEqual(t, "inconsistent-offsets", w.Anomalies.InconsistentOffsets, []InconsistentOffset{
		{Key: "x", Offset: 0, Index: 0, Values: []int64{1, 2}},
	})
	mr := b.ref(read) // Jepsen: op5 or nil by set order; we take the smallest value's reader
	assertEqual(t, "lost-write", w.Anomalies.LostWrite, []LostWrite{
		{Key: "x", Value: 2, Index: 0, MaxReadIndex: 0, Writer: b.ref(s2), MaxRead: &mr},
	})
	assertEqual(t, "unseen", w.Anomalies.Unseen.Messages, map[string][]int64{"x": {2}})

	// The exact data of the Clojure test.
	b = newHB()
	b.at(280153467070).sendInv(379, "11", 641)
	b.at(280169754615).sendOK(379, "11", 537, 641)
	b.at(283654729962).sendInv(363, "11", 645)
	b.at(287474569112).sendOK(363, "11", 537, 645)
	_, w = analyzeHistory(b.h)
	assertEqual(t, "inconsistent-offsets", w.Anomalies.InconsistentOffsets, []InconsistentOffset{
		{Key: "11", Offset: 537, Index: 0, Values: []int64{641, 645}},
	})
}

// [duplicate-test "basic"].
func TestDuplicate(t *testing.T) {
	b := newHB()
	b.send(0, "x", 1, 1)
	b.sendInv(1, "x", 2)
	b.sendEnd(1, history.Info, "x", 2, "net-timeout")
	b.poll(2, polls{"x": pairs(2, 2, 3, 1)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeDuplicate)
	assertEqual(t, "duplicate", w.Anomalies.Duplicate, []Duplicate{
		{Key: "x", Value: 1, Count: 2, Offsets: []int64{1, 3}},
	})
}

// [duplicate-test "hash-insensitive"]: many values at the same two
// offsets are all duplicates, and both offsets are inconsistent.
func TestDuplicateHashInsensitive(t *testing.T) {
	b := newHB()
	var all []int64
	for v := int64(0); v < 10; v++ {
		b.send(0, "x", 0, v)
		b.poll(1, polls{"x": pairs(1, v)})
		all = append(all, v)
	}
	_, w := analyzeHistory(b.h)
	var dups []int64
	for _, d := range w.Anomalies.Duplicate {
		dups = append(dups, d.Value)
	}
	assertEqual(t, "duplicate values", dups, all)
	assertEqual(t, "inconsistent-offsets", w.Anomalies.InconsistentOffsets, []InconsistentOffset{
		{Key: "x", Offset: 0, Index: 0, Values: all},
		{Key: "x", Offset: 1, Index: 1, Values: all},
	})
}

// [nonmonotonic-send-test].
func TestNonmonotonicSend(t *testing.T) {
	b := newHB()
	s1 := b.send(0, "x", 3, 1)
	s2 := b.send(0, "x", 1, 2)
	b.poll(1, polls{"x": pairs(1, 2, 3, 1)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeNonmonotonicSend)
	assertEqual(t, "nonmonotonic-send", w.Anomalies.NonmonotonicSend, []Nonmonotonic{
		{Key: "x", Values: [2]int64{1, 2}, Delta: -1, Ops: [2]OpRef{b.ref(s1), b.ref(s2)}},
	})
}

// [nonmonotonic-send-test]: process 0 sends c d at 3 4, then a b at 1 2,
// with the assign variants.
func TestNonmonotonicSendKafkaTest(t *testing.T) {
	const a, bb, c, d = 1, 2, 3, 4
	build := func(between func(*hb)) (*hb, int, int) {
		b := newHB()
		b.send(0, "x", 3, c)
		sd := b.send(0, "x", 4, d)
		if between != nil {
			between(b)
		}
		sa := b.send(0, "x", 1, a)
		b.send(0, "x", 2, bb)
		return b, sd, sa
	}
	b, sd, sa := build(nil)
	_, w := analyzeHistory(b.h)
	assertEqual(t, "nonmonotonic-send", w.Anomalies.NonmonotonicSend, []Nonmonotonic{
		{Key: "x", Values: [2]int64{d, a}, Delta: -3, Ops: [2]OpRef{b.ref(sd), b.ref(sa)}},
	})
	b, _, _ = build(func(b *hb) { b.assign(0, history.Info, "y") })
	_, w = analyzeHistory(b.h)
	if len(w.Anomalies.NonmonotonicSend) != 0 {
		t.Fatalf("info assign of y should forget x: %+v", w.Anomalies.NonmonotonicSend)
	}
	b, _, _ = build(func(b *hb) { b.assign(0, history.OK, "x", "y") })
	_, w = analyzeHistory(b.h)
	if len(w.Anomalies.NonmonotonicSend) != 1 {
		t.Fatalf("assign of x y should keep x: %+v", w.Anomalies.NonmonotonicSend)
	}
}

// TestG1cRealtime: a poll observed a message whose send began after the
// poll completed.
func TestG1cRealtime(t *testing.T) {
	b := newHB()
	b.pollInv(1)
	read := b.pollOK(1, polls{"x": pairs(0, 1)})
	sendInv := b.sendInv(0, "x", 1)
	write := b.sendOK(0, "x", 0, 1)
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeG1cRealtime, TypeStrongPL2CycleExists)
	assertEqual(t, "G1c-realtime", w.Anomalies.G1cRealtime, []Cycle{{
		Type: TypeG1cRealtime,
		Ops:  []OpRef{b.ref(read), b.ref(write), b.ref(read)},
		Steps: []Step{
			{Type: "realtime", A: read, B: sendInv},
			{Type: "wr", Key: "x", Value: 1},
		},
	}})
	assertEqual(t, "cycle-exists", w.Anomalies.CycleExists, []CycleExists{{
		Type: TypeStrongPL2CycleExists, Not: "strong-read-committed",
		Subgraph: []string{"union", "ww", "wwp", "wr", "wrp", "realtime"},
		SCCSize:  2, SCC: []int{read, write},
	}})
	assertEqual(t, "bad", w.BadErrorTypes, []string{TypeG1cRealtime, TypeStrongPL2CycleExists})
}

// [unseen-test]: an acknowledged message nobody polled.
func TestUnseenOnly(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.send(0, "x", 1, 2)
	last := b.poll(1, polls{"x": pairs(0, 1)})
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeUnseen)
	assertEqual(t, "unseen", w.Anomalies.Unseen, &Unseen{
		Time: int64(last), Counts: map[string]int{"x": 1}, Messages: map[string][]int64{"x": {2}},
	})
	if w.Valid != Invalid {
		t.Fatalf("unseen must invalidate, got %s", w.Valid)
	}
}

// [unseen-test] series: the per-step count of unseen messages.
func TestUnseenSeries(t *testing.T) {
	b := newHB()
	b.poll(0, polls{})
	b.send(0, "x", 0, 1)
	b.send(0, "x", 1, 2)
	b.poll(0, polls{"x": pairs(0, 1)})
	b.poll(0, polls{"x": pairs(1, 2)})
	a, w := analyzeHistory(b.h)
	assertTypes(t, w)
	assertEqual(t, "series", a.unseen, []UnseenPoint{{1, 0}, {3, 1}, {5, 2}, {7, 1}, {9, 0}})
}

// [realtime-lag-test "up to date"]. Jepsen's two-message send
// at time 9 is two sends completing at 9; its two-poll op is one poll.
func TestRealtimeLag(t *testing.T) {
	const a, bb, c, d = 1, 2, 3, 4
	b := newHB()
	b.at(0).add(history.Op{Type: history.Invoke, Process: 0, F: history.FAssign, Keys: []string{"x"}})
	b.at(1).add(history.Op{Type: history.OK, Process: 0, F: history.FAssign, Keys: []string{"x"}})
	b.at(2).pollInv(0)
	b.at(3).pollOK(0, polls{"x": {}})
	b.at(4).sendInv(0, "x", a)
	b.at(5).sendOK(0, "x", 0, a)
	b.at(6).pollInv(0)
	b.at(7).pollOK(0, polls{"x": {}})
	b.at(8).sendInv(1, "x", c)
	b.at(8).sendInv(2, "x", d)
	b.at(9).sendOK(1, "x", 2, c)
	b.at(9).sendOK(2, "x", 3, d)
	b.at(10).pollInv(0)
	b.at(11).add(history.Op{Type: history.OK, Process: 0, F: history.FPoll}) // no results at all
	b.at(12).pollInv(0)
	b.at(13).pollOK(0, polls{"x": pairs(0, a, 1, bb)})
	b.at(14).add(history.Op{Type: history.Invoke, Process: 0, F: history.FAssign, Keys: []string{"x", "y"}})
	b.at(15).add(history.Op{Type: history.OK, Process: 0, F: history.FAssign, Keys: []string{"x", "y"}})
	b.at(16).pollInv(0)
	b.at(17).pollOK(0, polls{})
	b.at(18).add(history.Op{Type: history.Invoke, Process: 0, F: history.FAssign, Keys: []string{"y"}})
	b.at(19).add(history.Op{Type: history.OK, Process: 0, F: history.FAssign, Keys: []string{"y"}})
	b.at(20).add(history.Op{Type: history.Invoke, Process: 0, F: history.FAssign, Keys: []string{"x"}})
	b.at(21).add(history.Op{Type: history.OK, Process: 0, F: history.FAssign, Keys: []string{"x"}})
	b.at(22).pollInv(0)
	b.at(23).pollOK(0, polls{})
	b.at(24).pollInv(0)
	b.at(25).pollOK(0, polls{"x": pairs(0, a, 1, bb, 2, c, 3, d)})
	b.at(26).sendInv(1, "x", bb)
	b.at(27).sendEnd(1, history.Info, "x", bb, "net-timeout")

	a2, w := analyzeHistory(b.h)
	l := func(time int64, p int, k string, lag int64) LagPoint { return LagPoint{time, p, k, lag} }
	assertEqual(t, "lags", a2.lags, []LagPoint{
		l(2, 0, "x", 0), l(6, 0, "x", 1), l(10, 0, "x", 5), l(12, 0, "x", 3),
		l(16, 0, "x", 7), l(16, 0, "y", 0), l(22, 0, "x", 17), l(24, 0, "x", 0),
	})
	worst := l(22, 0, "x", 17)
	assertEqual(t, "worst", w.WorstRealtimeLag, &worst)
}

// [empty-history-test].
func TestEmptyTransactionGraph(t *testing.T) {
	b := newHB()
	b.assign(0, history.OK, "x")
	_, w := analyzeHistory(b.h)
	assertTypes(t, w, TypeEmptyTransactionGraph)
	if w.Valid != Invalid {
		t.Fatalf("valid = %s", w.Valid)
	}
	if r := Check(b.h, Options{}); r.Valid != Invalid {
		t.Fatalf("overall valid = %s", r.Valid)
	}
}
