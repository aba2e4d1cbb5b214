package net

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func nodeNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i)
	}
	return out
}

func drops(g map[string][]string, dest, src string) bool { return slices.Contains(g[dest], src) }

// components checks g is a complete grudge and returns its component sizes.
func componentSizes(t *testing.T, g map[string][]string, nodes []string) []int {
	t.Helper()
	seen := map[string]bool{}
	var sizes []int
	for _, a := range nodes {
		if seen[a] {
			continue
		}
		size := 0
		for _, b := range nodes {
			if !drops(g, a, b) {
				seen[b] = true
				size++
				// Symmetric and transitive within a component.
				if drops(g, b, a) {
					t.Fatalf("%s hears %s but %s drops %s", a, b, b, a)
				}
			}
		}
		sizes = append(sizes, size)
	}
	slices.Sort(sizes)
	return sizes
}

func TestGrudgeShapes(t *testing.T) {
	const seed = 7
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 0))
	for _, n := range []int{3, 5, 16} {
		nodes := nodeNames(n)
		for round := 0; round < 20; round++ {
			for _, shape := range PartitionShapes {
				g := Grudge(shape, nodes, rnd)
				for dest, srcs := range g {
					if slices.Contains(srcs, dest) {
						t.Fatalf("%s n=%d: %s drops itself", shape, n, dest)
					}
					if !slices.IsSorted(srcs) {
						t.Fatalf("%s: unsorted %v", shape, srcs)
					}
				}
				checkShape(t, shape, n, nodes, g)
			}
		}
	}
}

func checkShape(t *testing.T, shape string, n int, nodes []string, g map[string][]string) {
	t.Helper()
	if len(g) != n {
		t.Fatalf("%s n=%d: %d keys, want every node", shape, n, len(g))
	}
	switch shape {
	case ShapeOne:
		want := []int{1, n - 1}
		if got := componentSizes(t, g, nodes); !slices.Equal(got, want) {
			t.Fatalf("one n=%d: components %v", n, got)
		}
	case ShapeMajority:
		want := []int{n / 2, n - n/2}
		if got := componentSizes(t, g, nodes); !slices.Equal(got, want) {
			t.Fatalf("majority n=%d: components %v want %v", n, got, want)
		}
	case ShapeMinorityThird:
		third := (n - 1) / 3
		got := componentSizes(t, g, nodes)
		if third == 0 {
			if !slices.Equal(got, []int{n}) {
				t.Fatalf("minority-third n=%d must cut nobody: %v", n, got)
			}
			return
		}
		if !slices.Equal(got, []int{third, n - third}) {
			t.Fatalf("minority-third n=%d: %v", n, got)
		}
	case ShapeMajoritiesRing:
		m := majority(n)
		hears := map[string]string{}
		for _, a := range nodes {
			var set []string
			for _, b := range nodes {
				if !drops(g, a, b) {
					set = append(set, b)
				}
			}
			if len(set) < m {
				t.Fatalf("ring n=%d: %s hears %v, fewer than a majority %d", n, a, set, m)
			}
			key := fmt.Sprint(set)
			// Distinct majorities are guaranteed only by the perfect ring.
			if other, dup := hears[key]; dup && n > 3 && n <= 5 {
				t.Fatalf("ring n=%d: %s and %s hear the same majority %s", n, a, other, key)
			}
			hears[key] = a
		}
		if n == 5 || n == 4 {
			// Exactly its two ring neighbours and itself, symmetric.
			for _, a := range nodes {
				if len(g[a]) != n-3 {
					t.Fatalf("ring n=%d: %s drops %v", n, a, g[a])
				}
				for _, b := range g[a] {
					if !drops(g, b, a) {
						t.Fatalf("ring n=%d not symmetric: %s drops %s but not back", n, a, b)
					}
				}
			}
		}
		if n == 3 {
			// One-way ring: each node drops exactly one other, and no pair
			// drops each other.
			for _, a := range nodes {
				if len(g[a]) != 1 || drops(g, g[a][0], a) {
					t.Fatalf("ring n=3 must be one-way: %v", g)
				}
			}
		}
		if n > 5 {
			// Stochastic: symmetric links.
			for _, a := range nodes {
				for _, b := range g[a] {
					if !drops(g, b, a) {
						t.Fatalf("stochastic ring not symmetric: %s drops %s", a, b)
					}
				}
			}
		}
	}
}

func TestGrudgeDeterministicFromSeed(t *testing.T) {
	nodes := nodeNames(16)
	for _, shape := range PartitionShapes {
		a := Grudge(shape, nodes, rand.New(rand.NewPCG(42, 1)))
		b := Grudge(shape, nodes, rand.New(rand.NewPCG(42, 1)))
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("%s: same seed, different grudges", shape)
		}
	}
	if Grudge("primaries", nodes, rand.New(rand.NewPCG(1, 1))) != nil {
		t.Fatal("unknown shape must give nil")
	}
	if g := Grudge(ShapeOne, nil, rand.New(rand.NewPCG(1, 1))); len(g) != 0 {
		t.Fatalf("no nodes: %v", g)
	}
}

func TestGrudgeSmallClusters(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{1, 2} {
		for _, shape := range PartitionShapes {
			g := Grudge(shape, nodeNames(n), rnd)
			if len(g) != n {
				t.Fatalf("%s n=%d: %v", shape, n, g)
			}
		}
	}
	// majorities-ring for 2 nodes: a window is both nodes, nobody dropped.
	g := Grudge(ShapeMajoritiesRing, nodeNames(2), rnd)
	if len(g["n0"])+len(g["n1"]) != 0 {
		t.Fatalf("ring n=2: %v", g)
	}
}
