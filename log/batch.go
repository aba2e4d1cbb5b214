package log

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
// and Msg; a commit uses Offsets. Origin and ReqID identify the request,
// so that the node that received it can answer its client once the batch
// is applied: Origin is that node's id (e.g. "n3"), ReqID a number unique
// per origin node.
type Op struct {
	Kind    OpKind
	Key     string
	Msg     int64
	Offsets map[string]int64
	Origin  string
	ReqID   uint64
}

// The batch encoding, version 1, all integers varints:
//
//	version       byte (1)
//	origins       uvarint count, then each as uvarint length + bytes
//	ops           uvarint count, then each:
//	  kind        byte
//	  origin      uvarint index into origins
//	  reqID       uvarint
//	  send:       key (uvarint length + bytes), msg (zigzag varint)
//	  commit:     uvarint count, then (key, offset zigzag varint) sorted by key
//
// A leader's batch holds requests from a few origins, so naming each
// origin once keeps the per-op cost at a few bytes.
const batchVersion = 1

// Per-item lower bounds on encoded size; DecodeBatch uses them to refuse a
// count larger than the remaining bytes could hold before allocating.
const (
	minOriginBytes = 1 // empty string
	minOpBytes     = 4 // kind, origin, reqID, and at least one byte of body
	minOffsetBytes = 2 // empty key, one-byte offset
)

// ErrMalformed is wrapped by every DecodeBatch and RestoreKafka error: the
// bytes are not something EncodeBatch or Kafka.Snapshot produced.
var ErrMalformed = errors.New("log: malformed encoding")

// EncodeBatch encodes ops for a log entry. Encoding is deterministic: the
// same ops give the same bytes (commit offsets are sorted by key). Ops of
// an unknown kind are encoded with an empty body and rejected by
// DecodeBatch, so the caller must not propose them.
func EncodeBatch(ops []Op) []byte {
	var origins []string
	index := make(map[string]uint64)
	for _, op := range ops {
		if _, ok := index[op.Origin]; !ok {
			index[op.Origin] = uint64(len(origins))
			origins = append(origins, op.Origin)
		}
	}
	b := make([]byte, 0, 8+16*len(ops))
	b = append(b, batchVersion)
	b = binary.AppendUvarint(b, uint64(len(origins)))
	for _, o := range origins {
		b = appendString(b, o)
	}
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, op := range ops {
		b = append(b, byte(op.Kind))
		b = binary.AppendUvarint(b, index[op.Origin])
		b = binary.AppendUvarint(b, op.ReqID)
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

// DecodeBatch decodes what EncodeBatch produced. It never panics, and it
// rejects (wrapping ErrMalformed) unknown versions and kinds, counts and
// lengths beyond the input, out-of-range origin indexes, unsorted or
// repeated commit keys, and trailing bytes.
func DecodeBatch(b []byte) ([]Op, error) {
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != batchVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	origins := make([]string, d.count(minOriginBytes))
	for i := range origins {
		origins[i] = d.string()
	}
	ops := make([]Op, d.count(minOpBytes))
	for i := range ops {
		op := &ops[i]
		op.Kind = OpKind(d.byte())
		oi := d.uvarint()
		if d.err == nil && oi >= uint64(len(origins)) {
			d.fail("op %d: origin index %d of %d", i, oi, len(origins))
		}
		if d.err == nil {
			op.Origin = origins[oi]
		}
		op.ReqID = d.uvarint()
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
