package diagram

import (
	"slices"

	"zabkafka/zab"
)

// Pixel geometry. Time runs down the page at unitPx per time unit, but a
// quiet stretch longer than maxGap units is drawn as maxGap units and
// marked, so that a 40-tick election timeout does not push the next
// message off the page.
const (
	unitPx      = 11.0 // default View.UnitPx
	maxGap      = 12
	markLinePx  = 13.0 // vertical room one lane annotation needs
	marginLeft  = 78.0
	marginRight = 190.0
	headerPx    = 22.0 // room for the peer names above the lanes
	footerPx    = 30.0
)

// timeAxis maps simulated time to y, compressing quiet stretches.
type timeAxis struct {
	times []int64   // distinct times that carry something, ascending
	ys    []float64 // y of each
	gaps  []gap     // compressed stretches
}

// gap is a compressed quiet stretch between two drawn times.
type gap struct {
	y      float64 // where the break marker goes
	length int64   // its real length in time units
}

// newTimeAxis lays out times from top. need gives, per time, the extra
// room the annotations at that time need below it.
func newTimeAxis(times []int64, top, unit float64, need map[int64]float64) timeAxis {
	slices.Sort(times)
	times = slices.Compact(times)
	ax := timeAxis{times: times, ys: make([]float64, len(times))}
	y := top
	for i, t := range times {
		if i > 0 {
			d := t - times[i-1]
			step := float64(min(d, maxGap)) * unit
			step = max(step, need[times[i-1]])
			if d > maxGap {
				ax.gaps = append(ax.gaps, gap{y: y + step/2, length: d})
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
	return ax.ys[i-1] + f*(ax.ys[i]-ax.ys[i-1])
}

// bottom is the y of the last drawn time.
func (ax timeAxis) bottom() float64 {
	if len(ax.ys) == 0 {
		return 0
	}
	return ax.ys[len(ax.ys)-1]
}

// laneGap is the distance between two lanes: wide enough for a label on
// an arrow between neighbours.
func laneGap(peers int) float64 {
	if peers > 4 {
		return 185
	}
	return 235
}

// laneX places each peer's lane.
func laneX(peers []zab.PeerID) map[zab.PeerID]float64 {
	xs := make(map[zab.PeerID]float64, len(peers))
	g := laneGap(len(peers))
	for i, p := range peers {
		xs[p] = marginLeft + g/2 + float64(i)*g
	}
	return xs
}

// axisFor collects every time the scene draws something at and the room
// its lane annotations need.
func axisFor(sc scene, top float64) timeAxis {
	times := []int64{sc.view.From, sc.view.To}
	stack := map[struct {
		p zab.PeerID
		t int64
	}]int{}
	need := map[int64]float64{}
	for _, a := range sc.arrows {
		times = append(times, a.sent, a.at)
	}
	for _, m := range sc.marks {
		times = append(times, m.at)
		p := m.peer
		if p == 0 { // marks across all lanes write in the last lane's margin
			p = sc.view.Peers[len(sc.view.Peers)-1]
		}
		k := struct {
			p zab.PeerID
			t int64
		}{p, m.at}
		stack[k]++
		need[m.at] = max(need[m.at], float64(stack[k])*markLinePx)
	}
	unit := sc.view.UnitPx
	if unit <= 0 {
		unit = unitPx
	}
	return newTimeAxis(times, top, unit, need)
}
