package checker

import (
	"fmt"

	"zabkafka/tests/workbench/history"
)

// depGraph is the dependency graph the cycle search runs on: wr edges
// (writer -> reader, J:kafka.clj wr-graph) and the realtime order (elle
// core.clj realtime-graph), in compressed sparse row form.
//
// Vertices 0..n-1 are txn positions (only completions of sends and polls
// get edges). Realtime order is not stored as op -> op edges: Elle links
// every buffered ok completion to each new invocation's completion, which
// is O(n * concurrency) edges. Instead we add checkpoint vertices n, n+1,
// ...: at each invocation that follows new ok completions, a checkpoint is
// created, those completions point to it and the previous checkpoint
// points to it; the current checkpoint points to the invoked op's
// completion. A path a -> checkpoints -> b exists exactly when a completed
// ok before b was invoked, so reachability between ops, hence every
// strongly connected component, is the same as in Elle's graph, with O(n)
// edges.
type depGraph struct {
	n        int     // number of op vertices
	vertices int     // op vertices plus checkpoints
	start    []int32 // CSR offsets, len vertices+1
	adj      []int32
	// hasEdges reports whether the graph as Elle builds it has any edge
	// (otherwise Elle reports empty-transaction-graph).
	hasEdges bool
}

type edge struct{ from, to int32 }

// isCycleOp reports whether t takes part in cycle search: J:kafka.clj
// cycles! keeps only txn, poll and send ops.
func isCycleOp(t *txn) bool {
	return t.f == history.FSend || t.f == history.FPoll || t.f == fTxn
}

// buildGraph builds the wr + realtime graph. A value read under a key
// nobody sent it to makes Jepsen's wr-graph throw :no-writer-of-value; we
// return that as an analysis error.
func buildGraph(d *derived) (*depGraph, error) {
	n := len(d.txns)
	// One wr edge per read pair at most, plus O(n) realtime edges: size
	// the edge list once rather than growing it.
	reads := 0
	for i := range d.txns {
		for _, r := range d.txns[i].reads {
			reads += len(r.pairs)
		}
	}
	edges := make([]edge, 0, reads+3*n)
	hasEdges := false
	for i := range d.txns {
		t := &d.txns[i]
		if t.isInvoke() || !isCycleOp(t) {
			continue
		}
		for _, r := range t.reads {
			for _, p := range r.pairs {
				w, ok := d.writer(r.key, p.Msg)
				if !ok {
					return nil, &analysisError{fmt.Sprintf(
						"wr-graph: no-writer-of-value: key %q value %d was read (op %d) but never sent to that key",
						r.key, p.Msg, t.ref.Index)}
				}
				if w != t.pos {
					edges = append(edges, edge{int32(w), int32(t.pos)})
					hasEdges = true
				}
			}
		}
	}
	vertices := n
	current := int32(-1)
	var fresh []int32 // ok completions since the current checkpoint
	for i := range d.txns {
		t := &d.txns[i]
		if !isCycleOp(t) {
			continue
		}
		switch t.typ {
		case history.Invoke:
			if t.completion < 0 {
				continue
			}
			if len(fresh) > 0 {
				c := int32(vertices)
				vertices++
				for _, a := range fresh {
					edges = append(edges, edge{a, c})
				}
				if current >= 0 {
					edges = append(edges, edge{current, c})
				}
				current = c
				fresh = fresh[:0]
			}
			if current >= 0 {
				edges = append(edges, edge{current, int32(t.completion)})
				hasEdges = true
			}
		case history.OK:
			fresh = append(fresh, int32(t.pos))
		}
	}
	g := &depGraph{n: n, vertices: vertices, hasEdges: hasEdges}
	g.start = make([]int32, vertices+1)
	for _, e := range edges {
		g.start[e.from+1]++
	}
	for v := 0; v < vertices; v++ {
		g.start[v+1] += g.start[v]
	}
	g.adj = make([]int32, len(edges))
	fill := append([]int32(nil), g.start[:vertices]...)
	for _, e := range edges {
		g.adj[fill[e.from]] = e.to
		fill[e.from]++
	}
	return g, nil
}

// out returns the successors of v.
func (g *depGraph) out(v int32) []int32 { return g.adj[g.start[v]:g.start[v+1]] }

// sccs returns the strongly connected components with two or more
// vertices, by an iterative Tarjan (no recursion: components can hold the
// whole history). comp[v] is v's component id or -1.
func (g *depGraph) sccs() (comp []int32, members [][]int32) {
	nv := g.vertices
	index := make([]int32, nv) // discovery order + 1; 0 = unvisited
	low := make([]int32, nv)
	onStack := make([]bool, nv)
	comp = make([]int32, nv)
	for i := range comp {
		comp[i] = -1
	}
	var stack []int32
	type frame struct{ v, e int32 }
	var call []frame
	next := int32(1)
	for s := int32(0); int(s) < nv; s++ {
		if index[s] != 0 || g.start[s] == g.start[s+1] {
			continue // visited, or no successors: a trivial component
		}
		index[s], low[s] = next, next
		next++
		stack = append(stack, s)
		onStack[s] = true
		call = append(call, frame{s, g.start[s]})
		for len(call) > 0 {
			top := len(call) - 1
			v := call[top].v
			if e := call[top].e; e < g.start[v+1] {
				call[top].e++
				w := g.adj[e]
				if index[w] == 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, g.start[w]})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			if low[v] == index[v] {
				var m []int32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					m = append(m, w)
					if w == v {
						break
					}
				}
				if len(m) > 1 {
					id := int32(len(members))
					for _, w := range m {
						comp[w] = id
					}
					members = append(members, m)
				}
			}
			call = call[:top]
			if top > 0 {
				u := call[top-1].v
				low[u] = min(low[u], low[v])
			}
		}
	}
	return comp, members
}

// shortestCycle returns a shortest cycle through s that stays inside
// component c, as the vertex sequence s, ..., (not repeating s), by
// breadth-first search. s must belong to a nontrivial component.
func (g *depGraph) shortestCycle(s int32, c int32, comp []int32) []int32 {
	parent := map[int32]int32{s: -1}
	queue := []int32{s}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, w := range g.out(u) {
			if comp[w] != c {
				continue
			}
			if w == s {
				var path []int32
				for x := u; x != -1; x = parent[x] {
					path = append(path, x)
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			if _, seen := parent[w]; !seen {
				parent[w] = u
				queue = append(queue, w)
			}
		}
	}
	return nil
}
