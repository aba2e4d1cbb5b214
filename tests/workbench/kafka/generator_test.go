package kafka

import (
	"flag"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
)

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized tests (0: random)")

// testSeed returns the seed of a randomized test, printed so a failure
// replays with -seed.
func testSeed(t *testing.T) *rand.Rand {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (replay with -seed %d)", s, s)
	return rand.New(rand.NewPCG(s, 1))
}

// TestTxnSourceKeyBias: with K = 10 the last position is chosen about half
// the time, the one before about a quarter (Elle's rand-key,
// E:src/elle/txn.clj).
func TestTxnSourceKeyBias(t *testing.T) {
	s := NewTxnSource(10, 1<<30, testSeed(t))
	counts := map[int64]int{}
	const n = 200000
	for range n {
		counts[s.Next().Key]++
	}
	for pos, want := range map[int64]float64{9: 0.5, 8: 0.25, 7: 0.125} {
		got := float64(counts[pos]) / n
		if got < want*0.95 || got > want*1.05 {
			t.Errorf("key %d chosen %.4f of the time, want about %.4f", pos, got, want)
		}
	}
	if len(counts) > 10 {
		t.Fatalf("keys outside 0..9 drawn with no retirement: %v", counts)
	}
}

// TestTxnSourceRetirement: each key gets values 1..W in order, then is
// replaced in place by max(active)+1; (key, value) pairs never repeat.
func TestTxnSourceRetirement(t *testing.T) {
	const keyCount, maxWrites = 3, 4
	s := NewTxnSource(keyCount, maxWrites, testSeed(t))
	last := map[int64]int64{}
	reads, writes := 0, 0
	for range 5000 {
		tx := s.Next()
		if !tx.Write {
			reads++
			continue
		}
		writes++
		if tx.Value != last[tx.Key]+1 || tx.Value > maxWrites {
			t.Fatalf("key %d got value %d after %d (max %d)", tx.Key, tx.Value, last[tx.Key], maxWrites)
		}
		last[tx.Key] = tx.Value
	}
	active := s.Active()
	if len(active) != keyCount {
		t.Fatalf("active vector %v", active)
	}
	// Every key below the smallest active one was retired after exactly
	// maxWrites values.
	for k, v := range last {
		if !slices.Contains(active, k) && v != maxWrites {
			t.Fatalf("retired key %d stopped at %d", k, v)
		}
	}
	if max(reads, writes) > 3*min(reads, writes) {
		t.Fatalf("reads %d vs writes %d: not 50/50", reads, writes)
	}
}

// TestTxnSourceRetiresInPlace checks fresh-key directly: the retired key's
// slot takes max+1.
func TestTxnSourceRetiresInPlace(t *testing.T) {
	s := NewTxnSource(1, 1, rand.New(rand.NewPCG(1, 2)))
	var keys []int64
	for len(keys) < 3 {
		if tx := s.Next(); tx.Write {
			keys = append(keys, tx.Key)
			if tx.Value != 1 {
				t.Fatalf("value %d, want 1", tx.Value)
			}
		}
	}
	if !slices.Equal(keys, []int64{0, 1, 2}) {
		t.Fatalf("keys %v, want 0 1 2", keys)
	}
}

func TestTxnSourceHugeKeyCount(t *testing.T) {
	// 2^2000 overflows a float64; positions must stay in range and still
	// favour the end of the vector.
	s := NewTxnSource(2000, 16, testSeed(t))
	last := 0
	for range 10000 {
		p := s.keyPosition()
		if p < 0 || p >= 2000 {
			t.Fatalf("position %d out of range", p)
		}
		if p == 1999 {
			last++
		}
	}
	if last < 4500 || last > 5500 {
		t.Fatalf("last position drawn %d/10000 times, want about half", last)
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	run := func() []Request {
		g := NewGenerator(Config{Concurrency: 4}, rand.New(rand.NewPCG(42, 7)))
		var out []Request
		for i := range 500 {
			out = append(out, g.Next(time.Duration(i)*10*time.Millisecond))
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i].F != b[i].F || a[i].Key != b[i].Key || a[i].Msg != b[i].Msg || !slices.Equal(a[i].Keys, b[i].Keys) {
			t.Fatalf("op %d differs between runs with one seed: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// TestGeneratorMix: sends and polls about 50/50, assigns about 1/64.
func TestGeneratorMix(t *testing.T) {
	g := NewGenerator(Config{Concurrency: 1, CrashInterval: time.Hour * 1000}, testSeed(t))
	counts := map[string]int{}
	const n = 64000
	for range n {
		counts[g.Next(0).F]++
	}
	counts[history.FCrash]-- // the first crash is due at once; at most one in an hour
	if counts[history.FCrash] > 0 {
		t.Fatalf("crashes %d: the crash schedule restarts only when one is emitted", counts[history.FCrash])
	}
	a := float64(counts[history.FAssign]) / n
	if a < 0.8/64 || a > 1.2/64 {
		t.Errorf("assign fraction %.4f, want about 1/64", a)
	}
	if s, p := counts[history.FSend], counts[history.FPoll]; max(s, p) > min(s, p)*11/10 {
		t.Errorf("sends %d, polls %d: want about equal", s, p)
	}
}

// TestGeneratorAssignDoesNotConsume: the op drawn when an assign is emitted
// is offered again next time.
func TestGeneratorAssignDoesNotConsume(t *testing.T) {
	g := NewGenerator(Config{Concurrency: 1, AssignProbability: 1}, testSeed(t))
	g.crashes.Fire(0) // keep crashes out of this test
	first := g.Next(0)
	if first.F != history.FAssign || g.pending == nil {
		t.Fatalf("first op %+v, pending %v", first, g.pending)
	}
	drawn := *g.pending
	if first.Keys[0] != strconv.FormatInt(drawn.Key, 10) {
		t.Fatalf("assign keys %v do not name the drawn key %d", first.Keys, drawn.Key)
	}
	g.cfg.AssignProbability = 1e-300
	next := g.Next(0)
	if drawn.Write {
		if next.F != history.FSend || next.Key != strconv.FormatInt(drawn.Key, 10) || next.Msg != drawn.Value {
			t.Fatalf("next op %+v, want the drawn send %+v", next, drawn)
		}
	} else if next.F != history.FPoll {
		t.Fatalf("next op %+v, want the drawn poll", next)
	}
}

// TestGeneratorCrashSchedule: a crash is due at once; once one is emitted
// the next is not due before its gap, drawn from [0, 2*30s/C), and a due
// crash waits only for the tie with the workload op (1/2 each tick). The gap
// between two crashes is that draw plus the tie-break wait, so the bound is
// checked on the schedule's own due time, not on the emitted gap: a wait of a
// few ticks past a draw near 20 s is legal (seed 15269234256142557293 has a
// 20.05 s gap).
func TestGeneratorCrashSchedule(t *testing.T) {
	rnd := testSeed(t)
	firstCrash := 0
	for range 400 {
		g := NewGenerator(Config{Concurrency: 3}, rand.New(rand.NewPCG(rnd.Uint64(), 0)))
		if g.Next(0).F == history.FCrash {
			firstCrash++
		}
	}
	if firstCrash < 150 || firstCrash > 250 {
		t.Fatalf("the first op was a crash %d/400 times, want about half (a due crash ties with the workload)", firstCrash)
	}
	const tick = 10 * time.Millisecond
	g := NewGenerator(Config{Concurrency: 3}, rnd)
	var crashes []time.Duration
	var waited, dueTicks int // ticks a due crash lost the tie; ticks it was due
	for now := time.Duration(0); now < 10*time.Minute; now += tick {
		due := g.crashes.Due(now)
		if g.Next(now).F != history.FCrash {
			if due <= now {
				waited++
				dueTicks++
			}
			continue
		}
		if now < due {
			t.Fatalf("a crash at %v before it was due at %v", now, due)
		}
		dueTicks++
		crashes = append(crashes, now)
		if gap := g.crashes.Due(now) - now; gap < 0 || gap >= 20*time.Second {
			t.Fatalf("crash at %v: next due after %v, want a gap in [0, 2*30s/3)", now, gap)
		}
	}
	// Mean gap 10 s over 10 minutes: about 60 crashes.
	if len(crashes) < 40 || len(crashes) > 80 {
		t.Fatalf("%d crashes in 10 minutes, want about 60", len(crashes))
	}
	// A due crash wins each tick's tie half the time: about one tick lost per
	// crash. A crash held back for good, or emitted without the tie, fails.
	if lost := float64(waited) / float64(len(crashes)); lost < 0.4 || lost > 2 {
		t.Fatalf("due crashes lost %d ticks over %d crashes (%d due ticks), want about one each", waited, len(crashes), dueTicks)
	}
}

// TestPollUnseenWidens: an assign widened by poll-unseen names the unseen
// keys first, then its own, with the debug map.
func TestPollUnseenWidens(t *testing.T) {
	g := NewGenerator(Config{Concurrency: 1, AssignProbability: 1, UnseenProbability: 1}, testSeed(t))
	g.crashes.Fire(0)
	off := func(o int64) *int64 { return &o }
	g.Observe(history.Op{Type: history.OK, F: history.FSend, Key: "12", Offset: off(3)})
	g.Observe(history.Op{Type: history.OK, F: history.FSend, Key: "4", Offset: off(1)})
	g.Observe(history.Op{Type: history.OK, F: history.FPoll, Polls: map[string][]history.Pair{"4": {{Offset: 0, Msg: 1}}}})
	req := g.Next(0)
	drawn := strconv.FormatInt(g.pending.Key, 10)
	want := []string{"4", "12"}
	if !slices.Contains(want, drawn) {
		want = append(want, drawn)
	}
	if req.F != history.FAssign || !slices.Equal(req.Keys, want) {
		t.Fatalf("assign keys %v, want %v", req.Keys, want)
	}
	wantDebug := map[string]history.Unseen{"4": {Polled: 0, Sent: 1}, "12": {Polled: -1, Sent: 3}}
	if !maps.Equal(req.Unseen, wantDebug) {
		t.Fatalf("unseen %v, want %v", req.Unseen, wantDebug)
	}
	// Polling past everything clears the state: no more widening.
	g.Observe(history.Op{Type: history.OK, F: history.FPoll, Polls: map[string][]history.Pair{"4": {{Offset: 1, Msg: 2}}, "12": {{Offset: 3, Msg: 4}}}})
	if g.unseen.Pending() {
		t.Fatalf("caught-up keys must leave poll-unseen: %+v", g.unseen)
	}
	if req := g.Next(0); req.Unseen != nil || len(req.Keys) != 1 {
		t.Fatalf("assign %+v, want a plain one-key assign", req)
	}
}

func TestPollUnseenIgnoresNonOK(t *testing.T) {
	u := NewPollUnseen()
	off := int64(2)
	u.Observe(history.Op{Type: history.Info, F: history.FSend, Key: "1", Offset: &off})
	u.Observe(history.Op{Type: history.Fail, F: history.FSend, Key: "1", Offset: &off})
	if u.Pending() {
		t.Fatal("only ok completions count")
	}
}

// TestOffsetTracker: per-key maximum over ok sends and polls, -1 for a key
// polled as an empty list, late completions included, others ignored.
func TestOffsetTracker(t *testing.T) {
	tr := NewOffsetTracker()
	off := func(o int64) *int64 { return &o }
	tr.Observe(history.Op{Type: history.OK, F: history.FSend, Key: "1", Offset: off(4)})
	tr.Observe(history.Op{Type: history.OK, F: history.FPoll, Polls: map[string][]history.Pair{"1": {{Offset: 2, Msg: 1}}, "2": {}, "x": {{Offset: 9, Msg: 9}}}})
	tr.Observe(history.Op{Type: history.Info, F: history.FSend, Key: "3", Offset: off(8)})
	tr.Observe(history.Op{Type: history.OK, F: history.FSend, Key: "5", Offset: off(-3)})
	want := map[int64]int64{1: 4, 2: -1, 5: 0}
	if got := tr.Targets(); !maps.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
}

// TestFinalThread walks J:kafka.clj final-polls: crash, assign all target
// keys sorted numerically with seek-to-beginning, then polls with gaps in
// [0, 0.4 s) until this thread's polls reach every target.
func TestFinalThread(t *testing.T) {
	f := NewFinalThread(map[int64]int64{10: 2, 2: -1, 3: 0}, testSeed(t))
	now := time.Second
	if r := f.Next(now); r.F != history.FCrash || !r.Final {
		t.Fatalf("step 1 %+v, want final crash", r)
	}
	r := f.Next(now)
	if r.F != history.FAssign || !r.SeekToBeginning || !slices.Equal(r.Keys, []string{"2", "3", "10"}) {
		t.Fatalf("step 2 %+v, want seek assign of 2 3 10", r)
	}
	if d := f.Due(now); d != now {
		t.Fatalf("the first poll is due at once, got %v", d)
	}
	f.Next(now)
	due := f.Due(now)
	if due < now || due >= now+400*time.Millisecond {
		t.Fatalf("next poll due at %v, want within 0.4 s of %v", due, now)
	}
	// Key 2's target -1 is cleared by an empty list; 10 is not reached yet;
	// a key absent from the reply clears nothing.
	f.Observe(history.Op{Type: history.OK, F: history.FPoll, Polls: map[string][]history.Pair{"2": {}, "10": {{Offset: 0, Msg: 1}, {Offset: 1, Msg: 2}}}})
	if got, want := f.Targets(), map[int64]int64{10: 2, 3: 0}; !maps.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	f.Observe(history.Op{Type: history.Fail, F: history.FPoll, Polls: map[string][]history.Pair{"10": {{Offset: 5, Msg: 5}}}})
	f.Observe(history.Op{Type: history.OK, F: history.FPoll, Polls: map[string][]history.Pair{"10": {{Offset: 2, Msg: 3}}, "3": {{Offset: 0, Msg: 1}}}})
	if !f.Done() {
		t.Fatalf("targets %v left, want done", f.Targets())
	}
}

func TestFinalThreadEmptyTargets(t *testing.T) {
	if f := NewFinalThread(map[int64]int64{}, testSeed(t)); !f.Done() {
		t.Fatal("an empty target map emits nothing")
	}
}

func TestRequestInvocation(t *testing.T) {
	inv := Request{F: history.FAssign, Keys: []string{"1"}, Unseen: map[string]history.Unseen{"1": {Polled: -1, Sent: 0}}, Final: true}.Invocation()
	if inv.Type != history.Invoke || inv.F != history.FAssign || !inv.FinalPhase || len(inv.Unseen) != 1 {
		t.Fatalf("invocation %+v", inv)
	}
}
