package log

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// The Kafka snapshot encoding, version 1, integers as varints:
//
//	version     byte (1)
//	applied     uvarint, the zxid of the last batch applied
//	logs        uvarint count, then per key in ascending order:
//	              key (uvarint length + bytes), uvarint n, n messages
//	              (zigzag varint) for offsets 0..n-1
//	committed   uvarint count, then (key, offset zigzag varint) in
//	            ascending key order
//
// Offsets are implicit because each key's log is dense from 0. Keys are
// sorted so that equal states give equal bytes: two replicas' snapshots
// can be compared directly.
const kafkaSnapshotVersion = 1

// minKeyLogBytes: an encoded key log is at least an empty key and a count.
const minKeyLogBytes = 2

// Snapshot serializes the whole state, for SaveSnapshot and SNAP sync.
func (k *Kafka) Snapshot() []byte {
	b := []byte{kafkaSnapshotVersion}
	b = binary.AppendUvarint(b, k.applied)
	keys := k.Keys()
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, key := range keys {
		l := k.logs[key]
		b = appendString(b, key)
		b = binary.AppendUvarint(b, uint64(l.next))
		l.msgs.Ascend(func(m Message) bool {
			b = binary.AppendVarint(b, m.Msg)
			return true
		})
	}
	return appendOffsets(b, k.committed)
}

// RestoreKafka rebuilds a state machine from Snapshot's output. It never
// panics on bad input; it rejects, wrapping ErrMalformed, anything Snapshot
// could not have produced.
func RestoreKafka(b []byte) (*Kafka, error) {
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != kafkaSnapshotVersion {
		return nil, fmt.Errorf("%w: kafka snapshot version %d", ErrMalformed, v)
	}
	k := NewKafka()
	k.applied = d.uvarint()
	nkeys := d.count(minKeyLogBytes)
	prev := ""
	for i := 0; i < nkeys && d.err == nil; i++ {
		key := d.string()
		if d.err == nil && i > 0 && key <= prev {
			d.fail("kafka snapshot keys not ascending: %q after %q", key, prev)
		}
		prev = key
		n := d.count(1) // each message takes at least one byte
		l := newKeyLog()
		for off := 0; off < n && d.err == nil; off++ {
			l.msgs.ReplaceOrInsert(Message{Offset: int64(off), Msg: d.varint()})
		}
		l.next = int64(n)
		k.logs[key] = l
	}
	k.committed = d.offsets()
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return k, nil
}

// Equal reports whether k and o hold the same state: same applied zxid,
// same messages at the same offsets, same committed offsets, so tests can
// compare replicas.
func (k *Kafka) Equal(o *Kafka) bool {
	return slices.Equal(k.Snapshot(), o.Snapshot())
}
