package nodesim

import (
	"fmt"
	"strings"
)

// chaosTurn is one draw of the fault schedule; it reschedules itself
// while the main phase runs. Every decision is drawn every turn, in a
// fixed order, so the schedule does not depend on earlier outcomes.
func (s *Sim) chaosTurn() {
	if !s.chaos || s.fatal {
		return
	}
	p, r := s.plan, s.chaosRng
	doPart, doHeal, doOneWay := r.Float64() < p.Partition, r.Float64() < p.Heal, r.Float64() < p.OneWay
	doCrash, doRestart, doRelease := r.Float64() < p.Crash, r.Float64() < p.Restart, r.Float64() < p.ReleaseLate
	pick, kind, count := r.Uint64(), r.IntN(3), 1+r.IntN(4)
	a, b := r.IntN(len(s.hosts)), r.IntN(len(s.hosts))
	perm := r.Perm(len(s.hosts))
	cut := 1 + r.IntN(len(s.hosts)-1)

	if doPart {
		s.partition(perm[:cut], perm[cut:])
	}
	if doHeal {
		s.net.heal()
		s.record(Event{Kind: KindFault, Note: "heal"})
	}
	if doOneWay {
		s.oneWay(kind, a, b)
	}
	if doCrash {
		if up := s.filterHosts(true); len(up) > 0 {
			h := up[pick%uint64(len(up))]
			h.kill("killed between steps: " + h.disk.crash())
			s.stats.Crashes++
		}
	}
	if doRestart {
		if down := s.filterHosts(false); len(down) > 0 {
			s.restart(down[pick%uint64(len(down))])
		}
	}
	if doRelease {
		s.stats.LateReleases++
		s.record(Event{Kind: KindFault, Note: fmt.Sprintf("release %d late copies within %v", count, p.LateWithin)})
		s.net.releaseLate(count, p.LateWithin)
	}
	s.pauseTurn()
	s.at(s.now+ChaosEvery, s.chaosTurn)
}

// pauseTurn is the pause's share of a chaos turn, drawn from its own
// stream: maybe stop a running node that is not already stopped, and
// resume it after one of PauseFor. Half the pauses stop the leader, as
// Jepsen's "primaries" target does: a leader stopped while its rounds
// are in flight is the case that tests what it does when it runs again.
func (s *Sim) pauseTurn() {
	r := s.pauseRng
	doPause, pick, d := r.Float64() < s.plan.Pause, r.Uint64(), PauseFor[r.IntN(len(PauseFor))]
	leader := r.IntN(2) == 0
	if !doPause {
		return
	}
	if l := s.leading; leader && l != nil && l.up && !l.paused {
		l.pause(d)
		return
	}
	var running []*host
	for _, h := range s.filterHosts(true) {
		if !h.paused {
			running = append(running, h)
		}
	}
	if len(running) == 0 {
		return
	}
	h := running[pick%uint64(len(running))]
	h.pause(d)
}

// partition cuts every link between the two groups of nodes, both ways.
func (s *Sim) partition(g1, g2 []int) {
	for _, i := range g1 {
		for _, j := range g2 {
			s.net.cut(i, j)
			s.net.cut(j, i)
		}
	}
	s.stats.Partitions++
	s.record(Event{Kind: KindFault, Note: "partition " + s.group(g1) + " | " + s.group(g2)})
}

// oneWay cuts one directed link (kind 0), every link out of node a (1:
// it hears, nobody hears it) or every link into it (2: it is heard,
// hears nobody).
func (s *Sim) oneWay(kind, a, b int) {
	switch {
	case kind == 0 && a != b:
		s.net.cut(a, b)
		s.record(Event{Kind: KindFault, Note: fmt.Sprintf("cut %s->%s", s.names[a], s.names[b])})
	case kind == 1:
		for o := range s.hosts {
			if o != a {
				s.net.cut(a, o)
			}
		}
		s.record(Event{Kind: KindFault, Note: s.names[a] + " goes mute"})
	case kind == 2:
		for o := range s.hosts {
			if o != a {
				s.net.cut(o, a)
			}
		}
		s.record(Event{Kind: KindFault, Note: s.names[a] + " goes deaf"})
	default:
		return
	}
	s.stats.OneWay++
}

func (s *Sim) group(g []int) string {
	var names []string
	for _, i := range g {
		names = append(names, s.names[i])
	}
	return strings.Join(names, ",")
}

// filterHosts lists the nodes that are up (or down).
func (s *Sim) filterHosts(up bool) []*host {
	var out []*host
	for _, h := range s.hosts {
		if h.up == up {
			out = append(out, h)
		}
	}
	return out
}

// restart starts a crashed node again; with Plan.FlushOnStart, the stale
// copies addressed to it arrive first.
func (s *Sim) restart(h *host) {
	s.stats.Restarts++
	flush := s.net.lateRng.Float64() < s.plan.FlushOnStart
	h.start()
	if flush && s.net.cfg.Replay > 0 {
		s.record(Event{Kind: KindFault, Note: "flush late copies into " + h.name})
		s.net.flushInto(h.index, lateFlush)
	}
}

// settle ends the faults: every stopped process resumes, the network
// heals and stops losing, duplicating and delaying lines late, every
// late copy arrives one last time, and every crashed node restarts.
// Under Faults.NoHeal every node is cut off from every other instead.
func (s *Sim) settle() {
	s.phase("heal")
	for _, h := range s.hosts {
		h.resume(h.pauseGen)
	}
	s.net.heal()
	s.net.releaseAll(10 * lateFlush)
	s.net.calm()
	for _, h := range s.filterHosts(false) {
		s.restart(h)
	}
	if s.opts.Faults.NoHeal {
		for i := range s.hosts {
			for j := range s.hosts {
				if i != j {
					s.net.cut(i, j)
				}
			}
		}
		s.record(Event{Kind: KindFault, Note: "every node cut off (Faults.NoHeal)"})
	}
}
