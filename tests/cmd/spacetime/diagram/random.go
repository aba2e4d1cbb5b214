package diagram

import (
	"fmt"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// RandomWindow picks what to draw of a random run: the last Ticks ticks
// before tick End (End 0: the end of the run).
type RandomWindow struct {
	Ticks int
	End   int64
}

// RandomRun replays tests/sim's random run of seed (sim.Run with
// sim.DrawPlan(seed), as TestRandom runs it) with a Capture attached,
// and returns the window w of it to draw. peers, if non-zero, replaces
// the plan's peer count: that is a different run from the one TestRandom
// reports for the seed. Heartbeats and the ACKs that answer them are
// hidden.
//
// The random runs' network delays vary, so a delivery is paired with the
// earliest unpaired send of the same message no later than it (see
// Capture): two messages with the same key that overtake each other may
// be drawn swapped. The picture is what happened otherwise; it is not
// checked for readability (a run of five or seven peers has more than a
// GitHub column holds).
func RandomRun(seed int64, peers int, w RandomWindow) (Result, error) {
	plan := sim.DrawPlan(seed)
	if peers > 0 {
		plan.Peers = peers
	}
	var c *Capture
	res := sim.Run(seed, plan, sim.RunOptions{KeepTrace: true, Watch: func(world *sim.World) { c = Attach(world) }})
	if res.World == nil {
		return Result{}, fmt.Errorf("seed %d: %v", seed, res.Err)
	}
	world := res.World
	tick := world.TickEvery()
	to := world.Now()
	if w.End > 0 {
		to = min(to, w.End*tick)
	}
	from := max(0, to-int64(max(w.Ticks, 1))*tick)
	verdict := "the run passed"
	if res.Err != nil {
		verdict = "the run failed: " + res.Err.Error()
	}
	v := View{
		Title: fmt.Sprintf("tests/sim random run, seed %d: ticks %d to %d", seed, from/tick, to/tick),
		Caption: fmt.Sprintf("%d peers, network delay %d..%d units (a tick is %d), loss %v, duplication %v; %s. "+
			"Heartbeats are hidden; arrows are paired with their sends by message and time, which is exact only for a constant delay.",
			plan.Peers, plan.Net.MinDelay, plan.Net.MaxDelay, tick, plan.Net.Loss, plan.Net.Dup, verdict),
		Peers: world.IDs(), TickEvery: tick, From: from, To: to,
		Hide: []zab.MsgType{zab.MsgPing}, HideRepeatAcks: true,
	}
	events := world.Trace.Events()
	return Result{View: v, Trace: world.Trace, Pairs: c.Pair(events), Events: events, Epochs: c.Epochs()}, nil
}
