// Package docs holds the test that keeps docs/ true to the code: every
// file, identifier and test the companion names exists, every link and
// anchor resolves, the scenario tests it cites pass, and every embedded
// diagram is byte for byte what `go run ./tests/cmd/spacetime` draws from
// the current code. It also keeps the code's citations followable: every
// docs page, paper and ZooKeeper ticket a comment cites resolves, and no
// file cites a document outside the repository (citations_test.go).
package docs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"zabkafka/tests/cmd/spacetime/diagram"
)

// root is the repository root (this file is in tests/docs).
var root = filepath.Join("..", "..")

// docFiles reads every markdown file of docs/.
func docFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no docs/*.md found (err %v)", err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// TestDiagramsAreCurrent regenerates every diagram and compares it with
// the committed one; it also requires that each is embedded in the docs
// and that nothing else sits in docs/diagrams.
func TestDiagramsAreCurrent(t *testing.T) {
	files, err := diagram.Generate()
	if err != nil {
		t.Fatalf("a diagram scenario failed: %v", err)
	}
	docs := docFiles(t)
	embedded := embeddedSVGs(docs)
	generated := map[string]bool{}
	for _, f := range files {
		generated[f.Name] = true
		got, err := os.ReadFile(filepath.Join(root, "docs", "diagrams", f.Name))
		if err != nil {
			t.Errorf("%s: %v (run: go run ./tests/cmd/spacetime)", f.Name, err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("docs/diagrams/%s differs from what the code draws now; run: go run ./tests/cmd/spacetime", f.Name)
		}
		if !embedded[f.Name] {
			t.Errorf("diagram %s is not embedded in any docs page", f.Name)
		}
	}
	for name := range embedded {
		if !generated[name] {
			t.Errorf("docs embed diagrams/%s, which no scenario draws", name)
		}
	}
	committed, _ := filepath.Glob(filepath.Join(root, "docs", "diagrams", "*"))
	for _, p := range committed {
		if !generated[filepath.Base(p)] {
			t.Errorf("stale file docs/diagrams/%s: no scenario draws it", filepath.Base(p))
		}
	}
}

// TestDiagramsAreDeterministic: two generations give the same bytes (the
// comparison above would be flaky otherwise).
func TestDiagramsAreDeterministic(t *testing.T) {
	s := diagram.Scenarios()[0]
	a, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.SVG(), b.SVG()) {
		t.Fatalf("%s drew differently twice", s.Name)
	}
}

var embedRE = regexp.MustCompile(`!\[[^\]]*\]\(diagrams/([^)\s]+\.svg)\)`)

// embeddedSVGs lists the diagram files the pages embed.
func embeddedSVGs(docs map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, text := range docs {
		for _, m := range embedRE.FindAllStringSubmatch(text, -1) {
			out[m[1]] = true
		}
	}
	return out
}

// TestReferencesExist checks every code span and link in docs/ against
// the repository.
func TestReferencesExist(t *testing.T) {
	idx, err := buildIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	docs := docFiles(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range docs {
			if !yield(k) {
				return
			}
		}
	})
	checked := 0
	for _, name := range names {
		for _, problem := range checkPage(idx, name, docs[name]) {
			t.Errorf("docs/%s: %s", name, problem)
		}
		checked += len(references(docs[name]))
	}
	if checked < 100 {
		t.Errorf("only %d references checked: the docs should point into the code far more", checked)
	}
}

// TestCitedScenariosPass runs every test of tests/scenarios the docs
// name.
func TestCitedScenariosPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on tests/scenarios")
	}
	idx, err := buildIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	var cited []string
	for _, text := range docFiles(t) {
		for _, r := range references(text) {
			if testNameRE.MatchString(r) && idx.testDir[r] == filepath.Join("tests", "scenarios") && !slices.Contains(cited, r) {
				cited = append(cited, r)
			}
		}
	}
	if len(cited) < 5 {
		t.Fatalf("the docs cite only %d scenario tests: %v", len(cited), cited)
	}
	slices.Sort(cited)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go binary on PATH")
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-run", "^("+strings.Join(cited, "|")+")$", "./tests/scenarios")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cited scenarios %v fail: %v\n%s", cited, err, out)
	}
	fmt.Fprintf(os.Stderr, "ran %d cited scenarios\n", len(cited))
}
