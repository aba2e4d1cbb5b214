package zab

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsNothingNondeterministic keeps the core a pure state
// machine: zab/, election/ and election/quorum may not import
// clocks, global randomness, the OS, the network or concurrency. Only
// direct imports are listed; log/slog's own dependencies do not count.
func TestCoreImportsNothingNondeterministic(t *testing.T) {
	forbidden := map[string]bool{
		"time": true, "math/rand": true, "math/rand/v2": true, "crypto/rand": true,
		"os": true, "net": true, "sync": true, "sync/atomic": true, "io/fs": true,
	}
	for _, pkg := range []string{"zabkafka/zab", "zabkafka/election", "zabkafka/election/quorum"} {
		out, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			if forbidden[imp] || strings.HasPrefix(imp, "zabkafka/node") {
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
