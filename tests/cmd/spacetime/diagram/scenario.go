package diagram

import (
	"fmt"
	"strings"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// Scenario is one diagram: a scripted run and what to show of it.
type Scenario struct {
	// Name is the diagram's file name without ".svg".
	Name    string
	Title   string
	Caption string
	// script drives the run, checks the outcome the diagram illustrates,
	// and returns the window to draw (Title, Caption, Peers and TickEvery
	// are filled in by Run).
	script func() (*run, View, error)
}

// Result is a finished scenario run.
type Result struct {
	View   View
	Trace  *sim.Recorder
	Pairs  []Paired // the send of each event in Events
	Events []sim.Event
	Epochs []EpochChange
}

// Run runs the scenario. An error means the run did not do what the
// diagram claims (or broke an invariant): the picture would be a lie.
func (s Scenario) Run() (Result, error) {
	r, v, err := s.script()
	if err != nil {
		return Result{}, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	if err := r.w.Err(); err != nil {
		return Result{}, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	v.Title, v.Caption = s.Title, s.Caption
	v.Peers, v.TickEvery = r.w.IDs(), r.w.TickEvery()
	events := r.w.Trace.Events()
	return Result{View: v, Trace: r.w.Trace, Pairs: r.cap.Pair(events), Events: events, Epochs: r.cap.Epochs()}, nil
}

// SVG draws the result.
func (res Result) SVG() []byte {
	return render(buildScene(res.View, res.Events, res.Pairs, res.Epochs))
}

// Draw draws the result and checks that a person can read it
// (CheckSVG): the SVG, and an error naming every problem.
func (res Result) Draw() ([]byte, error) {
	svg := res.SVG()
	if problems := CheckSVG(svg); len(problems) > 0 {
		return svg, fmt.Errorf("hard to read: %s", strings.Join(problems, "; "))
	}
	return svg, nil
}

// File is one generated diagram.
type File struct {
	Name string // e.g. "first-election.svg"
	Data []byte
}

// Generate runs every scenario and draws it, in Scenarios order. A
// drawing that fails CheckSVG is an error.
func Generate() ([]File, error) {
	var out []File
	for _, s := range Scenarios() {
		res, err := s.Run()
		if err != nil {
			return nil, err
		}
		svg, err := res.Draw()
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		out = append(out, File{Name: s.Name + ".svg", Data: svg})
	}
	return out, nil
}

// Scenarios lists the diagrams of docs/, in the order the companion
// shows them.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "first-election", script: firstElection,
			Title: "First election and synchronisation (3 peers, empty disks)",
			Caption: "Phase 0: every peer votes for itself; a VOTE shows (epoch, last zxid, candidate), the order FLE compares votes in, and the sender's state, so all adopt n3. " +
				"Phase 1: the followers send FOLLOWERINFO with acceptedEpoch 0, n3 proposes epoch 1 in LEADERINFO, they promise it in ACKEPOCH. " +
				"Phase 2: one NEWLEADER per follower (DIFF of nothing), ACKNEWLEADER from a quorum establishes epoch 1, UPTODATE opens broadcast. " +
				"Phase 3: the first proposal e1:c1 is logged, acked and committed. Heartbeats (PING and its ACK) are hidden."},
		{Name: "minority-proposal", script: minorityProposal,
			Title: "Leader crash after proposing to a minority (5 peers)",
			Caption: "n5 leads epoch 1. Its proposal e1:c3 reaches only n1 (the others are dropped by the scenario), then n5 and n1 crash. " +
				"n2, n3, n4 elect n4 for epoch 2 without e1:c3, which was logged by 2 of 5 and so never committed. " +
				"When n1 and n5 restart, the leader's epoch boundary list shows that e1 ended at e1:c2 for it, so both are told to TRUNC back to e1:c2 before taking e2:c1. " +
				"Votes and heartbeats are hidden."},
		{Name: "old-leader-trunc", script: oldLeaderTrunc,
			Title: "An old leader returns and is truncated (TRUNC)",
			Caption: "n3 leads epoch 1 and is cut off. It keeps proposing (e1:c4, e1:c5: dropped, never acked by a quorum) until it misses its followers for syncLimit and gives up. " +
				"n1 and n2 elect n2 for epoch 2. After the heal n3 follows n2: its log runs past the point where the two histories part, so NEWLEADER says TRUNC to e1:c3. " +
				"Votes and heartbeats are hidden."},
		{Name: "lagging-diff", script: laggingDiff,
			Title: "A lagging follower is caught up by DIFF",
			Caption: "n1 crashes while n3 commits e1:c3..c7 with n2 (messages to n1 are dropped as it is down). " +
				"n1 restarts LOOKING; the running peers answer its votes with their settled vote, so it follows n3 without a new election. " +
				"Its log is a prefix of n3's, so one NEWLEADER in DIFF mode carries the missing entries. Heartbeats are hidden."},
		{Name: "pipelined-broadcast", script: pipelined,
			Title: "Broadcast with pipelined proposals",
			Caption: "n3 proposes e1:c2..c7 two time units apart, without waiting for earlier ones to commit: several PROPOSALs are in flight at once. " +
				"Followers ack cumulatively; the leader commits the highest zxid logged by a quorum, itself included, so commits happen strictly in zxid order. " +
				"The commit point reaches followers in COMMIT or piggybacked on the next PROPOSAL. Votes and heartbeats are hidden."},
	}
}

// hideNoise is the usual filter: heartbeats and the ACKs that answer them.
func hideNoise(v View, votesToo bool) View {
	v.Hide = []zab.MsgType{zab.MsgPing}
	if votesToo {
		v.Hide = append(v.Hide, zab.MsgVote)
	}
	v.HideRepeatAcks = true
	return v
}
