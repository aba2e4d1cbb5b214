package sim

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"zabkafka/zab"
)

// TestLateCopyArrivesAfterReceiverRestart: the replay pool keeps copies
// of what the leader sent a follower; after the follower crashed and
// restarted, FlushLate delivers them to the new incarnation, oldest
// first, marked late in the trace.
func TestLateCopyArrivesAfterReceiverRestart(t *testing.T) {
	w := newWorld(t, Config{Seed: 11, Peers: 3, Net: NetConfig{MinDelay: 1, MaxDelay: 10, Replay: 4}})
	l := stableLeader(t, w)
	f := zab.PeerID(1)
	if f == l {
		f = 2
	}
	if w.Net.PoolSize() == 0 {
		t.Fatal("the replay pool is empty after an election")
	}
	if err := w.Crash(f); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(f); err != nil {
		t.Fatal(err)
	}
	restartedAt := w.Now()
	w.FlushLate(l, f, 1)
	w.RunTicks(5)
	var late []Event
	for _, e := range w.Trace.Events() {
		if e.Kind == KindDeliver && e.Time > restartedAt && strings.HasPrefix(e.Note, "late") {
			if e.From != l || e.To != f {
				t.Fatalf("flushed a copy of another link: %v", e)
			}
			late = append(late, e)
		}
	}
	if len(late) == 0 {
		t.Fatal("no late copy reached the restarted follower")
	}
	sent := func(e Event) (at int64) {
		fmt.Sscanf(e.Note, "late, sent at t=%d", &at)
		return at
	}
	if !slices.IsSortedFunc(late, func(a, b Event) int { return int(sent(a) - sent(b)) }) {
		t.Fatalf("flushed copies out of send order: %v", late)
	}
	if w.Net.Stats.Replayed < len(late) {
		t.Fatalf("stats %+v count fewer replays than %d late deliveries", w.Net.Stats, len(late))
	}
}

// TestLateOnlyMessagesWaitForRelease: with Late 1 nothing arrives on time;
// releases deliver pooled copies, some of them more than once over time.
func TestLateOnlyMessagesWaitForRelease(t *testing.T) {
	w := newWorld(t, Config{Seed: 12, Peers: 3, Net: NetConfig{MinDelay: 1, MaxDelay: 5, Replay: 2, Late: 1}})
	w.RunTicks(20)
	st := w.Net.Stats
	if st.Delivered != 0 || st.Late != st.Sent || st.Sent == 0 {
		t.Fatalf("stats with late 1: %+v", st)
	}
	for range 30 {
		w.ReleaseLate(3, 5)
		w.RunTicks(1)
	}
	if w.Net.Stats.Delivered == 0 || w.Net.Stats.Replayed < 30 {
		t.Fatalf("releases delivered nothing: %+v", w.Net.Stats)
	}
	w.ReleaseAllLate(5)
	if w.Net.PoolSize() != 0 || w.Net.Config().Replay != 0 {
		t.Fatalf("ReleaseAllLate left %d copies, replay %d", w.Net.PoolSize(), w.Net.Config().Replay)
	}
}

// TestReplayPoolIsBoundedPerSlot: however many messages a link carries,
// each (link, type) slot keeps at most Replay copies, and a full slot
// still takes new copies in (so recent messages are always there).
func TestReplayPoolIsBoundedPerSlot(t *testing.T) {
	n := newNetwork(NetConfig{MinDelay: 1, MaxDelay: 1, Replay: 3}, rand.New(rand.NewSource(1)), rand.New(rand.NewSource(2)))
	for i := range 1000 {
		n.route(&zab.Message{From: 1, To: 2, Type: zab.MsgPing, Zxid: zab.Zxid(i + 1)}, int64(i))
		n.route(&zab.Message{From: 2, To: 1, Type: zab.MsgAck, Zxid: zab.Zxid(i + 1)}, int64(i))
	}
	if got := n.PoolSize(); got != 6 {
		t.Fatalf("pool holds %d copies, want 2 slots of 3", got)
	}
	newest := false
	for _, c := range n.pool[poolKey{1, 2, zab.MsgPing}] {
		newest = newest || c.msg.Zxid == 1000
	}
	if !newest {
		t.Fatal("the newest message is not in its full slot")
	}
	// A copy may be handed out again: over many picks, some copy comes
	// back twice.
	seen := map[uint64]bool{}
	again := false
	for range 20 {
		for _, c := range n.pickLate(1) {
			again = again || seen[c.seq]
			seen[c.seq] = true
		}
	}
	if !again {
		t.Fatal("no pooled copy was delivered more than once")
	}
}

// TestCutOneWayBlocksOneDirection: after CutOneWay(l, f), f hears nothing
// from l while l still hears f.
func TestCutOneWayBlocksOneDirection(t *testing.T) {
	w := newWorld(t, Config{Seed: 13, Peers: 3})
	l := stableLeader(t, w)
	f := zab.PeerID(1)
	if f == l {
		f = 2
	}
	w.CutOneWay(l, f)
	from := w.Now() + w.Net.Config().MaxDelay
	w.RunTicks(8)
	heard := false
	for _, e := range w.Trace.Events() {
		if e.Kind != KindDeliver || e.Time <= from {
			continue
		}
		if e.From == l && e.To == f {
			t.Fatalf("the cut link delivered %v", e)
		}
		heard = heard || (e.From == f && e.To == l)
	}
	if !heard {
		t.Fatal("the open direction delivered nothing")
	}
	if !w.Net.Blocked(l, f) || w.Net.Blocked(f, l) {
		t.Fatal("CutOneWay blocked the wrong direction")
	}
}

// TestPartialCrashKeepsAPrefix: with Disk.PartialCrash, a leader crashing
// between its append of three entries and their sync keeps a drawn
// prefix of them; across seeds every length from none to all turns up,
// and the disk always matches the note in the trace.
func TestPartialCrashKeepsAPrefix(t *testing.T) {
	kept := map[int]bool{}
	for seed := int64(1); seed <= 30 && len(kept) < 4; seed++ {
		w := newWorld(t, Config{Seed: seed, Peers: 3, Disk: DiskConfig{PartialCrash: true, Torn: 0.3}})
		l := stableLeader(t, w)
		var appended []zab.Zxid
		w.CrashHook = func(p zab.PeerID, at CrashPoint, rd *zab.Ready) bool {
			if p == l && at == CrashAfterAppend && len(rd.Append) == 3 {
				for _, t := range rd.Append {
					appended = append(appended, t.Zxid)
				}
				return true
			}
			return false
		}
		before := zab.Zxid(w.Disk(l).DurableLastZxid())
		for range 3 {
			n := w.node(l)
			if _, err := n.peer.Propose([]byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		w.drain(w.node(l))
		if appended == nil {
			t.Fatalf("seed %d: the three proposals did not go into one Ready", seed)
		}
		evs := w.Trace.Events()
		note := evs[len(evs)-1].Note
		var k, of int
		if _, err := fmt.Sscanf(note[strings.Index(note, "kept"):], "kept %d of %d", &k, &of); err != nil || of != 3 {
			t.Fatalf("seed %d: crash note %q", seed, note)
		}
		last := zab.Zxid(w.Disk(l).DurableLastZxid())
		want := before
		if k > 0 {
			want = appended[k-1]
		}
		if last != want {
			t.Fatalf("seed %d: %q but the disk ends at %v, want %v", seed, note, last, want)
		}
		kept[k] = true
	}
	if len(kept) < 4 {
		t.Fatalf("kept only prefixes %v of 0..3 over 30 seeds", kept)
	}
}
