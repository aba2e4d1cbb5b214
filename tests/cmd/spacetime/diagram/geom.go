package diagram

import "math"

// Text metrics. A diagram is drawn before any font is chosen (GitHub
// shows an SVG with the reader's fonts), so widths are estimated from the
// character count, on the safe side: monospace fonts advance about 0.6 em
// (DejaVu Sans Mono and Menlo 0.602, Consolas 0.55), so an ASCII
// character counts advanceEm; any other character (×, ≈, ✕) may come
// from a fallback font and counts a full em. Proportional text (title,
// caption) is measured the same way, which overestimates it.
const (
	advanceEm = 0.62
	wideEm    = 1.0
	ascentEm  = 0.8  // above the baseline, capitals included
	descentEm = 0.22 // below it
	boxPad    = 1.0  // each side: room for the white halo
)

// textWidth estimates the width of s at size px.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r < 0x80 {
			w += advanceEm
		} else {
			w += wideEm
		}
	}
	return w * size
}

// box is an oriented rectangle: its centre, its half extents along its
// own axes, and the direction of its first axis (cos, sin), in SVG
// coordinates (y down).
type box struct {
	cx, cy, hw, hh, cos, sin float64
}

// textBox is the box a <text> at (x, y) takes: baseline through (x, y),
// anchored at its start, middle or end, turned by angle degrees about
// (x, y) as SVG's rotate(angle x y) does.
func textBox(x, y, size float64, anchor string, angle float64, text string) box {
	w := textWidth(text, size)
	u0 := 0.0
	switch anchor {
	case "middle":
		u0 = -w / 2
	case "end":
		u0 = -w
	}
	u0 -= boxPad
	u1 := u0 + w + 2*boxPad
	v0, v1 := -ascentEm*size-boxPad, descentEm*size+boxPad
	rad := angle * math.Pi / 180
	c, s := math.Cos(rad), math.Sin(rad)
	uc, vc := (u0+u1)/2, (v0+v1)/2
	return box{cx: x + float64(uc*c) - float64(vc*s), cy: y + float64(uc*s) + float64(vc*c), hw: (u1 - u0) / 2, hh: (v1 - v0) / 2, cos: c, sin: s}
}

// rectBox is an axis-aligned box from its corner and size.
func rectBox(x, y, w, h float64) box {
	return box{cx: x + w/2, cy: y + h/2, hw: w / 2, hh: h / 2, cos: 1}
}

// extent is the half width and half height of b's axis-aligned bounds.
func (b box) extent() (ex, ey float64) {
	c, s := math.Abs(b.cos), math.Abs(b.sin)
	return float64(c*b.hw) + float64(s*b.hh), float64(s*b.hw) + float64(c*b.hh)
}

// bounds is b's axis-aligned bounding rectangle.
func (b box) bounds() (x0, y0, x1, y1 float64) {
	ex, ey := b.extent()
	return b.cx - ex, b.cy - ey, b.cx + ex, b.cy + ey
}

// overlapEps lets two boxes touch: only a real overlap counts.
const overlapEps = 0.05

// overlaps reports whether two boxes share more than a boundary, by the
// separating axis theorem: two convex shapes are apart exactly when their
// projections on one of the rectangles' four edge directions are apart.
func overlaps(a, b box) bool {
	aex, aey := a.extent()
	bex, bey := b.extent()
	dx, dy := b.cx-a.cx, b.cy-a.cy
	if math.Abs(dx) >= aex+bex-overlapEps || math.Abs(dy) >= aey+bey-overlapEps {
		return false
	}
	for _, ax := range [4][2]float64{{a.cos, a.sin}, {-a.sin, a.cos}, {b.cos, b.sin}, {-b.sin, b.cos}} {
		if math.Abs(float64(dx*ax[0])+float64(dy*ax[1])) >= a.radius(ax)+b.radius(ax)-overlapEps {
			return false
		}
	}
	return true
}

// radius is half the length of b's projection on the unit axis ax.
func (b box) radius(ax [2]float64) float64 {
	return float64(b.hw*math.Abs(float64(b.cos*ax[0])+float64(b.sin*ax[1]))) + float64(b.hh*math.Abs(float64(-b.sin*ax[0])+float64(b.cos*ax[1])))
}

// crossesSegment reports whether the segment (x0,y0)-(x1,y1) passes
// through b (Liang-Barsky clipping in b's own frame).
func (b box) crossesSegment(x0, y0, x1, y1 float64) bool {
	local := func(x, y float64) (float64, float64) {
		dx, dy := x-b.cx, y-b.cy
		return float64(dx*b.cos) + float64(dy*b.sin), float64(-dx*b.sin) + float64(dy*b.cos)
	}
	u0, v0 := local(x0, y0)
	u1, v1 := local(x1, y1)
	t0, t1 := 0.0, 1.0
	for _, c := range [4][2]float64{
		{-(u1 - u0), u0 + b.hw}, {u1 - u0, b.hw - u0},
		{-(v1 - v0), v0 + b.hh}, {v1 - v0, b.hh - v0},
	} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}
