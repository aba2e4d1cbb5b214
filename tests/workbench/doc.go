// Package workbench runs Maelstrom's kafka workload against any node binary,
// in Go: our own re-implementation of `maelstrom test -w kafka`, since the
// JVM original cannot run here (it follows Maelstrom's and Jepsen's source,
// cited with the prefixes of tests/workbench/README.md).
//
// A run (Test) starts the simulated network and the nodes (package net),
// each in its own working directory under the run's store folder, drives the
// kafka workload (package kafka) through Jepsen's phases with a nemesis of
// partitions, kills and pauses (nemesis.go), records every op in a history
// (package history), tears the nodes down, judges the history (package
// checker) and writes the store folder (package output). The phases and
// their timing are those of M:src/maelstrom/core.clj maelstrom-test:
//
//  1. main phase: client ops paced by a global stagger (rate), the nemesis
//     alternating start/stop-partition, kill/start, pause/resume, all cut
//     off time-limit after the first op;
//  2. drain: wait for every op in flight, the nemesis's included (late
//     completions still feed the workload's offset tracking);
//  3. the nemesis's final ops (stop-partition, resume, start: every node
//     healed, running and restarted), then a recovery sleep;
//  4. final phase: every thread crashes its client, assigns every key seen
//     seeking to the beginning, and polls until it has read up to the
//     tracked offsets, cut off after its own limit; then drain again.
//
// The runner is one goroutine that owns the history, the threads' state and
// all generator state, like Jepsen's interpreter; each client thread is a
// goroutine that performs the ops it is handed and reports completions, and
// so is the nemesis (one op at a time: a restart waits for init_ok while
// client ops go on).
//
// This package must never import zab/, election/, log/ or node/: a judge
// shares no code with what it judges.
package workbench
