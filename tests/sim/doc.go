// Package sim is the deterministic recovery simulation: a World of N
// zab.Peers on one simulated clock, joined by a seeded network that
// delays, drops, duplicates and reorders messages and can be partitioned,
// each peer with its own simulated disk (a log.MemStore whose unsynced
// writes a crash loses).
//
// Everything is driven from one int64 seed: the network's choices, the
// peers' election jitter, and the random fault schedule of Run. Two runs
// of one seed produce the same trace, byte for byte; the Recorder's hash
// proves it.
//
// The World handles each peer's Ready exactly as zab/ready.go orders it,
// using zabstore.Persist for the durable steps, and can crash a peer at
// any named point between those steps (CrashPoint), so every "persist,
// fsync, then send" rule of zab-reference 1.3 is exercised. An
// invariants.Checker observes every broadcast, delivery, epoch write and
// establishment as it happens.
//
// Time is counted in units; a peer ticks every Config.TickEvery units, so
// network delays can be shorter than a tick.
//
// Running it:
//
//	go test ./tests/sim                                  # 1000 random seeds, determinism, unit tests
//	go test ./tests/sim -run 'TestRandom$' -seed=123 -v  # replay one seed
//	ZABKAFKA_SEED=123 go test ./tests/sim -run 'TestRandom$'
//	ZABKAFKA_SOAK=10000 go test ./tests/sim -run 'TestRandom$' -timeout 30m
//	go test ./tests/sim -run XXX -bench Commit            # throughput and allocations
//
// A failing seed prints its plan, the replay command, the last trace
// events and the path of the whole trace (Recorder.WriteText). The trace
// API (Recorder, Event) is what docs/ draws space-time diagrams from: keep
// every event with Config.KeepTrace and write them with WriteJSONL.
package sim
