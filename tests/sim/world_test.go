package sim

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"zabkafka/zab"
)

func newWorld(t *testing.T, cfg Config) *World {
	t.Helper()
	cfg.KeepTrace = true
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func stableLeader(t *testing.T, w *World) zab.PeerID {
	t.Helper()
	if !w.RunUntilCond(400*w.TickEvery(), w.Stable) {
		t.Fatalf("no stable leader: %s", w.describeRoles())
	}
	l, _ := w.Leader()
	return l
}

func TestPartitionDropsEveryCrossingMessage(t *testing.T) {
	w := newWorld(t, Config{Seed: 3, Peers: 3})
	stableLeader(t, w)
	w.Partition([]zab.PeerID{1}, []zab.PeerID{2, 3})
	from := w.Now()
	w.RunTicks(30)
	for _, e := range w.Trace.Events() {
		if e.Time > from && e.Kind == KindDeliver && (e.From == 1) != (e.To == 1) {
			t.Fatalf("message crossed the partition: %v", e)
		}
	}
	w.Heal()
	if !w.RunUntilCond(400*w.TickEvery(), w.Stable) {
		t.Fatalf("no leader after heal: %s", w.describeRoles())
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestIsolateCutsOnePeerOff(t *testing.T) {
	w := newWorld(t, Config{Seed: 4, Peers: 3})
	stableLeader(t, w)
	w.Isolate(2)
	for _, o := range []zab.PeerID{1, 3} {
		if !w.Net.Blocked(2, o) || !w.Net.Blocked(o, 2) {
			t.Fatalf("link 2<->%d open after Isolate(2)", o)
		}
	}
	if w.Net.Blocked(1, 3) {
		t.Fatal("Isolate(2) blocked 1->3")
	}
}

func TestTotalLossDeliversNothing(t *testing.T) {
	w := newWorld(t, Config{Seed: 5, Peers: 3, Net: NetConfig{MinDelay: 1, MaxDelay: 5, Loss: 1}})
	w.RunTicks(50)
	if w.Net.Stats.Delivered != 0 || w.Net.Stats.Sent == 0 || w.Net.Stats.Dropped != w.Net.Stats.Sent {
		t.Fatalf("stats with loss 1: %+v", w.Net.Stats)
	}
	if _, ok := w.Leader(); ok {
		t.Fatal("a leader was elected with no message delivered")
	}
}

func TestDuplicationDeliversTwice(t *testing.T) {
	w := newWorld(t, Config{Seed: 6, Peers: 3, Net: NetConfig{MinDelay: 1, MaxDelay: 5, Dup: 1}})
	stableLeader(t, w)
	st := w.Net.Stats
	if st.Duplicated != st.Sent || st.Delivered != 2*st.Sent-inFlight(w) {
		t.Fatalf("stats with dup 1: %+v (in flight %d)", st, inFlight(w))
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
}

func inFlight(w *World) int {
	n := 0
	for _, e := range w.queue {
		if e.kind == evDeliver {
			n++
		}
	}
	return n
}

func TestDelaysStayInBoundsAndReorder(t *testing.T) {
	n := newNetwork(NetConfig{MinDelay: 3, MaxDelay: 9}, rand.New(rand.NewSource(1)), rand.New(rand.NewSource(2)))
	seen := map[int64]bool{}
	for i := 0; i < 1000; i++ {
		ds, _ := n.route(&zab.Message{From: 1, To: 2}, 0)
		if len(ds) != 1 || ds[0] < 3 || ds[0] > 9 {
			t.Fatalf("delays %v outside [3, 9]", ds)
		}
		seen[ds[0]] = true
	}
	if len(seen) != 7 {
		t.Fatalf("only delays %v drawn: no reordering", seen)
	}
}

func TestHoldThenReleaseDelivers(t *testing.T) {
	w := newWorld(t, Config{Seed: 7, Peers: 3})
	w.Net.HoldLink(3, 1)
	w.RunTicks(20)
	held := w.Net.HeldCount()
	if held == 0 {
		t.Fatal("nothing held on 3->1")
	}
	for _, e := range w.Trace.Events() {
		// Messages sent at start-up, before the hold, may still arrive.
		if e.Kind == KindDeliver && e.From == 3 && e.To == 1 && e.Time > w.Net.Config().MaxDelay {
			t.Fatalf("held link delivered %v", e)
		}
	}
	w.Release()
	if w.Net.HeldCount() != 0 {
		t.Fatal("messages still held after Release")
	}
	before := w.Net.Stats.Delivered
	w.RunTicks(2)
	if w.Net.Stats.Delivered <= before {
		t.Fatal("released messages were not delivered")
	}
}

func TestFilterDropsAndDuplicates(t *testing.T) {
	w := newWorld(t, Config{Seed: 8, Peers: 3})
	before := w.Net.Stats
	votes, others := 0, 0
	w.Net.Filter = func(m *zab.Message) Verdict {
		if m.Type == zab.MsgVote {
			votes++
			return Drop
		}
		others++
		return Duplicate
	}
	w.RunTicks(50)
	st := w.Net.Stats
	if votes == 0 || st.Dropped-before.Dropped != votes || st.Duplicated-before.Duplicated != others {
		t.Fatalf("filtered %d votes and %d others; stats went from %+v to %+v", votes, others, before, st)
	}
}

// TestCrashAfterAppendLosesUnsyncedEntry: the leader crashes between its
// append and its sync; its disk does not have the entry after the
// restart. Its proposal had already left (zab Ready.SendFirst), so the
// followers' copies decide: both logged it, they are a quorum, and the
// entry is committed once, from them.
func TestCrashAfterAppendLosesUnsyncedEntry(t *testing.T) {
	w := newWorld(t, Config{Seed: 9, Peers: 3})
	l := stableLeader(t, w)
	crashed := false
	w.CrashHook = func(p zab.PeerID, at CrashPoint, rd *zab.Ready) bool {
		if p == l && at == CrashAfterAppend && len(rd.Append) > 0 && !crashed {
			crashed = true
			return true
		}
		return false
	}
	z, err := w.Propose(l, []byte("lost"))
	if err != nil || !crashed || w.Up(l) {
		t.Fatalf("propose %v %v, crashed %v, up %v", z, err, crashed, w.Up(l))
	}
	if got := zab.Zxid(w.Disk(l).Reopen().LastZxid()); got >= z {
		t.Fatalf("disk kept %v after a crash before its sync", got)
	}
	if err := w.Restart(l); err != nil {
		t.Fatal(err)
	}
	w.CrashHook = nil
	w.RunUntilCond(400*w.TickEvery(), w.Stable)
	if got := w.Checker.Committed(); len(got) != 1 || got[0].Zxid != z {
		t.Fatalf("committed %v, want the entry %v from the followers' copies", got, z)
	}
	if err := w.CheckEnd(); err != nil {
		t.Fatal(err)
	}
}

// TestCrashPointsAreOffered: during ordinary elections, broadcasts and a
// lagging follower's sync, the hook is asked at every point whose step the
// Ready has.
func TestCrashPointsAreOffered(t *testing.T) {
	w := newWorld(t, Config{Seed: 10, Peers: 3})
	offered := map[CrashPoint]bool{}
	w.CrashHook = func(_ zab.PeerID, at CrashPoint, _ *zab.Ready) bool {
		offered[at] = true
		return false
	}
	l := stableLeader(t, w)
	for i := 0; i < 5; i++ {
		_, _ = w.Propose(l, []byte{byte(i)})
	}
	w.RunTicks(10)
	for _, at := range []CrashPoint{CrashBeforePersist, CrashAfterAppend, CrashAfterSync, CrashAfterEpochs, CrashMidSend, CrashAfterSend, CrashAfterApply} {
		if !offered[at] {
			t.Errorf("crash point %v never offered", at)
		}
	}
}

// TestRestartRestoresSnapshotState: with snapshots on, a restarted peer's
// state machine starts from its durable snapshot, and the checker accepts
// that prefix as delivered.
func TestRestartRestoresSnapshotState(t *testing.T) {
	w := newWorld(t, Config{Seed: 11, Peers: 3, SnapshotEvery: 4, RetainEntries: 2})
	l := stableLeader(t, w)
	for i := 0; i < 10; i++ {
		_, _ = w.Propose(l, []byte{'s', byte(i)})
	}
	w.RunTicks(10)
	f := zab.PeerID(1)
	if f == l {
		f = 2
	}
	snap, ok := w.Disk(f).Snapshot()
	if !ok {
		t.Fatal("no snapshot after 10 deliveries with SnapshotEvery 4")
	}
	if err := w.Crash(f); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(f); err != nil {
		t.Fatal(err)
	}
	got := w.Delivered(f)
	if len(got) == 0 || uint64(got[len(got)-1].Zxid) != snap.Zxid {
		t.Fatalf("restarted state ends at %v, snapshot is at %#x", got, snap.Zxid)
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartAndCrashErrors(t *testing.T) {
	w := newWorld(t, Config{Seed: 12, Peers: 3})
	if err := w.Restart(1); err == nil {
		t.Fatal("Restart of a running peer succeeded")
	}
	if err := w.Restart(9); err == nil {
		t.Fatal("Restart of an unknown peer succeeded")
	}
	if err := w.Crash(1); err != nil {
		t.Fatal(err)
	}
	if err := w.Crash(1); err != ErrDown {
		t.Fatalf("second Crash: %v, want ErrDown", err)
	}
	if _, err := w.Propose(1, nil); err != ErrDown {
		t.Fatalf("Propose on a crashed peer: %v, want ErrDown", err)
	}
	if _, ok := w.Status(1); ok {
		t.Fatal("Status of a crashed peer reported ok")
	}
}

func TestAppSnapshotRoundTrip(t *testing.T) {
	var a App
	for i := 1; i <= 5; i++ {
		a.Apply(zab.Txn{Zxid: zab.MakeZxid(2, uint32(i)), Data: []byte(strings.Repeat("v", i))})
	}
	a.Apply(zab.Txn{Zxid: zab.MakeZxid(3, 1)}) // empty payload
	var b App
	if err := b.Restore(a.Snapshot()); err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(a.Txns(), b.Txns(), func(x, y zab.Txn) bool { return x.Zxid == y.Zxid && bytes.Equal(x.Data, y.Data) }) {
		t.Fatalf("round trip changed the state: %v -> %v", a.Txns(), b.Txns())
	}
	if b.Last() != zab.MakeZxid(3, 1) {
		t.Fatalf("Last %v", b.Last())
	}
}

// TestDecodeSnapshotRejectsGarbage: truncations, trailing bytes and random
// input are errors, never panics. Seeded; the seed is printed.
func TestDecodeSnapshotRejectsGarbage(t *testing.T) {
	var a App
	a.Apply(zab.Txn{Zxid: 7, Data: []byte("abc")})
	good := a.Snapshot()
	for i := 0; i < len(good); i++ {
		if _, err := DecodeSnapshot(good[:i]); err == nil {
			t.Fatalf("truncated snapshot of %d bytes decoded", i)
		}
	}
	if _, err := DecodeSnapshot(append(slices.Clone(good), 0)); err == nil {
		t.Fatal("snapshot with a trailing byte decoded")
	}
	const seed = 42
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.Intn(40))
		r.Read(b)
		_, _ = DecodeSnapshot(b) // must not panic
	}
}

func TestRecorderKeepsTailAndHashesAll(t *testing.T) {
	r := NewRecorder(false)
	for i := 0; i < 1000; i++ {
		r.Record(Event{Time: int64(i), Kind: KindCommit, Peer: 1, Zxid: zab.Zxid(i)})
	}
	evs := r.Events()
	if len(evs) != tailSize || evs[0].Time != 1000-tailSize || evs[len(evs)-1].Time != 999 {
		t.Fatalf("tail: %d events from %d to %d", len(evs), evs[0].Time, evs[len(evs)-1].Time)
	}
	if r.Count() != 1000 {
		t.Fatalf("count %d", r.Count())
	}
	all := NewRecorder(true)
	for i := 0; i < 1000; i++ {
		all.Record(Event{Time: int64(i), Kind: KindCommit, Peer: 1, Zxid: zab.Zxid(i)})
	}
	if all.Hash() != r.Hash() || len(all.Events()) != 1000 {
		t.Fatal("keeping every event changed the hash or lost events")
	}
	other := NewRecorder(false)
	other.Record(Event{Time: 0, Kind: KindCommit, Peer: 2})
	if other.Hash() == NewRecorder(false).Hash() {
		t.Fatal("recording an event did not change the hash")
	}
	var buf bytes.Buffer
	if err := all.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	var e Event
	line, _, _ := bytes.Cut(buf.Bytes(), []byte("\n"))
	if err := json.Unmarshal(line, &struct {
		Kind string `json:"kind"`
		*Event
	}{Event: &e}); err != nil || e.Peer != 1 {
		t.Fatalf("first JSON line %q: %v", line, err)
	}
	buf.Reset()
	if err := all.WriteText(&buf); err != nil || strings.Count(buf.String(), "\n") != 1000 {
		t.Fatalf("text trace: %v, %d lines", err, strings.Count(buf.String(), "\n"))
	}
}

func TestEventStrings(t *testing.T) {
	for _, e := range []Event{
		{Kind: KindDeliver, From: 1, To: 2, Type: zab.MsgProposal, Zxid: zab.MakeZxid(1, 2), Epoch: 1},
		{Kind: KindRole, Peer: 3, Role: zab.RoleLeading, Phase: zab.PhaseBroadcast, Leader: 3, Epoch: 1},
		{Kind: KindNetwork, Note: "heal"},
		{Kind: KindCrash, Peer: 2, Note: CrashAfterSync.String()},
	} {
		if s := e.String(); s == "" || strings.Contains(s, "unknown") {
			t.Errorf("Event.String() = %q", s)
		}
	}
	if EventKind(99).String() != "unknown" || CrashPoint(99).String() != "unknown-crash-point" {
		t.Error("out-of-range names")
	}
}
