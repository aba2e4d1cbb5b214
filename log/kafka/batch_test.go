package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
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
			x.Incarnation != y.Incarnation || x.Seq != y.Seq || x.ProposerAnswers != y.ProposerAnswers ||
			!maps.Equal(x.Offsets, y.Offsets) {
			return false
		}
	}
	return true
}

func sampleOps() []Op {
	return []Op{
		{Kind: OpSend, Key: "1", Msg: 42, Origin: "n1", Incarnation: 7, Seq: 1},
		{Kind: OpSend, Key: "k-with-a-long-name", Msg: -7, Origin: "n2", Incarnation: 1 << 60, Seq: 1 << 40},
		{Kind: OpCommitOffsets, Offsets: map[string]int64{"1": 3, "b": 0, "a": 1 << 50}, Origin: "n1", Incarnation: 7, Seq: 2},
		{Kind: OpCommitOffsets, Offsets: map[string]int64{}, Origin: "n3", Seq: 0},
		{Kind: OpSend, Key: "", Msg: 0, Origin: "", Seq: 9},
		{Kind: OpSend, Key: "x", Msg: 1, Origin: "n1", Incarnation: 8, Seq: 1}, // n1 restarted
		{Kind: OpSend, Key: "y", Msg: 2, Origin: "n2", Incarnation: 1, Seq: 5, ProposerAnswers: true},
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
		ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i % 10), Msg: int64(i * 1000), Origin: "n" + strconv.Itoa(i%5), Incarnation: 1 << 62, Seq: uint64(1000 + i)}
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
		{"bad version", []byte{3, 0, 0}},
		{"origin count beyond input", []byte{2, 100}},
		{"incarnation missing", []byte{2, 1, 0}},
		{"bad incarnation", append([]byte{2, 1, 0}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"op count beyond input", []byte{2, 0, 50, 1, 0, 0}},
		{"origin index out of range", []byte{2, 1, 0, 1, 1, 1, 1, 0, 0, 0}},
		{"unknown kind", []byte{2, 1, 0, 1, 1, 9, 0, 0, 0}},
		{"zero kind", []byte{2, 1, 0, 1, 1, 0, 0, 0, 0}},
		{"string beyond input", []byte{2, 1, 0, 1, 1, 1, 0, 0, 5, 'a'}},
		{"bad uvarint", append([]byte{2}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"bad varint", []byte{2, 1, 0, 1, 1, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"offset keys unsorted", []byte{2, 1, 0, 1, 1, 2, 0, 0, 2, 1, 'b', 0, 1, 'a', 0}},
		{"offset keys repeated", []byte{2, 1, 0, 1, 1, 2, 0, 0, 2, 1, 'a', 0, 1, 'a', 0}},
		{"version 1 unknown kind", []byte{1, 1, 0, 1, 9, 0, 0, 0}},
		{"version 1 origin index out of range", []byte{1, 1, 0, 1, 1, 1, 0, 0, 0}},
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

// batchV1 is a version 1 batch as the previous encoder wrote it: origins
// "n1", "n2"; a send of 7 to "a" by n1 with request id 5, and a commit of
// {"a": 0} by n2 with request id 300.
var batchV1 = []byte{1, 2, 2, 'n', '1', 2, 'n', '2', 2,
	1, 0, 5, 1, 'a', 14,
	2, 1, 0xac, 0x02, 1, 1, 'a', 0}

// TestProposerAnswersRidesInTheKindByte: the flag costs no byte, and a
// version 1 batch, which never had it, refuses a kind byte with the bit
// set instead of reading it as the flag.
func TestProposerAnswersRidesInTheKindByte(t *testing.T) {
	op := Op{Kind: OpSend, Key: "k", Msg: 1, Origin: "n1", Incarnation: 1, Seq: 1}
	plain := EncodeBatch([]Op{op})
	op.ProposerAnswers = true
	flagged := EncodeBatch([]Op{op})
	if len(plain) != len(flagged) {
		t.Fatalf("the flag changed the size: %d -> %d bytes", len(plain), len(flagged))
	}
	got, err := DecodeBatch(flagged)
	if err != nil || len(got) != 1 || !got[0].ProposerAnswers || got[0].Kind != OpSend {
		t.Fatalf("decoded %+v, %v; want one send with ProposerAnswers", got, err)
	}
	v1 := bytes.Clone(batchV1)
	v1[9] |= kindAnswered // the first op's kind byte, after the origins table
	if _, err := DecodeBatch(v1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("version 1 batch with the flag bit: err %v, want ErrMalformed", err)
	}
}

// TestDecodeBatchVersion1: a log written before version 2 still decodes,
// with its ops carrying no identity (Incarnation and Seq 0), so they are
// applied exactly as they were when first written (without dedupe).
func TestDecodeBatchVersion1(t *testing.T) {
	got, err := DecodeBatch(batchV1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Op{
		{Kind: OpSend, Key: "a", Msg: 7, Origin: "n1"},
		{Kind: OpCommitOffsets, Offsets: map[string]int64{"a": 0}, Origin: "n2"},
	}
	if !equalOps(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestOpSizeBoundsEncoding: the size the node plans batches with is an
// upper bound of the encoding, for random ops of every shape (varint
// lengths at their edges included). Replay with BATCH_SEED=n.
func TestOpSizeBoundsEncoding(t *testing.T) {
	seed := uint64(1)
	if v := os.Getenv("BATCH_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (replay with BATCH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	edgy := func() uint64 { // around a varint length boundary, or anything
		if rng.IntN(2) == 0 {
			return rng.Uint64() >> rng.IntN(64)
		}
		return uint64(1)<<(7*rng.IntN(10)) - uint64(rng.IntN(3))
	}
	str := func() string { return strings.Repeat("k", int(edgy()%300)) }
	for round := 0; round < 500; round++ {
		ops := make([]Op, rng.IntN(40))
		bound := BatchOverhead
		for i := range ops {
			op := Op{Origin: "n" + strconv.Itoa(rng.IntN(4)), Incarnation: edgy(), Seq: edgy()}
			if rng.IntN(3) == 0 {
				op.Kind = OpCommitOffsets
				op.Offsets = map[string]int64{}
				for j := rng.IntN(5); j > 0; j-- {
					op.Offsets[str()] = int64(edgy())
				}
			} else {
				op.Kind, op.Key, op.Msg = OpSend, str(), int64(edgy())
			}
			ops[i] = op
			bound += OpSize(op)
		}
		if n := len(EncodeBatch(ops)); n > bound {
			t.Fatalf("seed %d round %d: %d ops encode to %d bytes, OpSize bounds them at %d", seed, round, len(ops), n, bound)
		}
	}
	// The bound is tight enough to plan with: it overestimates by fixed
	// varint allowances only (the two counts, the origin index), never by
	// anything that grows with the op.
	op := Op{Kind: OpSend, Key: strings.Repeat("k", 100000), Origin: "n1", Incarnation: 1, Seq: 1}
	if real := len(EncodeBatch([]Op{op})); OpSize(op)+BatchOverhead-real > 3*binary.MaxVarintLen64 {
		t.Fatalf("OpSize %d for a %d-byte batch: too loose", OpSize(op), real)
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
	f.Add([]byte{2, 1, 0, 1, 1, 2, 0, 0, 2, 1, 'b', 0, 1, 'a', 0})
	f.Add(batchV1)
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
