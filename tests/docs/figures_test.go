package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zabkafka/zab"
)

// figuresPage draws the leader's and a follower's logs before and after
// a DIFF, a TRUNC and a SNAP.
const figuresPage = "logs.md"

// A log figure is a "### " section of figuresPage holding a table with
// the rows "leader", "follower before" and "follower after" (one log
// entry per cell, "e:c" zxids; "snap e:c" for a snapshot that stands for
// everything up to e:c; ~~struck~~ entries are the ones the sync removes
// from the follower, **bold** ones the ones it receives), and the
// sentence "Plan: MODE from|to|at e:c" with "sync base e:c" (the
// follower's sync base, as its ACKEPOCH reports it).
var (
	planRE     = regexp.MustCompile(`Plan: (DIFF|TRUNC|SNAP) (?:from|to|at) (\d+:\d+)`)
	syncBaseRE = regexp.MustCompile(`sync base (\d+:\d+)`)
	zxidCellRE = regexp.MustCompile(`^(snap )?(\d+):(\d+)$`)
)

// logCell is one cell of a figure row.
type logCell struct {
	zxid   zab.Zxid
	snap   bool // a snapshot up to zxid
	struck bool // ~~cut by the sync~~
	bold   bool // **received in the sync**
}

// figure is one parsed log figure.
type figure struct {
	name                     string
	leader, before, after    []logCell
	mode                     zab.SyncMode
	point, base              zab.Zxid
	hasPlan, hasBase, hasRow bool
}

func parseZxid(s string) (zab.Zxid, bool) {
	m := zxidCellRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	e, err1 := strconv.ParseUint(m[2], 10, 32)
	c, err2 := strconv.ParseUint(m[3], 10, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return zab.MakeZxid(zab.Epoch(e), uint32(c)), true
}

// parseCells reads the log cells of one row; empty cells end nothing
// (they pad the table).
func parseCells(cells []string) ([]logCell, error) {
	var out []logCell
	for _, raw := range cells {
		c := logCell{}
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "~~") && strings.HasSuffix(s, "~~") && len(s) > 4 {
			c.struck, s = true, s[2:len(s)-2]
		}
		if strings.HasPrefix(s, "**") && strings.HasSuffix(s, "**") && len(s) > 4 {
			c.bold, s = true, s[2:len(s)-2]
		}
		m := zxidCellRE.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("cell %q is not a zxid", raw)
		}
		c.snap = m[1] != ""
		c.zxid, _ = parseZxid(strings.TrimPrefix(s, "snap "))
		out = append(out, c)
	}
	return out, nil
}

// parseFigures reads every "### " section of text that has a log table.
func parseFigures(text string) ([]figure, []string) {
	var figs []figure
	var problems []string
	sections := strings.Split("\n"+text, "\n### ")[1:]
	for _, sec := range sections {
		name, body, _ := strings.Cut(sec, "\n")
		f := figure{name: strings.TrimSpace(name)}
		for _, line := range strings.Split(body, "\n") {
			if !strings.HasPrefix(line, "|") {
				continue
			}
			cells := splitRow(line)
			var err error
			switch strings.ToLower(cells[0]) {
			case "leader":
				f.leader, err = parseCells(cells[1:])
			case "follower before":
				f.before, err = parseCells(cells[1:])
			case "follower after":
				f.after, err = parseCells(cells[1:])
			default:
				continue
			}
			f.hasRow = true
			if err != nil {
				problems = append(problems, fmt.Sprintf("figure %q: %v", f.name, err))
			}
		}
		if !f.hasRow {
			continue // a section without a log figure
		}
		if m := planRE.FindStringSubmatch(body); m != nil {
			f.hasPlan = true
			f.mode = map[string]zab.SyncMode{"DIFF": zab.SyncDiff, "TRUNC": zab.SyncTrunc, "SNAP": zab.SyncSnap}[m[1]]
			f.point, _ = parseZxid(m[2])
		}
		if m := syncBaseRE.FindStringSubmatch(body); m != nil {
			f.hasBase = true
			f.base, _ = parseZxid(m[1])
		}
		figs = append(figs, f)
	}
	return figs, problems
}

// syncInput is what the leader of the figure would hand zab.PlanSync.
func (f figure) syncInput() zab.SyncInput {
	in := zab.SyncInput{FollowerBase: f.base}
	for _, c := range f.leader {
		if c.snap {
			in.HasSnapshot, in.SnapshotZxid, in.RetainedAfter = true, c.zxid, c.zxid
		}
		e := c.zxid.Epoch()
		if n := len(in.LeaderEnds); n > 0 && in.LeaderEnds[n-1].Epoch == e {
			in.LeaderEnds[n-1].Last = c.zxid
		} else {
			in.LeaderEnds = append(in.LeaderEnds, zab.EpochEnd{Epoch: e, Last: c.zxid})
		}
		in.LeaderLast = c.zxid
	}
	if n := len(f.before); n > 0 {
		in.FollowerLast = f.before[n-1].zxid
	}
	return in
}

// checkFigure returns what is wrong with one figure: its stated plan is
// not what PlanSync chooses, or its "after" row, struck and bold cells
// are not what applying that plan gives.
func checkFigure(f figure) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("figure %q: ", f.name)+fmt.Sprintf(format, args...))
	}
	if len(f.leader) == 0 || len(f.after) == 0 || !f.hasPlan || !f.hasBase {
		bad("needs the rows leader, follower before and follower after, a \"Plan: MODE from e:c\" and a \"sync base e:c\"")
		return problems
	}
	plan, err := zab.PlanSync(f.syncInput())
	if err != nil {
		bad("PlanSync refuses it: %v", err)
		return problems
	}
	if plan.Mode != f.mode || plan.From != f.point {
		bad("the page says %v at %v, PlanSync chooses %v at %v", f.mode, f.point, plan.Mode, plan.From)
		return problems
	}
	// What the follower holds after applying the NEWLEADER
	// (zab/sync.go:followerNewLeader): its log cut back to the plan's
	// point, or the snapshot, then every leader entry after the point.
	var want, sent []logCell
	var cut []zab.Zxid
	if plan.Mode == zab.SyncSnap {
		want = append(want, logCell{zxid: plan.From, snap: true})
		for _, c := range f.before {
			cut = append(cut, c.zxid)
		}
	} else {
		for _, c := range f.before {
			if c.zxid <= plan.From {
				want = append(want, logCell{zxid: c.zxid, snap: c.snap})
			} else {
				cut = append(cut, c.zxid)
			}
		}
	}
	for _, c := range f.leader {
		if c.zxid > plan.From {
			want = append(want, logCell{zxid: c.zxid})
			sent = append(sent, c)
		}
	}
	got := func(cells []logCell, keep func(logCell) bool) []string {
		var out []string
		for _, c := range cells {
			if keep(c) {
				s := fmt.Sprintf("%d:%d", c.zxid.Epoch(), c.zxid.Counter())
				if c.snap {
					s = "snap " + s
				}
				out = append(out, s)
			}
		}
		return out
	}
	all := func(logCell) bool { return true }
	if a, w := got(f.after, all), got(want, all); !slices.Equal(a, w) {
		bad("follower after is %v, applying %v at %v gives %v", a, plan.Mode, plan.From, w)
	}
	if a, w := got(f.after, func(c logCell) bool { return c.bold }), got(sent, all); plan.Mode != zab.SyncSnap && !slices.Equal(a, w) {
		bad("bold (received) entries are %v, the NEWLEADER carries %v", a, w)
	}
	struck := got(f.before, func(c logCell) bool { return c.struck })
	var wantCut []string
	for _, z := range cut {
		wantCut = append(wantCut, fmt.Sprintf("%d:%d", z.Epoch(), z.Counter()))
	}
	if !slices.Equal(struck, wantCut) {
		bad("struck (removed) entries are %v, the sync removes %v", struck, wantCut)
	}
	return problems
}

// checkFigures checks every figure of the page and that DIFF, TRUNC and
// SNAP each have one.
func checkFigures(text string) []string {
	figs, problems := parseFigures(text)
	seen := map[zab.SyncMode]bool{}
	for _, f := range figs {
		problems = append(problems, checkFigure(f)...)
		seen[f.mode] = true
	}
	for _, m := range []zab.SyncMode{zab.SyncDiff, zab.SyncTrunc, zab.SyncSnap} {
		if !seen[m] {
			problems = append(problems, fmt.Sprintf("no figure of a %v sync", m))
		}
	}
	return problems
}

// TestLogFiguresMatchPlanSync: every log figure of docs/logs.md is what
// zab.PlanSync and the follower's NEWLEADER handling do with those logs.
func TestLogFiguresMatchPlanSync(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "docs", figuresPage))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkFigures(string(b)) {
		t.Errorf("docs/%s: %s", figuresPage, p)
	}
}

// TestFigureCheckerFires makes each rule of checkFigure fire on a figure
// drawn wrong, and pass on the right one.
func TestFigureCheckerFires(t *testing.T) {
	fig := func(leader, before, after, plan string) string {
		return "### f\n\n| | | | | |\n|---|---|---|---|---|\n| leader | " + leader + " |\n| follower before | " + before +
			" |\n| follower after | " + after + " |\n\n" + plan + "\n"
	}
	const leader = "1:1 | 1:2 | 1:3 | 2:1"
	good := fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | **2:1**", "Plan: TRUNC to 1:3; sync base 1:2.")
	figs, problems := parseFigures(good)
	if len(problems) != 0 || len(figs) != 1 || len(checkFigure(figs[0])) != 0 {
		t.Fatalf("a correct figure reported: %v %v", problems, checkFigure(figs[0]))
	}
	for _, bad := range []struct{ text, want string }{
		{fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | **2:1**", "Plan: DIFF from 1:4; sync base 1:2."), "PlanSync chooses TRUNC"},
		{fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | 1:4 | **2:1**", "Plan: TRUNC to 1:3; sync base 1:2."), "follower after"},
		{fig(leader, "1:1 | 1:2 | 1:3 | 1:4", "1:1 | 1:2 | 1:3 | **2:1**", "Plan: TRUNC to 1:3; sync base 1:2."), "struck"},
		{fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | 2:1", "Plan: TRUNC to 1:3; sync base 1:2."), "bold"},
		{fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | **2:1**", "Plan: TRUNC to 1:3."), "sync base"},
		{fig(leader, "1:1 | 1:2 | 1:3 | ~~1:4~~", "1:1 | 1:2 | 1:3 | **2:1**", "Plan: TRUNC to 1:3; sync base 1:4."), "PlanSync refuses"},
	} {
		figs, _ := parseFigures(bad.text)
		var p []string
		for _, f := range figs {
			p = append(p, checkFigure(f)...)
		}
		if len(p) != 1 || !strings.Contains(p[0], bad.want) {
			t.Errorf("got %v, want one problem containing %q, for:\n%s", p, bad.want, bad.text)
		}
	}
	if _, p := parseFigures(fig(leader, "1:1 | x", "1:1", "Plan: DIFF from 1:1; sync base 0:0.")); len(p) != 1 || !strings.Contains(p[0], "not a zxid") {
		t.Errorf("a malformed cell: got %v", p)
	}
	if p := checkFigures(good); len(p) != 2 || !strings.Contains(p[0], "DIFF") || !strings.Contains(p[1], "SNAP") {
		t.Errorf("a page with only a TRUNC figure: got %v, want the DIFF and SNAP figures missing", p)
	}
}
