package checker

import (
	"errors"

	"zabkafka/tests/workbench/history"
)

// allowedErrorTypes are the error types reported without failing the test
// under Maelstrom's settings: no subscribe (so poll-skip and
// nonmonotonic-poll stay bad) and no ww-deps (so G1c* stay bad)
// (J:kafka.clj allowed-error-types).
var allowedErrorTypes = map[string]bool{
	TypeIntSendSkip:            true,
	"G0":                       true,
	"G0-process":               true,
	"G0-realtime":              true,
	"PL-1-cycle-exists":        true,
	"strong-PL-1-cycle-exists": true,
}

// IsAllowedErrorType reports whether an error type is tolerated under
// Maelstrom's settings.
func IsAllowedErrorType(t string) bool { return allowedErrorTypes[t] }

// WorkloadResult is the kafka checker's section of the results
// (J:kafka.clj checker).
type WorkloadResult struct {
	Valid Validity
	// Error is set when the analysis could not complete (where Jepsen's
	// throws); Valid is then Unknown and the other fields are empty.
	Error string
	// WorstRealtimeLag is the poll with the largest realtime lag, nil when
	// no poll was measured (Jepsen then reports {:time 0 :lag 0}).
	WorstRealtimeLag *LagPoint
	BadErrorTypes    []string
	ErrorTypes       []string
	// InfoTxnCauses are the distinct Error texts of info sends and polls,
	// in first-seen order; "" stands for an info op with no error.
	InfoTxnCauses []string
	// Anomalies is every error found, uncondensed.
	Anomalies Anomalies
}

// kafkaAnalysis is everything the kafka analysis derives from a history:
// the verdict's inputs and the series the plots need.
type kafkaAnalysis struct {
	anomalies Anomalies
	lags      []LagPoint
	unseen    []UnseenPoint
	err       error
}

// analyze ports J:kafka.clj analysis over client txns.
func analyze(txns []txn) kafkaAnalysis {
	var a kafkaAnalysis
	d := derive(txns)
	orders, inconsistent := buildVersionOrders(d)
	an := &a.anomalies
	an.InconsistentOffsets = inconsistent
	an.Duplicate = duplicateCases(orders)
	an.G1a = g1aCases(d)
	an.PrecommittedRead = precommittedReadCases(d)
	procs := byProcess(txns)
	an.PollSkip, an.NonmonotonicPoll = pollSkipCases(d, orders, procs)
	an.IntPollSkip, an.IntNonmonotonicPoll = intPollCases(d, orders)
	an.NonmonotonicSend = nonmonotonicSendCases(d, orders, procs)
	an.IntSendSkip, an.IntNonmonotonicSend = intSendCases(d, orders)
	a.unseen, an.Unseen = unseenAnalysis(txns)
	a.lags = realtimeLag(txns)

	lost, err := lostWriteCases(d, orders)
	if err != nil {
		a.err = err
		return a
	}
	an.LostWrite = lost
	g, err := buildGraph(d)
	if err != nil {
		a.err = err
		return a
	}
	cyc := cycleCases(d, g)
	an.G1cRealtime, an.CycleExists, an.EmptyTransactionGraph = cyc.g1cRealtime, cyc.exists, cyc.empty
	return a
}

// workloadResult ports J:kafka.clj checker: error types, the bad ones,
// validity, causes of indefinite results and the worst lag.
func workloadResult(txns []txn, a *kafkaAnalysis) WorkloadResult {
	if a.err != nil {
		msg := a.err.Error()
		var ae *analysisError
		if !errors.As(a.err, &ae) {
			msg = "analysis failed: " + msg
		}
		return WorkloadResult{Valid: Unknown, Error: msg}
	}
	r := WorkloadResult{Anomalies: a.anomalies, InfoTxnCauses: infoTxnCauses(txns)}
	r.ErrorTypes = a.anomalies.Types()
	for _, t := range r.ErrorTypes {
		if !allowedErrorTypes[t] {
			r.BadErrorTypes = append(r.BadErrorTypes, t)
		}
	}
	r.Valid = ValidityOf(len(r.BadErrorTypes) == 0)
	if len(a.lags) > 0 {
		w := worstLag(a.lags)
		r.WorstRealtimeLag = &w
	}
	return r
}

// infoTxnCauses lists the distinct errors of info sends and polls in
// first-seen order (J:kafka.clj checker info-txn-causes).
func infoTxnCauses(txns []txn) []string {
	out := []string{}
	seen := map[string]bool{}
	for i := range txns {
		t := &txns[i]
		if t.typ != history.Info || !isCycleOp(t) {
			continue
		}
		if !seen[t.cause] {
			seen[t.cause] = true
			out = append(out, t.cause)
		}
	}
	return out
}
