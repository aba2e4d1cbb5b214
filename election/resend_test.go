package election

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// fixedRand answers every Intn with the same number, clamped into range
// unless raw is set (to feed the elector out-of-range garbage).
type fixedRand struct {
	n   int
	raw bool
}

// Intn returns the fixed answer.
func (f fixedRand) Intn(n int) int {
	if f.raw || f.n < n {
		return f.n
	}
	return n - 1
}

// resendGaps starts e and returns the number of ticks between successive
// re-broadcasts, checking that each one carries the current proposal to
// every other voter.
func resendGaps(t *testing.T, e *Elector, count int) []int {
	t.Helper()
	v := vote(1, 1, 1)
	e.Start(v)
	var gaps []int
	last := 0
	for tick := 1; len(gaps) < count && tick < 10000; tick++ {
		out := e.Tick()
		if len(out) == 0 {
			continue
		}
		if want := []Notification{looking(1, 2, 1, v), looking(1, 3, 1, v)}; !reflect.DeepEqual(out, want) {
			t.Fatalf("tick %d re-sent %v, want %v", tick, out, want)
		}
		gaps = append(gaps, tick-last)
		last = tick
	}
	return gaps
}

func TestResendDoublesUpToMax(t *testing.T) {
	e := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 2, MaxResendTicks: 8})
	if got, want := resendGaps(t, e, 6), []int{2, 4, 8, 8, 8, 8}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resend gaps %v, want %v", got, want)
	}
}

func TestResendJitterAddsUpToHalf(t *testing.T) {
	e := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 2, MaxResendTicks: 8, Rand: fixedRand{n: 1 << 30}})
	// Largest jitter: interval/2 on top of the interval.
	if got, want := resendGaps(t, e, 5), []int{3, 6, 12, 12, 12}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resend gaps with maximal jitter %v, want %v", got, want)
	}
}

func TestResendJitterGarbageIsClamped(t *testing.T) {
	for _, r := range []fixedRand{{n: -5, raw: true}, {n: 1000, raw: true}} {
		e := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 2, MaxResendTicks: 8, Rand: r})
		if got, want := resendGaps(t, e, 4), []int{2, 4, 8, 8}; !reflect.DeepEqual(got, want) {
			t.Fatalf("Rand answering %d: gaps %v, want %v", r.n, got, want)
		}
	}
}

// TestResendJitterDesynchronises: two peers that start together with
// differently seeded Rands do not re-send in lockstep.
func TestResendJitterDesynchronises(t *testing.T) {
	a := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 4, MaxResendTicks: 32, Rand: intn{rand.New(rand.NewPCG(1, 1))}})
	b := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 4, MaxResendTicks: 32, Rand: intn{rand.New(rand.NewPCG(2, 2))}})
	ga, gb := resendGaps(t, a, 8), resendGaps(t, b, 8)
	if reflect.DeepEqual(ga, gb) {
		t.Fatalf("both peers re-sent at gaps %v", ga)
	}
	for _, g := range append(ga, gb...) {
		if g < 4 || g > 48 {
			t.Fatalf("gap %d outside [min, max + max/2] = [4, 48]", g)
		}
	}
}

func TestBroadcastRestartsResendWait(t *testing.T) {
	e := New(Config{ID: 1, Voters: peerIDs(3), FinalizeTicks: 100, MinResendTicks: 3, MaxResendTicks: 3})
	e.Start(vote(1, 1, 1))
	ticks(t, e, 2)
	e.Step(looking(2, 1, 1, vote(2, 1, 2))) // adopted and broadcast now
	ticks(t, e, 2)                          // the old wait would have fired here
	if out := e.Tick(); len(out) != 2 {
		t.Fatalf("no re-send a full interval after the broadcast: %v", out)
	}
}

func TestNoResendAfterDecision(t *testing.T) {
	e := New(Config{ID: 1, Voters: peerIDs(3), MinResendTicks: 1, MaxResendTicks: 1})
	e.Start(vote(1, 1, 1))
	e.Step(looking(2, 1, 1, vote(2, 1, 2)))
	if _, ok := e.Decided(); !ok {
		t.Fatal("setup: no decision")
	}
	ticks(t, e, 20)
}

func TestConfigNormalized(t *testing.T) {
	got := Config{FinalizeTicks: -3, MinResendTicks: 0, MaxResendTicks: -1}.normalized()
	if got.FinalizeTicks != 0 || got.MinResendTicks != 1 || got.MaxResendTicks != 1 {
		t.Fatalf("normalized %+v", got)
	}
	got = Config{MinResendTicks: 5, MaxResendTicks: 2}.normalized()
	if got.MinResendTicks != 5 || got.MaxResendTicks != 5 {
		t.Fatalf("max below min: normalized %+v", got)
	}
	// A huge max must not overflow when doubling.
	b := newBackoff(1<<62, 1<<62+1, nil)
	b.left = 1
	if !b.tick() || b.interval != 1<<62+1 {
		t.Fatalf("doubling near the int limit gave interval %d", b.interval)
	}
}
