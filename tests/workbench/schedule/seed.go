package schedule

import "math/rand/v2"

// Component names the consumers of randomness in a run. Each gets its own
// source derived from the run's seed, so that adding a draw in one component
// never shifts the choices of another: with the same seed the generator makes
// the same choices whatever the nemesis or the network did.
type Component uint64

// The components of a workbench run that draw random numbers.
const (
	Workload  Component = iota + 1 // key, value, op kind, assign, crash choices
	Rate                           // the global client-op stagger
	Nemesis                        // the partition nemesis: gaps, shapes and grudges
	Network                        // latency draws and services (handed to the network)
	Final                          // the final phase's per-thread poll gaps
	Processes                      // the kill and pause nemeses: gaps, which fault, which nodes
)

// Rand returns the random source of component c for a run seeded with seed.
func Rand(seed int64, c Component) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), splitmix(uint64(c))))
}

// RandFor returns the random source of the i-th instance of component c
// (e.g. one per client thread), independent of the other instances.
func RandFor(seed int64, c Component, i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), splitmix(uint64(c)<<32|uint64(uint32(i)))))
}

// Seed returns a 63-bit seed derived from the run's seed for component c, for
// consumers that take an int64 seed rather than a source.
func Seed(seed int64, c Component) int64 {
	return int64(splitmix(uint64(seed)^splitmix(uint64(c))) >> 1)
}

// splitmix is the SplitMix64 finaliser: it spreads nearby inputs (component
// 1, 2, 3...) over the whole 64-bit range.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
