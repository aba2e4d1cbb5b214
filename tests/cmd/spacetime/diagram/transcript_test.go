package diagram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestTranscriptRuns draws a transcript of two runs: one Result each,
// captioned by the comment above its start, every delivery paired with
// its send (the transcript's constant delay makes that exact), and the
// transcript's drop rule still in force under the Capture.
func TestTranscriptRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two-runs.txt")
	text := `# The first run.
#
# More story.
start
----

drop PROPOSAL to=1
----

run until=stable
----

propose 3
----

tick 2
----

copy LEADERINFO to=1 count=1
----

crash 1
----

restart 1
----

run until=stable
----

replay delay=2
----

tick 1
----

# The second run, with five peers.
start peers=5
----

run until=stable
----
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := TranscriptRuns(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	if got := res[0].View.Caption; got != "The first run." {
		t.Errorf("caption of run 1: %q", got)
	}
	if got := res[1].View.Caption; got != "The second run, with five peers." {
		t.Errorf("caption of run 2: %q", got)
	}
	if !strings.Contains(res[1].View.Title, "run 2 of 2") || len(res[1].View.Peers) != 5 {
		t.Errorf("run 2: title %q, peers %v", res[1].View.Title, res[1].View.Peers)
	}
	dropped := false
	for i, e := range res[0].Events {
		if e.Kind != sim.KindDeliver && e.Kind != sim.KindDrop {
			continue
		}
		if !res[0].Pairs[i].OK {
			t.Errorf("event %v not paired with its send", e)
		}
		if e.Kind == sim.KindDrop && e.Type == zab.MsgProposal && e.To == 1 && e.Note == "filter" {
			dropped = true
		}
	}
	if !dropped {
		t.Error("the transcript's drop rule did not act under the Capture")
	}
	late := 0
	for i, e := range res[0].Events {
		if p := res[0].Pairs[i]; p.OK && strings.HasSuffix(p.Label, "(late copy)") {
			late++
			if e.Type != zab.MsgLeaderInfo || e.To != 1 || e.Time-p.At != 2 {
				t.Errorf("late copy paired with %v, sent at %d", e, p.At)
			}
		}
	}
	if late != 1 {
		t.Errorf("%d late copies drawn, want 1", late)
	}
	if svg := res[0].SVG(); !strings.Contains(string(svg), "transcript two-runs") {
		t.Error("the drawing does not carry its title")
	}
}
