package diagram

import (
	"fmt"

	"zabkafka/zab"
)

// Label is what a diagram writes on a message's arrow: its type and the
// zxids it carries, in the "e1:c3" form of the logs. Where the Zxid field
// means something other than "this transaction" (a PROPOSAL names the
// zxid its batch follows), the label shows the transactions instead. A
// VOTE shows the vote as FLE orders it, (epoch, zxid, candidate), and the
// sender's state: a LEADING or FOLLOWING vote is a settled one.
func Label(m *zab.Message) string {
	t := m.Type.String()
	switch m.Type {
	case zab.MsgVote:
		if m.Vote == nil {
			return t
		}
		v := m.Vote.Vote
		return fmt.Sprintf("%s (e%d,%v,n%d) %v", t, v.Epoch, zab.Zxid(v.Zxid), v.Leader, m.Vote.State)
	case zab.MsgFollowerInfo:
		return fmt.Sprintf("%s acc=e%d", t, m.Epoch)
	case zab.MsgLeaderInfo:
		return fmt.Sprintf("%s e%d", t, m.Epoch)
	case zab.MsgAckEpoch:
		return fmt.Sprintf("%s e%d last=%v", t, m.Epoch, m.Zxid)
	case zab.MsgNewLeader:
		return fmt.Sprintf("%s %s %v%s", t, m.Mode, m.Zxid, txnRange(m.Txns))
	case zab.MsgAckNewLeader, zab.MsgAck:
		return fmt.Sprintf("%s %v", t, m.Zxid)
	case zab.MsgUpToDate, zab.MsgCommit:
		return fmt.Sprintf("%s %v", t, m.Commit)
	case zab.MsgProposal:
		if len(m.Txns) == 0 {
			return fmt.Sprintf("%s after %v", t, m.Zxid)
		}
		return fmt.Sprintf("%s%s", t, txnRange(m.Txns))
	case zab.MsgPing:
		return fmt.Sprintf("%s c=%v", t, m.Commit)
	}
	return t
}

// batchSpan gives the zxids a message's label names, for the types of
// which several sent at once on one link are drawn as one arrow
// ("PROPOSAL ×5 +e1:c3..c7"): PROPOSAL, ACK and COMMIT. ok is false for
// other types and for a PROPOSAL without transactions.
func batchSpan(m *zab.Message) (first, last zab.Zxid, ok bool) {
	switch m.Type {
	case zab.MsgProposal:
		if len(m.Txns) == 0 {
			return 0, 0, false
		}
		return m.Txns[0].Zxid, m.Txns[len(m.Txns)-1].Zxid, true
	case zab.MsgAck:
		return m.Zxid, m.Zxid, true
	case zab.MsgCommit:
		return m.Commit, m.Commit, true
	}
	return 0, 0, false
}

// batchLabel is the label of n messages of type t sent at once on one
// link, naming the zxids first..last.
func batchLabel(t zab.MsgType, n int, first, last zab.Zxid) string {
	plus := ""
	if t == zab.MsgProposal {
		plus = "+"
	}
	return fmt.Sprintf("%s ×%d %s%s", t, n, plus, zxidSpan(first, last))
}

// zxidSpan renders first..last: "e1:c3", "e1:c3..c7", or "e1:c9..e2:c1"
// across an epoch.
func zxidSpan(first, last zab.Zxid) string {
	switch {
	case first == last:
		return first.String()
	case first.Epoch() == last.Epoch():
		return fmt.Sprintf("%v..c%d", first, last.Counter())
	}
	return fmt.Sprintf("%v..%v", first, last)
}

// txnRange renders the zxids of a run of transactions: " +e1:c4",
// " +e1:c4..c6", or " +e1:c4..e2:c1" across an epoch; "" when empty.
func txnRange(txns []zab.Txn) string {
	if len(txns) == 0 {
		return ""
	}
	return " +" + zxidSpan(txns[0].Zxid, txns[len(txns)-1].Zxid)
}

// category groups message types by protocol phase, for the arrow colour.
func category(t zab.MsgType) string {
	switch t {
	case zab.MsgVote:
		return "election"
	case zab.MsgFollowerInfo, zab.MsgLeaderInfo, zab.MsgAckEpoch:
		return "discovery"
	case zab.MsgNewLeader, zab.MsgAckNewLeader, zab.MsgUpToDate:
		return "sync"
	case zab.MsgProposal, zab.MsgAck:
		return "broadcast"
	case zab.MsgCommit:
		return "commit"
	case zab.MsgPing:
		return "heartbeat"
	}
	return "other"
}
