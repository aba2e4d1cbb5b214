package checker

import (
	"encoding/json"
	"strings"
	"testing"

	"zabkafka/tests/workbench/history"
)

func TestMergeValidity(t *testing.T) {
	cases := []struct {
		in   []Validity
		want Validity
	}{
		{nil, Valid},
		{[]Validity{Valid, Valid}, Valid},
		{[]Validity{Valid, Unknown}, Unknown},
		{[]Validity{Unknown, Invalid, Valid}, Invalid},
		{[]Validity{Invalid, Unknown}, Invalid},
	}
	for _, c := range cases {
		if got := Merge(c.in...); got != c.want {
			t.Errorf("Merge(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestValidityJSON(t *testing.T) {
	for _, v := range []Validity{Valid, Invalid, Unknown} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Validity
		if err := json.Unmarshal(b, &back); err != nil || back != v {
			t.Fatalf("%s -> %s -> %s (%v)", v, b, back, err)
		}
	}
	var v Validity
	if err := json.Unmarshal([]byte(`"maybe"`), &v); err == nil {
		t.Fatal("accepted a bad string")
	}
	if err := json.Unmarshal([]byte(`3`), &v); err == nil {
		t.Fatal("accepted a number")
	}
	assertEqual(t, "verdicts", []string{Valid.Verdict(), Invalid.Verdict(), Unknown.Verdict()},
		[]string{VerdictValid, VerdictInvalid, VerdictUnknown})
}

func TestAllowedErrorTypes(t *testing.T) {
	for _, ty := range []string{TypeIntSendSkip, "G0", "G0-process", "G0-realtime", "PL-1-cycle-exists", "strong-PL-1-cycle-exists"} {
		if !IsAllowedErrorType(ty) {
			t.Errorf("%s should be allowed", ty)
		}
	}
	// Without subscribe and ww-deps, these stay bad (J:kafka.clj allowed-error-types).
	for _, ty := range []string{TypePollSkip, TypeNonmonotonicPoll, TypeG1cRealtime, TypeStrongPL2CycleExists, TypeUnseen, TypeEmptyTransactionGraph} {
		if IsAllowedErrorType(ty) {
			t.Errorf("%s should be bad", ty)
		}
	}
}

// The cases where Jepsen's analysis throws yield an unknown workload.
func TestAnalysisThrowsGiveUnknown(t *testing.T) {
	t.Run("lost-write bound -1", func(t *testing.T) {
		// A key ok polls only ever returned as an empty list.
		b := newHB()
		b.poll(0, polls{"x": {}})
		r := Check(b.h, Options{})
		if r.Workload.Valid != Unknown || !strings.Contains(r.Workload.Error, "bound is -1") {
			t.Fatalf("workload %s %q", r.Workload.Valid, r.Workload.Error)
		}
		if r.Valid != Unknown || r.Verdict() != VerdictUnknown {
			t.Fatalf("overall %s", r.Valid)
		}
	})
	t.Run("no writer of a read value", func(t *testing.T) {
		b := newHB()
		b.send(0, "x", 0, 1)
		b.poll(1, polls{"x": pairs(0, 1), "y": pairs(0, 1)})
		r := Check(b.h, Options{})
		if r.Workload.Valid != Unknown || !strings.Contains(r.Workload.Error, "no-writer-of-value") {
			t.Fatalf("workload %s %q", r.Workload.Valid, r.Workload.Error)
		}
		js, _ := json.Marshal(r.Workload)
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m["valid?"] != "unknown" || m["error"] == "" {
			t.Fatalf("unknown workload JSON = %s", js)
		}
	})
	t.Run("an invalid section still wins", func(t *testing.T) {
		b := newHB()
		b.poll(0, polls{"x": {}})
		b.add(history.Op{Type: history.Invoke, Process: 1, F: history.FSend, Key: "y", Msg: 1})
		b.add(history.Op{Type: history.Fail, Process: 1, F: history.FSend, Key: "y", Msg: 1})
		r := Check(b.h, Options{})
		if r.Workload.Valid != Unknown || r.Stats.Valid != Invalid || r.Valid != Invalid {
			t.Fatalf("workload %s stats %s overall %s", r.Workload.Valid, r.Stats.Valid, r.Valid)
		}
	})
}

func TestInfoTxnCauses(t *testing.T) {
	b := newHB()
	b.sendInv(0, "x", 1)
	b.sendEnd(0, history.Info, "x", 1, "net-timeout")
	b.pollInv(10)
	b.pollEnd(10, history.Info, "net-timeout")
	b.sendInv(1, "x", 2)
	b.sendEnd(1, history.Info, "x", 2, "crash: node n1 crashed")
	b.sendInv(2, "x", 3)
	b.sendEnd(2, history.Fail, "x", 3, "temporarily-unavailable: no leader") // fail: not a cause
	b.crash(3)                                                               // crash: not send/poll
	b.sendInv(11, "x", 4)
	b.sendEnd(11, history.Info, "x", 4, "")
	_, w := analyzeHistory(b.h)
	assertEqual(t, "causes", w.InfoTxnCauses, []string{"net-timeout", "crash: node n1 crashed", ""})
}

func TestStatsValidity(t *testing.T) {
	base := func() *hb {
		b := newHB()
		b.send(0, "x", 0, 1)
		b.poll(1, polls{"x": pairs(0, 1)})
		b.crash(2)
		return b
	}
	b := base()
	b.assign(3, history.Fail, "x")
	s := Check(b.h, Options{}).Stats
	if s.Valid != Invalid {
		t.Fatalf("an op name without ok must invalidate stats: %s", s.Valid)
	}
	assertEqual(t, "assign", s.ByF["assign"], FStats{Valid: false, Counts: Counts{Count: 1, FailCount: 1}})

	b = base()
	b.assign(3, history.OK, "x")
	s = Check(b.h, Options{}).Stats
	if s.Valid != Valid {
		t.Fatalf("crash never ok is excused: %s", s.Valid)
	}
	assertEqual(t, "totals", s.Counts, Counts{Count: 4, OKCount: 3, InfoCount: 1})
	assertEqual(t, "crash", s.ByF["crash"], FStats{Valid: false, Counts: Counts{Count: 1, InfoCount: 1}})
	assertEqual(t, "send", s.ByF["send"], FStats{Valid: true, Counts: Counts{Count: 1, OKCount: 1}})

	if s := Check(nil, Options{}).Stats; s.Valid != Valid || s.Count != 0 {
		t.Fatalf("empty history stats: %+v", s)
	}
}

func TestAvailability(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.poll(1, polls{"x": pairs(0, 1)})
	b.assign(2, history.OK, "x")
	b.crash(3)
	b.nemesis(history.FStartPartition, history.Info, "majority") // not an invocation
	cases := []struct {
		goal string
		want Validity
	}{
		{"", Valid}, {"total", Invalid}, {"0.75", Valid}, {"0.7", Valid}, {"0.8", Invalid}, {"most", Unknown},
	}
	for _, c := range cases {
		a := Check(b.h, Options{Availability: c.goal}).Availability
		if a.OKFraction != 0.75 || a.Valid != c.want {
			t.Errorf("goal %q: fraction %v valid %s, want 0.75 %s", c.goal, a.OKFraction, a.Valid, c.want)
		}
		if c.want == Unknown && a.Error == "" {
			t.Errorf("goal %q: no error text", c.goal)
		}
	}
	if a := Check(nil, Options{Availability: "total"}).Availability; a.OKFraction != 1 || a.Valid != Valid {
		t.Fatalf("no invocations: %+v", a)
	}
}

func TestNetMsgsPerOp(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.poll(1, polls{"x": pairs(0, 1)})
	b.assign(2, history.OK, "x")
	b.crash(3)
	b.nemesis(history.FStopPartition, history.Invoke, nil) // nemesis: not counted
	counts := NetCounts{
		All:     NetCount{SendCount: 110, RecvCount: 100, MsgCount: 110},
		Clients: NetCount{SendCount: 50, RecvCount: 50, MsgCount: 50},
		Servers: NetCount{SendCount: 60, RecvCount: 50, MsgCount: 60},
	}
	n := Check(b.h, Options{Net: &counts}).Net
	if n == nil || n.Valid != Valid {
		t.Fatalf("net = %+v", n)
	}
	if n.All.MsgsPerOp == nil || *n.All.MsgsPerOp != 27.5 || n.Servers.MsgsPerOp == nil || *n.Servers.MsgsPerOp != 15 {
		t.Fatalf("msgs-per-op all %v servers %v, want 27.5 and 15", n.All.MsgsPerOp, n.Servers.MsgsPerOp)
	}
	if n.Clients.MsgsPerOp != nil || n.All.RecvCount != 100 {
		t.Fatalf("clients %+v", n.Clients)
	}
	if n := Check(nil, Options{Net: &counts}).Net; n.All.MsgsPerOp != nil {
		t.Fatal("msgs-per-op without invocations")
	}
	if Check(b.h, Options{}).Net != nil {
		t.Fatal("net section without counts")
	}
}

func TestLatencyAndThroughput(t *testing.T) {
	b := newHB()
	for i := int64(0); i < 100; i++ {
		b.at(i*1e9).sendInv(0, "x", i+1)
		b.at(i*1e9+(i+1)*1e6).sendOK(0, "x", i, i+1)
	}
	b.at(100e9).pollInv(1)
	b.at(100e9+5e6).pollOK(1, polls{})
	b.at(101e9).pollInv(1)
	b.at(102e9).pollEnd(1, history.Info, "net-timeout")
	r := Check(b.h, Options{})
	assertEqual(t, "send", r.Performance.Latency["send"], LatencySummary{Count: 100, P50: 50, P95: 95, P99: 99, Max: 100})
	assertEqual(t, "poll", r.Performance.Latency["poll"], LatencySummary{Count: 1, P50: 5, P95: 5, P99: 5, Max: 5})
	if got := len(r.Series.Latencies); got != 102 {
		t.Fatalf("latency points = %d, want 102 (every completion)", got)
	}
	tp := r.Performance.Throughput
	if tp.Invocations != 102 || tp.OKs != 101 || tp.Seconds != 102 || tp.OpsPerSec != 1 {
		t.Fatalf("throughput %+v", tp)
	}
}

func TestResultJSONKeys(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.send(0, "x", 1, 2)
	b.poll(1, polls{"x": pairs(1, 2)})
	r := Check(b.h, Options{Net: &NetCounts{}})
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(js, &top); err != nil {
		t.Fatal(err)
	}
	if top["valid?"] != false {
		t.Fatalf("top valid? = %v", top["valid?"])
	}
	s := string(js)
	for _, k := range []string{`"valid?":false`, `"worst-realtime-lag":{`, `"bad-error-types":["lost-write","unseen"]`,
		`"error-types":["lost-write","unseen"]`, `"unseen":{"time":5,"unseen":{"x":1},"messages":{"x":[1]}}`, `"info-txn-causes":[]`, `"lost-write":{"count":1,"errs":[{`,
		`"max-read-index":1`, `"ok-fraction":1`, `"by-f":{`, `"ok-count":`, `"msgs-per-op":0`,
		`"stats":{`, `"availability":{`, `"net":{`, `"workload":{`, `"p50-ms":`, `"fault-windows":{`} {
		if !strings.Contains(s, k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
	if strings.Contains(s, "Series") || strings.Contains(s, "RealtimeLag") {
		t.Error("plot series leaked into the JSON")
	}
}

func TestWorstLagJSONInSeconds(t *testing.T) {
	w := WorkloadResult{Valid: Valid, WorstRealtimeLag: &LagPoint{Time: 12_300_000_000, Process: 7, Key: "41", Lag: 810_000_000}}
	js, _ := json.Marshal(w)
	if !strings.Contains(string(js), `"worst-realtime-lag":{"key":"41","lag":0.81,"process":7,"time":12.3}`) {
		t.Fatalf("got %s", js)
	}
	js, _ = json.Marshal(WorkloadResult{Valid: Valid})
	if !strings.Contains(string(js), `"worst-realtime-lag":{"lag":0,"time":0}`) {
		t.Fatalf("no lag: got %s", js)
	}
}

func TestSummary(t *testing.T) {
	b := newHB()
	b.send(0, "x", 0, 1)
	b.send(0, "x", 1, 2)
	b.poll(1, polls{"x": pairs(1, 2)})
	r := Check(b.h, Options{Net: &NetCounts{All: NetCount{MsgCount: 9}}})
	s := r.Summary()
	for _, want := range []string{"workload: valid? false", "lost-write:", "(bad)", "stats: valid? true",
		"availability: valid? true", "net: all 9 msgs (3.0000 per op)", "latency send", "throughput:", VerdictInvalid} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, VerdictInvalid+"\n") {
		t.Errorf("summary must end with the verdict:\n%s", s)
	}
	b = newHB()
	b.poll(0, polls{"x": {}})
	if s := Check(b.h, Options{}).Summary(); !strings.Contains(s, "analysis error:") || !strings.Contains(s, VerdictUnknown) {
		t.Errorf("unknown summary:\n%s", s)
	}
}
