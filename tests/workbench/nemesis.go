package workbench

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/net"
)

// nemesisOp performs one partition nemesis op and records it as Jepsen
// does (spec 3.5): process nemesis, type info for both records.
// start-partition picks a shape uniformly, records it, computes its grudge
// (net.Grudge), applies it and records the grudge; stop-partition heals and
// records "network-healed". The op is applied inline: it only changes the
// network's drop table, so the nemesis "thread" is never busy for long.
func (r *runner) nemesisOp(start bool) {
	if start {
		shape, grudge := drawPartition(r.nemesisRnd, r.nodes)
		r.record(&history.Op{Type: history.Info, Process: history.NemesisProcess, F: history.FStartPartition, Value: shape})
		r.cluster.Partition(grudge)
		r.record(&history.Op{Type: history.Info, Process: history.NemesisProcess, F: history.FStartPartition, Value: grudge})
		r.partition = shape
		r.opts.Logf("nemesis: start-partition %s", describeGrudge(shape, grudge))
		return
	}
	r.record(&history.Op{Type: history.Info, Process: history.NemesisProcess, F: history.FStopPartition})
	r.cluster.Heal()
	r.record(&history.Op{Type: history.Info, Process: history.NemesisProcess, F: history.FStopPartition, Value: "network-healed"})
	r.partition = ""
	r.opts.Logf("nemesis: stop-partition, network healed")
}

// drawPartition picks a shape uniformly among net.PartitionShapes
// (J:combined.clj partition-package: rand-nth of the specs) and computes its
// grudge, both from rnd.
func drawPartition(rnd *rand.Rand, nodes []string) (string, map[string][]string) {
	shape := net.PartitionShapes[rnd.IntN(len(net.PartitionShapes))]
	return shape, net.Grudge(shape, nodes, rnd)
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
