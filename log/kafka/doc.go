// Package kafka is the state machine every zabkafka node applies committed
// transactions to: Maelstrom's kafka workload as data. It knows nothing of
// Zab or of the write-ahead log (package log); the node decodes each
// committed transaction's payload with DecodeBatch and applies it.
//
// State holds one btree-indexed log per key, keyed by offset, and the
// committed consumer offsets. Offsets are assigned at apply time, per key,
// densely from 0, in committed order, so every replica computes the same
// ones. A transaction's payload is a batch of Ops, encoded with
// EncodeBatch; each Op names its origin node, the origin's incarnation and
// a sequence number, and State applies each such identity once, however
// often it was forwarded or proposed (the dedupe window). State.Snapshot
// and Restore carry the whole state, dedupe included, for snapshots and
// SNAP sync.
package kafka
