package node

import (
	"slices"
	"time"
)

// stats counts what a node did, for the periodic "stats" log line: the
// numbers behind server messages per operation (docs/tuning.md;
// msgs-per-op in Maelstrom's src/maelstrom/net/checker.clj).
type stats struct {
	peerMsgs    int // Maelstrom messages to other nodes (one per destination per flush)
	zabMsgs     int // zab messages inside them
	fwdOnly     int // of peerMsgs, those that carried forwarded operations and no zab message
	fwdWithZab  int // of peerMsgs, those that carried forwarded operations with zab messages
	forwarded   int // client operations forwarded to the leader
	answeredFor int // followers' sends this leader answered (delegate.go)
	requeued    int // sent operations queued again after a leader change
	proposals   int // proposals made as leader
	proposedOps int // client operations in them
	applied     int // client operations applied
	acked       int // writes acknowledged to clients (send_ok, commit_offsets_ok)
	staleReads  int // reads refused because the node may be stale (fresh.go)
	errors      int // error replies
	// commitsKnown counts commit_offsets answered at once, as this
	// node's committed state already had them (handleCommitOffsets).
	commitsKnown int
	// steppedPolls counts the polls answered over more than one step
	// (pollJob), pollSteps the steps Process took for them.
	steppedPolls int
	pollSteps    int
	// busiest is the longest the event loop took over one iteration,
	// from waking to the end of Process (node.Run): how long the node
	// answered nobody, its heartbeats included.
	busiest time.Duration
	// expiredSilent counts requests forgotten without a reply because the
	// loop reached their deadline too late to answer (expireRequests).
	expiredSilent int
	// sendWaits are how long each acknowledged send waited here, from
	// its request's arrival to its send_ok: the node's share of what a
	// client waited, which the stats line reports as a median
	// (docs/tuning.md, "Where a leader's send waits"). Kept only while
	// the stats line is on, which empties it.
	sendWaits []time.Duration

	since time.Time // when counting began; zero until the first Process
}

// maybeLogStats logs and resets the counters every StatsInterval.
func (s *Server) maybeLogStats(now time.Time) {
	if s.cfg.StatsInterval <= 0 {
		return
	}
	st := &s.stats
	if st.since.IsZero() {
		st.since = now
		return
	}
	if now.Sub(st.since) < s.cfg.StatsInterval {
		return
	}
	s.logger.Info("stats", "seconds", now.Sub(st.since).Seconds(),
		"peer_msgs", st.peerMsgs, "zab_msgs", st.zabMsgs, "fwd_only_msgs", st.fwdOnly, "fwd_with_zab_msgs", st.fwdWithZab, "requeued", st.requeued,
		"forwarded_ops", st.forwarded, "answered_for_followers", st.answeredFor,
		"proposals", st.proposals, "proposed_ops", st.proposedOps, "applied_ops", st.applied,
		"acked_writes", st.acked, "send_wait_p50_ms", medianMillis(st.sendWaits), "stale_reads", st.staleReads, "commits_known", st.commitsKnown, "stepped_polls", st.steppedPolls, "poll_steps", st.pollSteps, "busiest_loop_ms", float64(st.busiest)/float64(time.Millisecond), "error_replies", st.errors, "expired_silent", st.expiredSilent,
		"pending", s.reqs.len(), "queued", s.queue.len())
	s.stats = stats{since: now, sendWaits: st.sendWaits[:0]}
}

// noteBusy records one iteration of the event loop that took d.
func (s *Server) noteBusy(d time.Duration) {
	s.stats.busiest = max(s.stats.busiest, d)
}

// medianMillis is the median of ds in milliseconds (0 for none); it
// sorts ds.
func medianMillis(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}
