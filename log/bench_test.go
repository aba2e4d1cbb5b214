package log

import (
	"strconv"
	"testing"
)

// Benchmarks. Run with
//
//	go test ./log/ -run '^$' -bench . -benchtime 2000x
//
// The append+sync figures are dominated by fsync; compare batch=1 with
// batch=64 to see what group commit buys (zab-reference 1.3, D5).

// benchEntries returns n entries of 200 bytes following zxid after.
func benchEntries(after uint64, n int, data []byte) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{Zxid: after + uint64(i) + 1, Data: data}
	}
	return es
}

// benchAppendSync appends batches of the given size and syncs after each.
func benchAppendSync(b *testing.B, s Store, batch int) {
	data := make([]byte, 200)
	b.SetBytes(int64(batch * len(data)))
	b.ReportAllocs()
	var last uint64
	for b.Loop() {
		es := benchEntries(last, batch, data)
		if err := s.Append(es...); err != nil {
			b.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			b.Fatal(err)
		}
		last += uint64(batch)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkFileStoreAppendSync(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			s, err := OpenFileStore(b.TempDir(), FileOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchAppendSync(b, s, batch)
		})
	}
}

func BenchmarkMemStoreAppendSync(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			benchAppendSync(b, NewMemStore(), batch)
		})
	}
}

// BenchmarkKafkaApply applies batches of 64 sends spread over 100 keys.
func BenchmarkKafkaApply(b *testing.B) {
	ops := make([]Op, 64)
	for i := range ops {
		ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i * 7 % 100), Msg: int64(i)}
	}
	k := NewKafka()
	b.ReportAllocs()
	zxid := uint64(0)
	for b.Loop() {
		zxid++
		k.Apply(zxid, ops)
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkKafkaPoll polls 100 messages at scattered offsets of a key
// holding 100,000: the cost should track the 100, not the 100,000.
func BenchmarkKafkaPoll(b *testing.B) {
	k := NewKafka()
	const n = 100_000
	ops := make([]Op, 1000)
	for z := uint64(1); z <= n/1000; z++ {
		for i := range ops {
			ops[i] = Op{Kind: OpSend, Key: "k", Msg: int64(i)}
		}
		k.Apply(z, ops)
	}
	b.ReportAllocs()
	from := int64(0)
	for b.Loop() {
		if got := k.Poll("k", from, 100); len(got) != 100 {
			b.Fatalf("polled %d", len(got))
		}
		from = (from + 7919) % (n - 100)
	}
}

// BenchmarkBatchCodec encodes and decodes a batch of 64 sends.
func BenchmarkBatchCodec(b *testing.B) {
	ops := make([]Op, 64)
	for i := range ops {
		ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i % 10), Msg: int64(i), Origin: "n" + strconv.Itoa(i%5), Incarnation: 1, Seq: uint64(i + 1)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBatch(EncodeBatch(ops)); err != nil {
			b.Fatal(err)
		}
	}
}
