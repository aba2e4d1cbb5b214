package zab

import "fmt"

// Epoch numbers a leader's reign. A leader of epoch e is the only peer that
// may issue zxids whose epoch is e (DSN 2011, "Phase 1").
type Epoch uint32

// Zxid is a ZooKeeper transaction id: the epoch in the high 32 bits and a
// per-epoch counter in the low 32, as ZooKeeper's ZxidUtils
// (docs/companion.md#the-zxid-and-the-epochs-rj-2008-dsn-2011). Comparing two
// zxids as integers compares (epoch, counter) lexicographically.
//
// Counter 0 is never a transaction: the first proposal of an epoch has
// counter 1. Zxid 0 means "no transaction".
type Zxid uint64

// MaxCounter is the largest counter a leader ever assigns. ZooKeeper
// (ZOOKEEPER-1277, Leader.propose) steps down rather than assign 0xffffffff,
// so the counter can never carry into the epoch bits.
const MaxCounter uint32 = 0xfffffffe

// MakeZxid builds the zxid of counter c in epoch e.
func MakeZxid(e Epoch, c uint32) Zxid { return Zxid(uint64(e)<<32 | uint64(c)) }

// Epoch is the epoch half of z.
func (z Zxid) Epoch() Epoch { return Epoch(z >> 32) }

// Counter is the counter half of z.
func (z Zxid) Counter() uint32 { return uint32(z) }

// Next is the zxid a leader of z's epoch assigns after z. ok is false when
// the counter would pass MaxCounter: the leader must then give up
// leadership so that a new epoch begins (ZOOKEEPER-1277).
func (z Zxid) Next() (next Zxid, ok bool) {
	if z.Counter() >= MaxCounter {
		return 0, false
	}
	return z + 1, true
}

// String renders z as "e<epoch>:c<counter>", the form every log line uses.
func (z Zxid) String() string { return fmt.Sprintf("e%d:c%d", uint32(z>>32), uint32(z)) }
