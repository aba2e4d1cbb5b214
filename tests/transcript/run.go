package transcript

import (
	"fmt"
	"slices"
	"strings"

	"zabkafka/zab"
)

// condition is what "run until=..." waits for.
type condition struct {
	desc string      // what it waits for, for the result line
	met  func() bool // checked after every event
	// result describes the state reached, when met (optional).
	result func() string
}

// cmdRun runs the simulation for some time units (run units=N) or until
// a condition holds (run until=stable), at most max ticks (default 400):
//
//	until=stable      [peers=...]   the peers (default all) are in
//	                                BROADCAST under one of them
//	until=delivered   zxid=Z [peers=...]  every peer listed delivered Z
//	until=logged      zxid=Z [peers=...]  Z is in every listed disk's log
//	until=fired                     every armed crash rule fired
//	until=down        peers=...     the peers are crashed
//	until=looking|leading|not-leading   peers=...
//	until=following   peers=... [leader=L]
func (r *Runner) cmdRun(a *args) ([]string, error) {
	if len(a.pos) > 0 {
		return nil, fmt.Errorf("run takes key=value arguments only")
	}
	if _, ok := a.kv["units"]; ok {
		n, err := intArg(a, "units", 0, 1)
		if err != nil {
			return nil, err
		}
		r.w.RunFor(int64(n))
		return nil, nil
	}
	until, ok := a.get("until")
	if !ok {
		return nil, fmt.Errorf("run needs until=<condition> or units=<n>")
	}
	maxTicks, err := intArg(a, "max", defaultMax, 1)
	if err != nil {
		return nil, err
	}
	c, err := r.condition(until, a)
	if err != nil {
		return nil, err
	}
	if err := a.unused(); err != nil {
		return nil, err
	}
	if r.w.RunUntilCond(int64(maxTicks)*tickEvery, c.met) {
		line := fmt.Sprintf("%s: %s", when(r.w.Now()), c.desc)
		if c.result != nil {
			line += ", " + c.result()
		}
		return []string{line}, nil
	}
	return []string{fmt.Sprintf("%s: not %s within %d ticks", when(r.w.Now()), c.desc, maxTicks)}, nil
}

// condition builds the condition named by until.
func (r *Runner) condition(until string, a *args) (condition, error) {
	if !slices.Contains(conditions, until) {
		return condition{}, fmt.Errorf("no condition %q (%s)", until, strings.Join(conditions, ", "))
	}
	ids := r.w.IDs()
	if v, ok := a.get("peers"); ok {
		ps, err := parsePeers(v, len(ids))
		if err != nil {
			return condition{}, err
		}
		ids = ps
	} else if until != "stable" && until != "delivered" && until != "logged" && until != "fired" {
		return condition{}, fmt.Errorf("until=%s needs peers=", until)
	}
	zxid := func() (zab.Zxid, error) {
		v, ok := a.get("zxid")
		if !ok {
			return 0, fmt.Errorf("until=%s needs zxid=", until)
		}
		return parseZxid(v)
	}
	on := peerSet(ids)
	switch until {
	case "stable":
		var l zab.PeerID
		return condition{desc: "stable on " + on,
			met: func() bool {
				var ok bool
				l, ok = r.w.StableAmong(ids...)
				return ok
			},
			result: func() string {
				s, _ := r.w.Status(l)
				return fmt.Sprintf("leader %d in e%d", l, s.Epochs.Current)
			}}, nil
	case "delivered":
		z, err := zxid()
		if err != nil {
			return condition{}, err
		}
		return condition{desc: fmt.Sprintf("%s delivered on %s", zx(z), on), met: func() bool {
			for _, id := range ids {
				if !r.w.Up(id) || !slices.ContainsFunc(r.w.Delivered(id), func(t zab.Txn) bool { return t.Zxid == z }) {
					return false
				}
			}
			return true
		}}, nil
	case "logged":
		z, err := zxid()
		if err != nil {
			return condition{}, err
		}
		return condition{desc: fmt.Sprintf("%s logged on %s", zx(z), on), met: func() bool {
			for _, id := range ids {
				found := false
				for _, e := range r.w.Disk(id).DurableLog() {
					found = found || zab.Zxid(e.Zxid) == z
				}
				if !found {
					return false
				}
			}
			return true
		}}, nil
	case "fired":
		if len(r.crashRules) == 0 {
			return condition{}, fmt.Errorf("until=fired: no crash rule is armed")
		}
		return condition{desc: "every crash rule fired", met: func() bool {
			for _, cr := range r.crashRules {
				if !cr.fired {
					return false
				}
			}
			return true
		}}, nil
	case "down":
		return condition{desc: on + " down", met: func() bool {
			return !slices.ContainsFunc(ids, r.w.Up)
		}}, nil
	case "looking", "leading", "not-leading", "following":
		var leader zab.PeerID
		if v, ok := a.get("leader"); ok {
			if until != "following" {
				return condition{}, fmt.Errorf("leader= goes with until=following")
			}
			ps, err := parsePeers(v, len(r.w.IDs()))
			if err != nil || len(ps) != 1 {
				return condition{}, fmt.Errorf("leader=%s: want one peer", v)
			}
			leader = ps[0]
		}
		want := map[string]func(s zab.Status) bool{
			"looking":     func(s zab.Status) bool { return s.Role == zab.RoleLooking },
			"leading":     func(s zab.Status) bool { return s.Role == zab.RoleLeading },
			"not-leading": func(s zab.Status) bool { return s.Role != zab.RoleLeading },
			"following": func(s zab.Status) bool {
				return s.Role == zab.RoleFollowing && (leader == 0 || s.Leader == leader)
			},
		}[until]
		desc := on + " " + until
		if leader != 0 {
			desc += fmt.Sprintf(" %d", leader)
		}
		return condition{desc: desc, met: func() bool {
			for _, id := range ids {
				s, ok := r.w.Status(id)
				if !ok || !want(s) {
					return false
				}
			}
			return true
		}}, nil
	}
	panic("unreachable: every name in conditions is handled")
}

// conditions are the names until= takes.
var conditions = []string{"stable", "delivered", "logged", "fired", "down", "looking", "following", "leading", "not-leading"}
