package log

import (
	"slices"

	"github.com/google/btree"
)

// Message is one message of a key's log.
type Message struct {
	Offset int64
	Msg    int64
}

// Result is what applying one Op produced. For a send, Offset is the
// offset assigned to the message; for any other op it is -1.
type Result struct {
	Offset int64
}

// Kafka is the state machine committed batches are applied to: one log per
// key, indexed by a btree keyed by offset, and the committed consumer
// offsets. Every replica applies the same batches in the same zxid order
// and so computes the same offsets (design.md decision 2).
//
// Kafka is not safe for concurrent use: the node's event loop owns it.
type Kafka struct {
	logs map[string]*keyLog
	// committed holds, per key, the highest offset ever committed:
	// commit_offsets never moves a consumer backwards.
	committed map[string]int64
	// applied is the zxid of the last batch applied; 0 before the first.
	applied uint64
}

// keyLog is the log of one key. Invariant: msgs holds offsets 0..next-1,
// each exactly once.
type keyLog struct {
	msgs *btree.BTreeG[Message]
	next int64
}

// btreeDegree: 32 keeps nodes around a cache line multiple for 16-byte
// items and the tree shallow (google/btree suggests tens).
const btreeDegree = 32

func lessOffset(a, b Message) bool { return a.Offset < b.Offset }

func newKeyLog() *keyLog {
	return &keyLog{msgs: btree.NewG(btreeDegree, lessOffset)}
}

// NewKafka returns an empty state machine.
func NewKafka() *Kafka {
	return &Kafka{logs: make(map[string]*keyLog), committed: make(map[string]int64)}
}

// AppliedZxid is the zxid of the last batch applied (or restored), 0 if
// none.
func (k *Kafka) AppliedZxid() uint64 { return k.applied }

// Apply applies one committed batch. Batches must come in zxid order; a
// batch whose zxid is not above AppliedZxid has already been applied (or
// is covered by the snapshot the state was restored from), so it is
// ignored and Apply returns nil. Otherwise the results are aligned with
// ops: a send gets the next offset of its key (dense, from 0, in apply
// order), every other op gets -1. Unknown op kinds change nothing.
func (k *Kafka) Apply(zxid uint64, ops []Op) []Result {
	if zxid <= k.applied {
		return nil
	}
	k.applied = zxid
	res := make([]Result, len(ops))
	for i, op := range ops {
		res[i].Offset = -1
		switch op.Kind {
		case OpSend:
			res[i].Offset = k.send(op.Key, op.Msg)
		case OpCommitOffsets:
			for key, off := range op.Offsets {
				k.commit(key, off)
			}
		}
	}
	return res
}

// send appends msg to key's log and returns its offset.
func (k *Kafka) send(key string, msg int64) int64 {
	l := k.logs[key]
	if l == nil {
		l = newKeyLog()
		k.logs[key] = l
	}
	off := l.next
	l.msgs.ReplaceOrInsert(Message{Offset: off, Msg: msg})
	l.next++
	return off
}

// commit raises key's committed offset to off, never lowering it.
func (k *Kafka) commit(key string, off int64) {
	if cur, ok := k.committed[key]; !ok || off > cur {
		k.committed[key] = off
	}
}

// Poll returns the messages of key from offset from on (or from the first
// offset >= from), ascending, at most limit of them (limit <= 0: all).
// It costs O(log n + returned). A key never sent to yields nil.
func (k *Kafka) Poll(key string, from int64, limit int) []Message {
	l := k.logs[key]
	if l == nil {
		return nil
	}
	from = min(max(from, 0), l.next)
	n := int(l.next - from)
	if limit > 0 && n > limit {
		n = limit
	}
	if n == 0 {
		return nil
	}
	out := make([]Message, 0, n)
	l.msgs.AscendGreaterOrEqual(Message{Offset: from}, func(m Message) bool {
		out = append(out, m)
		return len(out) < n
	})
	return out
}

// NextOffset is the offset the next send to key will get (the key's log
// length).
func (k *Kafka) NextOffset(key string) int64 {
	if l := k.logs[key]; l != nil {
		return l.next
	}
	return 0
}

// CommittedOffsets returns the committed offset of each of keys that has
// one; keys without one are left out. A nil keys asks for every key.
func (k *Kafka) CommittedOffsets(keys []string) map[string]int64 {
	out := make(map[string]int64)
	if keys == nil {
		for key, off := range k.committed {
			out[key] = off
		}
		return out
	}
	for _, key := range keys {
		if off, ok := k.committed[key]; ok {
			out[key] = off
		}
	}
	return out
}

// Keys returns every key that has a log, sorted.
func (k *Kafka) Keys() []string {
	keys := make([]string, 0, len(k.logs))
	for key := range k.logs {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}
