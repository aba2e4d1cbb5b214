package node

import (
	"testing"
	"time"
)

// medianMillis is the middle wait (the upper one of an even count), in
// milliseconds, and 0 when nothing was acknowledged.
func TestMedianMillis(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want float64
	}{
		{nil, 0},
		{[]time.Duration{3 * ms}, 3},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5},
		{[]time.Duration{4 * ms, 2 * ms, 8 * ms, 6 * ms}, 6},
		{[]time.Duration{1500 * time.Microsecond, 500 * time.Microsecond}, 1.5},
	} {
		if got := medianMillis(c.in); got != c.want {
			t.Errorf("medianMillis(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
