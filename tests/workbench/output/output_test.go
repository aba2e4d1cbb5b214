package output

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"

	"zabkafka/tests/workbench/history"
)

func off(o int64) *int64 { return &o }

// sample is a small history with every op kind and one partition.
func sample() history.History {
	ms := int64(time.Millisecond)
	h := history.History{
		{Time: 0, Type: history.Info, Process: history.NemesisProcess, F: history.FStartPartition, Value: "majority"},
		{Time: 1 * ms, Type: history.Info, Process: history.NemesisProcess, F: history.FStartPartition, Value: map[string][]string{"n0": {"n1", "n2"}}},
		{Time: 2 * ms, Type: history.Invoke, Process: 0, F: history.FSend, Key: "9", Msg: 3},
		{Time: 5 * ms, Type: history.OK, Process: 0, F: history.FSend, Key: "9", Msg: 3, Offset: off(2)},
		{Time: 6 * ms, Type: history.Invoke, Process: 1, F: history.FPoll},
		{Time: 9 * ms, Type: history.OK, Process: 1, F: history.FPoll, Polls: map[string][]history.Pair{"9": {{Offset: 0, Msg: 1}, {Offset: 1, Msg: 2}}}},
		{Time: 10 * ms, Type: history.Invoke, Process: 2, F: history.FAssign, Keys: []string{"9", "4"}, Unseen: map[string]history.Unseen{"9": {Polled: -1, Sent: 2}}},
		{Time: 11 * ms, Type: history.Info, Process: history.NemesisProcess, F: history.FStopPartition},
		{Time: 12 * ms, Type: history.Info, Process: history.NemesisProcess, F: history.FStopPartition, Value: "network-healed"},
		{Time: 13 * ms, Type: history.Fail, Process: 2, F: history.FAssign, Keys: []string{"9", "4"}, Error: "net-timeout"},
		{Time: 14 * ms, Type: history.Invoke, Process: 3, F: history.FCrash},
		{Time: 14 * ms, Type: history.Info, Process: 3, F: history.FCrash},
	}
	for i := range h {
		h[i].Index = i
	}
	return h
}

func TestHistoryText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHistoryText(&b, sample()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"0.000000\t:nemesis\t:info\t:start-partition\t:majority",
		"0.001000\t:nemesis\t:info\t:start-partition\t{\"n0\" #{\"n1\" \"n2\"}}",
		"0.002000\t0\t:invoke\t:send\t[[:send \"9\" 3]]",
		"0.005000\t0\t:ok\t:send\t[[:send \"9\" [2 3]]]",
		"0.006000\t1\t:invoke\t:poll\t[[:poll]]",
		"0.009000\t1\t:ok\t:poll\t[[:poll {\"9\" [[0 1] [1 2]]}]]",
		"0.010000\t2\t:invoke\t:assign\t[\"9\" \"4\"] :unseen {\"9\" {:polled -1 :sent 2}}",
		"0.011000\t:nemesis\t:info\t:stop-partition\tnil",
		"0.012000\t:nemesis\t:info\t:stop-partition\t:network-healed",
		"0.013000\t2\t:fail\t:assign\t[\"9\" \"4\"]\tnet-timeout",
		"0.014000\t3\t:invoke\t:crash\tnil",
		"0.014000\t3\t:info\t:crash\tnil",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want[i])
		}
	}
}

func TestFaultWindowsAndLatencies(t *testing.T) {
	h := sample()
	parts := FaultWindows(h)
	if len(parts) != 1 || parts[0].Kind != KindPartition || parts[0].Start != 0 || parts[0].End != 12*time.Millisecond {
		t.Fatalf("windows %v, want one partition from 0 to 12ms", parts)
	}
	lat := Latencies(h)
	if len(lat) != 4 {
		t.Fatalf("latencies %v, want 4 (send, poll, assign, crash)", lat)
	}
	if lat[0].F != history.FSend || lat[0].Latency != 3*time.Millisecond || lat[0].Invoked != 2*time.Millisecond {
		t.Fatalf("send latency %+v", lat[0])
	}
	// An unterminated partition runs to the end of the history.
	open := h[:5]
	if p := FaultWindows(open); len(p) != 1 || p[0].End != 6*time.Millisecond {
		t.Fatalf("open partition %v", p)
	}
}

// Kill and pause windows run from the fault's invocation to the repair's
// completion; they overlap each other and partitions; the invocation of a
// repair (value "all") does not end a window.
func TestKillAndPauseWindows(t *testing.T) {
	ms := int64(time.Millisecond)
	nem := func(at int64, f string, v any) history.Op {
		return history.Op{Time: at * ms, Type: history.Info, Process: history.NemesisProcess, F: f, Value: v}
	}
	h := history.History{
		nem(1, history.FKill, "minority"),
		nem(2, history.FKill, []string{"n0", "n3"}),
		nem(3, history.FStartPartition, "one"),
		nem(4, history.FStartPartition, map[string][]string{"n1": {"n2"}}),
		nem(5, history.FPause, "one"),
		nem(6, history.FPause, []string{"n4"}),
		nem(7, history.FStart, "all"),
		nem(9, history.FStart, []string{"n0", "n3"}),
		nem(10, history.FResume, "all"),
		nem(11, history.FResume, []string{}),
		nem(12, history.FKill, "all"),
		nem(13, history.FKill, []string{"n0", "n1", "n2", "n3", "n4"}),
	}
	got := FaultWindows(h)
	want := []Window{
		{KindKill, Interval{1 * time.Millisecond, 9 * time.Millisecond}},
		{KindPause, Interval{5 * time.Millisecond, 11 * time.Millisecond}},
		{KindPartition, Interval{3 * time.Millisecond, 13 * time.Millisecond}},
		{KindKill, Interval{12 * time.Millisecond, 13 * time.Millisecond}},
	}
	if len(got) != len(want) {
		t.Fatalf("windows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("window %d: %v, want %v", i, got[i], want[i])
		}
	}
	var b bytes.Buffer
	if err := WriteHistoryText(&b, h[:2]); err != nil {
		t.Fatal(err)
	}
	if want := "0.002000\t:nemesis\t:info\t:kill\t[\"n0\" \"n3\"]"; !strings.Contains(b.String(), want) {
		t.Fatalf("history.txt:\n%s\nlacks %q", b.String(), want)
	}
	s, err := NewStore(t.TempDir(), "kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WritePlots(h, nil); err != nil {
		t.Fatal(err)
	}
}

func TestStoreLayoutAndFiles(t *testing.T) {
	root := t.TempDir()
	start := time.Date(2024, 12, 4, 10, 15, 30, 123e6, time.FixedZone("", -6*3600))
	s, err := NewStore(root, "kafka", start)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "kafka", "20241204T101530.123-0600"); s.Dir != want {
		t.Fatalf("dir %s, want %s", s.Dir, want)
	}
	for _, link := range []string{"latest", "current", "kafka/latest"} {
		got, err := filepath.EvalSymlinks(filepath.Join(root, link))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.EvalSymlinks(s.Dir)
		if got != want {
			t.Fatalf("%s -> %s, want %s", link, got, want)
		}
	}
	// A second run in the same millisecond gets its own folder and the
	// links move to it.
	s2, err := NewStore(root, "kafka", start)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Dir == s.Dir {
		t.Fatal("two runs share a folder")
	}
	if got, _ := filepath.EvalSymlinks(filepath.Join(root, "latest")); got != mustEval(t, s2.Dir) {
		t.Fatalf("latest -> %s, want the newer run", got)
	}

	h := sample()
	if err := s.WriteHistory(h); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(s.Path("history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := history.ReadJSONL(f)
	if err != nil || len(back) != len(h) {
		t.Fatalf("history.jsonl round trip: %d ops, %v", len(back), err)
	}
	if err := s.WritePlots(h, []LagPoint{{Time: 0.006, Lag: 0.5}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"latency.png", "throughput.png", "realtime-lag.png", "history.txt"} {
		b, err := os.ReadFile(s.Path(name))
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v (%d bytes)", name, err, len(b))
		}
		if strings.HasSuffix(name, ".png") && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("%s is not a PNG", name)
		}
	}
}

func TestPlotsOfEmptyHistory(t *testing.T) {
	s, err := NewStore(t.TempDir(), "kafka", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WritePlots(nil, nil); err != nil {
		t.Fatalf("an empty run must still plot: %v", err)
	}
}

func TestThin(t *testing.T) {
	xys := make(plotter.XYs, 2*maxPoints+1)
	got, k := thin(xys)
	if k != 3 || len(got) > maxPoints {
		t.Fatalf("thinned %d points to %d with stride %d", len(xys), len(got), k)
	}
	if got, k := thin(xys[:10]); len(got) != 10 || k != 1 {
		t.Fatal("small series must be kept whole")
	}
}

func mustEval(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
