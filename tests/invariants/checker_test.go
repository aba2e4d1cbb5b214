package invariants

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"zabkafka/zab"
)

func tx(e zab.Epoch, c uint32, v string) zab.Txn {
	return zab.Txn{Zxid: zab.MakeZxid(e, c), Data: []byte(v)}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected violation: %v", err)
	}
}

// wantRule asserts err is a Violation of rule r.
func wantRule(t *testing.T, err error, r Rule) {
	t.Helper()
	var v *Violation
	if !errors.As(err, &v) {
		t.Fatalf("want a %s violation, got %v", r, err)
	}
	if v.Rule != r {
		t.Fatalf("want a %s violation, got %v", r, err)
	}
}

// epochOne returns a checker where peer 3 established epoch 1 and
// broadcast 1:1 a, 1:2 b, 1:3 c, and peers 1-3 delivered 1:1 and 1:2.
func epochOne(t *testing.T) *Checker {
	t.Helper()
	c := New()
	mustOK(t, c.Establish(1, 3))
	for i, v := range []string{"a", "b", "c"} {
		mustOK(t, c.Broadcast(3, tx(1, uint32(i+1), v)))
	}
	for p := zab.PeerID(1); p <= 3; p++ {
		mustOK(t, c.Deliver(p, tx(1, 1, "a")))
		mustOK(t, c.Deliver(p, tx(1, 2, "b")))
	}
	return c
}

// TestHealthyRun walks a run with two epochs, a restart from a snapshot,
// a SNAP install and a compacted log, and expects no violation anywhere.
func TestHealthyRun(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Deliver(3, tx(1, 3, "c")))
	mustOK(t, c.Deliver(2, tx(1, 3, "c")))
	// Peer 2 leads epoch 2, having delivered the inherited history.
	mustOK(t, c.Establish(2, 2))
	mustOK(t, c.Establish(2, 2)) // repeated report: harmless
	mustOK(t, c.Broadcast(2, tx(2, 1, "d")))
	mustOK(t, c.Broadcast(2, tx(2, 1, "d"))) // repeated report: harmless
	mustOK(t, c.Broadcast(2, tx(2, 2, "e")))
	if init, ok := c.Init(2); !ok || len(init) != 3 {
		t.Fatalf("Init(2) = %v, %v; want the 3 inherited zxids", init, ok)
	}
	// Peer 1 restarts from a snapshot of 1:1, then catches up.
	mustOK(t, c.Restart(1, []zab.Txn{tx(1, 1, "a")}))
	for _, x := range []zab.Txn{tx(1, 2, "b"), tx(1, 3, "c"), tx(2, 1, "d")} {
		mustOK(t, c.Deliver(1, x))
	}
	// Peer 3 gets a SNAP of everything up to 2:1.
	mustOK(t, c.InstallSnapshot(3, []zab.Txn{tx(1, 1, "a"), tx(1, 2, "b"), tx(1, 3, "c"), tx(2, 1, "d")}))
	mustOK(t, c.Deliver(2, tx(2, 1, "d")))
	for _, p := range []zab.PeerID{1, 2, 3} {
		mustOK(t, c.Deliver(p, tx(2, 2, "e")))
	}
	mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 1, Current: 1}))
	mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 2, Current: 1}))
	mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 2, Current: 2}))
	mustOK(t, c.AtRest(1, zab.Epochs{Accepted: 2, Current: 2}, zab.MakeZxid(2, 2)))
	mustOK(t, c.CheckLogs(map[zab.PeerID][]zab.Txn{
		1: {tx(1, 1, "a"), tx(1, 2, "b"), tx(1, 3, "c"), tx(2, 1, "d"), tx(2, 2, "e")},
		2: {tx(1, 3, "c"), tx(2, 1, "d"), tx(2, 2, "e")}, // compacted under a snapshot
		3: {tx(2, 2, "e")},
	}))
	mustOK(t, c.CheckConverged([]zab.PeerID{1, 2, 3}))
	mustOK(t, c.Final())
	mustOK(t, c.Err())
	if got := c.CommittedLen(); got != 5 {
		t.Fatalf("committed length %d, want 5", got)
	}
	if l, ok := c.Leader(2); !ok || l != 2 {
		t.Fatalf("Leader(2) = %d, %v", l, ok)
	}
}

func TestIntegrityFiresOnUnbroadcastValue(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Deliver(1, tx(1, 4, "x")), RuleIntegrity)
}

func TestIntegrityFiresOnCorruptedValue(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Deliver(1, tx(1, 3, "not-c")), RuleIntegrity)
}

// TestPrefixFiresOnSkippedCommit: peer 1 delivers epoch 2's first
// proposal without epoch 1's, which peer 3 delivered.
func TestPrefixFiresOnSkippedCommit(t *testing.T) {
	c := New()
	mustOK(t, c.Establish(1, 3))
	mustOK(t, c.Broadcast(3, tx(1, 1, "a")))
	mustOK(t, c.Deliver(3, tx(1, 1, "a")))
	mustOK(t, c.Establish(2, 3))
	mustOK(t, c.Broadcast(3, tx(2, 1, "d")))
	mustOK(t, c.Broadcast(3, tx(2, 2, "e")))
	wantRule(t, c.Deliver(1, tx(2, 1, "d")), RulePrefix)
	// One divergence is reported once, not at every later delivery.
	mustOK(t, c.Deliver(1, tx(2, 2, "e")))
	// The diagnostic forms name what broke: peer 1 and peer 3 each hold
	// something the other lacks.
	wantRule(t, c.Final(), RuleAgreement)
}

// TestPrefixFiresOnDivergentRestart: a restarted peer whose snapshot holds
// a different history than what was committed.
func TestPrefixFiresOnDivergentRestart(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Deliver(2, tx(1, 3, "c")))
	mustOK(t, c.Establish(2, 2))
	mustOK(t, c.Broadcast(2, tx(2, 1, "d")))
	// Peer 1 comes back with 1:1 then 2:1: committed 1:2 is gone.
	wantRule(t, c.Restart(1, []zab.Txn{tx(1, 1, "a"), tx(2, 1, "d")}), RulePrefix)
}

// TestCommittedLostFiresOnLeaderWithoutHistory: the leader of epoch 2
// starts broadcasting without the committed 1:1 and 1:2 (the outcome of
// ZOOKEEPER-4643 and ZOOKEEPER-3911: a committed entry truncated away by a
// new leader).
func TestCommittedLostFiresOnLeaderWithoutHistory(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Restart(1, nil))
	mustOK(t, c.Deliver(1, tx(1, 1, "a")))
	mustOK(t, c.Establish(2, 1))
	wantRule(t, c.Broadcast(1, tx(2, 1, "d")), RuleCommittedLost)
}

// TestPrimaryIntegrityFiresOnLateOldEpochDelivery: epoch 2's leader began
// with 1:1 and 1:2; delivering 1:3 anywhere afterwards breaks DSN 2011,
// "Primary integrity" (ZOOKEEPER-1154: an old leader's entry surviving
// into a new epoch).
func TestPrimaryIntegrityFiresOnLateOldEpochDelivery(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Establish(2, 2))
	mustOK(t, c.Broadcast(2, tx(2, 1, "d")))
	wantRule(t, c.Deliver(3, tx(1, 3, "c")), RulePrimaryIntegrity)
}

func TestLocalPrimaryOrderFiresOnBroadcastGap(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Broadcast(3, tx(1, 5, "e")), RuleLocalPrimaryOrder)
}

func TestLocalPrimaryOrderFiresOnDeliveryGap(t *testing.T) {
	c := New()
	mustOK(t, c.Establish(1, 3))
	for i, v := range []string{"a", "b", "c"} {
		mustOK(t, c.Broadcast(3, tx(1, uint32(i+1), v)))
	}
	mustOK(t, c.Deliver(1, tx(1, 1, "a")))
	wantRule(t, c.Deliver(1, tx(1, 3, "c")), RuleLocalPrimaryOrder)
}

func TestLocalPrimaryOrderFiresOnFirstDeliveryNotFirstBroadcast(t *testing.T) {
	c := New()
	mustOK(t, c.Establish(1, 3))
	mustOK(t, c.Broadcast(3, tx(1, 1, "a")))
	mustOK(t, c.Broadcast(3, tx(1, 2, "b")))
	wantRule(t, c.Deliver(1, tx(1, 2, "b")), RuleLocalPrimaryOrder)
}

func TestLocalPrimaryOrderFiresOnRepeatedDelivery(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Deliver(1, tx(1, 2, "b")), RuleLocalPrimaryOrder)
}

func TestLocalPrimaryOrderFiresOnSkippedEpochStart(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Deliver(3, tx(1, 3, "c")))
	mustOK(t, c.Establish(2, 3))
	mustOK(t, c.Broadcast(3, tx(2, 1, "d")))
	mustOK(t, c.Broadcast(3, tx(2, 2, "e")))
	wantRule(t, c.Deliver(3, tx(2, 2, "e")), RuleLocalPrimaryOrder)
}

func TestGlobalPrimaryOrderFiresOnEpochGoingBack(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Establish(2, 3))
	mustOK(t, c.Broadcast(3, tx(2, 1, "d")))
	mustOK(t, c.Deliver(1, tx(2, 1, "d")))
	wantRule(t, c.Deliver(1, tx(1, 3, "c")), RuleGlobalPrimaryOrder)
}

func TestOneLeaderPerEpochFiresOnSecondEstablisher(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Establish(1, 2), RuleOneLeaderPerEpoch)
}

func TestOneLeaderPerEpochFiresOnBroadcastWithoutEstablishment(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Broadcast(3, tx(2, 1, "d")), RuleOneLeaderPerEpoch)
}

func TestOneLeaderPerEpochFiresOnBroadcastByOtherPeer(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Broadcast(2, tx(1, 4, "d")), RuleOneLeaderPerEpoch)
}

func TestZxidUniqueFiresOnReusedZxid(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.Broadcast(3, tx(1, 2, "b2")), RuleZxidUnique)
}

func TestZxidUniqueFiresOnLogValue(t *testing.T) {
	c := epochOne(t)
	wantRule(t, c.CheckLogs(map[zab.PeerID][]zab.Txn{1: {tx(1, 1, "a"), tx(1, 2, "zz")}}), RuleZxidUnique)
}

func TestZxidUniqueFiresOnTwoLogsDisagreeing(t *testing.T) {
	c := New() // nothing broadcast: only the logs can tell
	wantRule(t, c.CheckLogs(map[zab.PeerID][]zab.Txn{
		1: {tx(1, 1, "a")},
		2: {tx(1, 1, "b")},
	}), RuleZxidUnique)
}

func TestCounterRangeFires(t *testing.T) {
	for _, ctr := range []uint32{0, 0xffffffff} {
		t.Run(fmt.Sprintf("broadcast-%x", ctr), func(t *testing.T) {
			c := New()
			mustOK(t, c.Establish(1, 3))
			wantRule(t, c.Broadcast(3, tx(1, ctr, "a")), RuleCounterRange)
		})
		t.Run(fmt.Sprintf("delivery-%x", ctr), func(t *testing.T) {
			wantRule(t, New().Deliver(1, tx(1, ctr, "a")), RuleCounterRange)
		})
		t.Run(fmt.Sprintf("log-%x", ctr), func(t *testing.T) {
			wantRule(t, New().CheckLogs(map[zab.PeerID][]zab.Txn{1: {tx(1, ctr, "a")}}), RuleCounterRange)
		})
	}
}

func TestEpochMonotonicFires(t *testing.T) {
	t.Run("accepted-decreases", func(t *testing.T) {
		c := New()
		mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 3, Current: 2}))
		wantRule(t, c.Epochs(1, zab.Epochs{Accepted: 2, Current: 2}), RuleEpochMonotonic)
	})
	t.Run("current-decreases", func(t *testing.T) {
		c := New()
		mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 3, Current: 3}))
		wantRule(t, c.Epochs(1, zab.Epochs{Accepted: 3, Current: 2}), RuleEpochMonotonic)
	})
	t.Run("current-above-accepted", func(t *testing.T) {
		wantRule(t, New().Epochs(1, zab.Epochs{Accepted: 2, Current: 3}), RuleEpochMonotonic)
	})
	t.Run("durable-differs-from-last-write", func(t *testing.T) {
		c := New()
		mustOK(t, c.Epochs(1, zab.Epochs{Accepted: 3, Current: 3}))
		wantRule(t, c.AtRest(1, zab.Epochs{Accepted: 2, Current: 2}, 0), RuleEpochMonotonic)
	})
}

func TestEpochLogOrderFires(t *testing.T) {
	wantRule(t, New().AtRest(1, zab.Epochs{Accepted: 3, Current: 2}, zab.MakeZxid(4, 1)), RuleEpochLogOrder)
	// Legal: a sync from two epochs ahead made epoch-3 history durable and
	// the peer crashed before writing currentEpoch = 4
	// (docs/rules.md#entries-of-the-new-epoch-after-currentepoch).
	mustOK(t, New().AtRest(1, zab.Epochs{Accepted: 4, Current: 2}, zab.MakeZxid(3, 1)))
}

func TestLogPrefixFiresOnHole(t *testing.T) {
	// Peer 2 shares 2:1 with peer 1 but lacks 1:2 below it (the holey
	// sync source of ZOOKEEPER-4925).
	wantRule(t, New().CheckLogs(map[zab.PeerID][]zab.Txn{
		1: {tx(1, 1, "a"), tx(1, 2, "b"), tx(2, 1, "d")},
		2: {tx(1, 1, "a"), tx(2, 1, "d")},
	}), RuleLogPrefix)
}

func TestLogPrefixAllowsDivergentUncommittedTails(t *testing.T) {
	// ZOOKEEPER-1154 before the rejoin: 1:4 on peer 1 only, 2:1 on the
	// others.
	mustOK(t, New().CheckLogs(map[zab.PeerID][]zab.Txn{
		1: {tx(1, 1, "a"), tx(1, 2, "b"), tx(1, 3, "c"), tx(1, 4, "x")},
		2: {tx(1, 1, "a"), tx(1, 2, "b"), tx(1, 3, "c"), tx(2, 1, "d")},
	}))
}

func TestLogPrefixFiresOnUnorderedLog(t *testing.T) {
	wantRule(t, New().CheckLogs(map[zab.PeerID][]zab.Txn{1: {tx(1, 2, "b"), tx(1, 1, "a")}}), RuleLogPrefix)
}

func TestConvergenceFiresOnLaggingPeer(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Deliver(3, tx(1, 3, "c")))
	wantRule(t, c.CheckConverged([]zab.PeerID{1, 2, 3}), RuleConvergence)
	mustOK(t, c.CheckConverged([]zab.PeerID{3}))
}

func TestFinalReportsTotalOrderOnSwap(t *testing.T) {
	c := New()
	mustOK(t, c.Establish(1, 3))
	mustOK(t, c.Broadcast(3, tx(1, 1, "a")))
	mustOK(t, c.Deliver(3, tx(1, 1, "a")))
	mustOK(t, c.Establish(2, 3))
	mustOK(t, c.Broadcast(3, tx(2, 1, "d")))
	mustOK(t, c.Deliver(1, tx(1, 1, "a")))
	mustOK(t, c.Deliver(1, tx(2, 1, "d")))
	_ = c.Deliver(2, tx(2, 1, "d")) // prefix broken here
	_ = c.Deliver(2, tx(1, 1, "a")) // and epochs go backwards
	wantRule(t, c.Final(), RuleTotalOrder)
}

func TestTotalOrderAndAgreementForms(t *testing.T) {
	a, b, x := tx(1, 1, "a"), tx(1, 2, "b"), tx(1, 3, "x")
	cases := []struct {
		name            string
		seqs            [][]zab.Txn
		total, agreeing bool
	}{
		{"prefixes", [][]zab.Txn{{a}, {a, b}, {}}, true, true},
		{"swapped", [][]zab.Txn{{a, b}, {b, a}}, false, true},
		{"missing-predecessor", [][]zab.Txn{{a, b}, {b}}, false, true},
		{"forked", [][]zab.Txn{{a, b}, {a, x}}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, ok := TotalOrder(tc.seqs); ok != tc.total {
				t.Errorf("TotalOrder ok = %v, want %v", ok, tc.total)
			}
			if _, _, _, _, ok := Agreement(tc.seqs); ok != tc.agreeing {
				t.Errorf("Agreement ok = %v, want %v", ok, tc.agreeing)
			}
		})
	}
}

func TestFinalReportsAgreementOnFork(t *testing.T) {
	c := New()
	mustOK(t, c.Establish(1, 3))
	mustOK(t, c.Broadcast(3, tx(1, 1, "a")))
	mustOK(t, c.Establish(2, 1))
	mustOK(t, c.Broadcast(1, tx(2, 1, "d")))
	mustOK(t, c.Deliver(1, tx(2, 1, "d")))
	wantRule(t, c.Deliver(3, tx(1, 1, "a")), RulePrefix)
	wantRule(t, c.Final(), RuleAgreement)
}

func TestErrReportsFirstViolationAndCount(t *testing.T) {
	c := New()
	for i := 0; i < 40; i++ {
		_ = c.Deliver(1, tx(1, uint32(i+1), "never-broadcast"))
	}
	if got := len(c.Violations()); got != maxViolations {
		t.Fatalf("kept %d violations, want the bound %d", got, maxViolations)
	}
	err := c.Err()
	wantRule(t, err, RuleIntegrity)
	if !strings.Contains(err.Error(), "more violations") || !strings.Contains(err.Error(), "e1:c1") {
		t.Fatalf("Err() = %q: want the first violation and the count of the rest", err)
	}
}
