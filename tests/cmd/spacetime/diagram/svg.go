package diagram

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Colours: one per message category, one per lane state.
var (
	catColor = map[string]string{
		"election": "#7a7a7a", "discovery": "#7b3fa0", "sync": "#c25a0c",
		"broadcast": "#1f5fbf", "commit": "#2e8b57", "heartbeat": "#a0a0a0", "other": "#444444",
		"drop": "#c0392b",
	}
	catOrder   = []string{"election", "discovery", "sync", "broadcast", "commit", "heartbeat"}
	laneStyles = []struct {
		state laneState
		name  string
		attrs string
	}{
		{laneLooking, "LOOKING", `stroke="#9a9a9a" stroke-width="1.5"`},
		{laneFollowing, "FOLLOWING", `stroke="#7fa7dd" stroke-width="3.5"`},
		{laneLeading, "LEADING", `stroke="#c0392b" stroke-width="5"`},
		{laneDown, "down", `stroke="#bbbbbb" stroke-width="1" stroke-dasharray="3,4"`},
	}
)

const (
	titlePx    = 15.0
	captionPx  = 11.5
	captionLn  = 15.0
	legendRow  = 16.0
	headPx     = 12.0 // peer names
	symbolPx   = 12.0 // ✕ of a crash or a drop
	labelOff   = 2.0  // between an arrow and its label's box
	endPad     = 10.0 // between a label and the lanes its arrow joins
	sStep      = 5.0  // spacing of the label positions tried along an arrow
	maxPasses  = 80   // layout passes before giving up on a label
	growPx     = 5.0  // room added per pass to an interval a label lacks
	maxGrowPx  = 150  // the most added to one interval
	softPasses = 12   // passes that also make room for labels hard to read
	softCost   = costLane
	sansFamily = "Helvetica, Arial, sans-serif"
	stubPart   = 0.4 // how much of its arrow a message lost as sent gets
)

// round1 rounds to the one decimal an SVG coordinate is written with, so
// that the layout measures exactly what CheckSVG will read back.
//
// The same code must draw the same bytes on every machine, so products
// that are added to something are written float64(a*b): an explicit
// conversion keeps the compiler from fusing them into one multiply-add,
// which rounds differently (Go allows that fusion on arm64, ppc64 and
// s390x, not on amd64).
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// num formats a coordinate with one decimal, the same on every machine.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if s == "-0.0" {
		s = "0.0"
	}
	return strings.TrimSuffix(s, ".0")
}

// esc escapes text for SVG.
func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// wrap breaks text into lines no wider than width px at size px.
func wrap(text string, width, size float64) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && textWidth(line+" "+w, size) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// textEl is one text to draw, with the box it takes.
type textEl struct {
	x, y, size, angle float64
	anchor, fill      string
	text              string
	bold, sans, halo  bool
	b                 box
}

// drawing is one layout pass: the shapes in paint order, the texts (all
// painted last, over every line), and the boxes labels must avoid: every
// text, and the symbols, arrowheads and cut marks on the lanes.
type drawing struct {
	back, arrows, symbols bytes.Buffer
	texts                 []textEl
	obstacles             []box
	failed                []int   // arrows whose label found no free place
	failedAt              []int64 // times of mark stacks that found none
	width, height         float64
}

// shape adds one SVG element to a layer.
func (d *drawing) shape(b *bytes.Buffer, format string, args ...any) {
	fmt.Fprintf(b, format, args...)
	b.WriteByte('\n')
}

// text adds a text at a rounded position and makes its box an obstacle.
func (d *drawing) text(t textEl) {
	t.x, t.y, t.angle = round1(t.x), round1(t.y), round1(t.angle)
	if t.anchor == "" {
		t.anchor = "start"
	}
	if t.size == 0 {
		t.size = fontPx
	}
	t.b = textBox(t.x, t.y, t.size, t.anchor, t.angle, t.text)
	d.texts = append(d.texts, t)
	d.obstacles = append(d.obstacles, t.b)
}

// fits reports whether b overlaps no obstacle.
func (d *drawing) fits(b box) bool {
	for _, o := range d.obstacles {
		if overlaps(b, o) {
			return false
		}
	}
	return true
}

// render draws a scene as a standalone SVG document. Labels are placed
// one arrow at a time where they overlap nothing already drawn; when an
// arrow's label finds no such place the intervals it spans get more room
// and the layout starts again.
func render(sc scene) []byte {
	f := newFrame(sc)
	caption := wrap(sc.view.Caption, f.width-24, captionPx)
	legendTop := 44 + float64(len(caption))*captionLn
	top := legendTop + 3*legendRow + headerGap
	stacks, need := markStacks(sc, f)
	times, end := drawnTimes(sc)
	unit := sc.view.UnitPx
	if unit <= 0 {
		unit = unitPx
	}
	extra := map[int64]float64{}
	var d *drawing
	for pass := 0; ; pass++ {
		ax := newTimeAxis(slices.Clone(times), top, unit, need, extra)
		d = layoutPass(pass, sc, f, ax, unit, end, stacks, caption, legendTop, top)
		if (len(d.failed) == 0 && len(d.failedAt) == 0) || pass == maxPasses {
			break
		}
		grown := map[int64]bool{}
		for _, i := range d.failed {
			a := sc.arrows[i]
			at := a.at
			if at == a.sent {
				at += sc.delay
			}
			grow(extra, grown, ax, a.sent, at)
		}
		for _, t := range d.failedAt {
			grow(extra, grown, ax, t, t)
		}
	}
	return d.svg(sc.view.Title)
}

// grow gives more room to the intervals between times from and to (for
// a single time, the intervals either side of it), once per pass each
// and up to maxGrowPx: a label that does not fit sideways never will.
func grow(extra map[int64]float64, grown map[int64]bool, ax timeAxis, from, to int64) {
	i, _ := slices.BinarySearch(ax.times, from)
	j, _ := slices.BinarySearch(ax.times, to)
	j = min(j, len(ax.times)-1)
	if i >= j {
		i, j = max(i-1, 0), min(j+1, len(ax.times)-1)
	}
	for k := i + 1; k <= j; k++ {
		if t := ax.times[k]; !grown[t] && extra[t] < maxGrowPx {
			grown[t] = true
			extra[t] += growPx
		}
	}
}

// layoutPass draws everything on one time axis.
func layoutPass(pass int, sc scene, f frame, ax timeAxis, unit float64, end int64, stacks []stack, caption []string, legendTop, top float64) *drawing {
	v := sc.view
	d := &drawing{width: f.width, height: math.Ceil(ax.bottom() + footerPx)}
	d.header(v, caption, legendTop)
	laneTop := top - 8
	for _, p := range v.Peers {
		x := f.laneX[p]
		d.text(textEl{x: x, y: laneTop - 20, size: headPx, anchor: "middle", bold: true, text: fmt.Sprintf("n%d", p)})
		if e, ok := sc.heads[p]; ok {
			d.text(textEl{x: x, y: laneTop - 6, anchor: "middle", fill: "#555555", text: fmt.Sprintf("acc=e%d cur=e%d", e.Accepted, e.Current)})
		}
	}
	d.timeAxis(v, ax, laneTop)
	for _, s := range sc.segments {
		if s.from > end {
			continue
		}
		y0, y1 := ax.y(s.from), ax.y(min(s.to, end))
		if s.from <= v.From {
			y0 = laneTop
		}
		d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`, num(f.laneX[s.peer]), num(y0), num(f.laneX[s.peer]), num(y1), laneStyles[s.state].attrs)
	}
	for _, c := range ax.cuts {
		for _, p := range v.Peers {
			x := f.laneX[p]
			d.shape(&d.back, `<rect x="%s" y="%s" width="16" height="8" fill="#ffffff"/>`, num(x-8), num(c.y-4))
			d.shape(&d.back, `<path d="M%s,%s l10,-4 M%s,%s l10,-4" stroke="#888888" stroke-width="1.2"/>`, num(x-5), num(c.y-2), num(x-5), num(c.y+6))
			d.obstacles = append(d.obstacles, rectBox(x-6, c.y-7, 12, 14))
		}
	}
	d.markSymbols(sc, f, ax)
	geoms := make([]arrowGeom, len(sc.arrows))
	for i, a := range sc.arrows {
		geoms[i] = d.arrow(a, sc.delay, unit, f, ax)
	}
	for _, st := range stacks {
		if !d.placeStack(sc, st, ax, geoms, f, laneTop).ok {
			d.failedAt = append(d.failedAt, st.at)
		}
	}
	for i, a := range sc.arrows {
		// A label that covers a lane is legal but hard to read: for a
		// while, that asks for room too.
		if p := d.placeLabel(a, geoms, i, f, laneTop); !p.ok || (pass < softPasses && p.cost >= softCost) {
			d.failed = append(d.failed, i)
		}
	}
	return d
}

func (d *drawing) header(v View, caption []string, y float64) {
	d.text(textEl{x: 12, y: 22, size: titlePx, sans: true, bold: true, text: v.Title})
	for i, line := range caption {
		d.text(textEl{x: 12, y: 40 + float64(i)*captionLn, size: captionPx, sans: true, fill: "#333333", text: line})
	}
	x := 12.0
	for _, cat := range catOrder {
		d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" marker-end="url(#ah-%s)"/>`,
			num(x), num(y), num(x+22), num(y), catColor[cat], cat)
		d.text(textEl{x: x + 27, y: y + 3.5, fill: catColor[cat], text: cat})
		x += 36 + textWidth(cat, fontPx)
	}
	d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#777777" stroke-width="1.2" stroke-dasharray="4,3"/>`, num(x), num(y), num(x+18), num(y))
	d.text(textEl{x: x + 22, y: y + 4, size: symbolPx, fill: catColor["drop"], anchor: "middle", text: "✕"})
	d.text(textEl{x: x + 32, y: y + 3.5, fill: catColor["drop"], text: "dropped"})
	x, y = 12.0, y+legendRow
	for _, ls := range laneStyles {
		d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`, num(x), num(y), num(x+22), num(y), ls.attrs)
		d.text(textEl{x: x + 27, y: y + 3.5, text: ls.name})
		x += 36 + textWidth(ls.name, fontPx)
	}
	d.text(textEl{x: 12, y: y + legendRow + 3.5, fill: "#555555",
		text: "Time runs down (ticks); ≈N: N idle ticks cut out. acc/cur: acceptedEpoch/currentEpoch."})
}

func (d *drawing) timeAxis(v View, ax timeAxis, laneTop float64) {
	tick := float64(max(v.TickEvery, 1))
	ticks := func(units int64) string {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(units)/tick), ".0")
	}
	right := marginLeft - 8
	d.text(textEl{x: right, y: laneTop - 20, anchor: "end", fill: "#777777", text: "tick"})
	for _, c := range ax.cuts {
		d.text(textEl{x: right, y: c.y + 3.5, anchor: "end", fill: "#999999", text: "≈" + ticks(c.length)})
		d.shape(&d.back, `<path d="M%s,%s l4,-3 l4,6 l4,-6 l4,6 l4,-3" fill="none" stroke="#bbbbbb"/>`, num(marginLeft-4), num(c.y))
	}
	for i, t := range ax.times {
		el := textEl{x: right, y: ax.ys[i] + 3.5, anchor: "end", fill: "#777777", text: ticks(t)}
		b := textBox(round1(el.x), round1(el.y), fontPx, "end", 0, el.text)
		b.hh += 3 // keep the numbers apart
		if !d.fits(b) {
			continue
		}
		d.text(el)
		d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dddddd"/>`, num(marginLeft-5), num(ax.ys[i]), num(marginLeft), num(ax.ys[i]))
	}
}

// markColor is the colour of a mark's text.
var markColor = map[markKind]string{
	markNetwork: "#555555", markEstablished: "#c0392b", markViolation: "#c0392b", markCrash: "#c0392b", markRestart: "#2e8b57",
	markCommit: "#2e8b57", markPropose: "#1f5fbf", markEpochs: "#7b3fa0", markRole: "#333333",
}

// markSymbols draws each mark's symbol on its lane; marks across all
// lanes (network changes, established epochs) get a line across the
// picture instead.
func (d *drawing) markSymbols(sc scene, f frame, ax timeAxis) {
	for _, m := range sc.marks {
		x, y := f.markX(m), ax.y(m.at)
		sym := func(b box) { d.obstacles = append(d.obstacles, b) }
		switch m.kind {
		case markNetwork:
			d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#666666" stroke-dasharray="6,4"/>`, num(marginLeft), num(y), num(f.width-4), num(y))
		case markEstablished:
			d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c0392b" stroke-opacity="0.35" stroke-width="2"/>`, num(marginLeft), num(y), num(f.width-4), num(y))
		case markViolation:
			d.shape(&d.back, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c0392b" stroke-width="2" stroke-dasharray="2,3"/>`, num(marginLeft), num(y), num(f.width-4), num(y))
		case markCrash:
			d.text(textEl{x: x, y: y + 4.5, size: symbolPx, anchor: "middle", fill: "#c0392b", bold: true, text: "✕"})
		case markRestart:
			d.shape(&d.symbols, `<circle cx="%s" cy="%s" r="4" fill="#ffffff" stroke="#2e8b57" stroke-width="2"/>`, num(x), num(y))
			sym(rectBox(x-5, y-5, 10, 10))
		case markCommit:
			d.shape(&d.symbols, `<circle cx="%s" cy="%s" r="3" fill="#2e8b57"/>`, num(x), num(y))
			sym(rectBox(x-4, y-4, 8, 8))
		case markPropose:
			d.shape(&d.symbols, `<rect x="%s" y="%s" width="6" height="6" fill="#1f5fbf"/>`, num(x-3), num(y-3))
			sym(rectBox(x-4, y-4, 8, 8))
		case markEpochs:
			d.shape(&d.symbols, `<circle cx="%s" cy="%s" r="2.5" fill="#7b3fa0"/>`, num(x), num(y))
			sym(rectBox(x-4, y-4, 8, 8))
		case markRole:
			d.shape(&d.symbols, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333" stroke-width="1.5"/>`, num(x-6), num(y), num(x+6), num(y))
			sym(rectBox(x-7, y-2, 14, 4))
		}
	}
}

// placeStack writes a stack of annotations beside its lane, in the
// corner (right or left of the lane, below or above the time) that the
// fewest arrows cross, preferring right and below: a corner left of the
// lane reads as belonging to the lane on its left, so it is a last
// resort.
func (d *drawing) placeStack(sc scene, st stack, ax timeAxis, geoms []arrowGeom, f frame, laneTop float64) placement {
	y := ax.y(st.at)
	n := float64(len(st.marks))
	corners := []struct {
		right, below bool
		cost         float64
	}{{true, true, 0}, {true, false, 10}, {false, true, 70}, {false, false, 80}}
	var cands []candidate
	for _, c := range corners {
		if !c.right && st.x == f.lastX && sc.marks[st.marks[0]].peer == 0 {
			continue
		}
		cand := candidate{cost: c.cost}
		for i, mi := range st.marks {
			m := sc.marks[mi]
			el := textEl{x: st.x + markDX, anchor: "start", fill: markColor[m.kind], text: m.text, halo: true}
			if !c.right {
				el.x, el.anchor = st.x-markDX, "end"
			}
			if c.below {
				el.y = y + 11 + float64(i)*lineStep
			} else {
				el.y = y - 4 - (n-1-float64(i))*lineStep
			}
			cand.els = append(cand.els, el)
		}
		cands = append(cands, cand)
	}
	return d.choose(cands, geoms, -1, f, laneTop)
}

// arrowGeom is an arrow's line on the page; for a message lost as it
// was sent, a short stub toward its receiver.
type arrowGeom struct {
	x0, y0, x1, y1 float64
	stub           bool
}

// arrow draws one arrow's line and its ✕ if it was dropped.
func (d *drawing) arrow(a arrow, delay int64, unit float64, f frame, ax timeAxis) arrowGeom {
	g := arrowGeom{x0: f.laneX[a.from], y0: ax.y(a.sent), x1: f.laneX[a.to], y1: ax.y(a.at)}
	if a.dropped && a.at == a.sent {
		// Lost as it was sent: the first part of the arrow it would have
		// been, so that losses to several peers at once point apart.
		// Its slope is that of an arrow of the usual delay, unless that
		// would reach across a cut stretch.
		dy := ax.y(a.sent+delay) - g.y0
		for _, c := range ax.cuts {
			if c.y > g.y0 && c.y < g.y0+dy {
				dy = float64(delay) * unit
			}
		}
		g.x1, g.y1, g.stub = g.x0+float64(stubPart*(g.x1-g.x0)), g.y0+float64(stubPart*dy), true
	}
	color := catColor[a.cat]
	if a.dropped {
		d.shape(&d.arrows, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.2" stroke-dasharray="4,3"/>`,
			num(g.x0), num(g.y0), num(g.x1), num(g.y1), color)
		d.text(textEl{x: g.x1, y: g.y1 + 4, size: symbolPx, anchor: "middle", fill: catColor["drop"], text: "✕"})
		return g
	}
	d.shape(&d.arrows, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.2" marker-end="url(#ah-%s)"/>`,
		num(g.x0), num(g.y0), num(g.x1), num(g.y1), color, a.cat)
	if l := math.Hypot(g.x1-g.x0, g.y1-g.y0); l > 0 {
		c, s := (g.x1-g.x0)/l, (g.y1-g.y0)/l
		d.obstacles = append(d.obstacles, box{cx: g.x1 - float64(4.5*c), cy: g.y1 - float64(4.5*s), hw: 4.5, hh: 3.5, cos: c, sin: s})
	}
	return g
}

// candidate is one place tried for a label or a stack of annotations:
// its lines, and how badly it reads there before counting what it
// covers.
type candidate struct {
	els  []textEl
	cost float64
}

// Costs of what a candidate covers (see choose).
const (
	costLane  = 1000 // a lane line runs under the text
	costCross = 30   // an arrow runs under the text
)

// choose writes the candidate that overlaps nothing already written and
// costs least, counting a lane under it and every other arrow that
// crosses it (self is the arrow being labelled, -1 for none). If every
// candidate overlaps something, it writes the one that overlaps least
// and says so.
func (d *drawing) choose(cands []candidate, geoms []arrowGeom, self int, f frame, laneTop float64) placement {
	// Only what is near the candidates matters.
	band0, band1 := math.Inf(1), math.Inf(-1)
	for ci := range cands {
		for k := range cands[ci].els {
			el := &cands[ci].els[k]
			el.x, el.y, el.angle = round1(el.x), round1(el.y), round1(el.angle)
			el.size = fontPx
			el.b = textBox(el.x, el.y, fontPx, el.anchor, el.angle, el.text)
			_, y0, _, y1 := el.b.bounds()
			band0, band1 = min(band0, y0), max(band1, y1)
		}
	}
	var near []box
	for _, o := range d.obstacles {
		if _, y0, _, y1 := o.bounds(); y1 >= band0 && y0 <= band1 {
			near = append(near, o)
		}
	}
	var others []arrowGeom
	for j, o := range geoms {
		if j != self && max(o.y0, o.y1) >= band0 && min(o.y0, o.y1) <= band1 {
			others = append(others, o)
		}
	}
	best, bestBad := -1, math.MaxInt
	bestCost := 0.0
	for ci, c := range cands {
		bad, cost := 0, c.cost
		for _, el := range c.els {
			x0, y0, x1, y1 := el.b.bounds()
			if x0 < marginLeft || x1 > d.width || y0 < laneTop || y1 > d.height {
				bad += 1000
			}
			for _, o := range near {
				if overlaps(el.b, o) {
					bad++
				}
			}
			for _, lx := range f.laneX {
				if x0 < lx && lx < x1 {
					cost += costLane
				}
			}
			for _, o := range others {
				if el.b.crossesSegment(o.x0, o.y0, o.x1, o.y1) {
					cost += costCross
				}
			}
		}
		if best < 0 || bad < bestBad || (bad == bestBad && cost < bestCost) {
			best, bestBad, bestCost = ci, bad, cost
		}
	}
	for _, el := range cands[best].els {
		d.texts = append(d.texts, el)
		d.obstacles = append(d.obstacles, el.b)
	}
	return placement{ok: bestBad == 0, cost: bestCost}
}

// placement is how a label or stack was placed: clear of everything
// written (ok), at what cost.
type placement struct {
	ok   bool
	cost float64
}

// placeLabel writes arrow i's label along its line, upright, at the
// free place that reads best: near the middle, above the line, clear of
// the lanes and of other arrows.
func (d *drawing) placeLabel(a arrow, geoms []arrowGeom, i int, f frame, laneTop float64) placement {
	g := geoms[i]
	ax, ay, bx, by := g.x0, g.y0, g.x1, g.y1
	if g.stub {
		// Room along the whole arrow it would have been.
		bx, by = g.x0+(g.x1-g.x0)/stubPart, g.y0+(g.y1-g.y0)/stubPart
	}
	if bx < ax {
		ax, ay, bx, by = bx, by, ax, ay
	}
	length := math.Hypot(bx-ax, by-ay)
	angle := round1(math.Atan2(by-ay, bx-ax) * 180 / math.Pi)
	ux, uy := math.Cos(angle*math.Pi/180), math.Sin(angle*math.Pi/180)
	nx, ny := -uy, ux // the normal, pointing down the page
	widest := 0.0
	for _, l := range a.lines {
		widest = max(widest, textWidth(l.text, fontPx))
	}
	mid := length / 2
	lo, hi := widest/2+endPad, length-widest/2-endPad
	if g.stub {
		// As close as may be to the part drawn, at the sender's end.
		mid = stubPart / 2 * length
		if g.x0 > g.x1 {
			mid = length - mid
		}
		mid = max(lo, min(mid, hi))
	}
	ss := []float64{mid}
	if lo <= hi {
		ss[0] = max(lo, min(mid, hi))
		for k := 1.0; mid-k*sStep >= lo || mid+k*sStep <= hi; k++ {
			for _, s := range []float64{mid - k*sStep, mid + k*sStep} {
				if s >= lo && s <= hi {
					ss = append(ss, s)
				}
			}
		}
	}
	k := float64(len(a.lines))
	asc, desc := ascentEm*fontPx+boxPad, descentEm*fontPx+boxPad
	var cands []candidate
	for _, below := range []bool{false, true} {
		for lift := 0.0; lift <= 2; lift++ {
			for _, s := range ss {
				c := candidate{cost: float64(100*math.Abs(s-mid)/max(length, 1)) + 25*lift}
				if below {
					c.cost += 12
				}
				for j, l := range a.lines {
					v := -(labelOff + desc) - (k-1-float64(j)+lift)*lineStep
					if below {
						v = labelOff + asc + (float64(j)+lift)*lineStep
					}
					c.els = append(c.els, textEl{x: ax + float64(s*ux) + float64(v*nx), y: ay + float64(s*uy) + float64(v*ny), angle: angle, anchor: "middle",
						fill: catColor[l.cat], text: l.text, halo: true})
				}
				cands = append(cands, c)
			}
		}
	}
	return d.choose(cands, geoms, i, f, laneTop)
}

// svg writes the drawing as a standalone SVG document.
func (d *drawing) svg(title string) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%s">`,
		num(d.width), num(d.height), num(d.width), num(d.height), num(fontPx))
	w(`<title>%s</title>`, esc(title))
	w(`<defs>`)
	for _, cat := range append(catOrder, "other") {
		w(`<marker id="ah-%s" viewBox="0 0 8 6" refX="8" refY="3" markerWidth="8" markerHeight="6" orient="auto"><path d="M0,0 L8,3 L0,6 z" fill="%s"/></marker>`, cat, catColor[cat])
	}
	w(`</defs>`)
	w(`<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`, num(d.width), num(d.height))
	b.Write(d.back.Bytes())
	b.Write(d.arrows.Bytes())
	b.Write(d.symbols.Bytes())
	for _, t := range d.texts {
		var attrs strings.Builder
		fmt.Fprintf(&attrs, `x="%s" y="%s"`, num(t.x), num(t.y))
		if t.anchor != "start" {
			fmt.Fprintf(&attrs, ` text-anchor="%s"`, t.anchor)
		}
		if t.size != fontPx {
			fmt.Fprintf(&attrs, ` font-size="%s"`, num(t.size))
		}
		if t.sans {
			fmt.Fprintf(&attrs, ` font-family="%s"`, sansFamily)
		}
		if t.bold {
			attrs.WriteString(` font-weight="bold"`)
		}
		if t.fill != "" {
			fmt.Fprintf(&attrs, ` fill="%s"`, t.fill)
		}
		if t.halo {
			attrs.WriteString(` stroke="#ffffff" stroke-width="3" stroke-opacity="0.9" paint-order="stroke"`)
		}
		if t.angle != 0 {
			fmt.Fprintf(&attrs, ` transform="rotate(%s %s %s)"`, num(t.angle), num(t.x), num(t.y))
		}
		w(`<text %s>%s</text>`, attrs.String(), esc(t.text))
	}
	w(`</svg>`)
	return b.Bytes()
}
