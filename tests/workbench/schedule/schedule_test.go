package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestStaggerFirstAtOnceThenGaps(t *testing.T) {
	seed := rand.Int64()
	t.Logf("seed %d", seed)
	s := NewStagger(10*time.Millisecond, Rand(seed, Rate))
	now := 5 * time.Second
	if !s.Ready(now) || s.Due(now) != now {
		t.Fatal("the first event is due at once")
	}
	var sum time.Duration
	const n = 20000
	for range n {
		s.Fire(now)
		gap := s.Due(now) - now
		if gap < 0 || gap >= 20*time.Millisecond {
			t.Fatalf("gap %v outside [0, 20ms)", gap)
		}
		sum += gap
		now += gap
	}
	if mean := sum / n; mean < 9500*time.Microsecond || mean > 10500*time.Microsecond {
		t.Fatalf("mean gap %v, want about 10ms", mean)
	}
}

// TestStaggerNoCatchUp: an event fired late restarts the schedule from the
// moment it fired, so a stalled caller gets no burst.
func TestStaggerNoCatchUp(t *testing.T) {
	s := NewStagger(time.Millisecond, Rand(1, Rate))
	s.Fire(0)
	late := time.Hour
	if !s.Ready(late) {
		t.Fatal("an overdue event is ready")
	}
	s.Fire(late)
	if s.Due(late) < late {
		t.Fatal("after a late event the next is due no earlier than it")
	}
}

func TestStaggerZeroMean(t *testing.T) {
	s := NewStagger(0, Rand(1, Rate))
	s.Fire(time.Second)
	if !s.Ready(time.Second) {
		t.Fatal("a zero mean never delays")
	}
}

func TestSeedsReplayAndSeparate(t *testing.T) {
	a, b := Rand(42, Workload), Rand(42, Workload)
	c := Rand(42, Nemesis)
	same, differ := true, false
	for range 100 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("same seed and component must replay (%v); components must differ (%v)", same, differ)
	}
	if RandFor(1, Final, 0).Uint64() == RandFor(1, Final, 1).Uint64() {
		t.Fatal("instances of a component must draw independently")
	}
	if Seed(1, Network) == Seed(2, Network) || Seed(1, Network) < 0 {
		t.Fatal("derived seeds must differ by run seed and be non-negative")
	}
}

// TestStaggerSlack: a wake-up within the slack keeps the schedule (the gap
// counts from when the event was due); a later one restarts it from now.
func TestStaggerSlack(t *testing.T) {
	onTime, late := NewStagger(time.Second, Rand(9, Rate)), NewStagger(time.Second, Rand(9, Rate))
	onTime.SetSlack(2 * time.Millisecond)
	late.SetSlack(2 * time.Millisecond)
	onTime.Fire(0)
	late.Fire(0)
	due := onTime.Due(0)
	onTime.Fire(due)
	late.Fire(due + time.Millisecond) // a slightly late timer
	if onTime.Due(0) != late.Due(0) {
		t.Fatalf("next due %v vs %v: within the slack the gap counts from the due time", onTime.Due(0), late.Due(0))
	}
	held := late.Due(0) + time.Second // held back: no free thread
	late.Fire(held)
	if late.Due(0) < held {
		t.Fatal("an event held back past the slack restarts the schedule from when it fired")
	}
}
