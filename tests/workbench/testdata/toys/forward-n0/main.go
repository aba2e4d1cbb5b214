// Command forward-n0 keeps the only log on n0; every other node forwards
// each client request to n0 and relays the answer. Without partitions it is
// a correct kafka. Under a partition, a node cut off from n0 cannot answer
// anything: when n0 is on the minority side the majority stalls, which is
// what the partition-window availability report must show.
//
// A relayed answer older than replyDeadline is dropped: the client gave up
// after 5 s and was closed, and one message to a closed client would make
// the workbench stop reading this node's stdout (M:process.clj
// stdout-thread).
//
// n0 keeps its log in memory, so a kill of n0 loses every acknowledged
// message; with --data-dir DIR it also keeps it in DIR/n0.log (DIR relative
// to the working directory) and a restarted n0 finds it again.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	dataDir := flag.String("data-dir", "", "keep n0's log in this directory")
	flag.Parse()
	n := toykit.NewNode()
	k := &toykit.Kafka{Log: toykit.NewLog()}
	waiting := map[int64]pending{}
	// Forward ids start at the clock, so that a late fwd_ok meant for this
	// node's previous process (killed and restarted) matches nothing here.
	nextFwd := time.Now().UnixNano()

	n.OnInit = func(n *toykit.Node) {
		if n.ID == "n0" {
			if *dataDir != "" {
				err := os.MkdirAll(*dataDir, 0o755)
				if err == nil {
					err = k.Log.Persist(filepath.Join(*dataDir, "n0.log"))
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "n0: cannot keep the log on disk:", err)
					os.Exit(1)
				}
			}
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
