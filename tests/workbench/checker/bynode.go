package checker

import (
	"sort"
	"time"

	"zabkafka/tests/workbench/history"
)

// Send latency per node, next to the hop bound (our addition). A client
// talks to one node (nodeOf), so the latency of its sends is the path
// through that node. In a leader-based log the fewest hops a write can
// take, with every node-to-node message taking the one-way latency L and
// clients none, are:
//
//   - on the leader: 2 L (the proposal to a quorum, its acknowledgements
//     back);
//   - on any other node: 4 L (the write forwarded to the leader, those
//     two hops, and the commit back to the node that answers).
//
// These are bounds only for a constant latency (--latency-dist
// constant); for other distributions the report gives the latencies
// without bounds. The leader is the node Options.Leader names, or else
// the node whose sends are fastest (inferred, and said so).

// NodeLatency is one node's ok-send latency, with its hop bound when
// there is one.
type NodeLatency struct {
	Node string         `json:"node"`
	Role string         `json:"role"` // "leader" or "follower"
	Send LatencySummary `json:"send"`
	// BoundMS is the hop bound for the node's role, 0 without a
	// constant latency; Ratio is Send.P50 / BoundMS.
	BoundMS float64 `json:"bound-ms,omitempty"`
	Ratio   float64 `json:"p50-ratio,omitempty"`
}

// ByNode is the per-node section: every node's send latency, and the
// leader's and the followers' sends taken together, each against its
// bound.
type ByNode struct {
	HopMS          float64       `json:"hop-ms,omitempty"` // the constant one-way latency, 0 if none
	Leader         string        `json:"leader,omitempty"`
	LeaderInferred bool          `json:"leader-inferred,omitempty"`
	Nodes          []NodeLatency `json:"nodes"`
	// LeaderSends and FollowerSends pool the sends by role.
	LeaderSends   NodeLatency `json:"leader-sends"`
	FollowerSends NodeLatency `json:"follower-sends"`
}

// minInferSends is how many ok sends a node needs to be taken for the
// leader by its speed.
const minInferSends = 10

// computeByNode groups ok sends by the node their process talks to. It
// returns nil when processes cannot be mapped to nodes (no Nodes or
// Concurrency), or there is a single node.
func computeByNode(txns []txn, opts Options) *ByNode {
	if opts.Concurrency <= 0 || len(opts.Nodes) < 2 {
		return nil
	}
	lats := map[string][]int64{}
	for i := range txns {
		t := &txns[i]
		if t.isInvoke() || t.invocation < 0 || t.typ != history.OK || t.f != history.FSend {
			continue
		}
		n := nodeOf(t.process, opts)
		lats[n] = append(lats[n], t.time-t.invokeTime)
	}
	b := &ByNode{Leader: opts.Leader}
	if opts.HopLatency > 0 {
		b.HopMS = nanosToMillis(int64(opts.HopLatency))
	}
	sums := map[string]LatencySummary{}
	for _, n := range opts.Nodes {
		sums[n] = summarise(append([]int64(nil), lats[n]...))
	}
	if b.Leader == "" {
		b.Leader, b.LeaderInferred = fastest(opts.Nodes, sums), true
	}
	var leaderLats, followerLats []int64
	for _, n := range opts.Nodes {
		nl := NodeLatency{Node: n, Role: "follower", Send: sums[n]}
		if n == b.Leader {
			nl.Role = "leader"
			leaderLats = append(leaderLats, lats[n]...)
		} else {
			followerLats = append(followerLats, lats[n]...)
		}
		b.bound(&nl)
		b.Nodes = append(b.Nodes, nl)
	}
	b.LeaderSends = NodeLatency{Node: b.Leader, Role: "leader", Send: summarise(leaderLats)}
	b.FollowerSends = NodeLatency{Node: "others", Role: "follower", Send: summarise(followerLats)}
	b.bound(&b.LeaderSends)
	b.bound(&b.FollowerSends)
	return b
}

// bound fills in nl's hop bound and ratio, if there is a bound.
func (b *ByNode) bound(nl *NodeLatency) {
	if b.HopMS <= 0 {
		return
	}
	hops := 4.0
	if nl.Role == "leader" {
		hops = 2
	}
	nl.BoundMS = hops * b.HopMS
	if nl.Send.Count > 0 {
		nl.Ratio = nl.Send.P50 / nl.BoundMS
	}
}

// fastest is the node with the lowest send p50 among those with at least
// minInferSends ok sends ("" if none has), ties to the first in order.
func fastest(nodes []string, sums map[string]LatencySummary) string {
	cands := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if sums[n].Count >= minInferSends {
			cands = append(cands, n)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return sums[cands[i]].P50 < sums[cands[j]].P50 })
	if len(cands) == 0 {
		return ""
	}
	return cands[0]
}

// hopLatency is the constant one-way latency behind the bounds, for
// Options: the latency if its distribution is constant, else 0.
func hopLatency(latency time.Duration, dist string) time.Duration {
	if dist == "constant" || dist == "" {
		return latency
	}
	return 0
}
