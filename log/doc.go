// Package log is the write-ahead log of one zabkafka peer: what it keeps
// on disk. It knows nothing of roles, messages or the network; the node
// adapts between its plain numbers and the zab core's types. The state
// machine that committed transactions are applied to is package
// log/kafka.
//
// # Store
//
// A Store holds the transaction log (zxid-ordered entries whose payload is
// opaque here), the two epochs (acceptedEpoch and currentEpoch,
// docs/glossary.md) and the latest snapshot of applied state. Two
// implementations share one contract, checked by the conformance suite in
// log/logtest:
//
//   - MemStore models a disk in memory: what was synced survives Crash,
//     what was not is forgotten. The recovery simulation uses it.
//   - FileStore is a directory: log segments of CRC-framed records, and
//     the epochs, snapshot and manifest files, replaced atomically, and
//     the synced file, which says how far Syncs made the log durable.
//
// Durability (the rules are docs/rules.md#durability):
//
//  1. Append and TruncateAfter become durable at the next Sync.
//     One Sync may cover many appends (group commit).
//  2. SetEpochs, InstallSnapshot and SaveSnapshot are durable when they
//     return: the caller may send what depends on them at once.
//  3. InstallSnapshot replaces the state and the whole log in one step, so
//     no stale suffix outlives a SNAP (ZOOKEEPER-2832).
//  4. TruncateAfter also discards a snapshot newer than the cut, so a
//     snapshot cannot resurrect truncated entries (ZOOKEEPER-1549).
//  5. A FileStore opened after a crash cuts a torn write at the end of the
//     log and nothing else. Damage it cannot tell from a crash's leftovers
//     stops it from opening (next section).
//
// The commit index is not stored (docs/rules.md#no-commit-point-on-disk):
// after a restart the caller must learn from its leader which entries are
// committed before applying them.
//
// # Torn writes and damage
//
// A FileStore must never lose an entry it acknowledged (one a Sync
// covered) without saying so: a peer that silently forgets what it ACKed
// can make a quorum forget a committed write. So at open it separates
// what a crash can leave, which it repairs, from everything else, which
// it refuses with a *CorruptError naming the file, the byte offset and
// the problem. The operator then wipes the peer, which rejoins empty and
// is brought up to date by its leader (docs/running.md).
//
// What a crash can leave follows from how the store writes:
//
//   - Entries are appended to the last segment only, never overwritten;
//     Sync fsyncs them. A segment is fsynced whole before the next one is
//     created, so only the last segment can end in a torn write.
//   - Sync writes a sync mark (record.go) after the entries it makes
//     durable, in the same fsync. Every acknowledged entry therefore has
//     an intact record after it.
//   - After that fsync, Sync writes the synced point (the zxid the
//     segments reach) to the synced file and fsyncs it (synced.go). The
//     point never runs ahead of the log on disk, and the log never ends
//     below it but by damage, or by a cut the store lowered it for first.
//   - A crash during a write leaves its bytes on disk or not, in pieces:
//     the file may end early, inside a record, or hold zeros (or nothing
//     recognisable) where blocks were not written. Written in order, such
//     a tail holds no intact record after its first bad one (the limits
//     below say what happens otherwise).
//   - TruncateAfter and the repairs at open make a cut durable before
//     anything is written after it, so old and new records never mix.
//   - Segments are created, named in the manifest, and deleted in an order
//     that leaves any segment outside the manifest's range holding nothing
//     the log still needs (metafile.go, manifestState); InstallSnapshot's
//     snapshot file is the single step that replaces the log, and open
//     finishes an install the crash interrupted.
//
// Hence the rule: a record that fails its checks may be cut only if it is
// in the last segment and no intact record follows it anywhere in the
// file, and the log left still reaches the synced point; the cut takes it
// and what follows. Everything else is damage: a bad record with an
// intact one after it (a byte flipped in any acknowledged entry, the last
// one included: the sync mark after it is the intact record), a log that
// ends below the synced point (the end of the last segment cut off or
// overwritten from inside an acknowledged write on, its sync mark with
// it), a bad record in any other segment, a record that breaks the zxid
// chain (each record names the one before it, so even a whole record cut
// out is seen), a segment missing from the manifest's range or out of
// place in it, a missing or damaged epochs, snapshot or manifest file, a
// missing synced file or one with no valid slot, and a log starting after
// a zxid no snapshot covers. A deleted segment is always seen, also when
// the log it held was empty: the manifest names the segments a log must
// have, and a store keeps at least one from the moment it is created. An
// empty log is legal (an epoch established before anything was written,
// a SNAP just installed) and is not taken for a deleted one.
//
// Two tests hold the store to these rules. FuzzFileLogRecovery damages
// one file of a written store (cuts, flipped bits, zeros, garbage,
// deletion, tears) and expects a refusal or every acknowledged entry. TestFileStoreCrashPoints runs
// random operations and, after every change the store makes to its
// directory, opens each state a crash there could leave (a killed
// process, a power loss, mixes of both per file, torn tails and slots, a
// second crash in the repairs) and expects every acknowledged entry and
// no refusal.
//
// What the synced file costs is a second fsync in every Sync that makes
// new entries durable: the segment's first, then the synced file's, so
// the point can never name entries a crash could still take. On this
// project's test machine that made a Sync of one entry about 1.8 times as
// slow (docs/running.md, "A node whose log is damaged", has the figures).
//
// Limits. Damage to both the end of the last segment and the newest
// slot of the synced file (which a torn write of that slot also spoils)
// leaves what a crash during that Sync leaves, and is cut like one; so
// does damage that takes the whole store back to an earlier state
// consistently. And a file system that persists the blocks of one write
// out of order can, in a crash, leave a torn record followed by an intact
// one; the store then refuses to open: a false alarm, never a silent
// loss. Stale data exposed after a crash (ext4's data=writeback mode) can
// do the same.
package log
