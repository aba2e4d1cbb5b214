package checker

import (
	"fmt"

	"zabkafka/tests/workbench/history"
)

// Check analyses a run's history. It never panics: a failure inside one
// section turns that section's validity to Unknown with an error, as
// Jepsen's check-safe does for each composed checker.
func Check(h history.History, opts Options) Result {
	var r Result
	txns := clientTxns(h)

	safely(func() {
		a := analyze(txns)
		r.Workload = workloadResult(txns, &a)
		r.Series.RealtimeLag, r.Series.Unseen = a.lags, a.unseen
	}, func(err string) { r.Workload = WorkloadResult{Valid: Unknown, Error: err} })

	safely(func() { r.Stats = computeStats(txns) },
		func(err string) { r.Stats = Stats{Valid: Unknown} })
	safely(func() { r.Availability = computeAvailability(txns, opts.Availability) },
		func(err string) { r.Availability = Availability{Valid: Unknown, Error: err} })
	if opts.Net != nil {
		safely(func() { n := computeNet(*opts.Net, txns); r.Net = &n },
			func(err string) { r.Net = &NetResult{Valid: Unknown} })
	}
	safely(func() { r.Series.Latencies, r.Performance = computePerformance(txns) }, func(string) {})
	safely(func() { r.ByNode = computeByNode(txns, opts) }, func(string) {})
	safely(func() { r.FaultWindows = faultAvailability(h, txns, opts) },
		func(err string) { r.FaultWindows = FaultReport{Skipped: err} })

	valids := []Validity{r.Stats.Valid, r.Availability.Valid, r.Workload.Valid}
	if r.Net != nil {
		valids = append(valids, r.Net.Valid)
	}
	r.Valid = Merge(valids...)
	return r
}

// safely runs f, and on a panic calls onPanic with its description
// instead of letting it escape.
func safely(f func(), onPanic func(string)) {
	defer func() {
		if p := recover(); p != nil {
			onPanic(fmt.Sprintf("internal error during analysis: %v", p))
		}
	}()
	f()
}
