// Command forward-n0 keeps the only log on n0; every other node forwards
// each client request to n0 and relays the answer. Without partitions it is
// a correct kafka. Under a partition, a node cut off from n0 cannot answer
// anything: when n0 is on the minority side the majority stalls, which is
// what the partition-window availability report must show.
//
// A relayed answer older than replyDeadline is dropped: the client gave up
// after 5 s and was closed, and one message to a closed client would make
// the workbench stop reading this node's stdout (spec 2.3).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"zabkafka/tests/workbench/testdata/toys/toykit"
)

const replyDeadline = 4 * time.Second

// pending is a client request waiting for n0's answer.
type pending struct {
	req   toykit.Message
	since time.Time
}

func main() {
	n := toykit.NewNode()
	k := &toykit.Kafka{Log: toykit.NewLog()}
	waiting := map[int64]pending{}
	var nextFwd int64

	n.OnInit = func(n *toykit.Node) {
		if n.ID == "n0" {
			k.Serve(n)
			return
		}
		for _, typ := range []string{"send", "poll", "commit_offsets", "list_committed_offsets"} {
			n.Handle(typ, func(n *toykit.Node, m toykit.Message) {
				nextFwd++
				waiting[nextFwd] = pending{req: m, since: time.Now()}
				n.Send("n0", toykit.Body{"type": "fwd", "fid": nextFwd, "req": m.Body})
				expire(waiting)
			})
		}
	}
	// n0 applies a forwarded request and answers with the reply body.
	n.Handle("fwd", func(n *toykit.Node, m toykit.Message) {
		req, _ := m.Body["req"].(map[string]any)
		n.Send(m.Src, toykit.Body{"type": "fwd_ok", "fid": m.Body["fid"], "reply": k.Apply(toykit.Body(req))})
	})
	// The forwarding node relays n0's answer if its client still waits.
	n.Handle("fwd_ok", func(n *toykit.Node, m toykit.Message) {
		num, _ := m.Body["fid"].(json.Number)
		fid, _ := num.Int64()
		p, ok := waiting[fid]
		delete(waiting, fid)
		reply, _ := m.Body["reply"].(map[string]any)
		if ok && reply != nil && time.Since(p.since) < replyDeadline {
			n.Reply(p.req, toykit.Body(reply))
		}
	})
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// expire forgets requests nobody will answer in time (n0 unreachable).
func expire(waiting map[int64]pending) {
	for fid, p := range waiting {
		if time.Since(p.since) > 2*replyDeadline {
			delete(waiting, fid)
		}
	}
}
