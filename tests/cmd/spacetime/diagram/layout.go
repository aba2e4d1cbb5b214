package diagram

import (
	"math"
	"slices"

	"zabkafka/zab"
)

// Pixel geometry. The picture fits a GitHub text column (MaxWidthPx);
// time runs down the page at UnitPx per time unit at least, a quiet
// stretch longer than idleGap units is cut out and marked, and wherever
// labels need more room the layout adds it (see render).
const (
	targetWidth = 860.0
	marginLeft  = 48.0  // the time axis
	lanePadLeft = 30.0  // between the axis and the first lane
	maxLaneGap  = 300.0 // the most room between two lanes
	minRight    = 90.0  // the least room right of the last lane
	fontPx      = 10.0  // labels and lane annotations
	lineStep    = 12.5  // line spacing at fontPx
	markDX      = 10.0  // lane annotations start this far right of the lane
	unitPx      = 8.0   // default View.UnitPx
	idleGap     = 12    // time units: a longer quiet stretch is cut
	breakPx     = 34.0  // room for a cut stretch
	headerGap   = 40.0  // lane names and epochs above the lanes
	footerPx    = 24.0
	tailUnits   = 1 // time drawn after the last thing in the window
)

// timeAxis maps simulated time to y. Each interval between two drawn
// times is as tall as its length in units, at least as tall as the
// annotations at its start need, plus whatever the label layout added;
// an interval longer than idleGap units is a cut, breakPx tall.
type timeAxis struct {
	times []int64   // distinct times that carry something, ascending
	ys    []float64 // y of each
	cuts  []cut     // stretches cut out
}

// cut is a quiet stretch left out between two drawn times.
type cut struct {
	y      float64 // where the break marker goes
	length int64   // its real length in time units
}

// newTimeAxis lays out times from top. need gives, per time, the room
// the annotations at that time need below it; extra, per time, the room
// added above it (to the interval that ends there).
func newTimeAxis(times []int64, top, unit float64, need, extra map[int64]float64) timeAxis {
	slices.Sort(times)
	times = slices.Compact(times)
	ax := timeAxis{times: times, ys: make([]float64, len(times))}
	y := top
	for i, t := range times {
		if i > 0 {
			d := t - times[i-1]
			step := float64(d) * unit
			if d > idleGap {
				step = breakPx
			}
			step = max(step, need[times[i-1]]) + extra[t]
			if d > idleGap {
				ax.cuts = append(ax.cuts, cut{y: y + step/2, length: d})
			}
			y += step
		}
		ax.ys[i] = y
	}
	return ax
}

// y is the vertical position of time t; between two drawn times it
// interpolates, so every t in the window has one.
func (ax timeAxis) y(t int64) float64 {
	i, found := slices.BinarySearch(ax.times, t)
	switch {
	case found:
		return ax.ys[i]
	case len(ax.times) == 0:
		return 0
	case i == 0:
		return ax.ys[0]
	case i == len(ax.times):
		return ax.ys[len(ax.ys)-1]
	}
	t0, t1 := ax.times[i-1], ax.times[i]
	f := float64(t-t0) / float64(t1-t0)
	return ax.ys[i-1] + float64(f*(ax.ys[i]-ax.ys[i-1]))
}

// bottom is the y of the last drawn time.
func (ax timeAxis) bottom() float64 {
	if len(ax.ys) == 0 {
		return 0
	}
	return ax.ys[len(ax.ys)-1]
}

// frame is the horizontal layout: where each lane goes and how wide the
// picture is.
type frame struct {
	width, gap float64
	laneX      map[zab.PeerID]float64
	lastX      float64
}

// newFrame spreads the lanes over the picture's width, leaving room
// right of the last lane for the longest annotation written there.
func newFrame(sc scene) frame {
	peers := sc.view.Peers
	right := minRight
	last := peers[len(peers)-1]
	for _, m := range sc.marks {
		if m.peer == 0 || m.peer == last {
			right = max(right, markDX+textWidth(m.text, fontPx)+10)
		}
	}
	avail := targetWidth - marginLeft - lanePadLeft - right
	f := frame{laneX: map[zab.PeerID]float64{}}
	if len(peers) > 1 {
		f.gap = min(maxLaneGap, avail/float64(len(peers)-1))
	} else {
		f.gap = maxLaneGap
	}
	for i, p := range peers {
		f.laneX[p] = marginLeft + lanePadLeft + float64(float64(i)*f.gap)
	}
	f.lastX = f.laneX[last]
	f.width = math.Ceil(f.lastX + right)
	return f
}

// markX is where a mark's lane is: its peer's, or for marks across all
// lanes the last lane's (their text goes in the right margin).
func (f frame) markX(m mark) float64 {
	if m.peer == 0 {
		return f.lastX
	}
	return f.laneX[m.peer]
}

// stack is the annotations written at one lane and one time, a line
// each.
type stack struct {
	x     float64
	at    int64
	marks []int // indexes into scene.marks, in line order
}

// markStacks groups the marks into stacks, and gives each time the room
// its tallest stack needs below it.
func markStacks(sc scene, f frame) (stacks []stack, need map[int64]float64) {
	type key struct {
		x float64
		t int64
	}
	index := map[key]int{}
	need = map[int64]float64{}
	for i, m := range sc.marks {
		k := key{f.markX(m), m.at}
		j, ok := index[k]
		if !ok {
			j = len(stacks)
			index[k] = j
			stacks = append(stacks, stack{x: k.x, at: k.t})
		}
		stacks[j].marks = append(stacks[j].marks, i)
		need[m.at] = max(need[m.at], float64(len(stacks[j].marks))*lineStep+6)
	}
	return stacks, need
}

// drawnTimes is every time the scene draws something at, and the end of
// the picture: the window's end, or a little after the last thing drawn
// if the window ends in a quiet stretch.
func drawnTimes(sc scene) (times []int64, end int64) {
	times = []int64{sc.view.From}
	for _, a := range sc.arrows {
		times = append(times, a.sent, a.at)
	}
	for _, m := range sc.marks {
		times = append(times, m.at)
	}
	last := slices.Max(times)
	end = min(sc.view.To, last+tailUnits)
	return append(times, end), end
}
