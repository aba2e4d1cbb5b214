package nodesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/zab"
)

// The convergence probe's bounds, in simulated time.
const (
	probeSendLimit  = 20 * time.Second // to get one send acknowledged
	probeApplyLimit = 10 * time.Second // for every node to apply it
	probeRetry      = 100 * time.Millisecond
	probeSettle     = 10 * time.Second // for the nodes to agree
	probeKey        = "probe"
	// pollPage is the node's per-key cap on one poll (node.Config.PollCap):
	// a key that returns that many is polled again from where it stopped.
	pollPage = 100
)

// probe checks the node-level outcome through the nodes' own interface,
// once the run has healed: a fresh send must be acknowledged (liveness),
// every node must apply it, and then every node must answer the same
// polls of every key ever sent, from offset 0, and the same committed
// offsets. The send's commit orders it after everything committed
// before, so a node that applied it has applied all of that too.
func (s *Sim) probe() error {
	var acked *int64
	deadline := s.now + probeSendLimit
	for i := 0; acked == nil; i++ {
		if s.now >= deadline || s.fatal {
			return fmt.Errorf("liveness: the probe's send was not acknowledged within %v of the final phase", probeSendLimit)
		}
		node := s.names[i%len(s.names)]
		body, err := s.admin.call(node, map[string]any{"type": "send", "key": probeKey, "msg": 1}, rpcTimeout)
		if err == nil {
			var r struct {
				Type   string `json:"type"`
				Offset *int64 `json:"offset"`
			}
			if json.Unmarshal(body, &r) == nil && r.Type == "send_ok" && r.Offset != nil {
				acked = r.Offset
				break
			}
		}
		s.runUntil(s.now+probeRetry, nil)
	}
	for _, node := range s.names {
		deadline := s.now + probeApplyLimit
		for {
			msgs, err := s.pollOnce(node, map[string]int64{probeKey: *acked})
			if err == nil && len(msgs[probeKey]) > 0 && msgs[probeKey][0][0] == *acked {
				break
			}
			if s.now >= deadline || s.fatal {
				return fmt.Errorf("liveness: %s did not apply the probe's acknowledged send (offset %d) within %v", node, *acked, probeApplyLimit)
			}
			s.runUntil(s.now+probeRetry, nil)
		}
	}
	// Client lines sent late may still be on their way, and what they
	// carry still being committed: compare the nodes until they agree,
	// checking on every round that each key's log on one node is a
	// prefix of the other's (safe at every moment), and fail if they
	// still differ after probeSettle.
	keys := sentKeys(s.hist)
	deadline = s.now + probeSettle
	for {
		states := make([]nodeState, len(s.names))
		unavailable := false
		for i, node := range s.names {
			st, err := s.readState(node, keys)
			if errors.Is(err, errUnavailable) && s.now < deadline && !s.fatal {
				unavailable = true // not in touch with a leader yet: ask again
				break
			}
			if err != nil {
				return fmt.Errorf("probe: reading %s: %v", node, err)
			}
			states[i] = st
		}
		if unavailable {
			s.runUntil(s.now+probeRetry, nil)
			continue
		}
		same := true
		for i := 1; i < len(states); i++ {
			if d := states[0].prefixDiff(states[i]); d != "" {
				return fmt.Errorf("replicas disagree: %s and %s: %s", s.names[0], s.names[i], d)
			}
			if d := states[0].diff(states[i]); d != "" {
				if s.now >= deadline || s.fatal {
					return fmt.Errorf("replicas diverge: %s and %s still differ %v after the probe: %s", s.names[0], s.names[i], probeSettle, d)
				}
				same = false
			}
		}
		if same {
			return nil
		}
		s.runUntil(s.now+10*probeRetry, nil)
	}
}

// sentKeys lists every key a send was invoked for, and the probe's.
func sentKeys(h history.History) []string {
	set := map[string]bool{probeKey: true}
	for _, op := range h {
		if op.F == history.FSend {
			set[op.Key] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// nodeState is what one node answers about every key: its messages from
// offset 0 and its committed offset.
type nodeState struct {
	msgs      map[string][][2]int64
	committed map[string]int64
}

// diff describes the first difference between two states, "" if none.
func (a nodeState) diff(b nodeState) string {
	keys := slices.Sorted(maps.Keys(a.msgs))
	for _, k := range slices.Sorted(maps.Keys(b.msgs)) {
		if _, ok := a.msgs[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if x, y := a.msgs[k], b.msgs[k]; !slices.Equal(x, y) {
			return fmt.Sprintf("key %q: messages %v vs %v", k, x, y)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.committed)) {
		v := a.committed[k]
		if w, ok := b.committed[k]; !ok || w != v {
			return fmt.Sprintf("key %q: committed offset %d vs %v", k, v, fmtOpt(w, ok))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b.committed)) {
		if _, ok := a.committed[k]; !ok {
			return fmt.Sprintf("key %q: committed offset none vs %d", k, b.committed[k])
		}
	}
	return ""
}

// prefixDiff describes a key whose log on one node is not a prefix of
// its log on the other, "" if there is none: each node applies a prefix
// of one committed sequence, so at any moment one is a prefix of the
// other.
func (a nodeState) prefixDiff(b nodeState) string {
	for _, k := range slices.Sorted(maps.Keys(a.msgs)) {
		x, y := a.msgs[k], b.msgs[k]
		n := min(len(x), len(y))
		if !slices.Equal(x[:n], y[:n]) {
			return fmt.Sprintf("key %q: messages %v vs %v", k, x, y)
		}
	}
	return ""
}

func fmtOpt(v int64, ok bool) string {
	if !ok {
		return "none"
	}
	return fmt.Sprint(v)
}

// readState polls every key from 0, page by page, and lists the
// committed offsets.
func (s *Sim) readState(node string, keys []string) (nodeState, error) {
	st := nodeState{msgs: map[string][][2]int64{}}
	from := map[string]int64{}
	for _, k := range keys {
		from[k] = 0
	}
	for len(from) > 0 {
		got, err := s.pollOnce(node, from)
		if err != nil {
			return st, err
		}
		next := map[string]int64{}
		for k := range from {
			page := got[k]
			st.msgs[k] = append(st.msgs[k], page...)
			if len(page) >= pollPage {
				next[k] = page[len(page)-1][0] + 1
			}
		}
		from = next
	}
	for k, v := range st.msgs {
		if len(v) == 0 {
			delete(st.msgs, k)
		}
	}
	body, err := s.admin.call(node, map[string]any{"type": "list_committed_offsets", "keys": keys}, rpcTimeout)
	if err != nil {
		return st, err
	}
	var r struct {
		Type    string           `json:"type"`
		Offsets map[string]int64 `json:"offsets"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Type != "list_committed_offsets_ok" {
		return st, readRefusal("list_committed_offsets", body)
	}
	st.committed = r.Offsets
	return st, nil
}

// pollOnce makes one poll and returns its messages.
func (s *Sim) pollOnce(node string, from map[string]int64) (map[string][][2]int64, error) {
	body, err := s.admin.call(node, map[string]any{"type": "poll", "offsets": from}, rpcTimeout)
	if err != nil {
		return nil, err
	}
	var r struct {
		Type string                `json:"type"`
		Msgs map[string][][2]int64 `json:"msgs"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Type != "poll_ok" {
		return nil, readRefusal("poll", body)
	}
	return r.Msgs, nil
}

// errUnavailable marks a read refused with temporarily-unavailable
// (11): the node is not in touch with an established leader at the
// moment (node/fresh.go), which the probe waits out.
var errUnavailable = errors.New("temporarily unavailable")

// readRefusal describes a read's answer that is not its _ok reply,
// wrapping errUnavailable when it is an error 11.
func readRefusal(what string, body []byte) error {
	var e struct {
		Type string `json:"type"`
		Code int    `json:"code"`
	}
	if json.Unmarshal(body, &e) == nil && e.Type == "error" && e.Code == 11 {
		return fmt.Errorf("%s: %w: %s", what, errUnavailable, body)
	}
	return fmt.Errorf("%s: %s", what, body)
}

// checkDisks checks the log prefix property over every node's durable
// log at the end (invariants.Checker.CheckLogs): any two logs agree on
// everything up to the last zxid both hold.
func (s *Sim) checkDisks() error {
	logs := map[zab.PeerID][]zab.Txn{}
	for _, h := range s.hosts {
		es := h.disk.mem.DurableLog()
		txns := make([]zab.Txn, len(es))
		for i, e := range es {
			txns[i] = zab.Txn{Zxid: zab.Zxid(e.Zxid), Data: e.Data}
		}
		logs[h.id] = txns
	}
	if err := s.inv.CheckLogs(logs); err != nil {
		s.noteViolation(err)
		return err
	}
	return nil
}
