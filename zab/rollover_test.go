package zab

import (
	"errors"
	"testing"
)

func TestZxidHelpers(t *testing.T) {
	z := MakeZxid(3, 167)
	if z.Epoch() != 3 || z.Counter() != 167 || z.String() != "e3:c167" {
		t.Fatalf("MakeZxid(3,167) = %v (%d, %d)", z, z.Epoch(), z.Counter())
	}
	if MakeZxid(2, MaxCounter) >= MakeZxid(3, 1) {
		t.Fatal("zxid order must be (epoch, counter) lexicographic")
	}
	if n, ok := MakeZxid(1, 5).Next(); !ok || n != MakeZxid(1, 6) {
		t.Fatalf("Next of 1:5 = %v %t", n, ok)
	}
	if _, ok := MakeZxid(1, MaxCounter).Next(); ok {
		t.Fatal("Next past MaxCounter must fail (ZOOKEEPER-1277)")
	}
	if n, ok := MakeZxid(1, MaxCounter-1).Next(); !ok || n.Counter() != MaxCounter {
		t.Fatalf("the last assignable counter is MaxCounter: %v %t", n, ok)
	}
}

// Counter roll-over (ZOOKEEPER-1277; TestCounterRollover is the same in
// the simulation): a leader started near MaxCounter
// proposes until the counter is exhausted, then steps down instead of
// proposing; the next epoch begins and nothing committed is lost.
func TestRolloverStepsDownAndNewEpochFollows(t *testing.T) {
	start := MaxCounter - 3
	c := newCluster(t, 3, func(cfg *Config) { cfg.InitialCounter = start })
	lead := c.waitLeader()
	var proposed []Zxid
	for {
		z, err := c.peers[lead].Propose([]byte("v"))
		if errors.Is(err, ErrProposalDropped) {
			break
		}
		if err != nil {
			t.Fatalf("Propose: %v", err)
		}
		proposed = append(proposed, z)
		c.deliver()
		if len(proposed) > 10 {
			t.Fatal("leader never stepped down")
		}
	}
	if len(proposed) != 3 || proposed[2] != MakeZxid(1, MaxCounter) {
		t.Fatalf("proposed %v, want counters up to MaxCounter", proposed)
	}
	if r := c.peers[lead].Status().Role; r != RoleLooking {
		t.Fatalf("leader role %v after roll-over, want LOOKING", r)
	}
	next := c.waitLeader()
	z, err := c.peers[next].Propose([]byte("w"))
	if err != nil || z.Epoch() != 2 || z.Counter() != start+1 {
		t.Fatalf("first proposal of the next epoch %v, %v", z, err)
	}
	c.deliver()
	c.tick()
	want := append(append([]Zxid(nil), proposed...), z)
	for _, id := range c.ids {
		got := zxidsOf(c.applied[id])
		if len(got) != len(want) {
			t.Fatalf("peer %d delivered %v, want %v", id, got, want)
		}
		for i := range got {
			if got[i] != want[i] || got[i].Counter() == 0 || got[i].Counter() > MaxCounter {
				t.Fatalf("peer %d delivered %v, want %v", id, got, want)
			}
		}
	}
}
