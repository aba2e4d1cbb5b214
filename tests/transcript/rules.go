package transcript

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// selector picks messages by type, sender, receiver and (for NEWLEADER)
// sync mode. An empty field matches anything.
type selector struct {
	types    []zab.MsgType
	from, to []zab.PeerID
	mode     zab.SyncMode
	zxid     zab.Zxid // the message's Zxid field; 0: any
}

func (s selector) match(m *zab.Message) bool {
	return (len(s.types) == 0 || slices.Contains(s.types, m.Type)) &&
		(len(s.from) == 0 || slices.Contains(s.from, m.From)) &&
		(len(s.to) == 0 || slices.Contains(s.to, m.To)) &&
		(s.mode == 0 || m.Mode == s.mode) &&
		(s.zxid == 0 || m.Zxid == s.zxid)
}

// String renders s as it reads in a rule list: "NEWLEADER 3->1 SNAP".
func (s selector) String() string {
	var parts []string
	if len(s.types) == 0 {
		parts = append(parts, "any message")
	} else {
		names := make([]string, len(s.types))
		for i, t := range s.types {
			names[i] = t.String()
		}
		parts = append(parts, strings.Join(names, ","))
	}
	if len(s.from) > 0 || len(s.to) > 0 {
		parts = append(parts, peerSet(s.from)+"->"+peerSet(s.to))
	}
	if s.mode != 0 {
		parts = append(parts, s.mode.String())
	}
	if s.zxid != 0 {
		parts = append(parts, zx(s.zxid))
	}
	return strings.Join(parts, " ")
}

func peerSet(ps []zab.PeerID) string {
	if len(ps) == 0 {
		return "*"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strconv.Itoa(int(p))
	}
	return strings.Join(out, ",")
}

// msgTypes maps the names a transcript uses to message types.
var msgTypes = map[string]zab.MsgType{}

func init() {
	for t := zab.MsgVote; t <= zab.MsgPing; t++ {
		msgTypes[t.String()] = t
	}
}

func parseTypes(s string) ([]zab.MsgType, error) {
	var out []zab.MsgType
	for _, name := range strings.Split(s, ",") {
		t, ok := msgTypes[name]
		if !ok {
			return nil, fmt.Errorf("no message type %q", name)
		}
		out = append(out, t)
	}
	return out, nil
}

func parseMode(s string) (zab.SyncMode, error) {
	for _, m := range []zab.SyncMode{zab.SyncDiff, zab.SyncTrunc, zab.SyncSnap} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("no sync mode %q (DIFF, TRUNC, SNAP)", s)
}

// parsePeers reads "1,2,3", each id one of the World's peers.
func parsePeers(s string, n int) ([]zab.PeerID, error) {
	var out []zab.PeerID
	for _, f := range strings.Split(s, ",") {
		id, err := strconv.Atoi(f)
		if err != nil || id < 1 || id > n {
			return nil, fmt.Errorf("no peer %q (peers are 1..%d)", f, n)
		}
		out = append(out, zab.PeerID(id))
	}
	return out, nil
}

// parseSelector reads a selector from the positional arguments (message
// types, comma-separated) and from=, to=, mode= and zxid=.
func parseSelector(a *args, peers int) (selector, error) {
	var s selector
	for _, p := range a.pos {
		ts, err := parseTypes(p)
		if err != nil {
			return s, err
		}
		s.types = append(s.types, ts...)
	}
	var err error
	if v, ok := a.get("from"); ok {
		if s.from, err = parsePeers(v, peers); err != nil {
			return s, err
		}
	}
	if v, ok := a.get("to"); ok {
		if s.to, err = parsePeers(v, peers); err != nil {
			return s, err
		}
	}
	if v, ok := a.get("mode"); ok {
		if s.mode, err = parseMode(v); err != nil {
			return s, err
		}
	}
	if v, ok := a.get("zxid"); ok {
		if s.zxid, err = parseZxid(v); err != nil {
			return s, err
		}
	}
	return s, nil
}

// action is what a network rule does with the messages it selects.
type action uint8

const (
	actDrop action = iota + 1 // lose them
	actHold                   // park them until release
	actCopy                   // let them pass and keep a copy for replay
)

var actionNames = map[action]string{actDrop: "drop", actHold: "hold", actCopy: "copy"}

// netRule is one drop, hold or copy command in force.
type netRule struct {
	id    int
	act   action
	sel   selector
	limit int // how many messages it applies to; 0: no limit
	used  int
}

func (r *netRule) String() string {
	s := fmt.Sprintf("rule %d: %s %v", r.id, actionNames[r.act], r.sel)
	if r.limit > 0 {
		s += fmt.Sprintf(" (%d of %d used)", r.used, r.limit)
	} else if r.used > 0 {
		s += fmt.Sprintf(" (%d so far)", r.used)
	}
	return s
}

// crashRule crashes a peer at a crash point of the first Ready that
// meets every condition set; it fires once.
type crashRule struct {
	peer     zab.PeerID
	at       sim.CrashPoint
	sends    *selector // the Ready sends a matching message
	appends  zab.Zxid  // the Ready appends this zxid
	appendsE zab.Epoch // the Ready appends an entry of this epoch
	delivers zab.Zxid  // the Ready delivers this zxid
	role     *zab.Role // the peer's role when the point is reached
	fired    bool
}

func (r *crashRule) match(w *sim.World, rd *zab.Ready) bool {
	if r.sends != nil && !slices.ContainsFunc(rd.Messages, func(m zab.Message) bool { return r.sends.match(&m) }) {
		return false
	}
	if r.appends != 0 && !slices.ContainsFunc(rd.Append, func(t zab.Txn) bool { return t.Zxid == r.appends }) {
		return false
	}
	if r.appendsE != 0 && !slices.ContainsFunc(rd.Append, func(t zab.Txn) bool { return t.Zxid.Epoch() == r.appendsE }) {
		return false
	}
	if r.delivers != 0 && !slices.ContainsFunc(rd.Committed, func(t zab.Txn) bool { return t.Zxid == r.delivers }) {
		return false
	}
	if r.role != nil {
		s, ok := w.Status(r.peer)
		if !ok || s.Role != *r.role {
			return false
		}
	}
	return true
}

// String renders the rule as "crash 1 at after-epochs when it sends
// ACKEPOCH".
func (r *crashRule) String() string {
	var conds []string
	if r.sends != nil {
		conds = append(conds, "it sends "+r.sends.String())
	}
	if r.appends != 0 {
		conds = append(conds, "it appends "+zx(r.appends))
	}
	if r.appendsE != 0 {
		conds = append(conds, fmt.Sprintf("it appends an entry of e%d", r.appendsE))
	}
	if r.delivers != 0 {
		conds = append(conds, "it delivers "+zx(r.delivers))
	}
	if r.role != nil {
		conds = append(conds, "it is "+r.role.String())
	}
	s := fmt.Sprintf("crash %d at %v", r.peer, r.at)
	if len(conds) > 0 {
		s += " when " + strings.Join(conds, " and ")
	}
	return s
}

func parseCrashPoint(s string) (sim.CrashPoint, error) {
	for _, c := range sim.AllCrashPoints {
		if c.String() == s {
			return c, nil
		}
	}
	names := make([]string, len(sim.AllCrashPoints))
	for i, c := range sim.AllCrashPoints {
		names[i] = c.String()
	}
	return 0, fmt.Errorf("no crash point %q (%s)", s, strings.Join(names, ", "))
}

func parseRole(s string) (zab.Role, error) {
	for _, r := range []zab.Role{zab.RoleLooking, zab.RoleFollowing, zab.RoleLeading} {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("no role %q (LOOKING, FOLLOWING, LEADING)", s)
}
