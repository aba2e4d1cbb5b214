package kafka

import (
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/schedule"
)

// FinalPollGap is the mean gap between one thread's final-phase polls: the
// final generator staggers polls by 1/5 s, so gaps are U[0, 0.4) s
// (J:kafka.clj final-polls).
const FinalPollGap = 200 * time.Millisecond

// finalStep is where a FinalThread is in its sequence.
type finalStep int

const (
	stepCrash finalStep = iota
	stepAssign
	stepPoll
)

// FinalThread is one client thread's final-phase generator (J:kafka.clj
// FinalPolls inside gen/each-thread): crash, then assign every
// target key seeking to the beginning, then poll at staggered gaps until this
// thread's own ok polls have reached every target offset.
//
// Each thread keeps its own copy of the targets. A thread whose copy is
// empty (also: the whole target map was empty) is done and emits nothing.
type FinalThread struct {
	targets map[int64]int64
	keys    []string // the assign's keys: every target key, ascending
	step    finalStep
	polls   *schedule.Stagger
}

// NewFinalThread returns the final-phase generator of one thread, given the
// target map snapshot (Generator.Targets at the start of the phase).
func NewFinalThread(targets map[int64]int64, rnd *rand.Rand) *FinalThread {
	return &FinalThread{
		targets: maps.Clone(targets),
		keys:    keyStrings(slices.Sorted(maps.Keys(targets))),
		polls:   schedule.NewStagger(FinalPollGap, rnd),
	}
}

// Done reports whether the thread has nothing left to do.
func (f *FinalThread) Done() bool { return len(f.targets) == 0 }

// Due reports the earliest time the next request may go, given the thread
// is free at now.
func (f *FinalThread) Due(now time.Duration) time.Duration {
	if f.step != stepPoll {
		return now
	}
	return max(now, f.polls.Due(now))
}

// Next returns the thread's next request, issued at now (which must be at
// least Due). It must not be called when Done.
func (f *FinalThread) Next(now time.Duration) Request {
	switch f.step {
	case stepCrash:
		f.step = stepAssign
		return Request{F: history.FCrash, Final: true}
	case stepAssign:
		f.step = stepPoll
		return Request{F: history.FAssign, Keys: slices.Clone(f.keys), SeekToBeginning: true, Final: true}
	default:
		f.polls.Fire(now)
		return Request{F: history.FPoll, Final: true}
	}
}

// Observe feeds this thread's own completion: an ok poll removes every
// target it reached (a key polled as an empty list counts as offset -1, so
// it clears a -1 target; a key absent from the reply clears nothing).
func (f *FinalThread) Observe(op history.Op) {
	if op.Type != history.OK || op.F != history.FPoll {
		return
	}
	for k, seen := range maxOffsets(op) {
		if get(f.targets, k) <= seen {
			delete(f.targets, k)
		}
	}
}

// Targets returns a copy of what this thread still waits for.
func (f *FinalThread) Targets() map[int64]int64 { return maps.Clone(f.targets) }
