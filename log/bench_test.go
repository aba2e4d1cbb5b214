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
// batch=64 to see what group commit buys
// (docs/rules.md#a-proposal-is-durable-before-its-ack).

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
