package net

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeNode stands in for a node process: it reads each delivery from its
// stdin pipe and answers it with one fixed message to the next node of a
// ring, writing to its stdout pipe. It does no JSON work, so the benchmark
// measures the workbench: parse, route, queue, frame, write.
func fakeNode(stdin *os.File, stdout *os.File, reply []byte, delivered *atomic.Int64) {
	in := bufio.NewReaderSize(stdin, 64<<10)
	out := bufio.NewWriterSize(stdout, 64<<10)
	for {
		if _, err := in.ReadSlice('\n'); err != nil {
			return
		}
		delivered.Add(1)
		if _, err := out.Write(reply); err != nil {
			return
		}
		if in.Buffered() == 0 {
			if out.Flush() != nil {
				return
			}
		}
	}
}

// BenchmarkRouting pushes node->node messages around a ring of 16 nodes
// through the real reader, network and delivery loops over OS pipes, with
// 32 messages in flight per node, and reports delivered messages per second.
func BenchmarkRouting(b *testing.B) {
	const nodes, inFlight = 16, 32
	ids := nodeNames(nodes)
	lm, _ := newLatencyModel(DistConstant, 0)
	n := newNetwork(lm, ids)
	var delivered atomic.Int64
	var wg sync.WaitGroup
	var files []*os.File
	pipe := func() (*os.File, *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, r, w)
		return r, w
	}
	for i, id := range ids {
		mb, _ := n.join(id)
		next := ids[(i+1)%nodes]
		reply := []byte(fmt.Sprintf(`{"src":%q,"dest":%q,"body":{"type":"replicate","zxid":4294967338,"key":"7","msg":42,"msg_id":12345}}`+"\n", id, next))
		inR, inW := pipe()
		outR, outW := pipe()
		link := &nodeLink{id: id, net: n, mb: mb, faults: &faultLog{}, logf: b.Logf, rng: seededRand(1, "latency", id)}
		wg.Add(3)
		go func() { defer wg.Done(); link.deliverLoop(inW, nil) }()
		go func() { defer wg.Done(); link.readLoop(outR) }()
		go func() { defer wg.Done(); fakeNode(inR, outW, reply, &delivered) }()
	}
	b.ResetTimer()
	start := time.Now()
	for i, id := range ids {
		for k := 0; k < inFlight; k++ {
			n.send(id, ids[(i+1)%nodes], []byte(`{"type":"replicate","msg":0}`), nil)
		}
	}
	for delivered.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(delivered.Load())/elapsed.Seconds(), "msgs/s")
	n.shutdown()
	for _, f := range files {
		f.Close()
	}
	wg.Wait()
	if len(n.partitions()) != 0 {
		b.Fatal("unexpected partitions")
	}
}

// BenchmarkParseNodeLine is the per-message cost of reading a node's line.
func BenchmarkParseNodeLine(b *testing.B) {
	line := []byte(`{"src":"n3","dest":"n4","body":{"type":"replicate","zxid":4294967338,"key":"7","msg":42,"msg_id":12345}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := parseNodeLine(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendDelivery is the per-message cost of framing a delivery.
func BenchmarkAppendDelivery(b *testing.B) {
	e := &envelope{id: 123456, src: "n3", dest: "n4", body: []byte(`{"type":"replicate","zxid":4294967338,"key":"7","msg":42,"msg_id":12345}`)}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendDelivery(buf[:0], e)
	}
}
