package log

import (
	"bytes"
	"errors"
	"maps"
	"strconv"
	"testing"
)

// equalOps compares op lists, treating nil and empty Offsets alike.
func equalOps(a, b []Op) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Kind != y.Kind || x.Key != y.Key || x.Msg != y.Msg || x.Origin != y.Origin ||
			x.ReqID != y.ReqID || !maps.Equal(x.Offsets, y.Offsets) {
			return false
		}
	}
	return true
}

func sampleOps() []Op {
	return []Op{
		{Kind: OpSend, Key: "1", Msg: 42, Origin: "n1", ReqID: 1},
		{Kind: OpSend, Key: "k-with-a-long-name", Msg: -7, Origin: "n2", ReqID: 1 << 40},
		{Kind: OpCommitOffsets, Offsets: map[string]int64{"1": 3, "b": 0, "a": 1 << 50}, Origin: "n1", ReqID: 2},
		{Kind: OpCommitOffsets, Offsets: map[string]int64{}, Origin: "n3", ReqID: 0},
		{Kind: OpSend, Key: "", Msg: 0, Origin: "", ReqID: 9},
	}
}

func TestBatchRoundTrip(t *testing.T) {
	for _, ops := range [][]Op{nil, sampleOps()} {
		got, err := DecodeBatch(EncodeBatch(ops))
		if err != nil {
			t.Fatalf("DecodeBatch: %v", err)
		}
		if !equalOps(got, ops) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, ops)
		}
	}
}

func TestBatchEncodingIsDeterministic(t *testing.T) {
	// Map iteration order is random; the bytes must not be.
	first := EncodeBatch(sampleOps())
	for i := 0; i < 20; i++ {
		if !bytes.Equal(EncodeBatch(sampleOps()), first) {
			t.Fatal("two encodings of the same batch differ")
		}
	}
}

func TestBatchIsCompact(t *testing.T) {
	// A leader's batch: 64 sends from 5 origins. Naming each origin once
	// keeps an op at a few bytes.
	ops := make([]Op, 64)
	for i := range ops {
		ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i % 10), Msg: int64(i * 1000), Origin: "n" + strconv.Itoa(i%5), ReqID: uint64(1000 + i)}
	}
	if n := len(EncodeBatch(ops)); n > 64*10 {
		t.Fatalf("batch of 64 sends takes %d bytes, more than 10 per op", n)
	}
}

func TestDecodeBatchRejectsMalformedInput(t *testing.T) {
	valid := EncodeBatch(sampleOps())
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad version", []byte{2, 0, 0}},
		{"origin count beyond input", []byte{1, 100}},
		{"op count beyond input", []byte{1, 0, 50, 1, 0, 0}},
		{"origin index out of range", []byte{1, 1, 0, 1, 1, 1, 0, 0, 0}},
		{"unknown kind", []byte{1, 1, 0, 1, 9, 0, 0, 0}},
		{"zero kind", []byte{1, 1, 0, 1, 0, 0, 0, 0}},
		{"string beyond input", []byte{1, 1, 0, 1, 1, 0, 0, 5, 'a'}},
		{"bad uvarint", append([]byte{1}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"bad varint", []byte{1, 1, 0, 1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"offset keys unsorted", []byte{1, 1, 0, 1, 2, 0, 0, 2, 1, 'b', 0, 1, 'a', 0}},
		{"offset keys repeated", []byte{1, 1, 0, 1, 2, 0, 0, 2, 1, 'a', 0, 1, 'a', 0}},
		{"trailing bytes", append(bytes.Clone(valid), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ops, err := DecodeBatch(tc.b); !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeBatch = %+v, %v; want ErrMalformed", ops, err)
			}
		})
	}
}

func TestDecodeBatchRejectsEveryTruncation(t *testing.T) {
	valid := EncodeBatch(sampleOps())
	for n := 0; n < len(valid); n++ {
		if _, err := DecodeBatch(valid[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d/%d bytes decoded: %v", n, len(valid), err)
		}
	}
}

func TestOpKindString(t *testing.T) {
	for k, want := range map[OpKind]string{OpSend: "send", OpCommitOffsets: "commit_offsets", 7: "OpKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}

// FuzzDecodeBatch feeds DecodeBatch arbitrary bytes: it must not panic, and
// whatever it accepts must survive an encode/decode round trip unchanged.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(EncodeBatch(sampleOps()))
	f.Add(EncodeBatch(nil))
	f.Add([]byte{1, 1, 0, 1, 2, 0, 0, 2, 1, 'b', 0, 1, 'a', 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := DecodeBatch(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := DecodeBatch(EncodeBatch(ops))
		if err != nil || !equalOps(again, ops) {
			t.Fatalf("accepted batch does not round-trip: %v", err)
		}
	})
}
