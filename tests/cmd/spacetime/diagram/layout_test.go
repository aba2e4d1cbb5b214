package diagram

import (
	"fmt"
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestLayoutMakesRoom: three peers that all message each other at the
// same instants, twice, cannot be labelled at the default spacing; the
// layout adds room until no two texts overlap.
func TestLayoutMakesRoom(t *testing.T) {
	peers := []zab.PeerID{1, 2, 3}
	var events []sim.Event
	var pairs []Paired
	for _, at := range []int64{10, 12} {
		for _, from := range peers {
			for _, to := range peers {
				if from == to {
					continue
				}
				events = append(events, sim.Event{Time: at + 4, Kind: sim.KindDeliver, From: from, To: to, Type: zab.MsgVote})
				pairs = append(pairs, Paired{Send: Send{At: at, Label: fmt.Sprintf("VOTE (e1,e1:c%d,n%d) LOOKING", at, from)}, OK: true})
			}
		}
	}
	sortByTime(events, pairs)
	v := View{Title: "stress", Caption: "all to all", Peers: peers, TickEvery: 10, From: 0, To: 30}
	sc := buildScene(v, events, pairs, nil)
	svg := render(sc)
	if p := CheckSVG(svg); len(p) != 0 {
		t.Fatalf("the layout left problems: %q", p)
	}
	// The room was made: the same picture with one-letter labels, which
	// need none, is shorter.
	short := sc
	short.arrows = nil
	for _, a := range sc.arrows {
		a.lines = []labelLine{{text: "x", cat: a.cat}}
		short.arrows = append(short.arrows, a)
	}
	_, _, h, _ := readTexts(svg)
	_, _, h0, _ := readTexts(render(short))
	if h < h0+100 {
		t.Errorf("picture %v px tall, %v with one-letter labels: no room was made", h, h0)
	}
}

// sortByTime orders events (and their pairs) by time, as a trace is.
func sortByTime(events []sim.Event, pairs []Paired) {
	for i := 1; i < len(events); i++ {
		for j := i; j > 0 && events[j].Time < events[j-1].Time; j-- {
			events[j], events[j-1] = events[j-1], events[j]
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
}
