package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"zabkafka/tests/cmd/spacetime/diagram"
)

// TestDiagramsAreReadable reads every committed diagram back and checks
// it with diagram.CheckSVG: no two texts overlap, none runs out of the
// picture, and the picture fits a GitHub text column at a legible size.
func TestDiagramsAreReadable(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(root, "docs", "diagrams", "*.svg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no docs/diagrams/*.svg (err %v)", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range diagram.CheckSVG(b) {
			t.Errorf("docs/diagrams/%s: %s", filepath.Base(p), problem)
		}
	}
}

// TestReadabilityCheckFires: a committed diagram with one label copied
// onto another fails the check above.
func TestReadabilityCheckFires(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "docs", "diagrams", "lagging-diff.svg"))
	if err != nil {
		t.Fatal(err)
	}
	label := regexp.MustCompile(`<text [^>]*>NEWLEADER DIFF[^<]*</text>`).Find(b)
	if label == nil {
		t.Fatal("lagging-diff.svg has no NEWLEADER DIFF label")
	}
	// A second label written where the first is.
	copied := strings.Replace(string(label), "NEWLEADER DIFF", "NEWLEADER SNAP", 1)
	forged := strings.Replace(string(b), "</svg>", copied+"\n</svg>", 1)
	p := diagram.CheckSVG([]byte(forged))
	if len(p) != 1 || !strings.Contains(p[0], "overlap") || !strings.Contains(p[0], "NEWLEADER SNAP") {
		t.Fatalf("a label written over another: got %q, want one overlap naming it", p)
	}
}
