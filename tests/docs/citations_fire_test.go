package docs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The forged citations below are assembled from pieces, so that this
// file itself holds none of the patterns it forbids.

// TestCitationRulesFire makes every citation rule fire on a forged
// comment, and pass on a comment that cites correctly.
func TestCitationRulesFire(t *testing.T) {
	c := newCiteChecker(root)
	good := strings.Join([]string{
		"// docs/rules.md#durability, docs/safety.md, \"Late messages cannot",
		"// replay a sync\", docs/differences.md, \"One self-contained NEWLEADER\";",
		"// DSN 2011, \"Phase 2\", DSN 2011, \"primary integrity\", Medeiros",
		"// 2012, R&J 2008; ZOOKEEPER-4643 and ZOOKEEPER-4646; LearnerHandler.syncFollower;",
		"// tests/workbench/README.md, README.md, Maelstrom's doc/protocol.md,",
		"// zookeeper-specifications/protocol-spec/issues.md; step 4, rule 2.",
	}, "\n")
	if p := c.check(passage{file: "zab/x.go", line: 1, text: good}); len(p) != 0 {
		t.Fatalf("correct citations reported: %q", p)
	}
	for _, bad := range []struct{ text, want string }{
		{"// see docs/nosuch.md", "docs/nosuch.md: no such page"},
		{"// docs/rules.md#no-such-rule", "docs/rules.md has no anchor #no-such-rule"},
		{"// docs/safety.md, \"No such heading\"", "no such heading or bold entry"},
		{"// docs/safety.md (\"No such\n// heading\")", "\"No such heading\""},
		{"// the notes in " + "notes" + ".md", "notes.md: no such file in the repository"},
		{"// in ../" + "notes/x" + ".md", "no such file in the repository"},
		{"// DSN" + "'11, Phase 2", "cite a paper as"},
		{"// [DSN" + "11]", "cite a paper as"},
		{"// Medeiros " + "2011", "cite a paper as"},
		{"// Med" + "12", "cite a paper as"},
		{"// DSN 2011 §" + "4.2", "not a section number"},
		{"// DSN 2011, section " + "4", "not a section number"},
		{"// DSN 2011, \"Phase " + "4\"", "not a part of that paper"},
		{"// ZOOKEEPER-" + "NNNN", "write a ZooKeeper ticket"},
		{"// ZK-" + "4643", "write a ZooKeeper ticket"},
		{"// ZOOKEEPER " + "4643", "write a ZooKeeper ticket"},
		{"// ZOOKEEPER-" + "04643", "write a ZooKeeper ticket"},
		{"// ZOOKEEPER-3911/" + "-4646", "write every ticket in full"},
		{"// ZOOKEEPER-3911 -> " + "-4646", "write every ticket in full"},
		{"// (spe" + "c 5.2)", "an outside specification"},
		{"// Spe" + "c 6.7 A: a clean run", "an outside specification"},
		{"// the wrong map, spe" + "c\n// 5.6)", "an outside specification"},
		{"// (scenario" + " 17)", "a scenario by a private number"},
		{"// (propert" + "y 6)", "a property by number"},
	} {
		text := "// first line\n" + bad.text
		p := c.check(passage{file: "zab/x.go", line: 10, text: text})
		if len(p) != 1 || !strings.Contains(p[0], bad.want) || !strings.HasPrefix(p[0], "zab/x.go:11: ") {
			t.Errorf("%q: got %q, want one problem at zab/x.go:11 containing %q", bad.text, p, bad.want)
		}
	}

	// Pages outside docs/: their links are resolved here, anchors too.
	for _, bad := range []struct{ text, want string }{
		{"[x](docs/rules.md#nope)", "docs/rules.md has no anchor #nope"},
		{"[x](docs/nosuch.md)", "no such file in the repository"},
		{"[x](../outside.md)", "no such file in the repository"},
		{"[x](#nope)\n\n## Only heading", "README.md has no anchor #nope"},
	} {
		p := c.check(passage{file: "README.md", line: 1, text: bad.text, page: true})
		if len(p) != 1 || !strings.Contains(p[0], bad.want) {
			t.Errorf("%q: got %q, want one problem containing %q", bad.text, p, bad.want)
		}
	}
	if p := c.check(passage{file: "README.md", line: 1, text: "[a](docs/rules.md#durability) [b](tests/workbench/README.md) [c](https://x.org/#y)", page: true}); len(p) != 0 {
		t.Errorf("correct links reported: %q", p)
	}
}

// TestForbiddenCitationsFire: each forbidden pattern is reported with the
// file and line it is on.
func TestForbiddenCitationsFire(t *testing.T) {
	for _, bad := range []string{
		"zab-" + "reference 9.1",
		"see design" + ".md",
		"SPEC" + " issue 1",
		"maelstrom-kafka-" + "spec",
		"style-" + "anchors",
		"decision" + " 6",
		"D" + "4",
		"B" + "11",
		"issue" + " #8",
		"/wo" + "rk/tmp",
		"../sha" + "red/x",
	} {
		p := forbiddenIn("a/b.go", "package b\n\nvar s = \"ok\" // "+bad+"\n", forbiddenCitations)
		if len(p) != 1 || !strings.HasPrefix(p[0], "a/b.go:3: ") {
			t.Errorf("%q: got %q, want one problem at a/b.go:3", bad, p)
		}
	}
	if p := forbiddenIn("a/b.go", "D-day, BD4, 0xD4, B2B, issue 8, work/, shared", forbiddenCitations); len(p) != 0 {
		t.Errorf("look-alikes reported: %q", p)
	}
}

// TestCitationCheckReadsEveryKind runs the whole check on a forged
// repository: a Go test file in a nested package, a Go file with a
// forbidden citation outside its comments, a transcript, a markdown file
// outside docs/, and a hidden directory that must be skipped. Each
// problem names its file and line.
func TestCitationCheckReadsEveryKind(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docs/rules.md", "# Rules\n\n## Durability\n")
	write("a/b/x_test.go", "package b\n\n// See docs/rules.md#nope.\nfunc f() {}\n")
	write("c/y.go", "package c\n\n// Fine: docs/rules.md#durability.\nvar v = \"issue"+" #8\"\n")
	write("tests/transcript/testdata/t.txt", "# ZK-"+"1\nstart peers=3\n----\n")
	write("README.md", "Intro.\n[r](docs/rules.md#nope)\n")
	write(".hidden/z.go", "package z\n\n// docs/rules.md#nope\n")
	rep, err := checkRepository(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.problems {
		file, rest, _ := strings.Cut(p, ": ")
		got = append(got, file+" "+strings.Fields(rest)[0])
	}
	slices.Sort(got)
	want := []string{
		"README.md:2 link",
		"a/b/x_test.go:3 docs/rules.md#nope:",
		"c/y.go:4 \"issue",
		"tests/transcript/testdata/t.txt:1 \"ZK-1\":",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q\nreduced to %q, want %q", rep.problems, got, want)
	}
	if rep.goFiles != 2 || rep.testFiles != 1 || rep.transcripts != 1 || rep.pages != 2 {
		t.Errorf("read %+v, want 2 Go files (1 test), 1 transcript, 2 pages", rep)
	}
}

// TestSlugsAreGitHubs: the anchors computed for headings are the ones
// GitHub gives them, repeated headings included.
func TestSlugsAreGitHubs(t *testing.T) {
	p := parsePage("# T\n## Phase 3: broadcast (DSN 2011, \"Phase 3\"; R&J 2008, \"Protocol\")\n" +
		"### 4. currentEpoch is written only after the synced history is durable\n" +
		"## Durable, on every peer (`zab.Storage`)\n## Tests\n## Tests\n<a id=\"here\"></a>\n```\n## Not a heading\n```\n")
	for _, a := range []string{"phase-3-broadcast-dsn-2011-phase-3-rj-2008-protocol",
		"4-currentepoch-is-written-only-after-the-synced-history-is-durable",
		"durable-on-every-peer-zabstorage", "tests", "tests-1", "here"} {
		if !p.anchors[a] {
			t.Errorf("no anchor %q in %v", a, p.anchors)
		}
	}
	if p.anchors["not-a-heading"] {
		t.Error("a heading inside a code fence got an anchor")
	}
}
