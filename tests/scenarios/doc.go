// Package scenarios holds the named recovery scenarios (docs/bugs.md tells
// the ZooKeeper bugs among them): each test scripts one failure (most of
// them a real ZooKeeper bug, cited by ticket) on a deterministic sim.World,
// asserts the outcome the scenario is about, and runs the invariant checker
// throughout.
//
// The package has no code of its own; the tests share a small harness
// (harness_test.go) over the simulation. The ZooKeeper-bug scenarios are
// also told as recovery transcripts (tests/transcript/testdata), scripts
// whose expected output shows every step; these tests stay, asserting
// each fact the story is about.
package scenarios
