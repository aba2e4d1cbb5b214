package kafka

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
)

func send(key string, msg int64) Op { return Op{Kind: OpSend, Key: key, Msg: msg} }

func commitOp(offsets map[string]int64) Op { return Op{Kind: OpCommitOffsets, Offsets: offsets} }

// TestKafkaCommittedAtLeast: true only when every key asked for has a
// committed offset at least as high.
func TestKafkaCommittedAtLeast(t *testing.T) {
	k := New()
	for i := int64(0); i < 6; i++ {
		k.Apply(uint64(i+1), []Op{send("a", i), send("b", i)})
	}
	k.Apply(10, []Op{commitOp(map[string]int64{"a": 5, "b": 2})})
	for _, tc := range []struct {
		offsets map[string]int64
		want    bool
	}{
		{map[string]int64{}, true},
		{map[string]int64{"a": 5}, true},
		{map[string]int64{"a": 0, "b": 2}, true},
		{map[string]int64{"a": 6}, false},
		{map[string]int64{"a": 5, "b": 3}, false},
		{map[string]int64{"c": 0}, false}, // never committed
		{map[string]int64{"a": 1, "c": 0}, false},
	} {
		if got := k.CommittedAtLeast(tc.offsets); got != tc.want {
			t.Errorf("CommittedAtLeast(%v) = %v, want %v", tc.offsets, got, tc.want)
		}
	}
}

// msgs builds the expected Poll result for offsets from.. with messages ms.
func msgs(from int64, ms ...int64) []Message {
	var out []Message
	for i, m := range ms {
		out = append(out, Message{Offset: from + int64(i), Msg: m})
	}
	return out
}

func TestKafkaOffsetsAreDensePerKeyInApplyOrder(t *testing.T) {
	k := New()
	res := k.Apply(1, []Op{send("a", 10), send("b", 20), send("a", 11)})
	if want := []Result{{Offset: 0}, {Offset: 0}, {Offset: 1}}; !slices.Equal(res, want) {
		t.Fatalf("results %v, want %v", res, want)
	}
	res = k.Apply(2, []Op{send("b", 21), commitOp(map[string]int64{"a": 1}), send("a", 12), {Kind: 99, Key: "a"}})
	if want := []Result{{Offset: 1}, {Offset: -1}, {Offset: 2}, {Offset: -1}}; !slices.Equal(res, want) {
		t.Fatalf("results %v, want %v (commit and unknown ops get -1)", res, want)
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 10, 11, 12)) {
		t.Fatalf("Poll(a) = %v", got)
	}
	if got := k.Poll("b", 0, 0); !slices.Equal(got, msgs(0, 20, 21)) {
		t.Fatalf("Poll(b) = %v", got)
	}
	if k.AppliedZxid() != 2 || k.NextOffset("a") != 3 || k.NextOffset("zz") != 0 {
		t.Fatalf("AppliedZxid %d, NextOffset(a) %d", k.AppliedZxid(), k.NextOffset("a"))
	}
}

func TestKafkaIgnoresBatchesAlreadyApplied(t *testing.T) {
	// A redelivered batch, or one the restored snapshot covers, must not
	// assign offsets a second time.
	k := New()
	k.Apply(5, []Op{send("a", 1)})
	for _, z := range []uint64{0, 4, 5} {
		if res := k.Apply(z, []Op{send("a", 2)}); res != nil {
			t.Fatalf("Apply(%d) after 5 = %v, want nil", z, res)
		}
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 1)) {
		t.Fatalf("Poll = %v", got)
	}
	if k.AppliedZxid() != 5 {
		t.Fatalf("AppliedZxid = %d", k.AppliedZxid())
	}
}

func TestKafkaPollRanges(t *testing.T) {
	k := New()
	for i := int64(0); i < 10; i++ {
		k.Apply(uint64(i+1), []Op{send("a", 100+i)})
	}
	for _, tc := range []struct {
		from  int64
		limit int
		want  []Message
	}{
		{0, 0, msgs(0, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109)},
		{7, 0, msgs(7, 107, 108, 109)},
		{3, 2, msgs(3, 103, 104)},
		{-5, 1, msgs(0, 100)},
		{9, 5, msgs(9, 109)},
		{10, 0, nil},
		{1 << 62, 3, nil},
	} {
		if got := k.Poll("a", tc.from, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("Poll(a, %d, %d) = %v, want %v", tc.from, tc.limit, got, tc.want)
		}
	}
	if got := k.Poll("never-sent", 0, 0); got != nil {
		t.Errorf("Poll of an unknown key = %v", got)
	}
}

func TestKafkaCommittedOffsetsNeverMoveBack(t *testing.T) {
	k := New()
	for i := int64(0); i < 6; i++ {
		k.Apply(uint64(i+1), []Op{send("a", i), send("b", i)})
	}
	k.Apply(10, []Op{commitOp(map[string]int64{"a": 5, "b": 2})})
	k.Apply(11, []Op{commitOp(map[string]int64{"a": 3, "b": 4})})
	got := k.CommittedOffsets([]string{"a", "b", "c"})
	if want := map[string]int64{"a": 5, "b": 4}; !maps.Equal(got, want) {
		t.Fatalf("CommittedOffsets = %v, want %v (c has none and is left out)", got, want)
	}
	if got := k.CommittedOffsets(nil); len(got) != 2 {
		t.Fatalf("CommittedOffsets(nil) = %v, want every key", got)
	}
	if got := k.CommittedOffsets([]string{}); len(got) != 0 {
		t.Fatalf("CommittedOffsets(empty) = %v, want none", got)
	}
}

func TestKafkaReplicasAgree(t *testing.T) {
	// Same batches, same order: same offsets, same snapshot bytes, even
	// though keys appear in different map orders inside the commits.
	batches := [][]Op{
		{send("x", 1), send("y", 2), commitOp(map[string]int64{"x": 0, "y": 0})},
		{send("y", 3), send("x", 4)},
	}
	a, b := New(), New()
	for i, ops := range batches {
		ra := a.Apply(uint64(i+1), ops)
		rb := b.Apply(uint64(i+1), ops)
		if !slices.Equal(ra, rb) {
			t.Fatalf("replicas assigned %v and %v", ra, rb)
		}
	}
	if !a.Equal(b) || !bytes.Equal(a.Snapshot(), b.Snapshot()) {
		t.Fatal("replicas differ")
	}
	b.Apply(3, []Op{send("x", 5)})
	if a.Equal(b) {
		t.Fatal("Equal missed a difference")
	}
}

func TestKafkaSnapshotRoundTrip(t *testing.T) {
	k := New()
	k.Apply(7, []Op{send("a", 1), send("b", -2), send("a", 3), commitOp(map[string]int64{"a": 1, "b": 0})})
	r, err := Restore(k.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal(k) || r.AppliedZxid() != 7 {
		t.Fatal("restored state differs")
	}
	if got := r.Poll("a", 1, 0); !slices.Equal(got, msgs(1, 3)) {
		t.Fatalf("restored Poll = %v", got)
	}
	// Offsets continue where the snapshot left off.
	if res := r.Apply(8, []Op{send("a", 4)}); res[0].Offset != 2 {
		t.Fatalf("first send after restore got offset %d, want 2", res[0].Offset)
	}
	empty, err := Restore(New().Snapshot())
	if err != nil || !empty.Equal(New()) {
		t.Fatalf("empty round trip: %v", err)
	}
}

func TestRestoreKafkaRejectsMalformedInput(t *testing.T) {
	k := New()
	k.Apply(1, []Op{send("a", 1), send("b", 2), commitOp(map[string]int64{"a": 0})})
	valid := k.Snapshot()
	for n := 0; n < len(valid); n++ {
		if _, err := Restore(valid[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d/%d bytes restored: %v", n, len(valid), err)
		}
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"bad version", []byte{9, 0, 0, 0}},
		{"trailing bytes", append(bytes.Clone(valid), 0)},
		{"keys unsorted", []byte{1, 0, 2, 1, 'b', 0, 1, 'a', 0, 0}},
		{"message count beyond input", []byte{1, 0, 1, 1, 'a', 100, 0}},
		// Version 2: applied 0, no keys, no commits, then origins.
		{"origins missing", []byte{2, 0, 0, 0}},
		{"origins unsorted", []byte{2, 0, 0, 0, 2, 1, 'b', 1, 1, 1, 1, 0, 1, 'a', 1, 1, 1, 1, 0}},
		{"zero incarnation", []byte{2, 0, 0, 0, 1, 1, 'a', 0, 1, 1, 1, 0}},
		{"zero hi", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 0, 1, 1, 0}},
		{"no requests", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 1, 0}},
		{"zero gap", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 2, 2, 1, 0, 0, 0}},
		{"gap beyond hi", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 2, 1, 3, 0}},
		{"last request not hi", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 2, 1, 1, 0}},
		{"unknown result", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 1, 1, 1, 9}}, // zigzag 9 = -5
		{"request count beyond input", []byte{2, 0, 0, 0, 1, 1, 'a', 1, 1, 100, 1, 0}},
	} {
		if _, err := Restore(tc.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", tc.name, err)
		}
	}
}

// TestKafkaAgainstModel applies random batches to State and to a plain
// slices-and-maps model and compares every result and read. The ops come
// from three origins, each restarting now and then, and some are
// re-applied later (as a duplicated forward would be), so the model
// applies each identity once; commits are sometimes invalid. Replay one
// seed with KAFKA_SEED=n.
func TestKafkaAgainstModel(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if v := os.Getenv("KAFKA_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{s}
	}
	for _, seed := range seeds {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Logf("seed %d (replay with KAFKA_SEED=%d)", seed, seed)
			modelRun(t, seed)
		})
	}
}

func modelRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	k := New()
	logs := map[string][]int64{}
	committed := map[string]int64{}
	// The model's dedupe: every (origin, incarnation, seq) applied, with
	// its result; the newest incarnation per origin. Every op here is
	// re-applied, if at all, within far fewer than DedupeWindow of its
	// origin's later requests, so nothing is stale unless its origin
	// restarted.
	type ident struct {
		origin   string
		inc, seq uint64
	}
	seen := map[ident]Result{}
	newest := map[string]uint64{}  // the newest incarnation generated
	current := map[string]uint64{} // the newest incarnation applied
	nextSeq := map[string]uint64{}
	var history []Op // ops applied so far, for re-delivery
	dups, stale, refused := 0, 0, 0
	key := func() string { return strconv.Itoa(rng.IntN(6)) }
	for zxid := uint64(1); zxid <= 400; zxid++ {
		ops := make([]Op, 1+rng.IntN(8))
		for i := range ops {
			if len(history) > 0 && rng.IntN(6) == 0 {
				ops[i] = history[rng.IntN(len(history))] // a duplicate
				continue
			}
			origin := "n" + strconv.Itoa(rng.IntN(3))
			if newest[origin] == 0 || rng.IntN(50) == 0 {
				newest[origin]++ // a restart
				nextSeq[origin] = 0
			}
			nextSeq[origin]++
			id := Op{Origin: origin, Incarnation: newest[origin], Seq: nextSeq[origin]}
			if rng.IntN(4) == 0 {
				id.Kind, id.Offsets = OpCommitOffsets, map[string]int64{key(): rng.Int64N(50) - 2, key(): rng.Int64N(50) - 2}
			} else {
				id.Kind, id.Key, id.Msg = OpSend, key(), rng.Int64()
			}
			ops[i] = id
		}
		res := k.Apply(zxid, ops)
		for i, op := range ops {
			id := ident{op.Origin, op.Incarnation, op.Seq}
			var want Result
			if op.Incarnation > current[op.Origin] {
				current[op.Origin] = op.Incarnation
			}
			if first, ok := seen[id]; op.Incarnation < current[op.Origin] {
				want = Result{Offset: -1, Refused: ErrStale}
			} else if ok {
				want = first
				want.Duplicate = true
			} else {
				want = modelApply(op, logs, committed)
				seen[id] = want
				history = append(history, op)
			}
			if !sameResult(res[i], want) {
				t.Fatalf("seed %d zxid %d op %+v: result %+v, want %+v", seed, zxid, op, res[i], want)
			}
			switch {
			case want.Duplicate:
				dups++
			case errors.Is(want.Refused, ErrStale):
				stale++
			case want.Refused != nil:
				refused++
			}
		}
		if zxid%50 == 0 { // also through a snapshot now and then
			r, err := Restore(k.Snapshot())
			if err != nil {
				t.Fatalf("seed %d: restore: %v", seed, err)
			}
			if !r.Equal(k) {
				t.Fatalf("seed %d: restored state differs", seed)
			}
			k = r
		}
		kk := key()
		from, limit := rng.Int64N(int64(len(logs[kk])+2)), rng.IntN(5)
		want := logs[kk][min(from, int64(len(logs[kk]))):]
		if limit > 0 && len(want) > limit {
			want = want[:limit]
		}
		var wantMsgs []Message
		for i, m := range want {
			wantMsgs = append(wantMsgs, Message{Offset: from + int64(i), Msg: m})
		}
		if got := k.Poll(kk, from, limit); !slices.Equal(got, wantMsgs) {
			t.Fatalf("seed %d zxid %d: Poll(%s, %d, %d) = %v, want %v", seed, zxid, kk, from, limit, got, wantMsgs)
		}
		if got := k.CommittedOffsets(nil); !maps.Equal(got, committed) {
			t.Fatalf("seed %d zxid %d: committed %v, want %v", seed, zxid, got, committed)
		}
	}
	t.Logf("%d duplicates, %d stale, %d commits refused", dups, stale, refused)
	if dups == 0 || stale == 0 || refused == 0 || len(committed) == 0 {
		t.Fatalf("seed %d exercised too little: %d duplicates, %d stale, %d refused, committed %v", seed, dups, stale, refused, committed)
	}
}

// modelApply is the model's first application of op.
func modelApply(op Op, logs map[string][]int64, committed map[string]int64) Result {
	if op.Kind == OpSend {
		logs[op.Key] = append(logs[op.Key], op.Msg)
		return Result{Offset: int64(len(logs[op.Key]) - 1)}
	}
	keys := slices.Sorted(maps.Keys(op.Offsets))
	for _, key := range keys {
		off := op.Offsets[key]
		switch {
		case off < 0:
			return Result{Offset: -1, Refused: ErrCommitNegative}
		case logs[key] == nil:
			return Result{Offset: -1, Refused: ErrCommitNoKey}
		case off >= int64(len(logs[key])):
			return Result{Offset: -1, Refused: ErrCommitBeyond}
		}
	}
	for key, off := range op.Offsets {
		if cur, ok := committed[key]; !ok || off > cur {
			committed[key] = off
		}
	}
	return Result{Offset: -1}
}

// sameResult compares results, each refusal by the sentinel it wraps.
func sameResult(got, want Result) bool {
	return got.Offset == want.Offset && got.Duplicate == want.Duplicate && reason(got.Refused) == reason(want.Refused)
}

// reason is the sentinel error err wraps (nil for nil).
func reason(err error) error {
	for _, r := range []error{ErrStale, ErrCommitNegative, ErrCommitNoKey, ErrCommitBeyond} {
		if errors.Is(err, r) {
			return r
		}
	}
	return err
}

// identified is a send with an identity.
func identified(origin string, inc, seq uint64, key string, msg int64) Op {
	return Op{Kind: OpSend, Key: key, Msg: msg, Origin: origin, Incarnation: inc, Seq: seq}
}

// TestKafkaAppliesEachRequestOnce: a request applied a second time, in the
// same batch or a later one, changes nothing and gets the first result
// again, for sends (the offset) and commits (ok or the refusal) alike;
// the log holds each message once. Ops without identity are applied
// every time.
func TestKafkaAppliesEachRequestOnce(t *testing.T) {
	k := New()
	s1 := identified("n1", 1, 1, "a", 10)
	s2 := identified("n2", 1, 1, "a", 20) // same seq, other origin: another request
	res := k.Apply(1, []Op{s1, s2, s1})
	if want := []Result{{Offset: 0}, {Offset: 1}, {Offset: 0, Duplicate: true}}; !slices.Equal(res, want) {
		t.Fatalf("results %+v, want %+v", res, want)
	}
	good := Op{Kind: OpCommitOffsets, Offsets: map[string]int64{"a": 1}, Origin: "n1", Incarnation: 1, Seq: 2}
	bad := Op{Kind: OpCommitOffsets, Offsets: map[string]int64{"a": 9}, Origin: "n1", Incarnation: 1, Seq: 3}
	k.Apply(2, []Op{good, bad})
	res = k.Apply(3, []Op{s2, good, bad, send("a", 30), send("a", 30)})
	if !res[0].Duplicate || res[0].Offset != 1 || !res[1].Duplicate || res[1].Refused != nil ||
		!res[2].Duplicate || !errors.Is(res[2].Refused, ErrCommitBeyond) {
		t.Fatalf("duplicates: %+v", res)
	}
	if res[3].Offset != 2 || res[4].Offset != 3 || res[3].Duplicate || res[4].Duplicate {
		t.Fatalf("ops without identity: %+v, want both applied", res[3:])
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 10, 20, 30, 30)) {
		t.Fatalf("Poll(a) = %v", got)
	}
}

// TestKafkaDedupeOutOfOrder: an origin's requests may be applied out of
// order (two forwards reordered, or a held batch proposed by a re-elected
// leader); an older one never applied before is applied, and each is
// applied once.
func TestKafkaDedupeOutOfOrder(t *testing.T) {
	k := New()
	r := k.Apply(1, []Op{identified("n1", 1, 5, "a", 5), identified("n1", 1, 9, "a", 9)})
	r = append(r, k.Apply(2, []Op{identified("n1", 1, 2, "a", 2), identified("n1", 1, 9, "a", 9), identified("n1", 1, 7, "a", 7)})...)
	r = append(r, k.Apply(3, []Op{identified("n1", 1, 2, "a", 2), identified("n1", 1, 5, "a", 5)})...)
	want := []Result{{Offset: 0}, {Offset: 1}, {Offset: 2}, {Offset: 1, Duplicate: true}, {Offset: 3},
		{Offset: 2, Duplicate: true}, {Offset: 0, Duplicate: true}}
	if !slices.Equal(r, want) {
		t.Fatalf("results %+v, want %+v", r, want)
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 5, 9, 2, 7)) {
		t.Fatalf("Poll(a) = %v", got)
	}
}

// TestKafkaDedupeWindow: a request older than the window is refused as
// stale, whether it was applied (a late duplicate) or never was; one just
// inside it is still recognised; and the remembered state stays bounded
// however many requests an origin makes.
func TestKafkaDedupeWindow(t *testing.T) {
	k := New()
	const skipped = 3 // a request of n1 that never arrived in time
	z := uint64(0)
	for seq := uint64(1); seq <= 3*DedupeWindow; seq++ {
		if seq == skipped {
			continue
		}
		z++
		k.Apply(z, []Op{identified("n1", 1, seq, "a", int64(seq))})
		if n := len(k.origins["n1"].ring); n > DedupeWindow {
			t.Fatalf("after %d requests the ring has %d slots", seq, n)
		}
	}
	hi := uint64(3 * DedupeWindow)
	next := k.NextOffset("a")
	res := k.Apply(z+1, []Op{
		identified("n1", 1, skipped, "a", -1),          // never applied, now too old
		identified("n1", 1, hi-DedupeWindow, "a", -2),  // applied, and just out of the window
		identified("n1", 1, hi-DedupeWindow+1, "a", 0), // applied, just inside
	})
	if !errors.Is(res[0].Refused, ErrStale) || !errors.Is(res[1].Refused, ErrStale) || res[0].Offset != -1 {
		t.Fatalf("old requests: %+v, want stale", res[:2])
	}
	if !res[2].Duplicate || res[2].Offset != int64(hi-DedupeWindow+1)-2 {
		t.Fatalf("request inside the window: %+v, want the duplicate of offset %d", res[2], hi-DedupeWindow-1)
	}
	if k.NextOffset("a") != next {
		t.Fatal("a stale or duplicate request was appended")
	}
	snap := len(k.Snapshot())
	if snap > 8*DedupeWindow+int(next)*8 {
		t.Fatalf("snapshot of %d bytes: dedupe state not bounded", snap)
	}
}

// TestKafkaDedupeIncarnations: a restarted origin (a higher incarnation)
// starts afresh, its seqs from 1 again; requests of its previous run that
// arrive after that are stale; origins are independent.
func TestKafkaDedupeIncarnations(t *testing.T) {
	k := New()
	k.Apply(1, []Op{identified("n1", 5, 1, "a", 1), identified("n1", 5, 2, "a", 2), identified("n2", 1, 1, "b", 1)})
	res := k.Apply(2, []Op{
		identified("n1", 6, 1, "a", 3),     // the new run's first request: not a duplicate of (5, 1)
		identified("n1", 5, 3, "a", 4),     // the old run's, arriving late
		identified("n1", 5, 1, "a", 1),     // the old run's, a duplicate arriving late
		identified("n2", 1, 1, "b", 1),     // n2 unaffected: still a duplicate
		identified("n1", 6, 1, "a", 3),     // duplicate in the new run
		identified("n1", 4, 9, "a", 5),     // an even older run
		identified("n3", 1<<63, 1, "c", 1), // another origin
	})
	if res[0] != (Result{Offset: 2}) || !errors.Is(res[1].Refused, ErrStale) || !errors.Is(res[2].Refused, ErrStale) ||
		!res[3].Duplicate || !res[4].Duplicate || res[4].Offset != 2 || !errors.Is(res[5].Refused, ErrStale) || res[6] != (Result{Offset: 0}) {
		t.Fatalf("results %+v", res)
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 1, 2, 3)) {
		t.Fatalf("Poll(a) = %v", got)
	}
}

// TestKafkaCommitValidation: commit_offsets takes effect only when every
// offset names a message that exists when the commit is applied; anything
// else is refused whole and changes nothing, with the reason.
func TestKafkaCommitValidation(t *testing.T) {
	k := New()
	k.Apply(1, []Op{send("a", 0), send("a", 1), send("a", 2), send("b", 0)}) // a: 0..2, b: 0
	for _, tc := range []struct {
		name    string
		offsets map[string]int64
		want    error
	}{
		{"negative", map[string]int64{"a": -1}, ErrCommitNegative},
		{"key never written", map[string]int64{"zz": 0}, ErrCommitNoKey},
		{"the next offset", map[string]int64{"a": 3}, ErrCommitBeyond},
		{"max int64", map[string]int64{"a": 1<<63 - 1}, ErrCommitBeyond},
		{"one bad key spoils the rest", map[string]int64{"a": 1, "b": 1}, ErrCommitBeyond},
		{"min int64", map[string]int64{"b": -1 << 63}, ErrCommitNegative},
		{"last message", map[string]int64{"a": 2, "b": 0}, nil},
		{"behind the committed offset", map[string]int64{"a": 0}, nil},
		{"nothing", map[string]int64{}, nil},
	} {
		before := k.CommittedOffsets(nil)
		z := k.AppliedZxid() + 1
		res := k.Apply(z, []Op{commitOp(tc.offsets)})
		if tc.want == nil {
			if res[0] != (Result{Offset: -1}) {
				t.Errorf("%s: %+v, want it taken", tc.name, res[0])
			}
			continue
		}
		if !errors.Is(res[0].Refused, tc.want) || res[0].Offset != -1 {
			t.Errorf("%s: %+v, want refused with %v", tc.name, res[0], tc.want)
		}
		if after := k.CommittedOffsets(nil); !maps.Equal(before, after) {
			t.Errorf("%s: a refused commit changed %v to %v", tc.name, before, after)
		}
	}
	if got := k.CommittedOffsets(nil); !maps.Equal(got, map[string]int64{"a": 2, "b": 0}) {
		t.Fatalf("committed %v", got)
	}
}

// TestKafkaSnapshotKeepsDedupe: the dedupe state travels in the snapshot,
// so a replica restored from it (after a restart, or a SNAP from the
// leader) treats every later copy exactly as the original does.
func TestKafkaSnapshotKeepsDedupe(t *testing.T) {
	k := New()
	k.Apply(1, []Op{identified("n1", 3, 1, "a", 1), identified("n2", 9, 4, "a", 2),
		{Kind: OpCommitOffsets, Offsets: map[string]int64{"a": 5}, Origin: "n2", Incarnation: 9, Seq: 5}})
	for seq := uint64(2); seq < DedupeWindow+10; seq++ { // n1 slides its window
		k.Apply(k.AppliedZxid()+1, []Op{identified("n1", 3, seq, "b", int64(seq))})
	}
	r, err := Restore(k.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal(k) {
		t.Fatal("restored state differs")
	}
	later := []Op{
		identified("n2", 9, 4, "a", 2), // duplicate send
		{Kind: OpCommitOffsets, Offsets: map[string]int64{"a": 5}, Origin: "n2", Incarnation: 9, Seq: 5}, // duplicate refused commit
		identified("n1", 3, 1, "a", 1),              // out of n1's window by now
		identified("n1", 3, DedupeWindow+9, "b", 0), // duplicate inside it
		identified("n1", 2, 1, "a", 1),              // an older run of n1
		identified("n2", 9, 6, "a", 3),              // new
	}
	z := k.AppliedZxid() + 1
	want, got := k.Apply(z, later), r.Apply(z, later)
	for i := range want {
		if !sameResult(got[i], want[i]) {
			t.Fatalf("op %d: restored replica gives %+v, the original %+v", i, got[i], want[i])
		}
	}
	if !want[0].Duplicate || !errors.Is(want[1].Refused, ErrCommitBeyond) || !errors.Is(want[2].Refused, ErrStale) ||
		!want[3].Duplicate || !errors.Is(want[4].Refused, ErrStale) || want[5].Offset != 2 {
		t.Fatalf("results %+v", want)
	}
	if !r.Equal(k) {
		t.Fatal("replicas differ after the same ops")
	}
}

// kafkaSnapshotV1 is a version 1 snapshot as the previous encoder wrote it:
// applied 7, key "a" with messages 5 and -1, committed {"a": 0}.
var kafkaSnapshotV1 = []byte{1, 7, 1, 1, 'a', 2, 10, 1, 1, 1, 'a', 0}

func TestRestoreKafkaVersion1(t *testing.T) {
	k, err := Restore(kafkaSnapshotV1)
	if err != nil {
		t.Fatal(err)
	}
	if k.AppliedZxid() != 7 || !slices.Equal(k.Poll("a", 0, 0), msgs(0, 5, -1)) || !maps.Equal(k.CommittedOffsets(nil), map[string]int64{"a": 0}) {
		t.Fatalf("restored %d %v %v", k.AppliedZxid(), k.Poll("a", 0, 0), k.CommittedOffsets(nil))
	}
}

// FuzzRestoreKafka feeds Restore arbitrary bytes: no panic, and an
// accepted snapshot re-encodes to the same state.
func FuzzRestoreKafka(f *testing.F) {
	k := New()
	k.Apply(3, []Op{send("a", 1), send("b", 2), commitOp(map[string]int64{"a": 0})})
	f.Add(k.Snapshot())
	f.Add(New().Snapshot())
	f.Add([]byte{1, 0, 1, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add(kafkaSnapshotV1)
	d := New()
	d.Apply(1, []Op{identified("n1", 2, 3, "a", 1), identified("n1", 2, 1, "a", 2), send("b", 1)})
	f.Add(d.Snapshot())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Restore(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := Restore(r.Snapshot())
		if err != nil || !again.Equal(r) {
			t.Fatalf("accepted snapshot does not round-trip: %v", err)
		}
	})
}

// TestKafkaDedupeRingAgainstModel drives one origin's dedupe state with
// requests far out of order (some held back until many later ones were
// applied, some repeated from anywhere behind the highest, some from
// just inside or just outside the window), through snapshots now and
// then, and checks each verdict against a model that remembers every seq
// it ever applied. It covers the ring's growth (a held-back request lands
// in a slot a newer one holds) and its reuse of slots that left the
// window. Replay one seed with KAFKA_SEED=n.
func TestKafkaDedupeRingAgainstModel(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if v := os.Getenv("KAFKA_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{s}
	}
	for _, w := range []uint64{DedupeWindow, 64, 1} {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("window=%d/seed=%d", w, seed), func(t *testing.T) {
				t.Logf("seed %d (replay with KAFKA_SEED=%d)", seed, seed)
				dedupeRingRun(t, w, seed)
			})
		}
	}
}

// dedupeRingRun is one run of TestKafkaDedupeRingAgainstModel.
func dedupeRingRun(t *testing.T, w, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	k := NewWindow(int(w))
	applied := map[uint64]int64{} // seq -> offset of its send
	var hi, next uint64           // highest applied; highest handed out
	var held []uint64             // seqs handed out, not yet applied
	grows, stale, dups := 0, 0, 0
	for z := uint64(1); z <= 60000; z++ {
		var seq uint64
		switch r := rng.IntN(100); {
		case r < 70 || hi == 0: // the next ones, some held back
			next++
			seq = next
			for rng.IntN(8) == 0 {
				held = append(held, seq)
				next++
				seq = next
			}
		case r < 80 && len(held) > 0: // a held-back one, however late
			i := rng.IntN(len(held))
			seq = held[i]
			held = slices.Delete(held, i, i+1)
		case r < 90: // anywhere up to twice the window behind
			seq = max(1, hi-min(hi-1, rng.Uint64N(2*w)))
		default: // at the edge of the window
			seq = max(1, hi-min(hi-1, w-2+rng.Uint64N(4)))
		}
		before := len(k.origins["n1"].ringOrNil())
		res := k.Apply(z, []Op{identified("n1", 1, seq, "a", int64(seq))})[0]
		if len(k.origins["n1"].ring) > before && before > 0 {
			grows++
		}
		off, seen := applied[seq]
		switch {
		case hi >= w && seq <= hi-w:
			stale++
			if !errors.Is(res.Refused, ErrStale) {
				t.Fatalf("seed %d: seq %d with hi %d: %+v, want stale", seed, seq, hi, res)
			}
		case seen:
			dups++
			if !res.Duplicate || res.Offset != off {
				t.Fatalf("seed %d: seq %d with hi %d: %+v, want the duplicate of offset %d", seed, seq, hi, res, off)
			}
		default:
			if res.Duplicate || res.Refused != nil {
				t.Fatalf("seed %d: seq %d with hi %d, never applied: %+v", seed, seq, hi, res)
			}
			applied[seq] = res.Offset
			hi = max(hi, seq)
		}
		if z%7919 == 0 {
			r, err := RestoreWindow(k.Snapshot(), int(w))
			if err != nil || !r.Equal(k) {
				t.Fatalf("seed %d: restore at %d: %v", seed, z, err)
			}
			k = r
		}
	}
	t.Logf("hi %d; %d ring growths, %d stale, %d duplicates", hi, grows, stale, dups)
	if (grows == 0 && w > minRing) || stale == 0 || dups == 0 || hi < 4*w {
		t.Fatalf("seed %d exercised too little", seed)
	}
}

// ringOrNil is o's ring, nil for an origin not yet seen.
func (o *originState) ringOrNil() []remembered {
	if o == nil {
		return nil
	}
	return o.ring
}
