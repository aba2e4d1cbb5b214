//go:build !unix

package nodesim

import (
	"testing"
	"time"
)

// cpuTime is unknown here: BenchmarkRun then reports no ops/cpu-s.
func cpuTime(*testing.B) time.Duration { return 0 }
