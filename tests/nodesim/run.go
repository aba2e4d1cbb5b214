package nodesim

import (
	"fmt"
	"strings"
	"time"

	"zabkafka/tests/workbench/checker"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/tests/workbench/schedule"
)

// The phases of a run after the main phase, in simulated time.
const (
	// initLimit bounds the wait for every node's init_ok.
	initLimit = 5 * time.Second
	// recoveryWait is the pause between the heal and the final phase.
	// Maelstrom sleeps 10 s (src/maelstrom/core.clj); the final phase's
	// own retries and the probe's cover the rest.
	recoveryWait = time.Second
	// finalLimit is Maelstrom's cut-off for the final phase, 10 s after
	// its first operation (src/maelstrom/workload/kafka.clj).
	finalLimit = 10 * time.Second
	// drainLimit bounds waiting for the operations in flight: every RPC
	// times out after 5 s and an operation makes at most two.
	drainLimit = 30 * time.Second
	// lateFlush is how spread out the stale copies a heal releases, or
	// a start flushes, arrive.
	lateFlush = 200 * time.Millisecond
)

// Result is the outcome of one run.
type Result struct {
	Seed int64
	Plan Plan
	// Hash is the trace hash: equal for two runs of one seed.
	Hash   uint64
	Events int
	Stats  Stats
	// Verdict is the kafka checker's validity of the history.
	Verdict checker.Validity
	// Summary is the checker's summary (checker.Result.Summary).
	Summary string
	History history.History
	Trace   *Trace
	End     time.Duration // simulated time at the end
	Err     error
}

// Run plays one seed: nodes start and are initialized; for
// Plan.TimeLimit the clients run Maelstrom's kafka workload while the
// faults run; the operations in flight finish; the network heals, late
// copies arrive one last time, every crashed node restarts; after a
// pause, the final phase polls every key up to the highest offset any
// client saw; then the convergence probe compares the nodes. The history
// goes to the kafka checker, the disks to the invariant checker.
func Run(seed int64, plan Plan, opts RunOptions) Result {
	s := newSim(seed, plan, opts)
	s.clients.startWorkers()
	err := s.run()
	s.clients.stopWorkers()
	res := Result{Seed: seed, Plan: plan, Hash: s.trace.Hash(), Events: s.trace.Count(), Stats: s.stats,
		History: s.hist, Trace: s.trace, End: s.now}
	res.Stats.Net = s.net.stats
	if !s.fatal && s.finals != nil {
		// The history is complete (the final phase ran): check it even
		// when a later check failed, for the report.
		r := checker.Check(s.hist, checker.Options{Nodes: s.names, Concurrency: plan.Concurrency})
		res.Verdict, res.Summary = r.Workload.Valid, r.Summary()
		if nothingToJudge(r, s.hist) {
			res.Stats.Unjudged++
		} else if r.Workload.Valid != checker.Valid && err == nil {
			err = fmt.Errorf("kafka checker: workload valid? %s: %s", r.Workload.Valid, firstLines(res.Summary, 12))
		}
	}
	if s.failed != nil {
		err = s.failed // the first failure, in the order it happened
	}
	if v := s.inv.Err(); v != nil {
		// A broken invariant is the root cause of whatever followed.
		err = v
	}
	res.Err = err
	return res
}

// nothingToJudge reports whether the history holds nothing the checker
// can judge: no ok send, and no message in any ok poll, so that the only
// anomaly the checker can find is the empty transaction graph that says
// so. That is a run whose faults kept every node from committing
// anything while clients watched (no leader lasted long enough, and no
// read is served without one: node/fresh.go; an ok poll may still have
// found nothing), not a wrong answer; whether the cluster recovers
// afterwards is the convergence probe's question.
func nothingToJudge(r checker.Result, h history.History) bool {
	for _, op := range h {
		if op.Type != history.OK {
			continue
		}
		if op.F == history.FSend {
			return false
		}
		for _, pairs := range op.Polls {
			if len(pairs) > 0 {
				return false
			}
		}
	}
	for _, t := range r.Workload.ErrorTypes {
		if t != checker.TypeEmptyTransactionGraph {
			return false
		}
	}
	return true
}

// run plays the phases; it returns the first failure found by the end
// checks, or nil.
func (s *Sim) run() error {
	for _, h := range s.hosts {
		h.start()
	}
	s.phase("init")
	if !s.runUntil(initLimit, s.allInited) {
		return s.stopped(fmt.Errorf("not every node answered init within %v", initLimit))
	}
	s.writeCrash = s.plan.WriteCrash
	s.chaos = true
	s.at(s.now+ChaosEvery, s.chaosTurn)
	s.mainPhase()
	s.chaos = false
	s.writeCrash = 0
	s.phase("drain")
	if err := s.drain(); err != nil {
		return s.stopped(err)
	}
	if s.fatal {
		return s.failed
	}
	s.settle()
	s.phase("recovery")
	s.runUntil(s.now+recoveryWait, nil)
	s.phase("final")
	s.finalPhase()
	s.phase("final-drain")
	if err := s.drain(); err != nil {
		return s.stopped(err)
	}
	if s.fatal {
		return s.failed
	}
	s.phase("probe")
	if err := s.probe(); err != nil {
		s.fail(false, "%v", err)
		return err
	}
	if err := s.checkDisks(); err != nil {
		return err
	}
	return s.inv.Err()
}

// stopped returns the run's first failure if it already has one, else
// err.
func (s *Sim) stopped(err error) error {
	if s.failed != nil {
		return s.failed
	}
	s.fail(true, "%v", err)
	return err
}

// phase records the start of a phase in the trace.
func (s *Sim) phase(name string) { s.record(Event{Kind: KindPhase, Note: name}) }

func (s *Sim) allInited() bool {
	for _, h := range s.hosts {
		if !h.inited {
			return false
		}
	}
	return true
}

// waitUntil runs the simulation until until, or until some operation
// completes.
func (s *Sim) waitUntil(until time.Duration) {
	mark := s.done
	s.runUntil(until, func() bool { return s.done != mark })
}

// mainPhase hands out client operations paced by the rate's stagger
// until the time limit, as the workbench's main phase does (an operation
// due at or after the cut-off is never issued).
func (s *Sim) mainPhase() {
	s.phase("main")
	cutoff := s.now + s.plan.TimeLimit
	pace := schedule.NewStagger(time.Duration(float64(time.Second)/s.plan.Rate), schedule.Rand(s.seed, schedule.Rate))
	for !s.fatal {
		now := s.now
		if now >= cutoff {
			return
		}
		if pace.Ready(now) {
			if t := s.freeThread(); t != nil {
				s.dispatch(t, s.gen.Next(now), false)
				pace.Fire(now)
				continue
			}
		}
		wake := cutoff
		if s.freeThread() != nil {
			wake = min(wake, pace.Due(now))
		}
		s.waitUntil(wake)
	}
}

// drain waits until no operation is in flight.
func (s *Sim) drain() error {
	limit := s.now + drainLimit
	for s.busy() > 0 && !s.fatal {
		if s.now >= limit {
			return fmt.Errorf("%d client operations still in flight %v after the drain began", s.busy(), drainLimit)
		}
		s.waitUntil(limit)
	}
	return nil
}

// finalPhase runs each thread's final generator until every thread is
// done, or until finalLimit after the phase's first operation. A thread
// not done by then is counted (Stats.FinalUnfinished) but is no failure,
// as in Maelstrom: a thread whose operation ends indefinite gets a fresh
// client with no assigned keys, whose polls never reach the targets. The
// convergence probe checks liveness instead.
func (s *Sim) finalPhase() {
	targets := s.gen.Targets()
	s.finals = make([]*kafka.FinalThread, len(s.threads))
	for i := range s.threads {
		s.finals[i] = kafka.NewFinalThread(targets, schedule.RandFor(s.seed, schedule.Final, i))
	}
	cutoff := never
	for !s.fatal {
		now := s.now
		cut := now >= cutoff
		if !cut {
			if t := s.readyFinalThread(now); t != nil {
				s.dispatch(t, s.finals[t.index].Next(now), true)
				if cutoff == never {
					cutoff = now + finalLimit
				}
				continue
			}
		}
		wake, pending := cutoff, false
		for _, t := range s.threads {
			if t.busy {
				pending = true
			} else if !cut && !s.finals[t.index].Done() {
				pending = true
				wake = min(wake, s.finals[t.index].Due(now))
			}
		}
		if !pending || (cut && s.busy() == 0) {
			break
		}
		if cut {
			// Past the cut-off only operations in flight are awaited:
			// wait for the next one to end, however late (the cut-off
			// itself is behind us, and waiting until it would not
			// advance the clock).
			wake = never
		}
		s.waitUntil(wake)
	}
	for _, f := range s.finals {
		if !f.Done() {
			s.stats.FinalUnfinished++
		}
	}
}

// readyFinalThread returns a free thread whose final generator has an
// operation due, searching round robin from the cursor.
func (s *Sim) readyFinalThread(now time.Duration) *thread {
	for i := range s.threads {
		t := s.threads[(s.cursor+i)%len(s.threads)]
		if !t.busy && !s.finals[t.index].Done() && s.finals[t.index].Due(now) <= now {
			return t
		}
	}
	return nil
}

// firstLines returns the first n lines of text, joined by " | ".
func firstLines(text string, n int) string {
	ls := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(ls[:min(n, len(ls))], " | ")
}
