package election

import "fmt"

// Beats reports whether v is a strictly better candidate than o: a higher
// epoch wins, then a higher zxid, then a higher leader id
// (FastLeaderElection.totalOrderPredicate). Epoch comes first because a peer
// that has accepted the initial history of a newer epoch must win over one
// with a longer log from an older epoch
// (docs/safety.md#3-votes-are-ordered-by-currentepoch-last-zxid).
//
// Beats is a strict total order on distinct votes: for v != o exactly one
// of v.Beats(o) and o.Beats(v) holds, and v.Beats(v) is false.
func (v Vote) Beats(o Vote) bool {
	if v.Epoch != o.Epoch {
		return v.Epoch > o.Epoch
	}
	if v.Zxid != o.Zxid {
		return v.Zxid > o.Zxid
	}
	return v.Leader > o.Leader
}

// String renders v as "n<leader>@e<epoch>:c<counter>/pe<epoch>", with the
// zxid in the same "e:c" form the zab package logs.
func (v Vote) String() string {
	return fmt.Sprintf("n%d@e%d:c%d/pe%d", v.Leader, uint32(v.Zxid>>32), uint32(v.Zxid), v.Epoch)
}

// String renders n for log lines and test failures.
func (n Notification) String() string {
	return fmt.Sprintf("n%d->n%d %s r%d %s", n.From, n.To, n.State, n.Round, n.Vote)
}

// ballot is a vote as it is counted: the vote, the round it was cast in
// and the state of the peer that cast it (ZooKeeper's Vote object with its
// electionEpoch and state fields).
type ballot struct {
	vote  Vote
	round uint64
	state State
}

// matches is Vote.equals: two ballots count as the same vote for quorum
// purposes. If either was cast while LOOKING, vote and round must be
// identical. Between two ballots of peers that have left the election
// (FOLLOWING or LEADING) only the leader and its epoch are compared:
// members of a running ensemble may report different zxids and rounds
// for the same leader, and a newcomer must still see them as one quorum
// (ZOOKEEPER-1818, ZooKeeper's Vote.equals). One epoch has at most one
// leader, so (leader, epoch) names the ensemble.
func (b ballot) matches(o ballot) bool {
	if b.state == Looking || o.state == Looking {
		return b.vote == o.vote && b.round == o.round
	}
	return b.vote.Leader == o.vote.Leader && b.vote.Epoch == o.vote.Epoch
}
