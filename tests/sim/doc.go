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
// fsync, then send" rule of the Ready contract is exercised. An
// invariants.Checker observes every broadcast, delivery, epoch write and
// establishment as it happens.
//
// Time is counted in units; a peer ticks every Config.TickEvery units, so
// network delays can be shorter than a tick.
//
// Beyond short delays, loss, duplication and partitions, the fault model has
// what a short delay never shows
// (docs/safety.md#late-messages-cannot-replay-a-sync: a stale NEWLEADER of
// an earlier session, re-sent by the same leader, truncated committed
// entries on a follower that had rejoined it; 10,000 seeds of short delays
// never got there):
//
//   - late delivery: the network keeps copies of past messages per link
//     and type (NetConfig.Replay) and delivers them much later, after
//     restarts, in later sessions and epochs, any number of times
//     (World.ReleaseLate, World.FlushLate); NetConfig.Late sends some
//     messages only that way. The random runs release copies at random
//     and, above all, just as a peer changes role or leader, when a
//     stale session message is most dangerous (Plan.FlushOnChange);
//   - one-way link failures (World.CutOneWay): a peer that hears but is
//     not heard, or the reverse;
//   - partial crashes (DiskConfig): a crash keeps any prefix of the
//     unsynced writes, an unsynced truncation without the appends after
//     it included, and may tear the last record, which the log then
//     loses (log.MemStore.CrashPartial).
//
// Each fault is drawn per seed (DrawPlan), on for most seeds. Every
// durable write and every acknowledgement is shown to the checker as it
// happens (World.observeDisk, Checker.Send), so a lost commitment is
// reported where it occurs, with a VIOLATION line in the trace.
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
