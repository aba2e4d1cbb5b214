package kafka

import (
	"math/rand/v2"
	"strconv"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/schedule"
)

// Config holds the workload's knobs. Zero fields take Maelstrom's defaults
// (J:kafka.clj workload, M:kafka.clj workload).
type Config struct {
	KeyCount        int // active keys; default 10 (Elle's exponential default)
	MaxWritesPerKey int // messages per key before it is retired; default 16
	Concurrency     int // client threads; sets the crash rate; default 1
	// CrashInterval is how often each client thread is crashed on average;
	// default 30 s (J:kafka.clj crash-client-gen). The crash schedule's mean
	// gap is CrashInterval / Concurrency.
	CrashInterval time.Duration
	// AssignProbability is the chance an op request becomes an assign;
	// default 1/64 (J:kafka.clj interleave-subscribes).
	AssignProbability float64
	// UnseenProbability is the chance an assign is widened to unseen keys;
	// default 1/3 (J:kafka.clj PollUnseen).
	UnseenProbability float64
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.KeyCount <= 0 {
		c.KeyCount = 10
	}
	if c.MaxWritesPerKey <= 0 {
		c.MaxWritesPerKey = 16
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.CrashInterval <= 0 {
		c.CrashInterval = 30 * time.Second
	}
	if c.AssignProbability <= 0 {
		c.AssignProbability = 1.0 / 64
	}
	if c.UnseenProbability <= 0 {
		c.UnseenProbability = 1.0 / 3
	}
	return c
}

// Generator is the main phase's source of client requests: the chain of
// J:kafka.clj workload (txn-generator, tag-rw, track-key-offsets,
// interleave-subscribes, poll-unseen) merged with crash-client-gen by
// gen/any, with Maelstrom's string keys (M:kafka.clj). It does not pace
// requests: the runner's global stagger decides when to ask.
//
// A Generator is not safe for concurrent use.
type Generator struct {
	cfg     Config
	rnd     *rand.Rand
	txns    *TxnSource
	pending *Txn // drawn but not yet emitted: an assign does not consume it
	crashes *schedule.Stagger
	tracker *OffsetTracker
	unseen  *PollUnseen
}

// NewGenerator returns a generator drawing every choice from rnd.
func NewGenerator(cfg Config, rnd *rand.Rand) *Generator {
	cfg = cfg.withDefaults()
	return &Generator{
		cfg:     cfg,
		rnd:     rnd,
		txns:    NewTxnSource(cfg.KeyCount, cfg.MaxWritesPerKey, rnd),
		crashes: schedule.NewStagger(cfg.CrashInterval/time.Duration(cfg.Concurrency), rnd),
		tracker: NewOffsetTracker(),
		unseen:  NewPollUnseen(),
	}
}

// Next returns the request to issue at now, when a client thread is free and
// the runner's stagger allows an op.
//
// A crash is due once its own schedule allows (the first at once); a due
// crash and the workload op then have the same time, and gen/any breaks that
// tie at random, 1/2 each (J:generator.clj soonest-op-map). The crash
// schedule restarts only when a crash is actually emitted.
func (g *Generator) Next(now time.Duration) Request {
	if g.crashes.Ready(now) && g.rnd.IntN(2) == 0 {
		g.crashes.Fire(now)
		return Request{F: history.FCrash}
	}
	return g.workloadOp()
}

// workloadOp is the non-crash branch: an assign with probability
// AssignProbability (naming the drawn txn's key, which stays pending), else
// the drawn txn as a send or a poll.
func (g *Generator) workloadOp() Request {
	if g.pending == nil {
		t := g.txns.Next()
		g.pending = &t
	}
	if g.rnd.Float64() < g.cfg.AssignProbability {
		return g.assign([]int64{g.pending.Key})
	}
	t := *g.pending
	g.pending = nil
	if t.Write {
		return Request{F: history.FSend, Key: strconv.FormatInt(t.Key, 10), Msg: t.Value}
	}
	return Request{F: history.FPoll}
}

// assign builds an assign of keys, widened by poll-unseen with probability
// UnseenProbability when some acknowledged message is unpolled.
func (g *Generator) assign(keys []int64) Request {
	req := Request{F: history.FAssign}
	if g.rnd.Float64() < g.cfg.UnseenProbability && g.unseen.Pending() {
		var debug map[int64]history.Unseen
		keys, debug = g.unseen.Widen(keys)
		req.Unseen = make(map[string]history.Unseen, len(debug))
		for k, u := range debug {
			req.Unseen[strconv.FormatInt(k, 10)] = u
		}
	}
	req.Keys = keyStrings(keys)
	return req
}

// Observe feeds one completion back, as Jepsen's interpreter does with
// gen/update. Late completions (after the time limit) must be fed too.
func (g *Generator) Observe(op history.Op) {
	if !op.IsClient() || op.Type == history.Invoke {
		return
	}
	g.tracker.Observe(op)
	g.unseen.Observe(op)
}

// Targets returns the tracked per-key maximum offsets, the final phase's
// target map.
func (g *Generator) Targets() map[int64]int64 { return g.tracker.Targets() }

// keyStrings converts integer keys to the decimal strings used on the wire.
func keyStrings(keys []int64) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strconv.FormatInt(k, 10)
	}
	return out
}
