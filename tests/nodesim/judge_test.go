package nodesim

import (
	"slices"
	"testing"

	"zabkafka/tests/workbench/checker"
	"zabkafka/tests/workbench/history"
)

// A history without an ok send or a polled message is not judged (its
// only anomaly is the empty graph), even with an ok poll that found
// nothing; one with an ok send is, and so is a history with another
// anomaly.
func TestNothingToJudge(t *testing.T) {
	failedPoll := history.History{
		{Index: 0, Time: 1, Type: history.Invoke, Process: 0, F: history.FPoll},
		{Index: 1, Time: 2, Type: history.Fail, Process: 0, F: history.FPoll, Error: "temporarily-unavailable"},
	}
	r := checker.Check(failedPoll, checker.Options{})
	if r.Workload.Valid == checker.Valid {
		t.Fatalf("the checker takes a history with no ok operation as valid: the exemption is not needed")
	}
	if !nothingToJudge(r, failedPoll) {
		t.Fatalf("no ok operation, anomalies %v: want nothing to judge", r.Workload.ErrorTypes)
	}
	emptyPoll := append(slices.Clone(failedPoll),
		history.Op{Index: 2, Time: 3, Type: history.Invoke, Process: 1, F: history.FPoll},
		history.Op{Index: 3, Time: 4, Type: history.OK, Process: 1, F: history.FPoll, Polls: map[string][]history.Pair{}})
	if r := checker.Check(emptyPoll, checker.Options{}); r.Workload.Valid == checker.Valid || !nothingToJudge(r, emptyPoll) {
		t.Fatalf("an ok poll that found nothing: valid %v, anomalies %v: want invalid and nothing to judge", r.Workload.Valid, r.Workload.ErrorTypes)
	}
	off := int64(0)
	okSend := append(failedPoll,
		history.Op{Index: 2, Time: 3, Type: history.Invoke, Process: 1, F: history.FSend, Key: "k", Msg: 1},
		history.Op{Index: 3, Time: 4, Type: history.OK, Process: 1, F: history.FSend, Key: "k", Msg: 1, Offset: &off})
	if nothingToJudge(checker.Check(okSend, checker.Options{}), okSend) {
		t.Fatal("a history with an ok send was left unjudged")
	}
	other := r
	other.Workload.ErrorTypes = append([]string{"lost-write"}, r.Workload.ErrorTypes...)
	if nothingToJudge(other, failedPoll) {
		t.Fatal("another anomaly was left unjudged")
	}
}
