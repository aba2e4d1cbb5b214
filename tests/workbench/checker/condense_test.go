package checker

import (
	"encoding/json"
	"strings"
	"testing"
)

// Condensing keeps the most telling errors per type (J:kafka.clj
// condense-error).
func TestCondense(t *testing.T) {
	var a Anomalies
	for d := 2; d < 14; d++ {
		a.PollSkip = append(a.PollSkip, Skip{Key: "x", Delta: d})
		a.NonmonotonicPoll = append(a.NonmonotonicPoll, Nonmonotonic{Key: "x", Delta: 1 - d})
	}
	for i := 0; i < 40; i++ {
		a.Duplicate = append(a.Duplicate, Duplicate{Key: "x", Value: int64(i), Count: 41 - i})
		a.LostWrite = append(a.LostWrite, LostWrite{Key: "x", Value: int64(i)})
	}
	for i := 0; i < 10; i++ {
		a.G1cRealtime = append(a.G1cRealtime, Cycle{Type: TypeG1cRealtime, Steps: make([]Step, 12-i)})
	}
	long := make([]int64, 40)
	for i := range long {
		long[i] = int64(i)
	}
	a.Unseen = &Unseen{Time: 1, Counts: map[string]int{"x": 40}, Messages: map[string][]int64{"x": long}}
	a.EmptyTransactionGraph = true
	c := a.Condensed()

	skips := c[TypePollSkip].(ErrorGroup)
	if skips.Count != 12 || len(skips.Errs.([]Skip)) != 8 || skips.Errs.([]Skip)[0].Delta != 6 {
		t.Fatalf("poll-skip keeps the 8 largest deltas: %+v", skips)
	}
	nm := c[TypeNonmonotonicPoll].(ErrorGroup).Errs.([]Nonmonotonic)
	if len(nm) != 8 || nm[0].Delta != -12 || nm[7].Delta != -5 {
		t.Fatalf("nonmonotonic keeps the 8 most negative: %+v", nm)
	}
	dups := c[TypeDuplicate].(ErrorGroup)
	if dups.Count != 40 || len(dups.Errs.([]Duplicate)) != 32 || dups.Errs.([]Duplicate)[0].Count != 2 {
		t.Fatalf("duplicate keeps 32, lowest count first: %+v", dups.Errs)
	}
	if lw := c[TypeLostWrite].(ErrorGroup); lw.Count != 40 || len(lw.Errs.([]LostWrite)) != 40 {
		t.Fatal("lost-write keeps everything")
	}
	cyc := c[TypeG1cRealtime].(ErrorGroup).Errs.([]Cycle)
	if len(cyc) != 8 || len(cyc[0].Steps) != 3 {
		t.Fatalf("cycles keep the 8 shortest: first has %d steps", len(cyc[0].Steps))
	}
	if u := c[TypeUnseen].(Unseen); len(u.Messages["x"]) != 32 || u.Counts["x"] != 40 {
		t.Fatalf("unseen keeps 32 messages per key: %+v", u)
	}
	if len(a.Unseen.Messages["x"]) != 40 {
		t.Fatal("condensing must not modify the anomalies")
	}
	js, _ := json.Marshal(c[TypeEmptyTransactionGraph])
	if string(js) != `{"count":1,"errs":true}` {
		t.Fatalf("empty-transaction-graph = %s", js)
	}
}

func TestStepJSON(t *testing.T) {
	js, _ := json.Marshal([]Step{{Type: "wr", Key: "x", Value: 0}, {Type: "realtime", A: 1, B: 2}})
	if string(js) != `[{"type":"wr","key":"x","value":0},{"type":"realtime","a":1,"b":2}]` {
		t.Fatalf("steps = %s", js)
	}
	if !strings.Contains(string(js), `"value":0`) {
		t.Fatal("a zero value must still be printed")
	}
}
