package sim

import (
	"testing"

	"zabkafka/zab"
)

// TestReleaseWhere parks every message a settled leader sends, releases
// only the PINGs to peer 1, and checks that exactly those are delivered
// while the rest stays parked until Release.
func TestReleaseWhere(t *testing.T) {
	w, err := New(Config{Seed: 1, Peers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !w.RunUntilCond(400*w.TickEvery(), w.Stable) {
		t.Fatal("no stable leader")
	}
	l, _ := w.Leader()
	w.Net.Filter = func(m *zab.Message) Verdict {
		if m.From == l {
			return Hold
		}
		return Pass
	}
	w.RunTicks(3)
	held := w.Net.HeldCount()
	if held == 0 {
		t.Fatal("nothing held")
	}
	isPingTo1 := func(m *zab.Message) bool { return m.Type == zab.MsgPing && m.To == 1 }
	var pings int
	for _, m := range w.Net.held {
		if isPingTo1(&m) {
			pings++
		}
	}
	if pings == 0 || pings == held {
		t.Fatalf("%d of %d held messages are PINGs to 1: the test needs some of each", pings, held)
	}
	w.Net.Filter = nil
	mark := w.Trace.Count()
	if got := w.ReleaseWhere(isPingTo1); got != pings {
		t.Fatalf("released %d, want %d", got, pings)
	}
	if w.Net.HeldCount() != held-pings {
		t.Fatalf("%d still held, want %d", w.Net.HeldCount(), held-pings)
	}
	// From now on the leader's new messages are lost, so every delivery
	// from it is one of the released ones.
	w.Net.Filter = func(m *zab.Message) Verdict {
		if m.From == l {
			return Drop
		}
		return Pass
	}
	w.RunFor(w.TickEvery())
	delivered := 0
	for _, e := range w.Trace.Events()[mark:] {
		if e.Kind == KindDeliver && e.From == l {
			if e.Type != zab.MsgPing || e.To != 1 {
				t.Fatalf("delivered a message that was not released: %v", e)
			}
			delivered++
		}
	}
	if delivered != pings {
		t.Fatalf("%d released PINGs delivered, want %d", delivered, pings)
	}
	if w.ReleaseWhere(isPingTo1) != 0 {
		t.Fatal("released the same messages twice")
	}
	w.Release()
	if w.Net.HeldCount() != 0 {
		t.Fatal("Release left messages held")
	}
}
