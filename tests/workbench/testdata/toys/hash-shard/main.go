// Command hash-shard is the usual unreplicated answer to Maelstrom's kafka
// challenge: each key lives on one node, the one its hash picks, and
// every node serves every request by asking the owners of the keys it
// names. A send to a key another node owns is forwarded there and the
// owner's answer relayed; a poll, commit_offsets or list_committed_offsets
// is split by owner, each part answered by its owner (at once for the
// node's own keys), and the answers merged. Without faults it is a
// correct kafka. It keeps one copy of everything, so it is the yardstick
// for what replication costs: two messages per remote key owner per
// operation, and nothing else.
//
// A relayed answer older than replyDeadline is dropped: the client gave
// up after 5 s and was closed, and one message to a closed client would
// make the workbench stop reading this node's stdout (M:process.clj
// stdout-thread).
package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"time"

	"zabkafka/tests/workbench/testdata/toys/toykit"
)

const replyDeadline = 4 * time.Second

// gather is a client request waiting for the owners' answers.
type gather struct {
	req     toykit.Message
	since   time.Time
	waiting int
	merged  toykit.Body // the field the answers fill: msgs or offsets
	failed  toykit.Body // the first error an owner answered, if any
}

func main() {
	n := toykit.NewNode()
	k := &toykit.Kafka{Log: toykit.NewLog()}
	gathers := map[int64]*gather{}
	var nextID int64

	owner := func(key string) string {
		h := fnv.New32a()
		h.Write([]byte(key))
		return n.NodeIDs[int(h.Sum32())%len(n.NodeIDs)]
	}
	// answer replies to a gathered request once every part is in.
	answer := func(id int64, g *gather) {
		delete(gathers, id)
		if time.Since(g.since) >= replyDeadline {
			return
		}
		if g.failed != nil {
			n.Reply(g.req, g.failed)
			return
		}
		body := toykit.Body{}
		switch g.req.Type() {
		case "send":
			body = g.merged
		case "poll":
			body = toykit.Body{"type": "poll_ok", "msgs": g.merged}
		case "commit_offsets":
			body = toykit.Body{"type": "commit_offsets_ok"}
		case "list_committed_offsets":
			body = toykit.Body{"type": "list_committed_offsets_ok", "offsets": g.merged}
		}
		n.Reply(g.req, body)
	}
	// absorb merges one owner's answer into g.
	absorb := func(g *gather, reply toykit.Body) {
		if reply["type"] == "error" {
			if g.failed == nil {
				g.failed = reply
			}
			return
		}
		switch g.req.Type() {
		case "send":
			g.merged = reply
		case "poll":
			for key, v := range object(reply["msgs"]) {
				g.merged[key] = v
			}
		case "list_committed_offsets":
			for key, v := range object(reply["offsets"]) {
				g.merged[key] = v
			}
		}
	}
	// split groups the keys a request names by owner.
	split := func(m toykit.Message) (map[string]toykit.Body, bool) {
		parts := map[string]toykit.Body{}
		part := func(key string) toykit.Body {
			o := owner(key)
			if parts[o] == nil {
				sub := toykit.Body{"type": m.Type()}
				switch m.Type() {
				case "list_committed_offsets":
					sub["keys"] = []any{}
				case "poll", "commit_offsets":
					sub["offsets"] = map[string]any{}
				}
				parts[o] = sub
			}
			return parts[o]
		}
		switch m.Type() {
		case "send":
			key, ok := m.Body["key"].(string)
			if !ok {
				return nil, false
			}
			parts[owner(key)] = m.Body
		case "poll", "commit_offsets":
			offsets, ok := m.Body["offsets"].(map[string]any)
			if !ok {
				return nil, false
			}
			for key, v := range offsets {
				part(key)["offsets"].(map[string]any)[key] = v
			}
		case "list_committed_offsets":
			keys, ok := m.Body["keys"].([]any)
			if !ok {
				return nil, false
			}
			for _, kv := range keys {
				if key, ok := kv.(string); ok {
					p := part(key)
					p["keys"] = append(p["keys"].([]any), key)
				}
			}
		}
		return parts, true
	}

	n.OnInit = func(n *toykit.Node) {
		for _, typ := range []string{"send", "poll", "commit_offsets", "list_committed_offsets"} {
			n.Handle(typ, func(n *toykit.Node, m toykit.Message) {
				parts, ok := split(m)
				if !ok {
					n.Error(m, 12, "malformed "+m.Type())
					return
				}
				nextID++
				id := nextID
				g := &gather{req: m, since: time.Now(), waiting: len(parts), merged: toykit.Body{}}
				gathers[id] = g
				for o, sub := range parts {
					if o == n.ID {
						absorb(g, k.Apply(sub))
						g.waiting--
						continue
					}
					n.Send(o, toykit.Body{"type": "shard", "gid": id, "req": sub})
				}
				if g.waiting == 0 {
					answer(id, g)
				}
				expire(gathers)
			})
		}
	}
	// An owner applies a part of a request for its keys.
	n.Handle("shard", func(n *toykit.Node, m toykit.Message) {
		req, _ := m.Body["req"].(map[string]any)
		n.Send(m.Src, toykit.Body{"type": "shard_ok", "gid": m.Body["gid"], "reply": k.Apply(toykit.Body(req))})
	})
	// The node that took the request merges the owners' answers.
	n.Handle("shard_ok", func(n *toykit.Node, m toykit.Message) {
		num, _ := m.Body["gid"].(json.Number)
		id, _ := num.Int64()
		g, ok := gathers[id]
		reply, _ := m.Body["reply"].(map[string]any)
		if !ok || reply == nil {
			return
		}
		absorb(g, toykit.Body(reply))
		if g.waiting--; g.waiting == 0 {
			answer(id, g)
		}
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// object reads a JSON object field: decoded from a peer's message it is a
// map[string]any, built by toykit.Kafka for our own keys a toykit.Body.
func object(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case toykit.Body:
		return m
	}
	return nil
}

// expire forgets requests whose owners will not answer in time.
func expire(gathers map[int64]*gather) {
	for id, g := range gathers {
		if time.Since(g.since) > 2*replyDeadline {
			delete(gathers, id)
		}
	}
}
