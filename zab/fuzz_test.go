package zab

import (
	"encoding/binary"
	"testing"

	"zabkafka/election"
)

// peerInRole builds peer 1 of 3 looking (role 0), following 3 in
// broadcast (1) or, as peer 3, leading in broadcast (2).
func peerInRole(t *testing.T, role byte) *conv {
	switch role % 3 {
	case 1:
		c, _ := syncedFollower(t)
		return c
	case 2:
		c := leaderInDiscovery(t, 3, logOf(1, 1, run(1, 1, 3)...))
		c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 1})
		li := only(t, c.drain(), MsgLeaderInfo, 1)[0]
		c.step(Message{Type: MsgAckEpoch, From: 1, Epoch: 2, Session: li.Session, Counted: true,
			Zxid: MakeZxid(1, 3), CurrentEpoch: 1, Commit: MakeZxid(1, 3)})
		c.step(Message{Type: MsgAckNewLeader, From: 1, Epoch: 2, Session: li.Session, Zxid: MakeZxid(1, 3)})
		c.drain()
		c.p.Propose([]byte("p"))
		c.drain()
		return c
	}
	return newConv(t, 1, 3, logOf(1, 1, run(1, 1, 3)...))
}

// fuzzMessage decodes raw bytes into a message: every field arbitrary,
// sender and receiver mostly valid so the input reaches the handlers.
func fuzzMessage(to PeerID, raw []byte) Message {
	buf := make([]byte, 64)
	copy(buf, raw)
	u64 := func(i int) uint64 { return binary.LittleEndian.Uint64(buf[i:]) }
	m := Message{
		Type:         MsgType(buf[0] % 13),
		From:         PeerID(buf[1] % 5),
		To:           to,
		Epoch:        Epoch(buf[2] % 4),
		CurrentEpoch: Epoch(buf[3] % 4),
		Counted:      buf[4]&1 == 1,
		Session:      u64(8) & 0x3_0000_000f,
		Zxid:         Zxid(u64(16) & 0x3_0000_000f),
		Commit:       Zxid(u64(24) & 0x3_0000_000f),
		Mode:         SyncMode(buf[5] % 5),
	}
	if buf[6]&1 == 1 {
		m.Snapshot = &Snapshot{Zxid: Zxid(u64(32) & 0x3_0000_000f), Data: buf[40:44]}
	}
	for i := 0; i < int(buf[7]%6); i++ {
		m.Txns = append(m.Txns, Txn{Zxid: Zxid(u64(40+i) & 0x3_0000_000f)})
	}
	if buf[4]&2 == 2 {
		m.Vote = &election.Notification{From: m.From, To: to, Round: u64(48) % 4,
			State: election.State(buf[56] % 4),
			Vote:  election.Vote{Leader: PeerID(buf[57] % 5), Zxid: u64(16) & 0x3_0000_000f, Epoch: uint32(buf[58] % 4)}}
	}
	return m
}

// FuzzStep feeds arbitrary messages to a peer in each role: it must never
// panic, and its invariants must hold afterwards.
func FuzzStep(f *testing.F) {
	f.Add(byte(0), []byte{1, 3, 2, 1, 1})
	f.Add(byte(1), []byte{8, 3, 2, 0, 0, 0, 0, 2})
	f.Add(byte(2), []byte{9, 1, 2, 0, 0, 0, 0, 0})
	f.Add(byte(1), []byte{5, 3, 2, 0, 0, 2, 1, 3})
	f.Fuzz(func(t *testing.T, role byte, raw []byte) {
		c := peerInRole(t, role)
		for len(raw) > 0 {
			n := min(len(raw), 64)
			m := fuzzMessage(c.p.id, raw[:n])
			raw = raw[n:]
			_ = c.p.Step(m)
			if m.Type%3 == 0 {
				c.p.Tick()
			}
			c.drain()
			checkPeerInvariants(t, c.p)
		}
	})
}

// checkPeerInvariants asserts the field invariants documented on Peer.
func checkPeerInvariants(t *testing.T, p *Peer) {
	t.Helper()
	if p.epochs.Current > p.epochs.Accepted {
		t.Fatalf("currentEpoch %d > acceptedEpoch %d", p.epochs.Current, p.epochs.Accepted)
	}
	if p.delivered > p.committed || p.committed > p.log.last() {
		t.Fatalf("delivered %v committed %v last %v", p.delivered, p.committed, p.log.last())
	}
	if p.log.stable > p.log.last() {
		t.Fatalf("stable %v beyond last %v", p.log.stable, p.log.last())
	}
}
