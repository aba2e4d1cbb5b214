package node

import (
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// pollStepGap is how far ahead NextWake puts the next step of a poll
// still being answered, unless Config.PollStepGap says otherwise: in
// node.Run a time already past, so the loop goes straight on; in a
// simulation, strictly after now, as NextWake must be.
const pollStepGap = time.Microsecond

// stepGap is the gap between two steps of a poll.
func (s *Server) stepGap() time.Duration {
	if s.cfg.PollStepGap > 0 {
		return s.cfg.PollStepGap
	}
	return pollStepGap
}

// pollJob is a poll answered a step at a time (Config.PollStep).
//
// Why: Maelstrom's final phase has every client poll every key from
// offset 0, thousands of keys at once on all nodes together. Read in one
// go, such a poll held a node's event loop for 300-600 ms on a loaded
// two-core machine, and a leader or follower that handles no message for
// that long is taken for dead (docs/tuning.md, "Polls a step at a
// time"). Read in steps, the loop handles what arrived, ticks and
// flushes between two steps.
//
// Every key is read whole at one moment, from the state of that moment;
// two keys may be read at different moments. That is all a poll
// promises: each key's messages are a contiguous run of its committed
// log, and a later moment only knows more of it (committed state never
// goes back). Before each step the node checks, as before the first,
// that it may still serve reads (canRead): a node that went stale
// mid-poll answers the error a new poll would get.
type pollJob struct {
	in      inbound          // the request, without its body
	arrived time.Time        // when the request was handled first
	keys    []string         // the keys asked for, sorted
	offsets map[string]int64 // where each key's run starts
	next    int              // keys[next] is the next key to read
	body    []byte           // the poll_ok body so far
	wrote   bool             // body already holds a key
}

// step reads keys until it has spent budget (a key costs one, each of
// its messages one more; the key that crosses the budget is read whole,
// so a step reads at least one key), and reports what it spent and
// whether the job is done.
func (j *pollJob) step(s *Server, budget int) (spent int, done bool) {
	for j.next < len(j.keys) && spent < budget {
		key := j.keys[j.next]
		j.next++
		msgs := s.kafka.Poll(key, j.offsets[key], s.cfg.PollCap)
		spent += 1 + len(msgs)
		if len(msgs) > 0 {
			j.body = appendPollKey(j.body, j.wrote, key, msgs)
			j.wrote = true
		}
	}
	return spent, j.next == len(j.keys)
}

// startPoll answers a poll whose offsets are parsed and whose read is
// allowed: its first step at once, so that a poll of a few keys is
// answered in the iteration it came in, and the rest queued for Process.
func (s *Server) startPoll(in inbound, keys []string, offsets map[string]int64, now time.Time) {
	in.body, in.f = nil, bodyFields{} // the job outlives the line
	j := &pollJob{in: in, arrived: now, keys: keys, offsets: offsets, body: beginPollOK(s.pollBuf[:0])}
	s.pollBuf = nil // the job owns it until it is answered
	if _, done := j.step(s, s.cfg.PollStep); done {
		s.finishPoll(j)
		return
	}
	s.polls = append(s.polls, j)
	s.stats.steppedPolls++
	s.pollWake = now.Add(s.stepGap())
}

// stepPolls spends one step's budget on the queued polls, oldest first,
// answering those it completes. Process calls it once per iteration.
func (s *Server) stepPolls(now time.Time) {
	if len(s.polls) == 0 || now.Before(s.pollWake) {
		return // nothing in steps, or the next step is not due
	}
	budget := s.cfg.PollStep
	for len(s.polls) > 0 && budget > 0 {
		j := s.polls[0]
		if s.pollTooOld(j, now) || !s.canRead(j.in, now) {
			s.polls = s.polls[1:]
			continue
		}
		spent, done := j.step(s, budget)
		budget -= spent
		s.stats.pollSteps++
		if !done {
			break
		}
		s.polls = s.polls[1:]
		s.finishPoll(j)
	}
	if len(s.polls) == 0 {
		s.polls = nil // let a long queue's array go
		return
	}
	s.pollWake = now.Add(s.stepGap())
}

// pollTooOld answers, or drops, a poll still in steps at its request
// deadline, as every request is (expireRequests): a client gives up
// after 5 s, and a reply to one that gave up stops Maelstrom reading the
// node's stdout (docs/running.md, "Nothing to a client after it gave
// up"). The error is definite: a read changes nothing. Only a node
// starved of CPU for seconds gets here.
func (s *Server) pollTooOld(j *pollJob, now time.Time) bool {
	age := now.Sub(j.arrived)
	switch {
	case age >= lastReplyAge:
		s.stats.expiredSilent++
		return true
	case age >= s.cfg.RequestTimeout:
		s.replyError(j.in, maelstrom.TemporarilyUnavailable, "poll: not read within the request deadline")
		return true
	}
	return false
}

// finishPoll closes the reply's body and sends it.
func (s *Server) finishPoll(j *pollJob) {
	j.body = endPollOK(j.body, j.in.msgID)
	s.out.sendRaw(s.members.id, j.in.src, j.body)
	if cap(j.body) <= 1<<20 {
		s.pollBuf = j.body // reused, unless one final-phase reply made it big
	}
}
