package diagram

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"zabkafka/zab"
)

// Colours: one per message category, one per lane state.
var (
	catColor = map[string]string{
		"election": "#8a8a8a", "discovery": "#7b3fa0", "sync": "#d2691e",
		"broadcast": "#1f5fbf", "commit": "#2e8b57", "heartbeat": "#b0b0b0", "other": "#444444",
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
	fontPx     = 9.5
	charPx     = 5.75 // monospace advance at fontPx
	titlePx    = 15.0
	captionPx  = 11.5
	captionLn  = 15.0
	legendRow  = 16.0
	markDotR   = 3.0
	timeLabelY = 40.0 // minimum spacing of time-axis labels
)

// canvas accumulates SVG elements.
type canvas struct{ b bytes.Buffer }

func (c *canvas) f(format string, args ...any) {
	fmt.Fprintf(&c.b, format, args...)
	c.b.WriteByte('\n')
}

// esc escapes text for SVG.
func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// num formats a coordinate with one decimal, the same on every machine.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if s == "-0.0" {
		s = "0.0"
	}
	return strings.TrimSuffix(s, ".0")
}

// wrap breaks text into lines of at most width characters.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
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

// render draws a scene as a standalone SVG document.
func render(sc scene) []byte {
	v := sc.view
	xs := laneX(v.Peers)
	g := laneGap(len(v.Peers))
	lastX := xs[v.Peers[len(v.Peers)-1]]
	width := lastX + marginRight
	caption := wrap(v.Caption, int((width-24)/(captionPx*0.55)))
	top := 44 + float64(len(caption))*captionLn + 2*legendRow + 12 + headerPx
	ax := axisFor(sc, top+14)
	height := ax.bottom() + footerPx

	var c canvas
	c.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%s">`,
		num(width), num(height), num(width), num(height), num(fontPx))
	c.f(`<title>%s</title>`, esc(v.Title))
	c.f(`<defs>`)
	for _, cat := range append(catOrder, "other") {
		c.f(`<marker id="ah-%s" viewBox="0 0 8 6" refX="8" refY="3" markerWidth="8" markerHeight="6" orient="auto"><path d="M0,0 L8,3 L0,6 z" fill="%s"/></marker>`, cat, catColor[cat])
	}
	c.f(`</defs>`)
	c.f(`<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`, num(width), num(height))
	drawHeader(&c, v, caption, width)
	y := 44 + float64(len(caption))*captionLn
	drawLegend(&c, y)

	laneTop := top - 6
	for _, p := range v.Peers {
		c.f(`<text x="%s" y="%s" text-anchor="middle" font-size="12" font-weight="bold">n%d</text>`, num(xs[p]), num(laneTop-4), p)
	}
	drawTimeAxis(&c, v, ax)
	for _, s := range sc.segments {
		y0, y1 := ax.y(s.from), ax.y(s.to)
		if s.from <= v.From {
			y0 = laneTop
		}
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`, num(xs[s.peer]), num(y0), num(xs[s.peer]), num(y1), laneStyles[s.state].attrs)
	}
	for _, a := range sc.arrows {
		drawArrow(&c, a, xs, ax, g)
	}
	drawMarks(&c, sc, xs, ax, lastX, width)
	c.f(`</svg>`)
	return c.b.Bytes()
}

func drawHeader(c *canvas, v View, caption []string, width float64) {
	c.f(`<text x="12" y="22" font-family="Helvetica, Arial, sans-serif" font-size="%s" font-weight="bold">%s</text>`, num(titlePx), esc(v.Title))
	for i, line := range caption {
		c.f(`<text x="12" y="%s" font-family="Helvetica, Arial, sans-serif" font-size="%s" fill="#333333">%s</text>`,
			num(40+float64(i)*captionLn), num(captionPx), esc(line))
	}
}

func drawLegend(c *canvas, y float64) {
	x := 12.0
	for _, cat := range catOrder {
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" marker-end="url(#ah-%s)"/>`,
			num(x), num(y), num(x+22), num(y), catColor[cat], cat)
		c.f(`<text x="%s" y="%s" fill="%s">%s</text>`, num(x+27), num(y+3), catColor[cat], cat)
		x += 36 + float64(len(cat))*charPx
	}
	c.f(`<text x="%s" y="%s" fill="#c0392b">✕ dropped</text>`, num(x), num(y+3))
	x = 12.0
	y += legendRow
	for _, ls := range laneStyles {
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`, num(x), num(y), num(x+22), num(y), ls.attrs)
		c.f(`<text x="%s" y="%s">%s</text>`, num(x+27), num(y+3), ls.name)
		x += 36 + float64(len(ls.name))*charPx
	}
	c.f(`<text x="%s" y="%s" fill="#555555">lanes: peers; time runs down; quiet stretches are shortened (≈)</text>`, num(x), num(y+3))
}

func drawTimeAxis(c *canvas, v View, ax timeAxis) {
	tick := float64(max(v.TickEvery, 1))
	c.f(`<text x="%s" y="%s" text-anchor="end" fill="#777777">tick</text>`, num(marginLeft-8), num(ax.y(v.From)-14))
	lastY := math.Inf(-1)
	for i, t := range ax.times {
		if ax.ys[i]-lastY < timeLabelY {
			continue
		}
		lastY = ax.ys[i]
		c.f(`<text x="%s" y="%s" text-anchor="end" fill="#777777">%s</text>`, num(marginLeft-8), num(ax.ys[i]+3), strings.TrimSuffix(fmt.Sprintf("%.1f", float64(t)/tick), ".0"))
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dddddd"/>`, num(marginLeft-5), num(ax.ys[i]), num(marginLeft), num(ax.ys[i]))
	}
	for _, gp := range ax.gaps {
		c.f(`<text x="%s" y="%s" text-anchor="end" fill="#999999">≈%s</text>`, num(marginLeft-8), num(gp.y+3),
			strings.TrimSuffix(fmt.Sprintf("%.1f", float64(gp.length)/tick), ".0"))
		c.f(`<path d="M%s,%s l4,-3 l4,6 l4,-6 l4,6 l4,-3" fill="none" stroke="#bbbbbb"/>`, num(marginLeft-4), num(gp.y))
	}
}

// drawArrow draws one message, its label along the middle of the arrow
// on a white halo so that crossing lines do not hide it.
func drawArrow(c *canvas, a arrow, xs map[zab.PeerID]float64, ax timeAxis, g float64) {
	x0, y0 := xs[a.from], ax.y(a.sent)
	x1, y1 := xs[a.to], ax.y(a.at)
	color := catColor[a.cat]
	label := a.label
	if a.dropped {
		label += " (" + a.why + ")"
		if a.at == a.sent {
			// Lost as it was sent: a stub toward the receiver.
			dir := 1.0
			if x1 < x0 {
				dir = -1
			}
			x1, y1 = x0+dir*0.3*g, y0
		}
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.2" stroke-dasharray="4,3"/>`,
			num(x0), num(y0), num(x1), num(y1), color)
		c.f(`<text x="%s" y="%s" text-anchor="middle" fill="#c0392b" font-size="12">✕</text>`, num(x1), num(y1+4))
	} else {
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.2" marker-end="url(#ah-%s)"/>`,
			num(x0), num(y0), num(x1), num(y1), color, a.cat)
	}
	dx, dy := x1-x0, y1-y0
	length := math.Hypot(dx, dy)
	if length == 0 {
		return
	}
	lx, ly := x0+dx/2, y0+dy/2 // the middle: arrows of different spans never share it
	angle := math.Atan2(dy, dx) * 180 / math.Pi
	if dx < 0 {
		angle += 180 // keep the text upright
	}
	c.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s" stroke="#ffffff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke" transform="rotate(%s %s %s)" dy="-3">%s</text>`,
		num(lx), num(ly), color, num(angle), num(lx), num(ly), esc(label))
}

// drawMarks draws the lane annotations; marks across all lanes (network
// changes, established epochs) get a line and their text in the right
// margin, stacked with the last lane's.
func drawMarks(c *canvas, sc scene, xs map[zab.PeerID]float64, ax timeAxis, lastX, width float64) {
	type slot struct {
		x float64
		t int64
	}
	stack := map[slot]int{}
	for _, m := range sc.marks {
		x := lastX
		if m.peer != 0 {
			x = xs[m.peer]
		}
		y := ax.y(m.at)
		k := slot{x, m.at}
		ty := y + 4 + float64(stack[k])*markLinePx
		stack[k]++
		tx := x + 7
		fill, text := "#333333", m.text
		switch m.kind {
		case markNetwork:
			c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#666666" stroke-dasharray="6,4"/>`, num(marginLeft), num(y), num(width-8), num(y))
			fill, text = "#555555", "network: "+text
		case markEstablished:
			c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#c0392b" stroke-opacity="0.35" stroke-width="2"/>`, num(marginLeft), num(y), num(width-8), num(y))
			fill = "#c0392b"
		case markCrash:
			c.f(`<text x="%s" y="%s" text-anchor="middle" fill="#c0392b" font-size="16" font-weight="bold">✕</text>`, num(x), num(y+5))
			fill = "#c0392b"
		case markRestart:
			c.f(`<circle cx="%s" cy="%s" r="4" fill="#ffffff" stroke="#2e8b57" stroke-width="2"/>`, num(x), num(y))
			fill = "#2e8b57"
		case markCommit:
			c.f(`<circle cx="%s" cy="%s" r="%s" fill="#2e8b57"/>`, num(x), num(y), num(markDotR))
			fill = "#2e8b57"
		case markPropose:
			c.f(`<rect x="%s" y="%s" width="6" height="6" fill="#1f5fbf"/>`, num(x-3), num(y-3))
			fill = "#1f5fbf"
		case markRole:
			c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333" stroke-width="1.5"/>`, num(x-6), num(y), num(x+6), num(y))
		}
		c.f(`<rect x="%s" y="%s" width="%s" height="11" fill="#ffffff" fill-opacity="0.85"/>`,
			num(tx-1), num(ty-9), num(float64(len([]rune(text)))*charPx+2))
		c.f(`<text x="%s" y="%s" fill="%s">%s</text>`, num(tx), num(ty), fill, esc(text))
	}
}
