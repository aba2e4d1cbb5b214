package docs

import (
	"testing"
)

// TestCitationsResolve checks every citation of the repository: in the
// comments of every Go file (tests and testdata included), in the comment
// lines of the recovery transcripts and in every markdown file. A page of
// docs/ must exist with its anchor or quoted title; a paper must be one of
// the three, a part of it one the paper names; a ZooKeeper ticket must be
// written out; and no file may cite a document outside the repository.
func TestCitationsResolve(t *testing.T) {
	rep, err := checkRepository(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.problems {
		t.Error(p)
	}
	// The check must have read what it claims to check.
	for _, dir := range []string{"zab", "election", "election/quorum", "log", "log/zabstore", "log/kafka", "node", "node/cmd/zabkafka",
		"tests/sim", "tests/scenarios", "tests/invariants", "tests/transcript", "tests/nodesim", "tests/docs", "tests/workbench", "tests/workbench/testdata/toys/single"} {
		if !rep.dirs[dir] {
			t.Errorf("no Go file of %s/ was read", dir)
		}
	}
	t.Logf("read %d Go files (%d of them tests) with %d comment groups, %d transcripts, %d markdown files; %d docs references, %d ZooKeeper tickets, %d paper citations",
		rep.goFiles, rep.testFiles, rep.comments, rep.transcripts, rep.pages, rep.docsRefs, rep.jiras, rep.paperRefs)
	if rep.testFiles < 50 || rep.transcripts < 10 || rep.pages < 10 || rep.docsRefs < 100 || rep.jiras < 100 || rep.paperRefs < 20 {
		t.Errorf("read too little to mean anything: %+v", rep)
	}
}
