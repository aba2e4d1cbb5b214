// Package schedule holds the two pieces of Jepsen's generator timing the
// workbench needs: the stagger (ops spread at random intervals) and the
// derivation of one seeded random source per component from the run's seed.
package schedule

import (
	"math/rand/v2"
	"time"
)

// Stagger spaces events at uniformly random gaps in [0, 2*mean), measured
// from the moment each event actually happened. It is Jepsen's
// generator/stagger (J:jepsen/src/jepsen/generator.clj Stagger): the first
// event may happen at once; after an event at time t the next may happen at
// t + U[0, 2*mean); if that moment has already passed when the caller is ready,
// the event happens immediately and the schedule restarts from then, so a
// stalled caller never gets a burst of catch-up events.
//
// A Stagger is not safe for concurrent use.
type Stagger struct {
	span    time.Duration // 2*mean: the exclusive upper bound of one gap
	rnd     *rand.Rand
	next    time.Duration // earliest time of the next event
	started bool          // false until the first Due: next is then "now"
	// slack is how late an event may fire and still count as on time: the
	// next gap is then measured from when it was due, not from when the
	// caller's timer happened to wake up. See SetSlack.
	slack time.Duration
}

// NewStagger returns a stagger with the given mean gap. A mean of zero or
// less makes every event due at once.
func NewStagger(mean time.Duration, rnd *rand.Rand) *Stagger {
	span := 2 * mean
	if span < 0 {
		span = 0
	}
	return &Stagger{span: span, rnd: rnd}
}

// Due reports the earliest time at which the next event may happen. Before
// the first event that is now itself.
func (s *Stagger) Due(now time.Duration) time.Duration {
	if !s.started {
		s.started = true
		s.next = now
	}
	return s.next
}

// Ready reports whether the next event may happen at now.
func (s *Stagger) Ready(now time.Duration) bool { return s.Due(now) <= now }

// SetSlack lets an event that fires at most slack after it was due count as
// on time. Jepsen's interpreter wakes within microseconds of an op's time,
// so its "restart from now" rule loses almost nothing; a Go timer on a busy
// machine can wake a millisecond late, which at 10 000 ops/s (gaps averaging
// 100 µs) would cut the rate several-fold. Measuring the next gap from the
// due time absorbs that jitter, while an event held back longer (no free
// thread) still restarts the schedule, so there are still no bursts.
func (s *Stagger) SetSlack(slack time.Duration) { s.slack = slack }

// Fire records that an event happened at now and draws the next gap.
func (s *Stagger) Fire(now time.Duration) {
	base := now
	if s.started && now >= s.next && now-s.next <= s.slack {
		base = s.next
	}
	s.started = true
	s.next = base + s.gap()
}

// gap draws one gap uniformly from [0, span).
func (s *Stagger) gap() time.Duration {
	if s.span <= 0 {
		return 0
	}
	return time.Duration(s.rnd.Int64N(int64(s.span)))
}
