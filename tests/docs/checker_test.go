package docs

import (
	"strings"
	"testing"
)

// TestCheckerCatchesDrift makes every rule of the reference checker fire
// on a page written to break it, and pass on its correct twin.
func TestCheckerCatchesDrift(t *testing.T) {
	idx, err := buildIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	good := "`zab/sync.go` `zab/sync.go:followerNewLeader` `zab/learnerhandler.go:learnerHandler.match` " +
		"`zab.PlanSync` `zab.Peer.Step` `zab.Message.Txns` `sim.World.Crash` `tests/sim/` " +
		"`TestOldLeaderReturnsAndIsTruncated` `NEWLEADER` `--seed` [safety](safety.md#the-chain) [up](#a-heading) " +
		"[code](../zab/sync.go) [dir](diagrams/) [site](https://example.org/x#y)\n\n## A heading\n" +
		"```\n`zab.NotChecked` inside a fence\n```"
	if p := checkPage(idx, "good.md", good); len(p) != 0 {
		t.Fatalf("correct references reported: %v", p)
	}
	for _, bad := range []struct{ text, want string }{
		{"`zab/nosuch.go`", "no such file"},
		{"`zab/nosuch.go:Thing`", "no file"},
		{"`zab/sync.go:noSuchFunc`", "declares no noSuchFunc"},
		{"`zab.NoSuchThing`", "package zab declares no NoSuchThing"},
		{"`zab.Peer.NoSuchMethod`", "declares no Peer.NoSuchMethod"},
		{"`sim.World.followerNewLeader`", "package sim declares no"},
		{"`TestNoSuchScenario`", "no such test"},
		{"[x](nosuch.md)", "no such file"},
		{"[x](safety.md#no-such-anchor)", "docs/safety.md has no anchor #no-such-anchor"},
		{"[x](#no-such-anchor)\n\n## Another heading", "this page has no anchor #no-such-anchor"},
		{"[x](../../outside.md)", "no such file in the repository"},
		{"`tests/nosuchdir/`", "no such file or directory"},
	} {
		p := checkPage(idx, "bad.md", bad.text)
		if len(p) != 1 || !strings.Contains(p[0], bad.want) {
			t.Errorf("%s: got %v, want one problem containing %q", bad.text, p, bad.want)
		}
	}
}

// TestEmbedsAreFound: the embed pattern finds diagrams and nothing else.
func TestEmbedsAreFound(t *testing.T) {
	got := embeddedSVGs(map[string]string{"a.md": "![x](diagrams/a.svg) [y](diagrams/b.svg) ![z](other/c.svg)"})
	if len(got) != 1 || !got["a.svg"] {
		t.Fatalf("embedded = %v, want just a.svg", got)
	}
}
