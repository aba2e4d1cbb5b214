package workbench

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/net"
	"zabkafka/tests/workbench/schedule"
)

// The nemesis faults --nemesis accepts.
const (
	FaultPartition = "partition" // random network partitions
	FaultKill      = "kill"      // SIGKILL some nodes, restart them later
	FaultPause     = "pause"     // SIGSTOP some nodes, SIGCONT them later
)

// Faults lists the nemesis faults, in the order the nemesis packages are
// composed.
var Faults = []string{FaultPartition, FaultKill, FaultPause}

// NodeSpecs are the ways the kill and pause nemeses pick their targets,
// drawn uniformly for each kill or pause: Jepsen's default node specs
// (J:jepsen/src/jepsen/nemesis/combined.clj node-specs and db-nodes, the
// nil spec named here "some"; :primaries needs a database that knows its
// primaries, which a Maelstrom binary does not tell).
var NodeSpecs = []string{"some", "one", "minority-third", "minority", "majority", "all"}

// pickNodes draws the targets of one kill or pause, in node order
// (J:combined.clj db-nodes): "some" a random non-empty subset, "one" a
// single node, "minority-third" fewer than a third, "minority" fewer than
// half, "majority" more than half, "all" every node.
func pickNodes(spec string, nodes []string, rnd *rand.Rand) []string {
	n := len(nodes)
	take := func(k int) []string {
		shuffled := slices.Clone(nodes)
		rnd.Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		picked := shuffled[:k]
		out := []string{}
		for _, id := range nodes {
			if slices.Contains(picked, id) {
				out = append(out, id)
			}
		}
		return out
	}
	majority := n/2 + 1
	switch spec {
	case "some":
		return take(1 + rnd.IntN(n))
	case "one":
		return take(1)
	case "minority-third":
		return take((n - 1) / 3)
	case "minority":
		return take(majority - 1)
	case "majority":
		return take(majority)
	default: // "all"
		return slices.Clone(nodes)
	}
}

// nemesisAction is one nemesis operation, fully drawn: what the runner
// records as the invocation and hands to the nemesis worker.
type nemesisAction struct {
	F      string              // history.FStartPartition, FStopPartition, FKill, FStart, FPause, FResume
	Spec   string              // the invocation's value: the shape, the node spec, "all"; "" for stop-partition
	Grudge map[string][]string // start-partition: receiver -> senders it drops
	Nodes  []string            // kill, pause: the picked nodes; start, resume: every node
}

// invocationValue is what the history records for the invocation.
func (a nemesisAction) invocationValue() any {
	if a.Spec == "" {
		return nil
	}
	return a.Spec
}

// flipFlop alternates between a fault and its repair (J:generator.clj
// flip-flop), starting with the fault.
type flipFlop struct {
	fault, repair string // history F names
	repairNext    bool
}

// nemesisStream is one staggered generator of nemesis ops: the partition
// package's, or the process package's mix of kill/start and pause/resume
// (J:combined.clj partition-package, db-generators: gen/mix of
// flip-flops, each package staggered by the interval on its own).
type nemesisStream struct {
	gap   *schedule.Stagger
	rnd   *rand.Rand
	modes []*flipFlop
}

// nemesisSchedule decides what the nemesis does and when, as Jepsen's
// combined nemesis package composed from a partition package and a
// process package does (J:combined.clj compose-packages, gen/any: each
// package's generator runs on its own stagger and the nemesis takes
// whichever op is due first; M:src/maelstrom/nemesis.clj package). Each
// stream draws from its own seeded source, so adding kill to a run keeps
// the partition stream's shapes and gaps.
type nemesisSchedule struct {
	nodes   []string
	faults  []string
	streams []*nemesisStream
}

// newNemesisSchedule returns the schedule for the given faults, or nil
// for none.
func newNemesisSchedule(faults []string, nodes []string, interval time.Duration, seed int64) *nemesisSchedule {
	if len(faults) == 0 {
		return nil
	}
	s := &nemesisSchedule{nodes: nodes, faults: faults}
	if slices.Contains(faults, FaultPartition) {
		rnd := schedule.Rand(seed, schedule.Nemesis)
		s.streams = append(s.streams, &nemesisStream{
			gap:   schedule.NewStagger(interval, rnd),
			rnd:   rnd,
			modes: []*flipFlop{{fault: history.FStartPartition, repair: history.FStopPartition}},
		})
	}
	var modes []*flipFlop
	// db-generators lists pause-resume before kill-start.
	if slices.Contains(faults, FaultPause) {
		modes = append(modes, &flipFlop{fault: history.FPause, repair: history.FResume})
	}
	if slices.Contains(faults, FaultKill) {
		modes = append(modes, &flipFlop{fault: history.FKill, repair: history.FStart})
	}
	if len(modes) > 0 {
		rnd := schedule.Rand(seed, schedule.Processes)
		s.streams = append(s.streams, &nemesisStream{gap: schedule.NewStagger(interval, rnd), rnd: rnd, modes: modes})
	}
	return s
}

// due is the earliest time any stream has an op due.
func (s *nemesisSchedule) due(now time.Duration) time.Duration {
	d := never
	for _, st := range s.streams {
		d = min(d, st.gap.Due(now))
	}
	return d
}

// next returns the op of the first stream (in composition order) that is
// due at now, drawing its choices and its next gap; nil if none is due.
func (s *nemesisSchedule) next(now time.Duration) *nemesisAction {
	for _, st := range s.streams {
		if !st.gap.Ready(now) {
			continue
		}
		a := s.draw(st)
		st.gap.Fire(now)
		return &a
	}
	return nil
}

// draw picks a mode (uniformly when there are several, J:generator.clj
// mix) and its next op, drawing shape and grudge or node spec and nodes.
func (s *nemesisSchedule) draw(st *nemesisStream) nemesisAction {
	m := st.modes[0]
	if len(st.modes) > 1 {
		m = st.modes[st.rnd.IntN(len(st.modes))]
	}
	f := m.fault
	if m.repairNext {
		f = m.repair
	}
	m.repairNext = !m.repairNext
	switch f {
	case history.FStartPartition:
		shape, grudge := drawPartition(st.rnd, s.nodes)
		return nemesisAction{F: f, Spec: shape, Grudge: grudge}
	case history.FKill, history.FPause:
		spec := NodeSpecs[st.rnd.IntN(len(NodeSpecs))]
		return nemesisAction{F: f, Spec: spec, Nodes: pickNodes(spec, s.nodes, st.rnd)}
	}
	return repairAction(f, s.nodes)
}

// repairAction is a stop-partition, or a start or resume of every node.
func repairAction(f string, nodes []string) nemesisAction {
	if f == history.FStopPartition {
		return nemesisAction{F: f}
	}
	return nemesisAction{F: f, Spec: "all", Nodes: slices.Clone(nodes)}
}

// final is the nemesis's final generator, run once the main phase has
// drained: heal, resume, restart, in the order the packages are composed
// (J:combined.clj compose-packages: final generators run one after the
// other; db-generators: resume before start).
func (s *nemesisSchedule) final() []nemesisAction {
	var out []nemesisAction
	if slices.Contains(s.faults, FaultPartition) {
		out = append(out, repairAction(history.FStopPartition, s.nodes))
	}
	if slices.Contains(s.faults, FaultPause) {
		out = append(out, repairAction(history.FResume, s.nodes))
	}
	if slices.Contains(s.faults, FaultKill) {
		out = append(out, repairAction(history.FStart, s.nodes))
	}
	return out
}

// drawPartition picks a shape uniformly among net.PartitionShapes
// (J:combined.clj partition-package: rand-nth of the specs) and computes its
// grudge, both from rnd.
func drawPartition(rnd *rand.Rand, nodes []string) (string, map[string][]string) {
	shape := net.PartitionShapes[rnd.IntN(len(net.PartitionShapes))]
	return shape, net.Grudge(shape, nodes, rnd)
}

// nemesisResult is the nemesis worker's report of one finished op: the
// completion's value and error.
type nemesisResult struct {
	action nemesisAction
	value  any
	err    error
}

// nemesisWorker performs nemesis ops one at a time, like Jepsen's nemesis
// worker: partitions and signals take microseconds, but a restart waits
// for init_ok (up to 10 s), during which client ops go on.
func nemesisWorker(r *runner) {
	defer r.workers.Done()
	for a := range r.nemesisJobs {
		r.nemesisDone <- perform(r, a)
	}
}

// perform applies one op to the cluster.
func perform(r *runner, a nemesisAction) nemesisResult {
	res := nemesisResult{action: a}
	switch a.F {
	case history.FStartPartition:
		r.cluster.Partition(a.Grudge)
		res.value = a.Grudge
	case history.FStopPartition:
		r.cluster.Heal()
		res.value = "network-healed"
	case history.FKill:
		res.value = nonNil(r.cluster.Kill(a.Nodes))
	case history.FPause:
		res.value = nonNil(r.cluster.Pause(a.Nodes))
	case history.FResume:
		res.value = nonNil(r.cluster.Resume(a.Nodes))
	case history.FStart:
		started, err := r.cluster.Restart(r.ctx, a.Nodes)
		res.value, res.err = nonNil(started), err
	}
	return res
}

// nonNil makes an empty node list a JSON [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// startNemesis records the invocation of a and hands it to the nemesis
// worker. Jepsen records nemesis invocations and completions both as info
// (J:jepsen/src/jepsen/nemesis/combined.clj, M:nemesis.clj package).
func (r *runner) startNemesis(a nemesisAction) {
	r.record(&history.Op{Type: history.Info, Process: history.NemesisProcess, F: a.F, Value: a.invocationValue()})
	r.nemesisBusy = true
	r.nemesisJobs <- a
}

// completeNemesis records a finished nemesis op and updates what the
// progress line shows.
func (r *runner) completeNemesis(res nemesisResult) {
	r.nemesisBusy = false
	op := history.Op{Type: history.Info, Process: history.NemesisProcess, F: res.action.F, Value: res.value}
	if res.err != nil {
		op.Error = res.err.Error()
	}
	r.record(&op)
	a := res.action
	nodes, _ := res.value.([]string)
	switch a.F {
	case history.FStartPartition:
		r.partition = a.Spec
		r.opts.Logf("nemesis: start-partition %s", describeGrudge(a.Spec, a.Grudge))
	case history.FStopPartition:
		r.partition = ""
		r.opts.Logf("nemesis: stop-partition, network healed")
	case history.FKill:
		r.down = union(r.down, nodes)
		r.paused = minus(r.paused, nodes)
		r.opts.Logf("nemesis: kill %s: killed %v", a.Spec, nodes)
	case history.FStart:
		r.down = minus(r.down, nodes)
		if res.err != nil {
			r.opts.Logf("nemesis: start: restarted %v; %v", nodes, res.err)
		} else {
			r.opts.Logf("nemesis: start: restarted %v", nodes)
		}
	case history.FPause:
		r.paused = union(r.paused, nodes)
		r.opts.Logf("nemesis: pause %s: paused %v", a.Spec, nodes)
	case history.FResume:
		r.paused = minus(r.paused, nodes)
		r.opts.Logf("nemesis: resume: resumed %v", nodes)
	}
}

// union and minus are small set operations on sorted node lists.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// describeGrudge is a one-line view of a partition for the progress line and
// the log: the shape and, per node that drops anything, what it drops.
func describeGrudge(shape string, grudge map[string][]string) string {
	s := shape
	n := 0
	for _, node := range slices.Sorted(maps.Keys(grudge)) {
		if len(grudge[node]) == 0 {
			continue
		}
		if n == 0 {
			s += ":"
		}
		s += fmt.Sprintf(" %s x%v", node, grudge[node])
		n++
	}
	if n == 0 {
		s += " (no-op)"
	}
	return s
}

// ParseNemesis reads a --nemesis value: a comma-separated list of faults
// with optional spaces (M:src/maelstrom/core.clj), returned as a set in
// the order of Faults. "" means none; an empty entry or an unknown fault
// is an error.
func ParseNemesis(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	given := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			return nil, fmt.Errorf("--nemesis %q has an empty entry; want a comma-separated list of %s", s, strings.Join(Faults, ", "))
		case !slices.Contains(Faults, f):
			return nil, fmt.Errorf("unknown nemesis fault %q: want a comma-separated list of %s", f, strings.Join(Faults, ", "))
		}
		given[f] = true
	}
	var out []string
	for _, f := range Faults {
		if given[f] {
			out = append(out, f)
		}
	}
	return out, nil
}
