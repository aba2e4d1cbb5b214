package net

import (
	"math"
	"testing"
	"time"
)

const latencySeed = 20240611

func drawMany(t *testing.T, dist string, mean time.Duration, n int) []time.Duration {
	t.Helper()
	lm, err := newLatencyModel(dist, mean)
	if err != nil {
		t.Fatal(err)
	}
	rng := seededRand(latencySeed, "latency", "n0")
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = lm.draw(rng)
	}
	return out
}

func TestLatencyConstant(t *testing.T) {
	for _, d := range drawMany(t, DistConstant, 7*time.Millisecond, 100) {
		if d != 7*time.Millisecond {
			t.Fatalf("constant drew %v", d)
		}
	}
	lm, err := newLatencyModel("", 0)
	if err != nil || lm.draw(nil) != 0 {
		t.Fatalf("empty dist should be constant 0: %v %v", lm, err)
	}
}

func TestLatencyUniformIntegerMillisInHalfOpenRange(t *testing.T) {
	t.Logf("seed %d", latencySeed)
	const mean = 10 * time.Millisecond
	ds := drawMany(t, DistUniform, mean, 20000)
	var sum time.Duration
	seen := map[time.Duration]bool{}
	for _, d := range ds {
		if d < 0 || d >= 2*mean || d%time.Millisecond != 0 {
			t.Fatalf("uniform drew %v, outside [0, 20ms) or not whole ms", d)
		}
		seen[d] = true
		sum += d
	}
	if len(seen) != 20 {
		t.Errorf("uniform over [0,20) ms hit %d distinct values, want all 20", len(seen))
	}
	// Integer uniform on [0, 2m) has mean m - 0.5 ms.
	got := float64(sum) / float64(len(ds)) / float64(time.Millisecond)
	if math.Abs(got-9.5) > 0.3 {
		t.Errorf("uniform mean %.2f ms, want about 9.5", got)
	}
}

func TestLatencyExponentialTruncatedToMillis(t *testing.T) {
	t.Logf("seed %d", latencySeed)
	const mean = 20 * time.Millisecond
	ds := drawMany(t, DistExponential, mean, 20000)
	var sum time.Duration
	below := 0
	for _, d := range ds {
		if d < 0 || d%time.Millisecond != 0 {
			t.Fatalf("exponential drew %v", d)
		}
		if d < mean {
			below++
		}
		sum += d
	}
	// Truncation lowers the mean by about half a millisecond.
	got := float64(sum) / float64(len(ds)) / float64(time.Millisecond)
	if got < 18 || got > 21 {
		t.Errorf("exponential mean %.2f ms, want about 19.5", got)
	}
	// P(X < mean) = 1 - 1/e ≈ 0.632 for an exponential.
	if frac := float64(below) / float64(len(ds)); math.Abs(frac-0.632) > 0.03 {
		t.Errorf("fraction below the mean %.3f, want about 0.632", frac)
	}
}

func TestLatencyDeterministicPerSeedAndSender(t *testing.T) {
	lm, _ := newLatencyModel(DistExponential, 5*time.Millisecond)
	a, b := seededRand(3, "latency", "n1"), seededRand(3, "latency", "n1")
	c := seededRand(3, "latency", "n2")
	same, differ := true, false
	for i := 0; i < 50; i++ {
		x, y, z := lm.draw(a), lm.draw(b), lm.draw(c)
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("same seed+sender must replay (%v); other senders must differ (%v)", same, differ)
	}
}

func TestLatencyConfigurationErrors(t *testing.T) {
	bad := []struct {
		dist string
		mean time.Duration
	}{
		{DistUniform, 0},
		{DistUniform, 500 * time.Microsecond},
		{DistExponential, 0},
		{DistConstant, -time.Millisecond},
		{"gaussian", time.Millisecond},
	}
	for _, b := range bad {
		if _, err := newLatencyModel(b.dist, b.mean); err == nil {
			t.Errorf("%s with mean %v accepted", b.dist, b.mean)
		}
	}
}

// TestRecvSleepWholeMillisRoundedDown: Maelstrom's recv! sleeps
// (long dt) milliseconds, so a message is delivered up to 1 ms early,
// and one due in under 1 ms at once; never a negative sleep.
func TestRecvSleepWholeMillisRoundedDown(t *testing.T) {
	for _, tc := range []struct{ due, want time.Duration }{
		{10 * time.Millisecond, 10 * time.Millisecond},
		{9700 * time.Microsecond, 9 * time.Millisecond},
		{999 * time.Microsecond, 0},
		{0, 0},
		{-3 * time.Millisecond, 0},
	} {
		if got := recvSleep(tc.due); got != tc.want {
			t.Errorf("due in %v: sleep %v, want %v", tc.due, got, tc.want)
		}
	}
	m := &mailbox{}
	m.heap = []*envelope{{deadline: int64(1500 * time.Microsecond)}}
	if m.headDue(int64(400 * time.Microsecond)) {
		t.Error("a head 1.1 ms away is due: Maelstrom would sleep 1 ms for it")
	}
	if !m.headDue(int64(600 * time.Microsecond)) {
		t.Error("a head 0.9 ms away is not due: Maelstrom would deliver it at once")
	}
}
