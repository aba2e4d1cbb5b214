// Package checker judges a workbench run the way Maelstrom's kafka workload
// does: it is a Go port of Jepsen's kafka checker
// (J:jepsen/src/jepsen/tests/kafka.clj checker, analysis, v0.3.7) for the
// settings Maelstrom uses (no transactions, assign only, no ww-deps), plus
// the other sections Maelstrom reports for every workload (stats,
// availability, net) and a few additions of our own (latency percentiles,
// throughput, availability in and after every partition, kill and pause
// window).
//
// The source of truth is the Clojure itself: J:kafka.clj checker and the
// checkers Maelstrom adds (M:checker.clj, M:net/checker.clj; the prefixes
// are explained in tests/workbench/README.md). Each Go function names the
// Clojure function it ports.
//
// The analysis runs in time roughly linear in the history: realtime order is
// encoded with O(n) edges (see graph.go), strongly connected components are
// found with an iterative Tarjan, and every per-key structure is a map or a
// sorted slice, never a vector indexed by raw offset (Jepsen's is, in
// J:kafka.clj datafy-version-order-log, and runs out of memory on a huge
// offset).
//
// Check never panics on malformed input: the cases where Jepsen's analysis
// throws become a workload result whose validity is Unknown, with the
// reason in Error, as Jepsen's check-safe does.
package checker
