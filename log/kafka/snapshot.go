package kafka

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// The Kafka snapshot encoding, version 2, integers as varints:
//
//	version     byte (2)
//	applied     uvarint, the zxid of the last batch applied
//	logs        uvarint count, then per key in ascending order:
//	              key (uvarint length + bytes), uvarint n, n messages
//	              (zigzag varint) for offsets 0..n-1
//	committed   uvarint count, then (key, offset zigzag varint) in
//	            ascending key order
//	origins     uvarint count, then per origin in ascending name order:
//	              name (uvarint length + bytes), incarnation (uvarint),
//	              hi (uvarint), uvarint n, then the n requests remembered
//	              in the window in ascending seq order, each as the gap
//	              from the previous seq (the first: from hi-window,
//	              or 0) (uvarint) and its recorded result (zigzag varint)
//
// Offsets are implicit because each key's log is dense from 0. Keys are
// sorted so that equal states give equal bytes: two replicas' snapshots
// can be compared directly. Only the requests inside the window are
// written, so lazily pruned leftovers never make two equal states differ.
//
// Version 1 had no origins section; Restore still reads it, with no
// dedupe state (what the node that wrote it had).
const (
	kafkaSnapshotVersion   = 2
	kafkaSnapshotVersionV1 = 1
)

// minKeyLogBytes: an encoded key log is at least an empty key and a count.
const minKeyLogBytes = 2

// minOriginStateBytes: name, incarnation, hi, count, one request.
const minOriginStateBytes = 6

// Snapshot serializes the whole state, for SaveSnapshot and SNAP sync.
func (k *State) Snapshot() []byte {
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
	b = appendOffsets(b, k.committed)
	names := make([]string, 0, len(k.origins))
	for name := range k.origins {
		names = append(names, name)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		o := k.origins[name]
		b = appendString(b, name)
		b = binary.AppendUvarint(b, o.incarnation)
		b = binary.AppendUvarint(b, o.hi)
		seqs := o.inWindow()
		b = binary.AppendUvarint(b, uint64(len(seqs)))
		prev := o.floor()
		for _, s := range seqs {
			b = binary.AppendUvarint(b, s-prev)
			b = binary.AppendVarint(b, o.slot(s).rec)
			prev = s
		}
	}
	return b
}

// inWindow lists, ascending, the seqs of the requests remembered in the
// window (floor, hi].
func (o *originState) inWindow() []uint64 {
	var seqs []uint64
	for s := o.floor() + 1; s <= o.hi; s++ {
		if o.applied(s) {
			seqs = append(seqs, s)
		}
	}
	return seqs
}

// floor is the seq just below the window: every remembered seq is above.
func (o *originState) floor() uint64 {
	if o.hi < o.window {
		return 0
	}
	return o.hi - o.window
}

// Restore rebuilds a state machine from Snapshot's output (either
// version), with the DedupeWindow. It never panics on bad input; it
// rejects, wrapping ErrMalformed, anything Snapshot could not have
// produced.
func Restore(b []byte) (*State, error) { return RestoreWindow(b, DedupeWindow) }

// RestoreWindow is Restore for a state machine made by NewWindow(window):
// the snapshot does not record the window, which the replicas agree on.
func RestoreWindow(b []byte, window int) (*State, error) {
	d := decoder{b: b}
	v := d.byte()
	if d.err == nil && v != kafkaSnapshotVersion && v != kafkaSnapshotVersionV1 {
		return nil, fmt.Errorf("%w: kafka snapshot version %d", ErrMalformed, v)
	}
	k := NewWindow(window)
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
	if v == kafkaSnapshotVersion {
		k.restoreOrigins(&d)
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return k, nil
}

// restoreOrigins reads the origins section. Each origin has a non-zero
// incarnation and remembers its highest seq hi (the last request in the
// window is hi itself: Apply remembers every request it applies), every
// seq strictly ascending inside the window, every recorded result valid.
func (k *State) restoreOrigins(d *decoder) {
	n := d.count(minOriginStateBytes)
	prev := ""
	for i := 0; i < n && d.err == nil; i++ {
		name := d.string()
		if d.err == nil && i > 0 && name <= prev {
			d.fail("origins not ascending: %q after %q", name, prev)
		}
		prev = name
		o := &originState{incarnation: d.uvarint(), hi: d.uvarint(), window: k.window}
		count := d.count(2) // a gap and a result, a byte each at least
		if d.err == nil && (o.incarnation == 0 || o.hi == 0 || count == 0 || uint64(count) > k.window) {
			d.fail("origin %q: incarnation %d, hi %d, %d requests", name, o.incarnation, o.hi, count)
		}
		seq := o.floor()
		for j := 0; j < count && d.err == nil; j++ {
			gap := d.uvarint()
			rec := d.varint()
			if d.err == nil && (gap == 0 || gap > o.hi-seq || rec < recLowest) {
				d.fail("origin %q: request %d: gap %d after %d (hi %d), result %d", name, j, gap, seq, o.hi, rec)
			}
			seq += gap
			if d.err == nil {
				o.remember(seq, rec)
			}
		}
		if d.err == nil && seq != o.hi {
			d.fail("origin %q: last request %d, hi %d", name, seq, o.hi)
		}
		k.origins[name] = o
	}
}

// Equal reports whether k and o hold the same state: same applied zxid,
// same messages at the same offsets, same committed offsets, same dedupe
// state, so tests can compare replicas.
func (k *State) Equal(o *State) bool {
	return slices.Equal(k.Snapshot(), o.Snapshot())
}
