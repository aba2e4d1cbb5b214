package checker

import "sort"

// strongPL2Subgraph is the subgraph spec Elle reports with a
// strong-PL-2-cycle-exists case (elle txn.clj cycle-exists-specs, rendered
// by cycle-exists-friendly-subgraph).
var strongPL2Subgraph = []string{"union", "ww", "wwp", "wr", "wrp", "realtime"}

// cycleResult is what cycle search contributes to the error map.
type cycleResult struct {
	g1cRealtime []Cycle
	exists      []CycleExists
	empty       bool
}

// cycleCases ports J:kafka.clj cycles! (elle txn.clj cycles with
// :consistency-models [:strict-serializable]) for a graph of wr and
// realtime edges only.
//
// With only those edges Elle's search reaches exactly two results per
// nontrivial component: the cycle-exists case of the first model whose
// subgraph holds a cycle, strong-PL-2 (wr alone is acyclic with one-step
// ops, realtime alone is acyclic), and one G1c-realtime cycle (any cycle
// mixes wr and realtime edges). The subgraph of strong-PL-2 is the whole
// component, so its SCC is the component itself.
//
// Elle's BFS may name a different cycle than ours when a component holds
// several; ours is a shortest cycle through the component's earliest op,
// in the checkpointed graph (see depGraph), with realtime hops between
// ops read off the compressed path.
func cycleCases(d *derived, g *depGraph) cycleResult {
	res := cycleResult{empty: !g.hasEdges}
	comp, members := g.sccs()
	type component struct {
		id   int32
		real []int32
	}
	var comps []component
	for id, m := range members {
		var real []int32
		for _, v := range m {
			if int(v) < g.n {
				real = append(real, v)
			}
		}
		if len(real) < 2 {
			continue // cannot happen: every cycle holds a wr edge between two ops
		}
		sort.Slice(real, func(i, j int) bool { return real[i] < real[j] })
		comps = append(comps, component{int32(id), real})
	}
	sort.Slice(comps, func(i, j int) bool { return comps[i].real[0] < comps[j].real[0] })
	for _, c := range comps {
		scc := make([]int, len(c.real))
		for i, v := range c.real {
			scc[i] = d.txns[v].ref.Index
		}
		sort.Ints(scc)
		res.exists = append(res.exists, CycleExists{
			Type: TypeStrongPL2CycleExists, Not: "strong-read-committed",
			Subgraph: strongPL2Subgraph, SCCSize: len(scc), SCC: scc,
		})
		path := g.shortestCycle(c.real[0], c.id, comp)
		if cyc, ok := explainCycle(d, g, path); ok {
			res.g1cRealtime = append(res.g1cRealtime, cyc)
		}
	}
	return res
}

// explainCycle turns a vertex cycle into an Elle-style explanation: the
// ops in order (first repeated at the end) and one step per hop, wr where
// the target read a value the source sent, realtime otherwise (Elle's
// combined explainer also tries the wr explanation first). Checkpoints are
// dropped from the op list.
func explainCycle(d *derived, g *depGraph, path []int32) (Cycle, bool) {
	var ops []int32
	for _, v := range path {
		if int(v) < g.n {
			ops = append(ops, v)
		}
	}
	if len(ops) < 2 {
		return Cycle{}, false
	}
	ops = append(ops, ops[0])
	cyc := Cycle{Type: TypeG1cRealtime}
	for i := 0; i+1 < len(ops); i++ {
		a, b := &d.txns[ops[i]], &d.txns[ops[i+1]]
		cyc.Ops = append(cyc.Ops, a.ref)
		cyc.Steps = append(cyc.Steps, explainPair(d, a, b))
	}
	cyc.Ops = append(cyc.Ops, d.txns[ops[len(ops)-1]].ref)
	return cyc, true
}

// explainPair explains a -> b: a wr step naming the first value b read
// that a sent, else a realtime step from a's completion to b's invocation
// (J:kafka.clj WRExplainer, elle core.clj RealtimeExplainer).
func explainPair(d *derived, a, b *txn) Step {
	for _, r := range b.reads {
		for _, p := range r.pairs {
			if w, ok := d.writer(r.key, p.Msg); ok && w == a.pos {
				return Step{Type: "wr", Key: r.key, Value: p.Msg}
			}
		}
	}
	st := Step{Type: "realtime", A: a.ref.Index}
	if b.invocation >= 0 {
		st.B = d.txns[b.invocation].ref.Index
	}
	return st
}
