package workbench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/tests/workbench/schedule"
)

// progressEvery is how often OnProgress is called.
const progressEvery = 500 * time.Millisecond

// never is a wake-up time that does not come.
const never = time.Duration(1<<63 - 1)

// runner is Jepsen's interpreter for this one test: it owns the clock
// origin, the history, the threads and every generator, and is driven by a
// single goroutine.
type runner struct {
	opts    Options
	nodes   []string
	cluster network
	ctx     context.Context
	origin  time.Time

	// rpcTimeout is each client RPC's timeout: Maelstrom's 5 s, shorter
	// only in this package's tests.
	rpcTimeout time.Duration

	hist    history.History
	threads []*thread
	done    chan completion
	workers sync.WaitGroup
	cursor  int // round-robin start for the next free-thread search

	gen    *kafka.Generator
	finals []*kafka.FinalThread

	nemesis     *nemesisSchedule // nil without --nemesis
	nemesisJobs chan nemesisAction
	nemesisDone chan nemesisResult
	nemesisBusy bool     // an op is with the nemesis worker
	partition   string   // current shape, "" when healed
	down        []string // nodes killed and not yet restarted
	paused      []string // nodes paused and not yet resumed

	phase           string        // for the progress line
	ok, info, fail  int           // client completions so far
	unrepresentable int           // polls with non-integer messages (kafka.Outcome)
	lastProgress    time.Duration // when OnProgress was last called
	timer           *time.Timer   // the one wake-up timer, reused
}

// newRunner prepares the threads (not yet started) and generators.
func newRunner(ctx context.Context, opts Options, cluster network) *runner {
	r := &runner{
		opts:        opts,
		nodes:       opts.nodeIDs(),
		cluster:     cluster,
		ctx:         ctx,
		done:        make(chan completion, opts.Concurrency),
		gen:         kafka.NewGenerator(opts.workloadConfig(), schedule.Rand(opts.Seed, schedule.Workload)),
		nemesis:     newNemesisSchedule(opts.Nemesis, opts.nodeIDs(), opts.NemesisInterval, opts.Seed),
		nemesisJobs: make(chan nemesisAction, 1),
		nemesisDone: make(chan nemesisResult, 1),
		timer:       time.NewTimer(time.Hour),
		rpcTimeout:  kafka.RPCTimeout,
	}
	r.timer.Stop()
	for i := range opts.Concurrency {
		r.threads = append(r.threads, &thread{
			index:   i,
			node:    r.nodes[i%len(r.nodes)],
			process: i,
			jobs:    make(chan job, 1),
		})
	}
	return r
}

// now is the time since the run began.
func (r *runner) now() time.Duration { return time.Since(r.origin) }

// run executes every phase and returns the history. On cancellation it
// stops handing out ops, lets the workers finish (their RPCs fail as the
// cluster stops) and returns the partial history with ctx's error.
func (r *runner) run() (history.History, error) {
	r.origin = time.Now()
	r.cluster.SetRunStart(r.origin)
	for _, t := range r.threads {
		r.workers.Add(1)
		go worker(r.ctx, t, r.cluster, r.rpcTimeout, r.done, &r.workers)
	}
	r.workers.Add(1)
	go nemesisWorker(r)
	err := r.phases()
	for _, t := range r.threads {
		close(t.jobs)
	}
	close(r.nemesisJobs)
	if err != nil {
		// Ops still in flight end when the caller stops the cluster; keep
		// draining so no worker blocks on a full channel.
		go func() {
			for range r.done {
			}
		}()
		go func() {
			for range r.nemesisDone {
			}
		}()
		r.cluster.Stop()
		r.workers.Wait()
		close(r.done)
		close(r.nemesisDone)
		return r.hist, err
	}
	r.workers.Wait()
	close(r.done)
	close(r.nemesisDone)
	return r.hist, nil
}

// freeThread returns the first free thread at or after the cursor,
// wrapping around (J:jepsen/src/jepsen/generator/context.clj
// some-free-process), or nil.
func (r *runner) freeThread() *thread {
	for i := range r.threads {
		if t := r.threads[(r.cursor+i)%len(r.threads)]; !t.busy {
			return t
		}
	}
	return nil
}

// busy counts threads with an op in flight.
func (r *runner) busy() int {
	n := 0
	for _, t := range r.threads {
		if t.busy {
			n++
		}
	}
	return n
}

// dispatch records req's invocation and hands it to thread t. The cursor
// then moves on by one, so ops rotate over the threads (context.clj
// busy-thread).
func (r *runner) dispatch(t *thread, req kafka.Request, final bool) {
	inv := req.Invocation()
	inv.Process = t.process
	r.record(&inv)
	t.busy, t.inv, t.final = true, inv, final
	t.jobs <- job{req: req, process: t.process}
	r.cursor = (r.cursor + 1) % len(r.threads)
}

// record stamps op with the next index and the current time and appends it.
func (r *runner) record(op *history.Op) {
	op.Index = len(r.hist)
	op.Time = int64(r.now())
	r.hist = append(r.hist, *op)
}

// collect processes every completion already waiting, without blocking.
func (r *runner) collect() {
	for {
		select {
		case c := <-r.done:
			r.complete(c)
		default:
			return
		}
	}
}

// complete records one completion, feeds it to the generator that issued
// the op, and gives the thread a new process after an info completion
// (J:generator/interpreter.clj run!: with-next-process).
func (r *runner) complete(c completion) {
	t := r.threads[c.thread]
	op := c.outcome.Complete(t.inv)
	r.record(&op)
	t.busy = false
	if t.final {
		r.finals[t.index].Observe(op)
	} else {
		// Late completions of the main phase (during the drain) still reach
		// the main generator (J:generator/interpreter.clj run!).
		r.gen.Observe(op)
	}
	switch op.Type {
	case history.OK:
		r.ok++
	case history.Fail:
		r.fail++
	case history.Info:
		r.info++
		t.process += len(r.threads)
	}
	if c.outcome.Unrepresentable {
		r.unrepresentable++
	}
}

// waitUntil blocks until the run time reaches until, or (when events is not
// nil) one completion arrives and is processed, or the nemesis worker
// finishes an op, or ctx is cancelled. It also reports progress.
func (r *runner) waitUntil(until time.Duration, events <-chan completion) error {
	for {
		now := r.now()
		r.maybeProgress(now)
		if now >= until {
			return nil
		}
		d := until - now
		if r.opts.OnProgress != nil {
			d = min(d, r.lastProgress+progressEvery-now)
		}
		r.timer.Reset(max(d, 0))
		select {
		case c := <-events:
			r.stopTimer()
			r.complete(c)
			return nil
		case res := <-r.nemesisDone:
			r.stopTimer()
			r.completeNemesis(res)
			return nil
		case <-r.ctx.Done():
			r.stopTimer()
			return fmt.Errorf("run interrupted: %w", context.Cause(r.ctx))
		case <-r.timer.C:
		}
	}
}

// stopTimer stops the wait timer (Go 1.23+ timers need no draining).
func (r *runner) stopTimer() { r.timer.Stop() }

// maybeProgress calls OnProgress if it is due.
func (r *runner) maybeProgress(now time.Duration) {
	if r.opts.OnProgress == nil || now < r.lastProgress+progressEvery {
		return
	}
	r.lastProgress = now
	r.opts.OnProgress(r.snapshot(now))
}

// snapshot describes the run so far.
func (r *runner) snapshot(now time.Duration) Progress {
	return Progress{
		Phase: r.phase, Elapsed: now, TimeLimit: r.opts.TimeLimit,
		OK: r.ok, Info: r.info, Fail: r.fail, Partition: r.partition,
		Down: slices.Clone(r.down), Paused: slices.Clone(r.paused),
	}
}
