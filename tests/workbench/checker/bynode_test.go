package checker

import (
	"strings"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
)

// byNodeHistory: three nodes, one process each (concurrency 3); every
// send of n1 takes 21 ms, of n0 41 ms, of n2 46 ms (times in ns). n2 also
// has a failed send, which does not count.
func byNodeHistory() history.History {
	b := newHB()
	ms := int64(time.Millisecond)
	v := int64(0)
	t := int64(0)
	for i := 0; i < minInferSends; i++ {
		for p, lat := range []int64{41, 21, 46} {
			v++
			b.at(t).sendInv(p, "k", v)
			b.at(t+lat*ms).sendOK(p, "k", v-1, v)
			t += 100 * ms
		}
	}
	b.at(t).sendInv(2, "k", 999)
	b.at(t+ms).sendEnd(2, history.Fail, "k", 999, "refused")
	return b.h
}

// The leader is the node with the fastest sends unless named; each node
// and each role gets its p50 against its hop bound: 2 one-way latencies
// for the leader, 4 for the others.
func TestByNodeAgainstHopBounds(t *testing.T) {
	nodes := []string{"n0", "n1", "n2"}
	r := Check(byNodeHistory(), Options{Nodes: nodes, Concurrency: 3, HopLatency: 10 * time.Millisecond})
	bn := r.ByNode
	if bn == nil {
		t.Fatal("no per-node section")
	}
	if bn.Leader != "n1" || !bn.LeaderInferred {
		t.Fatalf("leader %q inferred %v, want n1 inferred", bn.Leader, bn.LeaderInferred)
	}
	want := map[string]struct {
		role   string
		p50    float64
		bound  float64
		counts int
	}{
		"n0": {"follower", 41, 40, minInferSends},
		"n1": {"leader", 21, 20, minInferSends},
		"n2": {"follower", 46, 40, minInferSends},
	}
	for _, n := range bn.Nodes {
		w := want[n.Node]
		if n.Role != w.role || n.Send.P50 != w.p50 || n.BoundMS != w.bound || n.Send.Count != w.counts {
			t.Errorf("%s: %+v, want %+v", n.Node, n, w)
		}
		if got := n.Send.P50 / w.bound; n.Ratio != got {
			t.Errorf("%s: ratio %v, want %v", n.Node, n.Ratio, got)
		}
	}
	if ls := bn.LeaderSends; ls.Send.Count != minInferSends || ls.Ratio != 21.0/20 {
		t.Errorf("leader's sends: %+v", ls)
	}
	// The followers' sends pooled: 41s and 46s, nearest-rank median 41.
	if fs := bn.FollowerSends; fs.Send.Count != 2*minInferSends || fs.Send.P50 != 41 || fs.BoundMS != 40 {
		t.Errorf("followers' sends: %+v", fs)
	}
	s := r.Summary()
	for _, frag := range []string{"leader n1, inferred", "1.05x bound   20 ms", "1.02x bound   40 ms"} {
		if !strings.Contains(s, frag) {
			t.Errorf("summary lacks %q:\n%s", frag, s)
		}
	}

	// Named: n2 is reported as the leader, against the leader's bound.
	r = Check(byNodeHistory(), Options{Nodes: nodes, Concurrency: 3, HopLatency: 10 * time.Millisecond, Leader: "n2"})
	if bn := r.ByNode; bn.Leader != "n2" || bn.LeaderInferred || bn.LeaderSends.BoundMS != 20 || bn.LeaderSends.Send.P50 != 46 {
		t.Fatalf("named leader: %+v", bn)
	}
}

// Without a constant latency there are no bounds, only the latencies; a
// single node gets no section.
func TestByNodeWithoutBounds(t *testing.T) {
	nodes := []string{"n0", "n1", "n2"}
	r := Check(byNodeHistory(), Options{Nodes: nodes, Concurrency: 3, HopLatency: HopLatencyOf(10*time.Millisecond, "exponential")})
	bn := r.ByNode
	if bn == nil || bn.HopMS != 0 || bn.Nodes[1].BoundMS != 0 || bn.Nodes[1].Ratio != 0 {
		t.Fatalf("exponential latency: %+v", bn)
	}
	if s := r.Summary(); !strings.Contains(s, "send p50 by node, ms (leader n1, inferred: fastest sends): n0 41.0, n1 21.0, n2 46.0") {
		t.Fatalf("summary:\n%s", s)
	}
	if r := Check(byNodeHistory(), Options{Nodes: []string{"n0"}, Concurrency: 3}); r.ByNode != nil {
		t.Fatalf("a single node got a per-node section: %+v", r.ByNode)
	}
}
