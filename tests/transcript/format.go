package transcript

import (
	"fmt"
	"strconv"
	"strings"

	"zabkafka/zab"
)

// when renders a simulated time in ticks with the units after the point:
// a transcript's World ticks every 10 units, so "t=12.3" is 3 units into
// tick 12.
func when(t int64) string {
	return fmt.Sprintf("t=%d.%d", t/tickEvery, t%tickEvery)
}

// zx renders a zxid as the logs do, "e1:c3", but with a counter near
// the top of its range in hex ("e1:c0xfffffffe"), where its distance
// to MaxCounter is what matters.
func zx(z zab.Zxid) string {
	if z.Counter() >= 1<<28 {
		return fmt.Sprintf("e%d:c%#x", z.Epoch(), z.Counter())
	}
	return z.String()
}

// span renders first..last as in the diagrams: "e1:c3", "e1:c3..c7", or
// "e1:c9..e2:c1" across an epoch.
func span(first, last zab.Zxid) string {
	switch {
	case first == last:
		return zx(first)
	case first.Epoch() == last.Epoch():
		c := zx(last)
		return zx(first) + ".." + c[strings.Index(c, ":")+1:]
	}
	return zx(first) + ".." + zx(last)
}

// zxidList renders ascending zxids with each run of consecutive counters
// of one epoch as a span: "e1:c1..c3 e2:c1"; "none" when empty.
func zxidList(zs []zab.Zxid) string {
	if len(zs) == 0 {
		return "none"
	}
	var parts []string
	start := 0
	for i := 1; i <= len(zs); i++ {
		if i < len(zs) && zs[i] == zs[i-1]+1 && zs[i].Epoch() == zs[i-1].Epoch() {
			continue
		}
		parts = append(parts, span(zs[start], zs[i-1]))
		start = i
	}
	return strings.Join(parts, " ")
}

func txnZxids(txns []zab.Txn) []zab.Zxid {
	out := make([]zab.Zxid, len(txns))
	for i, t := range txns {
		out[i] = t.Zxid
	}
	return out
}

// session renders a sync session number as the trace does: the leader's
// epoch, a dot, and the leader's count of sessions in that epoch.
func session(s uint64) string { return fmt.Sprintf("%d.%d", s>>32, uint32(s)) }

// describe is what a transcript prints for a message: its type and the
// fields that matter for that type, in the zxid form of the logs
// ("e1:c3"). Sessions and follow attempts are shown on the messages that
// open and close a sync, where a stale one does harm.
func describe(m *zab.Message) string {
	t := m.Type.String()
	switch m.Type {
	case zab.MsgVote:
		if m.Vote == nil {
			// A first vote, sent as the cluster started, before the
			// Runner could see it leave: only its arrival is known.
			return t + " (first vote, sent at start)"
		}
		v := m.Vote.Vote
		// FLE orders votes by (epoch, zxid, candidate): shown in that order.
		return fmt.Sprintf("%s (e%d,%s,n%d) %v round %d", t, v.Epoch, zx(zab.Zxid(v.Zxid)), v.Leader, m.Vote.State, m.Vote.Round)
	case zab.MsgFollowerInfo:
		return fmt.Sprintf("%s acc=e%d attempt %d", t, m.Epoch, m.Attempt)
	case zab.MsgLeaderInfo:
		return fmt.Sprintf("%s e%d session %s attempt %d", t, m.Epoch, session(m.Session), m.Attempt)
	case zab.MsgAckEpoch:
		s := fmt.Sprintf("%s e%d last=%s cur=e%d", t, m.Epoch, zx(m.Zxid), m.CurrentEpoch)
		if !m.Counted {
			s += " uncounted"
		}
		return s
	case zab.MsgNewLeader:
		var s string
		switch m.Mode {
		case zab.SyncDiff:
			s = fmt.Sprintf("%s e%d DIFF after %s", t, m.Epoch, zx(m.Zxid))
		case zab.SyncTrunc:
			s = fmt.Sprintf("%s e%d TRUNC to %s", t, m.Epoch, zx(m.Zxid))
		case zab.SyncSnap:
			s = fmt.Sprintf("%s e%d SNAP of %s", t, m.Epoch, zx(m.Zxid))
		default:
			s = fmt.Sprintf("%s e%d %v %s", t, m.Epoch, m.Mode, zx(m.Zxid))
		}
		if len(m.Txns) > 0 {
			s += " +" + zxidList(txnZxids(m.Txns))
		}
		return s + fmt.Sprintf(" commit=%s session %s attempt %d", zx(m.Commit), session(m.Session), m.Attempt)
	case zab.MsgAckNewLeader:
		return fmt.Sprintf("%s e%d last=%s", t, m.Epoch, zx(m.Zxid))
	case zab.MsgUpToDate:
		return fmt.Sprintf("%s e%d commit=%s", t, m.Epoch, zx(m.Commit))
	case zab.MsgProposal:
		s := t
		if len(m.Txns) == 0 {
			s += " after " + zx(m.Zxid)
		} else {
			s += " +" + zxidList(txnZxids(m.Txns))
		}
		if m.Commit != 0 {
			s += " commit=" + zx(m.Commit)
		}
		return s
	case zab.MsgAck:
		return t + " " + zx(m.Zxid)
	case zab.MsgCommit:
		return t + " " + zx(m.Commit)
	case zab.MsgPing:
		return fmt.Sprintf("%s last=%s commit=%s", t, zx(m.Zxid), zx(m.Commit))
	}
	return t
}

// statusLine renders a peer's role, phase and epochs: "LOOKING,
// acc=e1 cur=e1", "FOLLOWING 3, SYNCHRONIZATION, acc=e2 cur=e1".
func statusLine(s zab.Status) string {
	ep := fmt.Sprintf("acc=e%d cur=e%d", s.Epochs.Accepted, s.Epochs.Current)
	switch s.Role {
	case zab.RoleLooking:
		return fmt.Sprintf("LOOKING, %s", ep)
	case zab.RoleFollowing:
		return fmt.Sprintf("FOLLOWING %d, %v, %s", s.Leader, s.Phase, ep)
	}
	return fmt.Sprintf("%v, %v, %s", s.Role, s.Phase, ep)
}

// parseZxid reads "e1:c3" (a counter may also be written in hex,
// "e1:c0xfffffffe").
func parseZxid(s string) (zab.Zxid, error) {
	es, cs, ok := strings.Cut(s, ":")
	if !ok || !strings.HasPrefix(es, "e") || !strings.HasPrefix(cs, "c") {
		return 0, fmt.Errorf("zxid %q: want e<epoch>:c<counter>", s)
	}
	e, err := strconv.ParseUint(es[1:], 10, 32)
	if err != nil {
		return 0, fmt.Errorf("zxid %q: bad epoch", s)
	}
	c, err := strconv.ParseUint(cs[1:], 0, 32)
	if err != nil {
		return 0, fmt.Errorf("zxid %q: bad counter", s)
	}
	return zab.MakeZxid(zab.Epoch(e), uint32(c)), nil
}
