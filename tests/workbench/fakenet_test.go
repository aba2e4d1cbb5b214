package workbench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// fakeNet is an in-process stand-in for the cluster: every client talks to
// one correct kafka log, answered at once unless a hook delays or swallows
// the request. It records what the runner asked of the network.
type fakeNet struct {
	mu        sync.Mutex
	entries   map[string][][2]int64 // key -> [offset, msg] in order
	committed map[string]int64
	opened    int
	closed    int
	drops     []map[string][]string
	heals     int
	down      map[string]bool // killed and not restarted
	paused    map[string]bool
	stopped   chan struct{}
	stopOnce  sync.Once

	// restartDelay is how long Restart takes (a node answering init).
	restartDelay time.Duration

	// delay, if set, is how long a request waits before being answered;
	// a negative delay means it is never answered (the client times out).
	delay func(body map[string]any) time.Duration
}

func newFakeNet() *fakeNet {
	return &fakeNet{entries: map[string][][2]int64{}, committed: map[string]int64{}, down: map[string]bool{}, paused: map[string]bool{}, stopped: make(chan struct{})}
}

func (f *fakeNet) OpenClient() conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened++
	return &fakeConn{net: f}
}

func (f *fakeNet) Partition(g map[string][]string) {
	f.mu.Lock()
	f.drops = append(f.drops, g)
	f.mu.Unlock()
}

func (f *fakeNet) Heal() {
	f.mu.Lock()
	f.heals++
	f.mu.Unlock()
}

// Kill, Pause, Resume and Restart keep the node sets the real cluster
// keeps; a killed node's RPCs fail unsent (definitely) until restarted.
func (f *fakeNet) Kill(nodes []string) []string {
	return f.flip(nodes, f.down, false, true)
}

func (f *fakeNet) Pause(nodes []string) []string {
	return f.flip(nodes, f.paused, false, true)
}

func (f *fakeNet) Resume(nodes []string) []string {
	return f.flip(nodes, f.paused, true, false)
}

func (f *fakeNet) Restart(_ context.Context, nodes []string) ([]string, error) {
	time.Sleep(f.restartDelay) // a trigger for the runner test, not a measurement
	return f.flip(nodes, f.down, true, false), nil
}

// flip sets set[n] = to for every node where it was from, returning them.
func (f *fakeNet) flip(nodes []string, set map[string]bool, from, to bool) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range nodes {
		if set[n] == from {
			set[n] = to
			out = append(out, n)
		}
	}
	return out
}

func (f *fakeNet) isDown(node string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down[node]
}

func (f *fakeNet) SetRunStart(time.Time) {}

func (f *fakeNet) Stop() error {
	f.stopOnce.Do(func() { close(f.stopped) })
	return nil
}

// errFakeDown is a request to a killed node: not sent, so definite.
var errFakeDown = fakeDefinite("node is down")

type fakeDefinite string

func (e fakeDefinite) Error() string { return string(e) }
func (fakeDefinite) Definite() bool  { return true }

type fakeConn struct {
	net    *fakeNet
	msgID  int64
	closed bool
}

func (c *fakeConn) Close() {
	c.net.mu.Lock()
	c.net.closed++
	c.net.mu.Unlock()
	c.closed = true
}

func (c *fakeConn) RPC(ctx context.Context, dest string, body map[string]any) (json.RawMessage, error) {
	if c.closed {
		return nil, fmt.Errorf("client closed")
	}
	if c.net.isDown(dest) {
		return nil, errFakeDown
	}
	c.msgID++
	if c.net.delay != nil {
		if d := c.net.delay(body); d != 0 {
			var wait <-chan time.Time
			if d > 0 {
				wait = time.After(d)
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-c.net.stopped:
				return nil, fmt.Errorf("network stopped")
			}
		}
	}
	reply := c.net.apply(body)
	reply["in_reply_to"] = c.msgID
	b, err := json.Marshal(reply)
	return b, err
}

// apply answers one kafka request from the shared log.
func (f *fakeNet) apply(body map[string]any) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch body["type"] {
	case "send":
		k := body["key"].(string)
		o := int64(len(f.entries[k]))
		f.entries[k] = append(f.entries[k], [2]int64{o, body["msg"].(int64)})
		return map[string]any{"type": "send_ok", "offset": o}
	case "poll":
		msgs := map[string][][2]int64{}
		for k, from := range body["offsets"].(map[string]int64) {
			if es := f.entries[k]; from < int64(len(es)) {
				msgs[k] = es[from:]
			}
		}
		return map[string]any{"type": "poll_ok", "msgs": msgs}
	case "commit_offsets":
		for k, o := range body["offsets"].(map[string]int64) {
			f.committed[k] = max(f.committed[k], o)
		}
		return map[string]any{"type": "commit_offsets_ok"}
	case "list_committed_offsets":
		return map[string]any{"type": "list_committed_offsets_ok", "offsets": map[string]int64{}}
	}
	return map[string]any{"type": "error", "code": 10}
}
