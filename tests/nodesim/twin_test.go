package nodesim

import (
	"errors"
	"strings"
	"testing"

	"zabkafka/tests/invariants"
)

// The broken twins: each runs seeds with one deliberate bug and requires
// the check that guards against it to fire, so a check that cannot fail
// would be caught here.

// findFailing runs seeds 1..n under faults until one fails, and returns
// its result.
func findFailing(t *testing.T, n int, faults Faults, tune func(*Plan)) (Result, bool) {
	t.Helper()
	for seed := int64(1); seed <= int64(n); seed++ {
		p := DrawPlan(seed)
		if tune != nil {
			tune(&p)
		}
		res := Run(seed, p, RunOptions{Faults: faults})
		if res.Err != nil {
			return res, true
		}
	}
	return Result{}, false
}

// TestTwinNoSync: disks whose Sync does nothing. Every acknowledgement a
// node sends vouches for writes no crash spares; the invariant checker
// must say so as the first ACK leaves.
func TestTwinNoSync(t *testing.T) {
	res, ok := findFailing(t, 5, Faults{NoSync: true}, nil)
	if !ok {
		t.Fatal("no seed failed with disks that never sync")
	}
	var v *invariants.Violation
	if !errors.As(res.Err, &v) || v.Rule != invariants.RuleAckNotDurable {
		t.Fatalf("seed %d failed, but not on durability: %v", res.Seed, res.Err)
	}
	t.Logf("seed %d: %v", res.Seed, res.Err)
}

// TestTwinDuplicatedClientSends: a network that delivers client sends
// twice puts values at two offsets; the kafka checker must find the
// duplicates.
func TestTwinDuplicatedClientSends(t *testing.T) {
	res, ok := findFailing(t, 5, Faults{DupClientRequests: true}, nil)
	if !ok {
		t.Fatal("no seed failed with duplicated client sends")
	}
	if res.Verdict.String() != "false" || !strings.Contains(res.Summary, "duplicate") {
		t.Fatalf("seed %d failed, but not with the checker's duplicates: %v\n%s", res.Seed, res.Err, res.Summary)
	}
	t.Logf("seed %d: %v", res.Seed, res.Err)
}

// TestTwinNoHeal: nodes left cut off from each other after the faults
// cannot commit anything new; the final phase or the probe must report
// the lost liveness.
func TestTwinNoHeal(t *testing.T) {
	res, ok := findFailing(t, 3, Faults{NoHeal: true}, nil)
	if !ok {
		t.Fatal("no seed failed with a network that never heals")
	}
	if !strings.Contains(res.Err.Error(), "liveness") {
		t.Fatalf("seed %d failed, but not on liveness: %v", res.Seed, res.Err)
	}
	t.Logf("seed %d: %v", res.Seed, res.Err)
}

// TestTwinSlowClocks: nodes whose clocks run at half speed keep a request
// for twice their deadline, and answer it after the client gave up;
// the harness must catch the reply as it leaves.
func TestTwinSlowClocks(t *testing.T) {
	res, ok := findFailing(t, 20, Faults{SlowClocks: true}, nil)
	if !ok {
		t.Fatal("no seed failed with clocks at half speed")
	}
	if !strings.Contains(res.Err.Error(), "after the client gave up") {
		t.Fatalf("seed %d failed, but not on a late reply: %v", res.Seed, res.Err)
	}
	t.Logf("seed %d: %v", res.Seed, res.Err)
}
