package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// OpKind says what an Op does.
type OpKind uint8

// The operation kinds. The zero value is invalid, so a zeroed Op is never
// mistaken for a send.
const (
	// OpSend appends Msg to Key's log (Maelstrom kafka "send").
	OpSend OpKind = 1
	// OpCommitOffsets records Offsets as the consumer's committed offsets
	// (Maelstrom kafka "commit_offsets").
	OpCommitOffsets OpKind = 2
)

// String names k.
func (k OpKind) String() string {
	switch k {
	case OpSend:
		return "send"
	case OpCommitOffsets:
		return "commit_offsets"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one client operation inside a committed batch. A send uses Key
// and Msg; a commit uses Offsets.
//
// Origin, Incarnation and Seq identify the request, for two purposes. The
// node that received it (Origin, e.g. "n3") answers its client once the
// batch is applied. And the state machine applies each request once
// (State.Apply): a request forwarded or delivered twice gets the first
// application's result the second time. Incarnation distinguishes the
// origin's runs (node/incarnation.go: it grows with every restart), and
// Seq numbers the requests of one run from 1, in the order they arrived.
// An op with Incarnation or Seq 0 carries no identity and is applied
// every time (the batches of encoding version 1 are decoded so).
type Op struct {
	Kind        OpKind
	Key         string
	Msg         int64
	Offsets     map[string]int64
	Origin      string
	Incarnation uint64
	Seq         uint64
	// ProposerAnswers says the leader that proposed this op answers its
	// client itself, straight from the leader (node/delegate.go): the
	// origin forwarded the client's name with it. It changes nothing in
	// how the op applies; it tells the origin not to answer when the op
	// commits in the epoch that proposed it. It rides in the kind byte's
	// top bit (kindAnswered).
	ProposerAnswers bool
}

// kindAnswered is the bit of an encoded op's kind byte that carries
// Op.ProposerAnswers; the kinds themselves stay below it.
const kindAnswered = 0x80

// The batch encoding, version 2, all integers varints:
//
//	version       byte (2)
//	origins       uvarint count, then each: name (uvarint length + bytes),
//	              incarnation (uvarint)
//	ops           uvarint count, then each:
//	  kind        byte
//	  origin      uvarint index into origins
//	  seq         uvarint
//	  send:       key (uvarint length + bytes), msg (zigzag varint)
//	  commit:     uvarint count, then (key, offset zigzag varint) sorted by key
//
// A leader's batch holds requests from a few origins, so naming each
// (origin, incarnation) once keeps the per-op cost at a few bytes.
//
// Version 1 had no incarnation in the origins table (and called the seq a
// request id); DecodeBatch still reads it, as ops without identity, so a
// log written before version 2 replays exactly as it was first applied.
const (
	batchVersion   = 2
	batchVersionV1 = 1
)

// Per-item lower bounds on encoded size; DecodeBatch uses them to refuse a
// count larger than the remaining bytes could hold before allocating.
const (
	minOriginBytes = 1 // empty string (version 1; version 2 adds a byte)
	minOpBytes     = 4 // kind, origin, seq, and at least one byte of body
	minOffsetBytes = 2 // empty key, one-byte offset
)

// BatchOverhead bounds the bytes a batch takes beyond its ops' OpSize:
// the version byte and the two counts.
const BatchOverhead = 1 + 2*binary.MaxVarintLen64

// OpSize bounds the bytes op adds to an encoded batch, the entry of its
// origin in the origins table included (as if no other op shared it). So
// len(EncodeBatch(ops)) <= BatchOverhead + the sum of OpSize(op): the node
// sizes its proposals and forwarded batches with it, before encoding.
func OpSize(op Op) int {
	n := 1 + binary.MaxVarintLen64 + uvarintLen(op.Seq) // kind, origin index, seq
	n += stringLen(op.Origin) + uvarintLen(op.Incarnation)
	switch op.Kind {
	case OpSend:
		n += stringLen(op.Key) + varintLen(op.Msg)
	case OpCommitOffsets:
		n += uvarintLen(uint64(len(op.Offsets)))
		for k, v := range op.Offsets {
			n += stringLen(k) + varintLen(v)
		}
	}
	return n
}

// uvarintLen, varintLen and stringLen are the encoded sizes of an
// unsigned varint, a zigzag varint and a length-prefixed string.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func varintLen(v int64) int { return uvarintLen(uint64(v<<1) ^ uint64(v>>63)) }

func stringLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// ErrMalformed is wrapped by every DecodeBatch and Restore error: the
// bytes are not something EncodeBatch or State.Snapshot produced.
var ErrMalformed = errors.New("kafka: malformed encoding")

// originKey is one row of a batch's origins table.
type originKey struct {
	name        string
	incarnation uint64
}

// EncodeBatch encodes ops for a log entry. Encoding is deterministic: the
// same ops give the same bytes (commit offsets are sorted by key). Ops of
// an unknown kind are encoded with an empty body and rejected by
// DecodeBatch, so the caller must not propose them.
func EncodeBatch(ops []Op) []byte {
	var origins []originKey
	index := make(map[originKey]uint64)
	for _, op := range ops {
		k := originKey{op.Origin, op.Incarnation}
		if _, ok := index[k]; !ok {
			index[k] = uint64(len(origins))
			origins = append(origins, k)
		}
	}
	b := make([]byte, 0, 8+16*len(ops))
	b = append(b, batchVersion)
	b = binary.AppendUvarint(b, uint64(len(origins)))
	for _, o := range origins {
		b = appendString(b, o.name)
		b = binary.AppendUvarint(b, o.incarnation)
	}
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, op := range ops {
		kind := byte(op.Kind)
		if op.ProposerAnswers {
			kind |= kindAnswered
		}
		b = append(b, kind)
		b = binary.AppendUvarint(b, index[originKey{op.Origin, op.Incarnation}])
		b = binary.AppendUvarint(b, op.Seq)
		switch op.Kind {
		case OpSend:
			b = appendString(b, op.Key)
			b = binary.AppendVarint(b, op.Msg)
		case OpCommitOffsets:
			b = appendOffsets(b, op.Offsets)
		}
	}
	return b
}

// DecodeBatch decodes what EncodeBatch produced (and version 1 batches).
// It never panics, and it rejects (wrapping ErrMalformed) unknown versions
// and kinds, counts and lengths beyond the input, out-of-range origin
// indexes, unsorted or repeated commit keys, and trailing bytes.
func DecodeBatch(b []byte) ([]Op, error) {
	d := decoder{b: b}
	v := d.byte()
	if d.err == nil && v != batchVersion && v != batchVersionV1 {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	origins := make([]originKey, d.count(minOriginBytes))
	for i := range origins {
		origins[i].name = d.string()
		if v == batchVersion {
			origins[i].incarnation = d.uvarint()
		}
	}
	ops := make([]Op, d.count(minOpBytes))
	for i := range ops {
		op := &ops[i]
		kind := d.byte()
		if v == batchVersion && kind&kindAnswered != 0 {
			op.ProposerAnswers, kind = true, kind&^kindAnswered
		}
		op.Kind = OpKind(kind)
		oi := d.uvarint()
		if d.err == nil && oi >= uint64(len(origins)) {
			d.fail("op %d: origin index %d of %d", i, oi, len(origins))
		}
		if d.err == nil {
			op.Origin, op.Incarnation = origins[oi].name, origins[oi].incarnation
		}
		op.Seq = d.uvarint()
		if v == batchVersionV1 {
			op.Seq = 0 // a version 1 request id is no identity (see Op)
		}
		switch op.Kind {
		case OpSend:
			op.Key = d.string()
			op.Msg = d.varint()
		case OpCommitOffsets:
			op.Offsets = d.offsets()
		default:
			d.fail("op %d: unknown kind %d", i, op.Kind)
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return ops, nil
}

// appendString appends s as uvarint length + bytes.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendOffsets appends a key -> offset map sorted by key.
func appendOffsets(b []byte, m map[string]int64) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = binary.AppendVarint(b, m[k])
	}
	return b
}

// decoder reads the batch and snapshot encodings. The first error sticks:
// later reads return zero values, so decoding code checks d.err only
// where a zero value could do harm (indexing, allocating).
type decoder struct {
	b   []byte
	err error
}

// fail records a decoding error unless one is already recorded.
func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

// byte reads one byte.
func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// uvarint reads an unsigned varint.
func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads a zigzag-encoded signed varint.
func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an item count and checks that the remaining input could
// hold that many items of at least minBytes each.
func (d *decoder) count(minBytes int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/minBytes) {
		d.fail("count %d exceeds the %d bytes left", n, len(d.b))
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

// string reads a uvarint length and that many bytes.
func (d *decoder) string() string {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail("string of %d bytes, %d left", n, len(d.b))
	}
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// offsets reads what appendOffsets wrote, insisting on strictly ascending
// keys so that every map has exactly one encoding.
func (d *decoder) offsets() map[string]int64 {
	n := d.count(minOffsetBytes)
	m := make(map[string]int64, n)
	prev := ""
	for i := 0; i < n && d.err == nil; i++ {
		k := d.string()
		v := d.varint()
		if d.err == nil && i > 0 && k <= prev {
			d.fail("offset keys not ascending: %q after %q", k, prev)
		}
		m[k], prev = v, k
	}
	return m
}
