// Package log is what one zabkafka peer keeps on disk and what it applies
// committed transactions to. It knows nothing of roles, messages or the
// network (design.md, package table); the node adapts between its plain
// numbers and the zab core's types.
//
// # The durable half: Store
//
// A Store holds the transaction log (zxid-ordered entries whose payload is
// opaque here), the two epochs of zab-reference 1.2 and the latest
// snapshot of applied state. Two implementations share one contract,
// checked by the conformance suite in log/logtest:
//
//   - MemStore models a disk in memory: what was synced survives Crash,
//     what was not is forgotten. The recovery simulation uses it.
//   - FileStore is a directory: log segments of CRC-framed records, an
//     epochs file and a snapshot file, the last two replaced atomically.
//
// Durability, in the terms of zab-reference 1.3:
//
//  1. Append and TruncateAfter become durable at the next Sync (D5, D8).
//     One Sync may cover many appends (group commit).
//  2. SetEpochs, InstallSnapshot and SaveSnapshot are durable when they
//     return (D1-D4): the caller may send what depends on them at once.
//  3. InstallSnapshot replaces the state and the whole log in one step, so
//     no stale suffix outlives a SNAP (ZOOKEEPER-2832, D9).
//  4. TruncateAfter also discards a snapshot newer than the cut, so a
//     snapshot cannot resurrect truncated entries (ZOOKEEPER-1549, D8).
//  5. A FileStore opened after a crash drops a torn or corrupted tail, and
//     everything after the first bad record, but never a synced record
//     that precedes the damage.
//
// The commit index is not stored (D7): after a restart the caller must
// learn from its leader which entries are committed before applying them.
//
// # The applied half: Kafka
//
// Kafka is the state machine committed transactions are applied to: one
// btree-indexed log per key, keyed by offset, and the committed consumer
// offsets. Offsets are assigned at apply time, per key, densely from 0, in
// committed order, so every replica computes the same ones
// (design.md decision 2). A transaction's payload is a batch of Ops,
// encoded with EncodeBatch.
package log
