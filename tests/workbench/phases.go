package workbench

import (
	"time"

	"zabkafka/tests/workbench/kafka"
	"zabkafka/tests/workbench/schedule"
)

// paceSlack is how late the runner may wake for a client op and still keep
// the rate schedule (schedule.Stagger.SetSlack).
const paceSlack = 2 * time.Millisecond

// phases runs the test's phases in order (M:core.clj maelstrom-test).
func (r *runner) phases() error {
	if err := r.mainPhase(); err != nil {
		return err
	}
	r.phase = "drain"
	if err := r.drain(); err != nil {
		return err
	}
	if r.nemesis != nil {
		// The nemesis's final generator: heal, resume, restart.
		for _, a := range r.nemesis.final() {
			r.startNemesis(a)
			if err := r.drain(); err != nil {
				return err
			}
		}
	}
	r.phase = "recovery"
	r.opts.Logf("Waiting for recovery...")
	if err := r.waitUntil(r.now()+r.opts.RecoveryWait, nil); err != nil {
		return err
	}
	r.phase = "final"
	if err := r.finalPhase(); err != nil {
		return err
	}
	r.phase = "final-drain"
	return r.drain()
}

// mainPhase hands out client ops paced by the global stagger and runs the
// nemesis, until the time limit (J:generator.clj time-limit: an op due at
// or after the cut-off is never issued).
func (r *runner) mainPhase() error {
	r.phase = "main"
	start := r.now()
	cutoff := start + r.opts.TimeLimit
	var pace *schedule.Stagger
	if r.opts.Rate > 0 {
		pace = schedule.NewStagger(time.Duration(float64(time.Second)/r.opts.Rate), schedule.Rand(r.opts.Seed, schedule.Rate))
		pace.SetSlack(paceSlack)
	}
	for {
		r.collect()
		now := r.now()
		if now >= cutoff {
			return nil
		}
		// The nemesis does one op at a time: while its worker is busy (a
		// restart waiting for init_ok), due ops wait, and the stagger
		// restarts from when they fire (J:generator.clj stagger).
		if r.nemesis != nil && !r.nemesisBusy {
			if a := r.nemesis.next(now); a != nil {
				r.startNemesis(*a)
				continue
			}
		}
		if pace != nil && pace.Ready(now) {
			if t := r.freeThread(); t != nil {
				r.dispatch(t, r.gen.Next(now), false)
				pace.Fire(now)
				continue
			}
		}
		wake := cutoff
		if r.nemesis != nil && !r.nemesisBusy {
			wake = min(wake, r.nemesis.due(now))
		}
		if pace != nil && r.freeThread() != nil {
			wake = min(wake, pace.Due(now))
		}
		if err := r.waitUntil(wake, r.done); err != nil {
			return err
		}
	}
}

// finalPhase runs each thread's final generator (kafka.FinalThread) until
// every thread is done, or until FinalLimit after the phase's first op.
func (r *runner) finalPhase() error {
	targets := r.gen.Targets()
	r.opts.Logf("Polling up to offsets %v", targets)
	r.finals = make([]*kafka.FinalThread, len(r.threads))
	for i := range r.threads {
		r.finals[i] = kafka.NewFinalThread(targets, schedule.RandFor(r.opts.Seed, schedule.Final, i))
	}
	cutoff := never
	for {
		r.collect()
		now := r.now()
		cut := now >= cutoff
		if !cut {
			if t := r.readyFinalThread(now); t != nil {
				r.dispatch(t, r.finals[t.index].Next(now), true)
				if cutoff == never {
					cutoff = now + r.opts.FinalLimit
				}
				continue
			}
		}
		wake, pending := cutoff, false
		for _, t := range r.threads {
			if t.busy {
				pending = true
			} else if !cut && !r.finals[t.index].Done() {
				pending = true
				wake = min(wake, r.finals[t.index].Due(now))
			}
		}
		if !pending || (cut && r.busy() == 0) {
			return nil
		}
		if err := r.waitUntil(wake, r.done); err != nil {
			return err
		}
	}
}

// readyFinalThread returns a free thread whose final generator has an op
// due, searching round robin from the cursor.
func (r *runner) readyFinalThread(now time.Duration) *thread {
	for i := range r.threads {
		t := r.threads[(r.cursor+i)%len(r.threads)]
		if !t.busy && !r.finals[t.index].Done() && r.finals[t.index].Due(now) <= now {
			return t
		}
	}
	return nil
}

// drain waits until no client op and no nemesis op is in flight.
func (r *runner) drain() error {
	for r.busy() > 0 || r.nemesisBusy {
		if err := r.waitUntil(never, r.done); err != nil {
			return err
		}
	}
	return nil
}
