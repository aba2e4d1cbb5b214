package checker

import (
	"math"
	"sort"

	"zabkafka/tests/workbench/history"
)

// LatencyPoint is one completed client op: invoked at Time (ns since the
// run began), completed Latency ns later, with its outcome. It is the data
// behind Jepsen's latency-raw plot.
type LatencyPoint struct {
	Time    int64        `json:"time"`
	Process int          `json:"process"`
	F       string       `json:"f"`
	Type    history.Type `json:"type"`
	Latency int64        `json:"latency"`
}

// LatencySummary gives percentiles, in milliseconds, of the latencies of
// one op name's ok completions (nearest-rank percentiles).
type LatencySummary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50-ms"`
	P95   float64 `json:"p95-ms"`
	P99   float64 `json:"p99-ms"`
	Max   float64 `json:"max-ms"`
}

// Throughput is the client request rate over the run.
type Throughput struct {
	Invocations int     `json:"invocations"`
	OKs         int     `json:"ok-count"`
	Seconds     float64 `json:"seconds"`   // first to last client record
	OpsPerSec   float64 `json:"ops-per-s"` // invocations per second
	OKPerSec    float64 `json:"ok-per-s"`  // ok completions per second
}

// Performance is our addition to Maelstrom's output: latency percentiles
// for sends and polls, and throughput.
type Performance struct {
	Latency    map[string]LatencySummary `json:"latency"`
	Throughput Throughput                `json:"throughput"`
}

// latencyFs are the op names whose latency is summarised.
var latencyFs = []string{history.FSend, history.FPoll}

// computePerformance derives per-op latencies (every completion that has
// an invocation), their percentiles for ok sends and polls, and
// throughput.
func computePerformance(txns []txn) ([]LatencyPoint, Performance) {
	var points []LatencyPoint
	perF := map[string][]int64{}
	var tp Throughput
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for i := range txns {
		t := &txns[i]
		first, last = min(first, t.time), max(last, t.time)
		switch {
		case t.isInvoke():
			tp.Invocations++
		case t.invocation >= 0:
			if t.typ == history.OK {
				tp.OKs++
			}
			lat := t.time - t.invokeTime
			points = append(points, LatencyPoint{Time: t.invokeTime, Process: t.process, F: t.f, Type: t.typ, Latency: lat})
			if t.typ == history.OK {
				perF[t.f] = append(perF[t.f], lat)
			}
		}
	}
	perf := Performance{Latency: map[string]LatencySummary{}}
	for _, f := range latencyFs {
		perf.Latency[f] = summarise(perF[f])
	}
	if last > first {
		tp.Seconds = nanosToSecs(last - first)
		tp.OpsPerSec = float64(tp.Invocations) / tp.Seconds
		tp.OKPerSec = float64(tp.OKs) / tp.Seconds
	}
	perf.Throughput = tp
	return points, perf
}

// summarise computes nearest-rank percentiles of latencies in ns,
// reported in ms.
func summarise(lats []int64) LatencySummary {
	s := LatencySummary{Count: len(lats)}
	if len(lats) == 0 {
		return s
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	s.P50 = nanosToMillis(percentile(lats, 0.50))
	s.P95 = nanosToMillis(percentile(lats, 0.95))
	s.P99 = nanosToMillis(percentile(lats, 0.99))
	s.Max = nanosToMillis(lats[len(lats)-1])
	return s
}

// percentile returns the nearest-rank p-quantile of sorted values: the
// smallest value with at least p of the values at or below it.
func percentile(sorted []int64, p float64) int64 {
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func nanosToMillis(ns int64) float64 { return float64(ns) / 1e6 }
