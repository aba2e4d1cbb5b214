package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// differencesPage lists where zabkafka differs from ZooKeeper and from
// the papers, one table row per difference.
const differencesPage = "differences.md"

// differenceSections are the headings of differencesPage whose tables the
// checker reads. Each row must name the code that does the thing
// differently and a test that exercises it.
var differenceSections = []string{
	"Where we differ from ZooKeeper",
	"Where we differ from the paper",
}

// tableRow is one data row of a markdown table, with its line number.
type tableRow struct {
	line  int
	cells []string
}

// sectionTable returns the header cells and data rows of the first table
// under the "## heading" line of text, and false when there is no such
// heading or no table before the next heading.
func sectionTable(text, heading string) (header []string, rows []tableRow, ok bool) {
	lines := strings.Split(text, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "## "+heading {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, nil, false
	}
	i := start
	for i < len(lines) && !strings.HasPrefix(lines[i], "|") {
		if strings.HasPrefix(lines[i], "## ") {
			return nil, nil, false
		}
		i++
	}
	if i+1 >= len(lines) {
		return nil, nil, false
	}
	header = splitRow(lines[i])
	for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
		rows = append(rows, tableRow{line: i + 1, cells: splitRow(lines[i])})
	}
	return header, rows, true
}

// splitRow splits "| a | b |" into its trimmed cells.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// column returns the index of the header cell named one of names
// (case-insensitive), or -1.
func column(header []string, names ...string) int {
	for i, h := range header {
		for _, n := range names {
			if strings.EqualFold(h, n) {
				return i
			}
		}
	}
	return -1
}

// isCodeReference reports whether a code span names code: a Go file, a
// package directory, a declaration in a file, or a qualified name of one
// of the project's packages. Tests, message names and flags are not.
func isCodeReference(r string) bool {
	switch {
	case fileDeclRE.MatchString(r):
		return true
	case pathRE.MatchString(r) && strings.Contains(r, "/"):
		return strings.HasSuffix(r, ".go") || strings.HasSuffix(r, "/")
	case qualRE.MatchString(r):
		return knownPackages[qualRE.FindStringSubmatch(r)[1]]
	}
	return false
}

// checkDifferences returns a problem for every difference entry that
// names no code or no test, or names something that does not exist, and
// for every section that is missing or empty.
func checkDifferences(idx *index, text string) []string {
	var problems []string
	for _, sec := range differenceSections {
		header, rows, ok := sectionTable(text, sec)
		if !ok {
			problems = append(problems, fmt.Sprintf("section %q: missing, or has no table", sec))
			continue
		}
		codeCol, testCol := column(header, "code"), column(header, "test", "tests")
		if codeCol < 0 || testCol < 0 {
			problems = append(problems, fmt.Sprintf("section %q: the table needs a \"code\" and a \"test\" column, has %q", sec, header))
			continue
		}
		if len(rows) == 0 {
			problems = append(problems, fmt.Sprintf("section %q: no entries", sec))
		}
		for _, row := range rows {
			name := row.cells[0]
			if len(name) > 50 {
				name = name[:50] + "..."
			}
			where := fmt.Sprintf("%s line %d (%s)", sec, row.line, name)
			if len(row.cells) != len(header) {
				problems = append(problems, fmt.Sprintf("%s: %d cells, the header has %d", where, len(row.cells), len(header)))
				continue
			}
			code := 0
			for _, r := range references(row.cells[codeCol]) {
				if !isCodeReference(r) {
					continue
				}
				code++
				if p := idx.check(r); p != "" {
					problems = append(problems, where+": "+p)
				}
			}
			if code == 0 {
				problems = append(problems, where+": names no code")
			}
			tests := 0
			for _, r := range references(row.cells[testCol]) {
				if !testNameRE.MatchString(r) {
					continue
				}
				tests++
				if _, ok := idx.testDir[r]; !ok {
					problems = append(problems, fmt.Sprintf("%s: %q: no such test", where, r))
				}
			}
			if tests == 0 {
				problems = append(problems, where+": names no test")
			}
		}
	}
	return problems
}

// TestDifferencesAreBacked: every difference from ZooKeeper or from the
// paper listed in docs/differences.md points at the code that does it and
// at a test that exercises it, and both exist.
func TestDifferencesAreBacked(t *testing.T) {
	idx, err := buildIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "docs", differencesPage))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDifferences(idx, string(b)) {
		t.Errorf("docs/%s: %s", differencesPage, p)
	}
}

// TestDifferenceCheckerFires makes every rule of checkDifferences fire on
// a page written to break it, and pass on its correct twin.
func TestDifferenceCheckerFires(t *testing.T) {
	idx, err := buildIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	page := func(zkRow, paperRow string) string {
		return "# x\n\n## Where we differ from ZooKeeper\n\n| difference | code | test |\n|---|---|---|\n" + zkRow +
			"\n\ntext\n\n## Where we differ from the paper\n\nSome words.\n\n| difference | code | tests |\n|---|---|---|\n" + paperRow + "\n"
	}
	good := "| a | `zab/sync.go:followerNewLeader`, `zab.PlanSync` | `TestPlanSync` |"
	if p := checkDifferences(idx, page(good, good)); len(p) != 0 {
		t.Fatalf("a correct page reported: %v", p)
	}
	for _, bad := range []struct{ text, want string }{
		{page("| a | prose only | `TestPlanSync` |", good), "names no code"},
		{page("| a | `MsgNewLeader` | `TestPlanSync` |", good), "names no code"},
		{page("| a | `zab.PlanSync` | no test |", good), "names no test"},
		{page("| a | `zab.PlanSync` | `zab.PlanSync` |", good), "names no test"},
		{page(good, "| a | `zab/sync.go:noSuchFunc` | `TestPlanSync` |"), "declares no noSuchFunc"},
		{page(good, "| a | `zab.PlanSync` | `TestNoSuchThing` |"), "no such test"},
		{page(good, "| a | `zab.PlanSync` |"), "cells"},
		{page(good, ""), "no entries"},
		{strings.Replace(page(good, good), "## Where we differ from the paper", "## Elsewhere", 1), "missing"},
		{strings.Replace(page(good, good), "| difference | code | test |", "| difference | where | test |", 1), "column"},
	} {
		p := checkDifferences(idx, bad.text)
		if len(p) != 1 || !strings.Contains(p[0], bad.want) {
			t.Errorf("got %v, want one problem containing %q, for page:\n%s", p, bad.want, bad.text)
		}
	}
}
