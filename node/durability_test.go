package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSIGKILLRestartKeepsAcknowledgedSends builds the binary and runs a
// three-node cluster of real processes on --data-dir, connected by a tiny
// router over their stdin and stdout (the test is the Maelstrom network
// and the client). Sends are acknowledged; every node is killed with
// SIGKILL and restarted on the same directories; every acknowledged send
// must still be at its offset on every node. Then one node alone is
// killed and restarted while the others keep going, with the same check.
//
// The waits poll with generous limits; nothing asserts on timing.
func TestSIGKILLRestartKeepsAcknowledgedSends(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin := filepath.Join(t.TempDir(), "zabkafka")
	build := exec.Command("go", "build", "-o", bin, "./cmd/zabkafka")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := newProcRouter(t, bin, []string{"n1", "n2", "n3"}, t.TempDir())
	for _, n := range r.names {
		r.start(n)
	}

	var acks []ack
	keys := []string{"a", "b", "c"}
	acks = append(acks, r.sendSome(keys, 0, 30)...)
	r.waitAcked(acks, keys)

	t.Log("SIGKILL every node")
	for _, n := range r.names {
		r.kill(n)
	}
	for _, n := range r.names {
		r.start(n)
	}
	r.waitAcked(acks, keys)
	acks = append(acks, r.sendSome(keys, 100, 15)...)
	r.waitAcked(acks, keys)

	t.Log("SIGKILL n2 alone")
	r.kill("n2")
	acks = append(acks, r.sendSomeVia([]string{"n1", "n3"}, keys, 200, 10)...)
	r.start("n2")
	r.waitAcked(acks, keys)
}

// procRouter runs node processes and carries their messages.
type procRouter struct {
	t       *testing.T
	bin     string
	names   []string
	dataDir string
	logDir  string

	mu      sync.Mutex
	procs   map[string]*proc
	waiters map[int64]chan outMsg // client requests in flight, by msg_id
	nextID  int64
}

type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex // serializes writes to stdin
	stdin io.WriteCloser
	done  chan struct{}
}

func newProcRouter(t *testing.T, bin string, names []string, dataDir string) *procRouter {
	r := &procRouter{t: t, bin: bin, names: names, dataDir: dataDir, logDir: t.TempDir(),
		procs: map[string]*proc{}, waiters: map[int64]chan outMsg{}}
	t.Cleanup(func() {
		for _, n := range r.names {
			r.kill(n)
		}
		if t.Failed() {
			for _, n := range r.names {
				b, _ := os.ReadFile(filepath.Join(r.logDir, n+".log"))
				t.Logf("--- %s stderr (tail)\n%s", n, tail(string(b), 3000))
			}
		}
	})
	return r
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// start launches name and initializes it.
func (r *procRouter) start(name string) {
	r.t.Helper()
	if m := r.launch(name); m.typ() != "init_ok" {
		r.t.Fatalf("init %s: %s", name, m.Line)
	}
}

// launch starts name's process and returns its answer to init.
func (r *procRouter) launch(name string) outMsg {
	r.t.Helper()
	cmd := exec.Command(r.bin, "--data-dir", r.dataDir, "--tick", "5ms", "--log-level", "info",
		"--snapshot-every", "20")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(r.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	r.mu.Lock()
	r.procs[name] = p
	r.mu.Unlock()
	go func() {
		defer close(p.done)
		defer logf.Close()
		br := bufio.NewReader(stdout)
		for {
			l, err := br.ReadBytes('\n')
			if len(l) > 0 {
				r.route(name, l)
			}
			if err != nil {
				return
			}
		}
	}()
	return r.call(name, map[string]any{"type": "init", "node_id": name, "node_ids": r.names}, 10*time.Second)
}

// kill sends SIGKILL to name and waits for it to exit.
func (r *procRouter) kill(name string) {
	r.mu.Lock()
	p := r.procs[name]
	delete(r.procs, name)
	r.mu.Unlock()
	if p == nil {
		return
	}
	p.cmd.Process.Kill()
	p.cmd.Wait()
	<-p.done
}

// route delivers one line a node wrote: to another node's stdin, or to
// the client request waiting for it.
func (r *procRouter) route(from string, l []byte) {
	m, err := decodeOut(l[:len(l)-1])
	if err != nil {
		r.t.Errorf("%s wrote a bad line %q: %v", from, l, err)
		return
	}
	if strings.HasPrefix(m.Dest, "n") {
		r.write(m.Dest, l)
		return
	}
	irt, _ := m.intField("in_reply_to")
	r.mu.Lock()
	w := r.waiters[irt]
	delete(r.waiters, irt)
	r.mu.Unlock()
	if w != nil {
		w <- m
	}
}

func (r *procRouter) write(dest string, l []byte) {
	r.mu.Lock()
	p := r.procs[dest]
	r.mu.Unlock()
	if p == nil {
		return // a killed node: the message is lost, as on a network
	}
	p.mu.Lock()
	p.stdin.Write(l) // errors mean the process just died
	p.mu.Unlock()
}

// call sends a client request and waits for its answer; on timeout it
// returns an empty message.
func (r *procRouter) call(node string, body map[string]any, timeout time.Duration) outMsg {
	r.mu.Lock()
	r.nextID++
	id := r.nextID
	ch := make(chan outMsg, 1)
	r.waiters[id] = ch
	r.mu.Unlock()
	body["msg_id"] = id
	b, _ := json.Marshal(map[string]any{"src": "c1", "dest": node, "body": body})
	r.write(node, append(b, '\n'))
	select {
	case m := <-ch:
		return m
	case <-time.After(timeout):
		r.mu.Lock()
		delete(r.waiters, id)
		r.mu.Unlock()
		return outMsg{}
	}
}

// sendSome acknowledges count sends (values from first on) through all
// nodes in turn, retrying a send until it is acknowledged.
func (r *procRouter) sendSome(keys []string, first, count int) []ack {
	return r.sendSomeVia(r.names, keys, first, count)
}

func (r *procRouter) sendSomeVia(nodes, keys []string, first, count int) []ack {
	r.t.Helper()
	var acks []ack
	for i := 0; i < count; i++ {
		key, msg := keys[i%len(keys)], int64(first+i)
		deadline := time.Now().Add(60 * time.Second)
		for attempt := 0; ; attempt++ {
			if time.Now().After(deadline) {
				r.t.Fatalf("send %s=%d never acknowledged", key, msg)
			}
			m := r.call(nodes[(i+attempt)%len(nodes)], map[string]any{"type": "send", "key": key, "msg": msg}, 5*time.Second)
			if m.typ() == "send_ok" {
				off, _ := m.intField("offset")
				acks = append(acks, ack{key, msg, off})
				break
			}
			time.Sleep(20 * time.Millisecond) // no leader yet: try again shortly
		}
	}
	return acks
}

// waitAcked polls every node until each acknowledged send is at its
// offset there, and fails if one holds a different message at it.
func (r *procRouter) waitAcked(acks []ack, keys []string) {
	r.t.Helper()
	offsets := map[string]any{}
	for _, k := range keys {
		offsets[k] = 0
	}
	for _, n := range r.names {
		deadline := time.Now().Add(60 * time.Second)
		for {
			missing, err := r.missing(n, offsets, acks)
			if err != nil {
				r.t.Fatal(err)
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				r.t.Fatalf("%s is missing %d acknowledged sends", n, missing)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// missing polls node once and counts the acknowledged sends it lacks.
func (r *procRouter) missing(node string, offsets map[string]any, acks []ack) (int, error) {
	m := r.call(node, map[string]any{"type": "poll", "offsets": offsets}, 5*time.Second)
	if m.typ() != "poll_ok" {
		return len(acks), nil
	}
	raw, _ := json.Marshal(m.Body["msgs"])
	var got map[string][][2]int64
	if err := json.Unmarshal(raw, &got); err != nil {
		return 0, err
	}
	missing := 0
	for _, a := range acks {
		pairs := got[a.key]
		if a.offset >= int64(len(pairs)) {
			missing++
			continue
		}
		if p := pairs[a.offset]; p[0] != a.offset || p[1] != a.msg {
			return 0, fmt.Errorf("%s: key %s offset %d holds %v, acknowledged %d", node, a.key, a.offset, p, a.msg)
		}
	}
	return missing, nil
}
