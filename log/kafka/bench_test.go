package kafka

import (
	"strconv"
	"testing"
)

// Benchmarks of the state machine and the batch codec. Run with
//
//	go test ./log/kafka/ -run '^$' -bench .

// BenchmarkKafkaApply applies batches of 64 sends spread over 100 keys.
func BenchmarkKafkaApply(b *testing.B) {
	ops := make([]Op, 64)
	for i := range ops {
		ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i * 7 % 100), Msg: int64(i)}
	}
	k := New()
	b.ReportAllocs()
	zxid := uint64(0)
	for b.Loop() {
		zxid++
		k.Apply(zxid, ops)
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkKafkaApplyIdentified applies batches of 64 sends, each with an
// origin's identity, as a node's are: 16 origins, each numbering its
// requests from 1, warmed past several dedupe windows so that the cost
// measured is the steady state's (remembering each request, forgetting
// those that left the window).
func BenchmarkKafkaApplyIdentified(b *testing.B) {
	const origins = 16
	names := make([]string, origins)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	ops := make([]Op, 64)
	seq := make([]uint64, origins)
	next := func() {
		for i := range ops {
			o := i % origins
			seq[o]++
			ops[i] = Op{Kind: OpSend, Key: strconv.Itoa(i * 7 % 100), Msg: int64(i), Origin: names[o], Incarnation: 1, Seq: seq[o]}
		}
	}
	k := New()
	zxid := uint64(0)
	for seq[0] < 3*DedupeWindow {
		next()
		zxid++
		k.Apply(zxid, ops)
	}
	b.ReportAllocs()
	for b.Loop() {
		next()
		zxid++
		k.Apply(zxid, ops)
	}
	b.ReportMetric(float64(b.N*len(ops))/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkKafkaPoll polls 100 messages at scattered offsets of a key
// holding 100,000: the cost should track the 100, not the 100,000.
func BenchmarkKafkaPoll(b *testing.B) {
	k := New()
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
