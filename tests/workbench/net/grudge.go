package net

import (
	"math/rand/v2"
	"sort"
)

// Partition shape names (J:jepsen/src/jepsen/nemesis/combined.clj
// partition-specs; :primaries is not offered because Maelstrom's DB has no
// primaries).
const (
	ShapeOne            = "one"
	ShapeMinorityThird  = "minority-third"
	ShapeMajority       = "majority"
	ShapeMajoritiesRing = "majorities-ring"
)

// PartitionShapes are the shapes a start-partition picks from, uniformly.
var PartitionShapes = []string{ShapeOne, ShapeMinorityThird, ShapeMajority, ShapeMajoritiesRing}

// Grudge computes the drop map of a partition shape (J:combined.clj
// grudge): receiver -> the senders it drops, each list sorted. Every node of
// a complete grudge appears as a key, possibly with an empty list (as in
// Jepsen's history values). Randomness comes only from rnd. An unknown shape
// gives nil.
//
//   - one: a random node is cut off from all others, both ways.
//   - majority: shuffle; the first floor(n/2) nodes against the rest.
//   - minority-third: shuffle; the first floor((n-1)/3) nodes against the
//     rest (for n <= 3 nobody is cut off).
//   - majorities-ring: every node sees a majority, no two the same one;
//     a perfect ring for n <= 5, a stochastic construction above.
func Grudge(shape string, nodes []string, rnd *rand.Rand) map[string][]string {
	switch shape {
	case ShapeOne:
		if len(nodes) == 0 {
			return map[string][]string{}
		}
		loner := nodes[rnd.IntN(len(nodes))]
		var rest []string
		for _, n := range nodes {
			if n != loner {
				rest = append(rest, n)
			}
		}
		return completeGrudge([][]string{{loner}, rest})
	case ShapeMajority:
		s := shuffled(nodes, rnd)
		half := len(s) / 2 // bisect: smaller half first
		return completeGrudge([][]string{s[:half], s[half:]})
	case ShapeMinorityThird:
		s := shuffled(nodes, rnd)
		third := minorityThird(len(s))
		return completeGrudge([][]string{s[:third], s[third:]})
	case ShapeMajoritiesRing:
		if len(nodes) <= 5 {
			return majoritiesRingPerfect(nodes, rnd)
		}
		return majoritiesRingStochastic(nodes, rnd)
	}
	return nil
}

// majority is the smallest integer strictly greater than half of n
// (J:jepsen/src/jepsen/util.clj majority).
func majority(n int) int { return n/2 + 1 }

// minorityThird is the largest integer strictly less than a third of n
// (J:util.clj minority-third).
func minorityThird(n int) int {
	if n < 1 {
		return 0
	}
	return (n - 1) / 3
}

func shuffled(nodes []string, rnd *rand.Rand) []string {
	s := append([]string(nil), nodes...)
	rnd.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}

// completeGrudge makes every node drop every node outside its own component
// (J:jepsen/src/jepsen/nemesis.clj complete-grudge).
func completeGrudge(components [][]string) map[string][]string {
	g := map[string][]string{}
	for i, comp := range components {
		for _, n := range comp {
			drops := []string{}
			for j, other := range components {
				if j != i {
					drops = append(drops, other...)
				}
			}
			sort.Strings(drops)
			g[n] = drops
		}
	}
	return g
}

// majoritiesRingPerfect shuffles the nodes into a ring and, for each window
// of m = majority(n) consecutive ring positions, makes the window's middle
// element (offset floor(m/2)) drop everyone outside the window
// (J:nemesis.clj majorities-ring-perfect). For 4 and 5 nodes each node then
// hears exactly its ring neighbours; for 3 it is a one-way ring.
func majoritiesRingPerfect(nodes []string, rnd *rand.Rand) map[string][]string {
	ring := shuffled(nodes, rnd)
	n := len(ring)
	m := majority(n)
	g := map[string][]string{}
	for start := 0; start < n; start++ {
		in := map[string]bool{}
		for k := 0; k < m; k++ {
			in[ring[(start+k)%n]] = true
		}
		drops := []string{}
		for _, x := range ring {
			if !in[x] {
				drops = append(drops, x)
			}
		}
		sort.Strings(drops)
		g[ring[(start+m/2)%n]] = drops
	}
	return g
}

// majoritiesRingStochastic builds a link graph in which every node has at
// least m = majority(n) links counting itself: repeatedly take a node a of
// least degree (ties shuffled) and link it to the first node, in order of
// degree (ties shuffled), that it is not yet linked to; then every node
// drops all its non-links (J:nemesis.clj majorities-ring-stochastic,
// invert-grudge).
func majoritiesRingStochastic(nodes []string, rnd *rand.Rand) map[string][]string {
	n := len(nodes)
	m := majority(n)
	links := make(map[string]map[string]bool, n)
	degree := make(map[string]int, n)
	for _, x := range nodes {
		links[x] = map[string]bool{x: true}
		degree[x] = 1
	}
	for {
		order := byDegree(nodes, degree, rnd)
		a := order[0]
		if degree[a] >= m {
			break
		}
		b := ""
		for _, x := range order {
			if !links[a][x] {
				b = x
				break
			}
		}
		if b == "" { // a is linked to everyone, so its degree is n >= m; unreachable
			break
		}
		links[a][b], links[b][a] = true, true
		degree[a]++
		degree[b]++
	}
	g := make(map[string][]string, n)
	for _, x := range nodes {
		drops := []string{}
		for _, y := range nodes {
			if !links[x][y] {
				drops = append(drops, y)
			}
		}
		sort.Strings(drops)
		g[x] = drops
	}
	return g
}

// byDegree lists nodes by ascending degree, each degree's nodes shuffled
// (sorted first, so the result depends only on rnd).
func byDegree(nodes []string, degree map[string]int, rnd *rand.Rand) []string {
	groups := map[int][]string{}
	var degrees []int
	for _, x := range nodes {
		d := degree[x]
		if groups[d] == nil {
			degrees = append(degrees, d)
		}
		groups[d] = append(groups[d], x)
	}
	sort.Ints(degrees)
	var out []string
	for _, d := range degrees {
		g := groups[d]
		sort.Strings(g)
		out = append(out, shuffled(g, rnd)...)
	}
	return out
}
