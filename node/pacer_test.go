package node

import (
	"strconv"
	"testing"
	"time"
)

// ms is a time on the fake clock, in milliseconds after t0.
func ms(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }

// testPacer is a pacer with the given knobs in a cluster of three.
func testPacer(window, hold, roundWait time.Duration) pacer {
	cfg := DefaultConfig()
	cfg.BatchInterval, cfg.AckHold, cfg.RoundWait = window, hold, roundWait
	return newPacer(cfg, 3)
}

// TestPacerRule: the one rule for dispatch and flush, state by state.
// Every row says when a dispatch and a flush are next allowed, and what
// NextWake (pacer.next) makes of it with operations queued and routable
// and messages waiting.
func TestPacerRule(t *testing.T) {
	const rw = 5 * time.Millisecond
	tests := []struct {
		name     string
		p        func() pacer
		dispatch time.Time // dispatchAt
		flush    time.Time // flushAt
	}{
		{"idle: everything at once", func() pacer {
			return testPacer(0, 0, rw)
		}, time.Time{}, time.Time{}},
		{"a round in flight: the next waits for it, at most RoundWait", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.flushed(ms(10))
			return p
		}, ms(15), ms(10)},
		{"two rounds in flight: RoundWait counts from the younger", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.dispatched(ms(13), 8)
			return p
		}, ms(18), time.Time{}},
		{"the round committed: at once again", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.committed(7, ms(12))
			return p
		}, time.Time{}, time.Time{}},
		{"an older round committed, a younger not: still waits", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.dispatched(ms(11), 9)
			p.committed(8, ms(12))
			return p
		}, ms(16), time.Time{}},
		{"short round trips: a round in flight is waited for", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.committed(7, ms(14)) // 4 ms: not above RoundWait
			p.dispatched(ms(20), 8)
			return p
		}, ms(25), time.Time{}},
		{"long round trips: pipelined, at once", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.committed(7, ms(30)) // 20 ms: the network
			p.dispatched(ms(31), 8)
			return p
		}, time.Time{}, time.Time{}},
		{"one short round trip among long ones: waited for", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.dispatched(ms(11), 8)
			p.committed(7, ms(30))
			p.committed(8, ms(13)) // 2 ms: the shortest counts
			p.dispatched(ms(40), 9)
			return p
		}, ms(45), time.Time{}},
		{"the shortest round trip expires after its window", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.committed(7, ms(12)) // 2 ms, at 12 ms
			p.dispatched(ms(1100), 8)
			p.committed(8, ms(1120)) // 20 ms, more than a window later
			p.dispatched(ms(1121), 9)
			return p
		}, time.Time{}, time.Time{}},
		{"the follower's ACK leaves now: a forward rides along", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 3)
			p.leaderSpoke()
			return p
		}, time.Time{}, time.Time{}},
		{"after that Process the ride is over", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 3)
			p.leaderSpoke()
			p.processed()
			return p
		}, ms(15), time.Time{}},
		{"a new role answers no round and forgets round trips", func() pacer {
			p := testPacer(0, 0, rw)
			p.dispatched(ms(10), 7)
			p.committed(7, ms(30))
			p.dispatched(ms(31), 8)
			p.roleChanged()
			p.dispatched(ms(32), 1)
			return p
		}, ms(37), time.Time{}},
		{"RoundWait 0: never waits for a round", func() pacer {
			p := testPacer(0, 0, 0)
			p.dispatched(ms(10), 7)
			return p
		}, ms(10), time.Time{}},
		{"window: one flush and dispatch per window", func() pacer {
			p := testPacer(5*time.Millisecond, 0, rw)
			p.flushed(ms(10))
			return p
		}, ms(15), ms(15)},
		{"window longer than the wait for a round: the window rules", func() pacer {
			p := testPacer(8*time.Millisecond, 0, rw)
			p.dispatched(ms(10), 7)
			p.flushed(ms(10))
			return p
		}, ms(18), ms(18)},
		{"hold: nothing leaves before it ends", func() pacer {
			p := testPacer(0, 3*time.Millisecond, rw)
			p.flushed(ms(10))
			p.startHold(ms(11), []string{"c1"})
			return p
		}, ms(14), ms(14)},
		{"hold cut to the window", func() pacer {
			p := testPacer(2*time.Millisecond, 5*time.Millisecond, rw)
			p.flushed(ms(10))
			p.startHold(ms(10), []string{"c1"})
			return p
		}, ms(12), ms(12)},
		{"back-off after a refused proposal: a tick", func() pacer {
			p := testPacer(0, 0, rw)
			p.refused(ms(10))
			return p
		}, ms(20), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p()
			if got := p.dispatchAt(); !got.Equal(tc.dispatch) {
				t.Errorf("dispatchAt = %v, want %v", got.Sub(t0), tc.dispatch.Sub(t0))
			}
			if got := p.flushAt(); !got.Equal(tc.flush) {
				t.Errorf("flushAt = %v, want %v", got.Sub(t0), tc.flush.Sub(t0))
			}
			// Due exactly from those times on, never before.
			for _, c := range []struct {
				at  time.Time
				due func(time.Time) bool
				f   string
			}{{tc.dispatch, p.dispatchDue, "dispatch"}, {tc.flush, p.flushDue, "flush"}} {
				if !c.due(c.at) {
					t.Errorf("%s not due at its own time", c.f)
				}
				if !c.at.IsZero() && c.due(c.at.Add(-time.Microsecond)) {
					t.Errorf("%s due before its time", c.f)
				}
			}
			// NextWake: the earlier of the two when both wait.
			want := tc.dispatch
			if tc.flush.Before(want) {
				want = tc.flush
			}
			at, ok := p.next(waiting{queued: true, routable: true, outbox: true, expireAt: ms(5000)})
			if !ok || !at.Equal(want) {
				t.Errorf("next = %v %v, want %v", at.Sub(t0), ok, want.Sub(t0))
			}
		})
	}
}

// TestPacerNext: what NextWake waits for, by what is waiting.
func TestPacerNext(t *testing.T) {
	busy := func() pacer { // a round in flight since 10 ms, flushed then
		p := testPacer(0, 0, 2*time.Millisecond)
		p.dispatched(ms(10), 7)
		p.flushed(ms(10))
		return p
	}
	tests := []struct {
		name string
		w    waiting
		at   time.Time
		ok   bool
	}{
		{"nothing waits", waiting{}, time.Time{}, false},
		{"messages only: the flush", waiting{outbox: true}, ms(10), true},
		{"routable ops: their dispatch", waiting{queued: true, routable: true, expireAt: ms(1010)}, ms(12), true},
		{"ops with nowhere to go: their expiry", waiting{queued: true, expireAt: ms(1010)}, ms(1010), true},
		{"ops whose expiry comes first", waiting{queued: true, routable: true, expireAt: ms(11)}, ms(11), true},
		{"ops with nowhere to go and messages: the flush", waiting{queued: true, outbox: true, expireAt: ms(1010)}, ms(10), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := busy()
			at, ok := p.next(tc.w)
			if ok != tc.ok || !at.Equal(tc.at) {
				t.Fatalf("next = %v %v, want %v %v", at.Sub(t0), ok, tc.at.Sub(t0), tc.ok)
			}
		})
	}
}

// TestPacerHoldOncePerFlush: a second hold needs a flush in between, so
// a steady stream of answers cannot keep the ACK from leaving.
func TestPacerHoldOncePerFlush(t *testing.T) {
	p := testPacer(0, 3*time.Millisecond, 2*time.Millisecond)
	if !p.startHold(ms(10), []string{"c1"}) {
		t.Fatal("the first hold did not start")
	}
	if p.startHold(ms(12), []string{"c1"}) {
		t.Fatal("a second hold started before the flush")
	}
	p.flushed(ms(13))
	if !p.startHold(ms(14), []string{"c1"}) {
		t.Fatal("no hold after the flush")
	}
	off := testPacer(0, 0, 2*time.Millisecond)
	if off.startHold(ms(10), []string{"c1"}) {
		t.Fatal("a hold started with AckHold 0")
	}
}

// TestPacerHoldEndsWhenClientsAreBack: the hold waits for the clients
// it answered; once each is back with a write, it is over, whatever is
// left of AckHold. Another client's write changes nothing. With rounds
// pipelined there is no hold.
func TestPacerHoldEndsWhenClientsAreBack(t *testing.T) {
	p := testPacer(0, 3*time.Millisecond, 5*time.Millisecond)
	p.startHold(ms(10), []string{"c1", "c2"})
	p.clientBack("c9", ms(11))
	p.clientBack("c1", ms(11))
	if got := p.flushAt(); !got.Equal(ms(13)) {
		t.Fatalf("one of two clients back: flushAt %v, want the end of the hold", got.Sub(t0))
	}
	p.clientBack("c2", ms(11))
	if got := p.flushAt(); !got.IsZero() {
		t.Fatalf("both clients back: flushAt %v, want at once", got.Sub(t0))
	}
	p.flushed(ms(11))
	p.clientBack("c1", ms(11)) // after the hold: nothing to end
	if got := p.flushAt(); !got.Equal(ms(11)) {
		t.Fatalf("flushAt %v after the flush, want 11ms", got.Sub(t0))
	}

	q := testPacer(0, 3*time.Millisecond, 5*time.Millisecond)
	q.dispatched(ms(10), 1)
	q.committed(1, ms(30)) // 20 ms round trips: pipelined
	if q.startHold(ms(31), []string{"c1"}) {
		t.Fatal("a hold started while rounds are pipelined")
	}
}

// TestPacerAlone: a cluster of one has nothing to pace, except after a
// refused proposal.
func TestPacerAlone(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BatchInterval, cfg.AckHold = 10*time.Millisecond, 5*time.Millisecond
	p := newPacer(cfg, 1)
	p.dispatched(ms(10), 7)
	p.flushed(ms(10))
	p.startHold(ms(10), []string{"c1"})
	if !p.dispatchAt().IsZero() || !p.flushAt().IsZero() {
		t.Fatalf("alone: dispatchAt %v flushAt %v, want both at once", p.dispatchAt().Sub(t0), p.flushAt().Sub(t0))
	}
	p.refused(ms(11))
	if !p.dispatchAt().Equal(ms(21)) {
		t.Fatalf("alone after a refusal: dispatchAt %v, want 21ms", p.dispatchAt().Sub(t0))
	}
}

// TestPacerNoHoldForClientsThatPaceThemselves: the hold is kept while
// answered clients come back within it, and dropped once most of the
// recent ones did not (a light load, where it would only delay the
// commit); it comes back when they return in time again. Answers count
// whether or not a hold waited for them, and a client that never comes
// back counts as late.
func TestPacerNoHoldForClientsThatPaceThemselves(t *testing.T) {
	p := testPacer(0, 5*time.Millisecond, 5*time.Millisecond)
	now := ms(10)
	// round answers two clients, which come back after backAfter, and
	// reports whether it held for them.
	round := func(backAfter time.Duration) bool {
		held := p.startHold(now, []string{"c1", "c2"})
		p.clientBack("c1", now.Add(backAfter))
		p.clientBack("c2", now.Add(backAfter))
		now = now.Add(backAfter + time.Millisecond)
		p.flushed(now)
		return held
	}
	for i := 0; i < 20; i++ {
		if !round(time.Millisecond) {
			t.Fatalf("round %d: no hold, though every client came back within a millisecond", i)
		}
	}
	lastHeld := -1
	for i := 0; i < 20; i++ {
		if round(20 * time.Millisecond) {
			lastHeld = i
		}
	}
	// 32 outcomes are kept: 16 rounds of two clients back late outweigh
	// the 16 before.
	if lastHeld < 0 || lastHeld >= 9 {
		t.Fatalf("last hold at round %d of clients back after 20 ms, want one early on and none after the 9th", lastHeld)
	}
	for i := 0; i < 8; i++ {
		round(time.Millisecond)
	}
	if !round(time.Millisecond) {
		t.Fatal("no hold after rounds of clients back in a millisecond again")
	}

	q := testPacer(0, 5*time.Millisecond, 5*time.Millisecond)
	for i := 0; i < 20; i++ {
		q.startHold(ms(float64(10+10*i)), []string{"c" + strconv.Itoa(i)})
		q.flushed(ms(float64(11 + 10*i)))
	}
	if q.holdPays() {
		t.Fatal("the hold still pays after clients that never came back")
	}
}
