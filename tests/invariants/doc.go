// Package invariants checks a recorded Zab run against the safety
// properties of the Zab paper (Junqueira, Reed, Serafini, DSN 2011) and
// cheaper invariants of our own, as the run happens
// (docs/companion.md#safety-properties lists them all).
//
// The harness feeds a Checker four kinds of observation:
//
//   - Establish: a leader reached BROADCAST in epoch e (the set E);
//   - Broadcast: a leader appended a proposal of its own epoch (the set B,
//     with each proposal's position k in its epoch);
//   - Deliver, Restart, InstallSnapshot: a peer's state machine applied a
//     committed transaction, or was rebuilt from a snapshot (one delivery
//     sequence D[p][i] per incarnation of the state machine);
//   - Epochs, AtRest, CheckLogs: durable epochs and logs.
//
// The primary agreement check is the prefix check: every delivery
// sequence must be a prefix of one canonical committed sequence C, the
// longest delivered so far. That makes each delivery O(1) to check and
// implies DSN 2011's total order and agreement for gap-free delivery;
// TotalOrder and Agreement restate the paper's original forms for
// diagnostics.
//
// With TrackDisks the checker also follows every peer's durable state
// (Disk, after each durable write; Send, for each message) and checks
// three durability rules as they happen rather than at the end of a run:
// no durable log ever loses a committed entry (RuleCommittedRemoved),
// every ACK, ACKEPOCH and ACKNEWLEADER is covered by its sender's durable
// log and epochs when it leaves (RuleAckNotDurable), and every delivery
// is of an entry a quorum holds durably (RuleDeliverNoQuorum).
// "Committed" is defined in the checker's own terms, sound for Zab:
// delivered somewhere, or durable at one moment on a quorum of peers
// whose acceptedEpoch is the entry's epoch (see Checker.committed for the
// quorum-intersection argument). So a loss is caught at the truncation
// that causes it, even when no later leader exposes it.
//
// A Checker never panics on inconsistent input: it records a Violation
// and keeps going, so a test can report the first one with the trace that
// led to it.
package invariants
