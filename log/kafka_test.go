package log

import (
	"bytes"
	"errors"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
)

func send(key string, msg int64) Op { return Op{Kind: OpSend, Key: key, Msg: msg} }

func commitOp(offsets map[string]int64) Op { return Op{Kind: OpCommitOffsets, Offsets: offsets} }

// msgs builds the expected Poll result for offsets from.. with messages ms.
func msgs(from int64, ms ...int64) []Message {
	var out []Message
	for i, m := range ms {
		out = append(out, Message{Offset: from + int64(i), Msg: m})
	}
	return out
}

func TestKafkaOffsetsAreDensePerKeyInApplyOrder(t *testing.T) {
	k := NewKafka()
	res := k.Apply(1, []Op{send("a", 10), send("b", 20), send("a", 11)})
	if want := []Result{{0}, {0}, {1}}; !slices.Equal(res, want) {
		t.Fatalf("results %v, want %v", res, want)
	}
	res = k.Apply(2, []Op{send("b", 21), commitOp(map[string]int64{"a": 1}), send("a", 12), {Kind: 99, Key: "a"}})
	if want := []Result{{1}, {-1}, {2}, {-1}}; !slices.Equal(res, want) {
		t.Fatalf("results %v, want %v (commit and unknown ops get -1)", res, want)
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 10, 11, 12)) {
		t.Fatalf("Poll(a) = %v", got)
	}
	if got := k.Poll("b", 0, 0); !slices.Equal(got, msgs(0, 20, 21)) {
		t.Fatalf("Poll(b) = %v", got)
	}
	if k.AppliedZxid() != 2 || k.NextOffset("a") != 3 || k.NextOffset("zz") != 0 {
		t.Fatalf("AppliedZxid %d, NextOffset(a) %d", k.AppliedZxid(), k.NextOffset("a"))
	}
}

func TestKafkaIgnoresBatchesAlreadyApplied(t *testing.T) {
	// A redelivered batch, or one the restored snapshot covers, must not
	// assign offsets a second time.
	k := NewKafka()
	k.Apply(5, []Op{send("a", 1)})
	for _, z := range []uint64{0, 4, 5} {
		if res := k.Apply(z, []Op{send("a", 2)}); res != nil {
			t.Fatalf("Apply(%d) after 5 = %v, want nil", z, res)
		}
	}
	if got := k.Poll("a", 0, 0); !slices.Equal(got, msgs(0, 1)) {
		t.Fatalf("Poll = %v", got)
	}
	if k.AppliedZxid() != 5 {
		t.Fatalf("AppliedZxid = %d", k.AppliedZxid())
	}
}

func TestKafkaPollRanges(t *testing.T) {
	k := NewKafka()
	for i := int64(0); i < 10; i++ {
		k.Apply(uint64(i+1), []Op{send("a", 100+i)})
	}
	for _, tc := range []struct {
		from  int64
		limit int
		want  []Message
	}{
		{0, 0, msgs(0, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109)},
		{7, 0, msgs(7, 107, 108, 109)},
		{3, 2, msgs(3, 103, 104)},
		{-5, 1, msgs(0, 100)},
		{9, 5, msgs(9, 109)},
		{10, 0, nil},
		{1 << 62, 3, nil},
	} {
		if got := k.Poll("a", tc.from, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("Poll(a, %d, %d) = %v, want %v", tc.from, tc.limit, got, tc.want)
		}
	}
	if got := k.Poll("never-sent", 0, 0); got != nil {
		t.Errorf("Poll of an unknown key = %v", got)
	}
}

func TestKafkaCommittedOffsetsNeverMoveBack(t *testing.T) {
	k := NewKafka()
	k.Apply(1, []Op{commitOp(map[string]int64{"a": 5, "b": 2})})
	k.Apply(2, []Op{commitOp(map[string]int64{"a": 3, "b": 4})})
	got := k.CommittedOffsets([]string{"a", "b", "c"})
	if want := map[string]int64{"a": 5, "b": 4}; !maps.Equal(got, want) {
		t.Fatalf("CommittedOffsets = %v, want %v (c has none and is left out)", got, want)
	}
	if got := k.CommittedOffsets(nil); len(got) != 2 {
		t.Fatalf("CommittedOffsets(nil) = %v, want every key", got)
	}
	if got := k.CommittedOffsets([]string{}); len(got) != 0 {
		t.Fatalf("CommittedOffsets(empty) = %v, want none", got)
	}
}

func TestKafkaReplicasAgree(t *testing.T) {
	// Same batches, same order: same offsets, same snapshot bytes, even
	// though keys appear in different map orders inside the commits.
	batches := [][]Op{
		{send("x", 1), send("y", 2), commitOp(map[string]int64{"x": 0, "y": 0, "z": 9})},
		{send("y", 3), send("x", 4)},
	}
	a, b := NewKafka(), NewKafka()
	for i, ops := range batches {
		ra := a.Apply(uint64(i+1), ops)
		rb := b.Apply(uint64(i+1), ops)
		if !slices.Equal(ra, rb) {
			t.Fatalf("replicas assigned %v and %v", ra, rb)
		}
	}
	if !a.Equal(b) || !bytes.Equal(a.Snapshot(), b.Snapshot()) {
		t.Fatal("replicas differ")
	}
	b.Apply(3, []Op{send("x", 5)})
	if a.Equal(b) {
		t.Fatal("Equal missed a difference")
	}
}

func TestKafkaSnapshotRoundTrip(t *testing.T) {
	k := NewKafka()
	k.Apply(7, []Op{send("a", 1), send("b", -2), send("a", 3), commitOp(map[string]int64{"a": 1, "q": 0})})
	r, err := RestoreKafka(k.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal(k) || r.AppliedZxid() != 7 {
		t.Fatal("restored state differs")
	}
	if got := r.Poll("a", 1, 0); !slices.Equal(got, msgs(1, 3)) {
		t.Fatalf("restored Poll = %v", got)
	}
	// Offsets continue where the snapshot left off.
	if res := r.Apply(8, []Op{send("a", 4)}); res[0].Offset != 2 {
		t.Fatalf("first send after restore got offset %d, want 2", res[0].Offset)
	}
	empty, err := RestoreKafka(NewKafka().Snapshot())
	if err != nil || !empty.Equal(NewKafka()) {
		t.Fatalf("empty round trip: %v", err)
	}
}

func TestRestoreKafkaRejectsMalformedInput(t *testing.T) {
	k := NewKafka()
	k.Apply(1, []Op{send("a", 1), send("b", 2), commitOp(map[string]int64{"a": 0})})
	valid := k.Snapshot()
	for n := 0; n < len(valid); n++ {
		if _, err := RestoreKafka(valid[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d/%d bytes restored: %v", n, len(valid), err)
		}
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"bad version", []byte{9, 0, 0, 0}},
		{"trailing bytes", append(bytes.Clone(valid), 0)},
		{"keys unsorted", []byte{1, 0, 2, 1, 'b', 0, 1, 'a', 0, 0}},
		{"message count beyond input", []byte{1, 0, 1, 1, 'a', 100, 0}},
	} {
		if _, err := RestoreKafka(tc.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", tc.name, err)
		}
	}
}

// TestKafkaAgainstModel applies random batches to Kafka and to a plain
// slices-and-maps model and compares every read. Replay one seed with
// KAFKA_SEED=n.
func TestKafkaAgainstModel(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if v := os.Getenv("KAFKA_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{s}
	}
	for _, seed := range seeds {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Logf("seed %d (replay with KAFKA_SEED=%d)", seed, seed)
			rng := rand.New(rand.NewPCG(seed, 0))
			k := NewKafka()
			logs := map[string][]int64{}
			committed := map[string]int64{}
			key := func() string { return strconv.Itoa(rng.IntN(6)) }
			for zxid := uint64(1); zxid <= 400; zxid++ {
				ops := make([]Op, 1+rng.IntN(8))
				for i := range ops {
					if rng.IntN(4) == 0 {
						ops[i] = commitOp(map[string]int64{key(): rng.Int64N(50), key(): rng.Int64N(50)})
					} else {
						ops[i] = send(key(), rng.Int64())
					}
				}
				res := k.Apply(zxid, ops)
				for i, op := range ops {
					switch op.Kind {
					case OpSend:
						if want := int64(len(logs[op.Key])); res[i].Offset != want {
							t.Fatalf("seed %d zxid %d: offset %d, want %d", seed, zxid, res[i].Offset, want)
						}
						logs[op.Key] = append(logs[op.Key], op.Msg)
					case OpCommitOffsets:
						for key, off := range op.Offsets {
							if cur, ok := committed[key]; !ok || off > cur {
								committed[key] = off
							}
						}
					}
				}
				if zxid%50 == 0 { // also through a snapshot now and then
					r, err := RestoreKafka(k.Snapshot())
					if err != nil {
						t.Fatalf("seed %d: restore: %v", seed, err)
					}
					k = r
				}
				kk := key()
				from, limit := rng.Int64N(int64(len(logs[kk])+2)), rng.IntN(5)
				want := logs[kk][min(from, int64(len(logs[kk]))):]
				if limit > 0 && len(want) > limit {
					want = want[:limit]
				}
				var wantMsgs []Message
				for i, m := range want {
					wantMsgs = append(wantMsgs, Message{Offset: from + int64(i), Msg: m})
				}
				if got := k.Poll(kk, from, limit); !slices.Equal(got, wantMsgs) {
					t.Fatalf("seed %d zxid %d: Poll(%s, %d, %d) = %v, want %v", seed, zxid, kk, from, limit, got, wantMsgs)
				}
				if got := k.CommittedOffsets(nil); !maps.Equal(got, committed) {
					t.Fatalf("seed %d zxid %d: committed %v, want %v", seed, zxid, got, committed)
				}
			}
		})
	}
}

// FuzzRestoreKafka feeds RestoreKafka arbitrary bytes: no panic, and an
// accepted snapshot re-encodes to the same state.
func FuzzRestoreKafka(f *testing.F) {
	k := NewKafka()
	k.Apply(3, []Op{send("a", 1), send("b", 2), commitOp(map[string]int64{"a": 0})})
	f.Add(k.Snapshot())
	f.Add(NewKafka().Snapshot())
	f.Add([]byte{1, 0, 1, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := RestoreKafka(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := RestoreKafka(r.Snapshot())
		if err != nil || !again.Equal(r) {
			t.Fatalf("accepted snapshot does not round-trip: %v", err)
		}
	})
}
