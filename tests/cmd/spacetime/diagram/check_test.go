package diagram

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestTextBox(t *testing.T) {
	// "abcd" at 10 px: 4 * 0.62 * 10 = 24.8 px wide, plus the pad.
	for _, tc := range []struct {
		anchor string
		x0, x1 float64
	}{{"start", 99, 125.8}, {"middle", 86.6, 113.4}, {"end", 74.2, 101}} {
		b := textBox(100, 50, 10, tc.anchor, 0, "abcd")
		x0, y0, x1, y1 := b.bounds()
		if !near(x0, tc.x0) || !near(x1, tc.x1) || !near(y0, 41) || !near(y1, 53.2) {
			t.Errorf("%s: bounds %v %v %v %v", tc.anchor, x0, y0, x1, y1)
		}
	}
	if w := textWidth("a×✕", 10); !near(w, 26.2) {
		t.Errorf("non-ASCII characters count a full em: width %v", w)
	}
	// Turned a quarter turn about its start, a text runs down the page.
	b := textBox(0, 0, 10, "start", 90, "abcd")
	if x0, y0, x1, y1 := b.bounds(); !near(y0, -1) || !near(y1, 25.8) || x1-x0 > 13 {
		t.Errorf("rotated bounds %v %v %v %v", x0, y0, x1, y1)
	}
}

func near(a, b float64) bool { return a-b < 0.01 && b-a < 0.01 }

// TestOverlaps: the separating axis test finds overlaps the bounding
// rectangles would miss or invent.
func TestOverlaps(t *testing.T) {
	flat := rectBox(0, 0, 100, 10)
	slanted := box{cx: 138, cy: -18, hw: 50.6, hh: 6.1, cos: math.Sqrt2 / 2, sin: -math.Sqrt2 / 2}
	for _, tc := range []struct {
		name string
		b    box
		want bool
	}{
		{"same place", rectBox(0, 0, 100, 10), true},
		{"touching edges", rectBox(100, 0, 50, 10), false},
		{"just apart", rectBox(0, 10.1, 100, 10), false},
		{"crossing", textBox(50, 5, 10, "middle", 45, "abcdefgh"), true},
		// A long label at 45 degrees whose bounding rectangle covers the
		// flat box's end but whose body passes beside it.
		{"rotated, near but apart", slanted, false},
	} {
		if got := overlaps(flat, tc.b); got != tc.want {
			t.Errorf("%s: overlaps = %v, want %v", tc.name, got, tc.want)
		}
		if got := overlaps(tc.b, flat); got != tc.want {
			t.Errorf("%s (swapped): overlaps = %v, want %v", tc.name, got, tc.want)
		}
	}
	// The "near but apart" case must really be one the bounding
	// rectangles get wrong, or it tests nothing.
	if x0, y0, _, y1 := slanted.bounds(); !(x0 < 100 && y1 > 0 && y0 < 10) {
		t.Fatalf("the slanted box's bounds %v, %v..%v do not reach the flat box", x0, y0, y1)
	}
}

func TestCrossesSegment(t *testing.T) {
	b := rectBox(10, 10, 20, 10)
	for _, tc := range []struct {
		x0, y0, x1, y1 float64
		want           bool
	}{
		{0, 15, 40, 15, true},   // straight through
		{0, 0, 40, 40, true},    // diagonally
		{0, 0, 40, 5, false},    // above
		{15, 12, 20, 18, true},  // inside
		{0, 30, 40, 21, false},  // below
		{31, 0, 31, 40, false},  // beside
		{0, 25, 15, 15.5, true}, // ends inside
	} {
		if got := b.crossesSegment(tc.x0, tc.y0, tc.x1, tc.y1); got != tc.want {
			t.Errorf("segment %v: crosses = %v, want %v", tc, got, tc.want)
		}
	}
}

func svgDoc(w, h int, body string) []byte {
	return []byte(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-size="10">%s</svg>`, w, h, body))
}

// TestCheckSVGFires makes every rule of CheckSVG fire on a forged
// drawing, and pass on its correct twin.
func TestCheckSVGFires(t *testing.T) {
	good := svgDoc(400, 300, `<text x="10" y="20">PROPOSAL +e1:c3</text>`+
		`<text x="10" y="33">ACK e1:c3</text>`+
		`<g font-size="12" text-anchor="end"><text x="390" y="50">n1</text></g>`+
		`<text x="200" y="100" text-anchor="middle" transform="rotate(20 200 100)">VOTE (e1,e1:c2,n3) LEADING</text>`+
		`<text x="200" y="180" text-anchor="middle" transform="rotate(-20 200 180)">VOTE (e1,e1:c2,n1) LOOKING</text>`)
	if p := CheckSVG(good); len(p) != 0 {
		t.Fatalf("a readable drawing reported: %q", p)
	}
	for _, bad := range []struct {
		name, svg, want string
	}{
		{"two labels at one point", string(svgDoc(400, 300, `<text x="10" y="20">PROPOSAL +e1:c3</text><text x="30" y="24">ACK e1:c3</text>`)), "overlap"},
		{"crossing labels", string(svgDoc(400, 300, `<text x="200" y="100" text-anchor="middle" transform="rotate(20 200 100)">VOTE (e1,e1:c2,n3) LEADING</text>`+
			`<text x="200" y="100" text-anchor="middle" transform="rotate(-20 200 100)">VOTE (e1,e1:c2,n1) LOOKING</text>`)), "overlap"},
		{"inherited size makes it overlap", string(svgDoc(400, 300, `<text x="10" y="20">PROPOSAL</text><g font-size="30"><text x="10" y="42">ACK</text></g>`)), "overlap"},
		{"out of the picture", string(svgDoc(100, 300, `<text x="10" y="20">PROPOSAL +e1:c3 and more</text>`)), "runs out"},
		{"too wide", string(svgDoc(MaxWidthPx+1, 300, ``)), "wide"},
		{"too tall", string(svgDoc(400, MaxHeightPx+1, ``)), "tall"},
		{"too small", string(svgDoc(400, 300, `<text x="10" y="20" font-size="9.5">ACK</text>`)), "less than"},
		{"a tspan", string(svgDoc(400, 300, `<text x="10" y="20">A<tspan>B</tspan></text>`)), "cannot measure"},
		{"a shift", string(svgDoc(400, 300, `<text x="10" y="20" dy="-3">A</text>`)), "dx or dy"},
		{"another transform", string(svgDoc(400, 300, `<text x="10" y="20" transform="translate(3 4)">A</text>`)), "not rotate"},
		{"rotated elsewhere", string(svgDoc(400, 300, `<text x="10" y="20" transform="rotate(10 0 0)">A</text>`)), "not its own"},
		{"not XML", `<svg width="10" height="10"><text x="1" y="1">`, "not well-formed"},
	} {
		p := CheckSVG([]byte(bad.svg))
		if len(p) != 1 || !strings.Contains(p[0], bad.want) {
			t.Errorf("%s: got %q, want one problem containing %q", bad.name, p, bad.want)
		}
	}
}

// TestCheckSVGFiresOnAForgedLayout: a real diagram passes; moving one of
// its arrow labels onto another makes the check fail, naming both.
func TestCheckSVGFiresOnAForgedLayout(t *testing.T) {
	res, err := Scenarios()[0].Run()
	if err != nil {
		t.Fatal(err)
	}
	svg := string(res.SVG())
	if p := CheckSVG([]byte(svg)); len(p) != 0 {
		t.Fatalf("the real drawing reported: %q", p)
	}
	texts, _, _, err := readTexts([]byte(svg))
	if err != nil {
		t.Fatal(err)
	}
	var from, onto *svgText
	for i := range texts {
		switch {
		case strings.HasPrefix(texts[i].text, "LEADERINFO") && from == nil:
			from = &texts[i]
		case strings.HasPrefix(texts[i].text, "ACKEPOCH") && onto == nil:
			onto = &texts[i]
		}
	}
	if from == nil || onto == nil {
		t.Fatal("the first election has no LEADERINFO or ACKEPOCH label")
	}
	old := fmt.Sprintf(`x="%s" y="%s"`, num(from.x), num(from.y))
	forged := strings.Replace(svg, old, fmt.Sprintf(`x="%s" y="%s"`, num(onto.x), num(onto.y)), 1)
	// Keep the rotation consistent with the new position.
	forged = rotateAbout(forged, from, onto)
	p := CheckSVG([]byte(forged))
	if len(p) == 0 {
		t.Fatal("a label moved onto another was not reported")
	}
	found := false
	for _, q := range p {
		found = found || (strings.Contains(q, from.text) && strings.Contains(q, onto.text))
	}
	if !found {
		t.Errorf("no problem names both labels: %q", p)
	}
}

// rotateAbout rewrites the rotation centre of the text that was at from
// to onto's position, as a label moved there would have it.
func rotateAbout(svg string, from, onto *svgText) string {
	old := fmt.Sprintf(" %s %s)", num(from.x), num(from.y))
	return strings.Replace(svg, old, fmt.Sprintf(" %s %s)", num(onto.x), num(onto.y)), 1)
}
