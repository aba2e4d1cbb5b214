package checker

import (
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"zabkafka/tests/workbench/history"
)

// randomCyclicHistory interleaves sends and polls of a few processes;
// polls read values of any send, including sends not yet invoked, so
// cycles through realtime and wr edges are common.
func randomCyclicHistory(rng *rand.Rand) history.History {
	type sent struct {
		key      string
		off, msg int64
	}
	var plan []sent
	nSends := 1 + rng.Intn(8)
	for i := 0; i < nSends; i++ {
		plan = append(plan, sent{key: strconv.Itoa(rng.Intn(2)), off: int64(i), msg: int64(i + 1)})
	}
	b := newHB()
	procs := 1 + rng.Intn(4)
	inflight := make([]*history.Op, procs)
	nextSend := 0
	types := []history.Type{history.OK, history.OK, history.OK, history.Info, history.Fail}
	for steps := 0; steps < 40; steps++ {
		p := rng.Intn(procs)
		if op := inflight[p]; op != nil {
			typ := types[rng.Intn(len(types))]
			switch op.F {
			case history.FSend:
				if typ == history.OK {
					b.sendOK(p, op.Key, *op.Offset, op.Msg)
				} else {
					b.sendEnd(p, typ, op.Key, op.Msg, "x")
				}
			case history.FPoll:
				if typ != history.OK {
					b.pollEnd(p, typ, "x")
					break
				}
				s := plan[rng.Intn(len(plan))]
				b.pollOK(p, polls{s.key: pairs(s.off, s.msg)})
			}
			inflight[p] = nil
			continue
		}
		if nextSend < len(plan) && rng.Intn(2) == 0 {
			s := plan[nextSend]
			nextSend++
			b.sendInv(p, s.key, s.msg)
			o := s.off
			inflight[p] = &history.Op{F: history.FSend, Key: s.key, Msg: s.msg, Offset: &o}
		} else {
			b.pollInv(p)
			inflight[p] = &history.Op{F: history.FPoll}
		}
	}
	// Every planned send must have a completion (a writer), or the
	// analysis stops: finish what is in flight, then send the rest.
	for p, op := range inflight {
		if op != nil && op.F == history.FSend {
			b.sendOK(p, op.Key, *op.Offset, op.Msg)
		}
	}
	for ; nextSend < len(plan); nextSend++ {
		s := plan[nextSend]
		p := procs + nextSend
		b.sendInv(p, s.key, s.msg)
		b.sendOK(p, s.key, s.off, s.msg)
	}
	return b.h
}

// naiveSCCs computes the nontrivial components of the full (not
// transitively reduced) wr + realtime graph by brute-force reachability.
func naiveSCCs(txns []txn, d *derived) (sccs [][]int, anyEdge bool) {
	n := len(txns)
	adj := make([][]bool, n)
	for i := range adj {
		adj[i] = make([]bool, n)
	}
	for i := range txns {
		t := &txns[i]
		if t.isInvoke() || !isCycleOp(t) {
			continue
		}
		for _, r := range t.reads {
			for _, p := range r.pairs {
				if w, ok := d.writer(r.key, p.Msg); ok && w != i {
					adj[w][i], anyEdge = true, true
				}
			}
		}
	}
	for a := range txns {
		if txns[a].typ != history.OK || !isCycleOp(&txns[a]) {
			continue
		}
		for bi := a + 1; bi < n; bi++ {
			if txns[bi].isInvoke() && isCycleOp(&txns[bi]) && txns[bi].completion >= 0 {
				adj[a][txns[bi].completion], anyEdge = true, true
			}
		}
	}
	reach := make([][]bool, n)
	for s := 0; s < n; s++ {
		reach[s] = make([]bool, n)
		stack := []int{s}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for v := 0; v < n; v++ {
				if adj[u][v] && !reach[s][v] {
					reach[s][v] = true
					stack = append(stack, v)
				}
			}
		}
	}
	done := make([]bool, n)
	for u := 0; u < n; u++ {
		if done[u] || !reach[u][u] {
			continue
		}
		var c []int
		for v := 0; v < n; v++ {
			if reach[u][v] && reach[v][u] {
				c = append(c, txns[v].ref.Index)
				done[v] = true
			}
		}
		sort.Ints(c)
		sccs = append(sccs, c)
	}
	return sccs, anyEdge
}

// The checkpointed realtime encoding finds exactly the components of
// Elle's full realtime relation, and every cycle it names is a real one.
func TestCycleSearchMatchesNaiveGraph(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewSource(seed))
	cyclic := 0
	for run := 0; run < 500; run++ {
		h := randomCyclicHistory(rng)
		txns := clientTxns(h)
		d := derive(txns)
		g, err := buildGraph(d)
		if err != nil {
			t.Fatalf("seed %d run %d: %v", seed, run, err)
		}
		got := cycleCases(d, g)
		want, anyEdge := naiveSCCs(txns, d)
		var gotSCCs [][]int
		for _, c := range got.exists {
			gotSCCs = append(gotSCCs, c.SCC)
		}
		if !reflect.DeepEqual(gotSCCs, want) {
			t.Fatalf("seed %d run %d: components %v, naive %v\nhistory %+v", seed, run, gotSCCs, want, h)
		}
		if got.empty == anyEdge {
			t.Fatalf("seed %d run %d: empty graph = %v but naive edges = %v", seed, run, got.empty, anyEdge)
		}
		if len(got.g1cRealtime) != len(want) {
			t.Fatalf("seed %d run %d: %d cycles for %d components", seed, run, len(got.g1cRealtime), len(want))
		}
		for _, c := range got.g1cRealtime {
			checkCycle(t, seed, run, h, txns, d, c)
		}
		if len(want) > 0 {
			cyclic++
		}
	}
	if cyclic == 0 {
		t.Fatalf("seed %d: no run had a cycle; the generator is too tame", seed)
	}
}

// checkCycle verifies every step of a reported cycle against the history.
func checkCycle(t *testing.T, seed int64, run int, h history.History, txns []txn, d *derived, c Cycle) {
	t.Helper()
	if len(c.Ops) < 3 || c.Ops[0] != c.Ops[len(c.Ops)-1] || len(c.Steps) != len(c.Ops)-1 {
		t.Fatalf("seed %d run %d: malformed cycle %+v", seed, run, c)
	}
	hasWR, hasRT := false, false
	for i, st := range c.Steps {
		a, b := c.Ops[i], c.Ops[i+1]
		switch st.Type {
		case "wr":
			hasWR = true
			w, ok := d.writer(st.Key, st.Value)
			read := false
			for _, p := range h[b.Index].Polls[st.Key] {
				read = read || p.Msg == st.Value
			}
			if !ok || txns[w].ref != a || !read {
				t.Fatalf("seed %d run %d: bad wr step %+v from %+v to %+v", seed, run, st, a, b)
			}
		case "realtime":
			hasRT = true
			if h[a.Index].Type != history.OK || st.A != a.Index || st.A >= st.B ||
				h[st.B].Type != history.Invoke || h[st.B].Process != b.Process {
				t.Fatalf("seed %d run %d: bad realtime step %+v from %+v to %+v", seed, run, st, a, b)
			}
		default:
			t.Fatalf("seed %d run %d: step type %q", seed, run, st.Type)
		}
	}
	if !hasWR || !hasRT {
		t.Fatalf("seed %d run %d: a G1c-realtime cycle needs both edge kinds: %+v", seed, run, c)
	}
}
