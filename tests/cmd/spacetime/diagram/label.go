package diagram

import (
	"fmt"

	"zabkafka/zab"
)

// Label is what a diagram writes on a message's arrow: its type and the
// zxids it carries, in the "e1:c3" form of the logs. Where the Zxid field
// means something other than "this transaction" (a PROPOSAL names the
// zxid its batch follows), the label shows the transactions instead.
func Label(m *zab.Message) string {
	t := m.Type.String()
	switch m.Type {
	case zab.MsgVote:
		if m.Vote == nil {
			return t
		}
		return fmt.Sprintf("%s n%d %v", t, m.Vote.Vote.Leader, zab.Zxid(m.Vote.Vote.Zxid))
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

// txnRange renders the zxids of a run of transactions: " +e1:c4",
// " +e1:c4..c6", or " +e1:c4..e2:c1" across an epoch; "" when empty.
func txnRange(txns []zab.Txn) string {
	switch len(txns) {
	case 0:
		return ""
	case 1:
		return " +" + txns[0].Zxid.String()
	}
	first, last := txns[0].Zxid, txns[len(txns)-1].Zxid
	if first.Epoch() == last.Epoch() {
		return fmt.Sprintf(" +%v..c%d", first, last.Counter())
	}
	return fmt.Sprintf(" +%v..%v", first, last)
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
