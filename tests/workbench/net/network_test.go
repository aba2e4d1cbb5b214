package net

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestNetwork has the given members registered, zero latency.
func newTestNetwork(t *testing.T, nodes []string, extra ...string) (*network, map[string]*mailbox) {
	t.Helper()
	lm, _ := newLatencyModel(DistConstant, 0)
	n := newNetwork(lm, nodes)
	mbs := map[string]*mailbox{}
	for _, id := range append(append([]string(nil), nodes...), extra...) {
		mb, err := n.join(id)
		if err != nil {
			t.Fatal(err)
		}
		mbs[id] = mb
	}
	t.Cleanup(n.shutdown)
	return n, mbs
}

func TestMailboxOrdersByDeadlineThenID(t *testing.T) {
	mb := newMailbox("x")
	for i, d := range []int64{50, 10, 30, 10, 40, 0} {
		mb.push(&envelope{id: int64(i), deadline: d})
	}
	var got []int64
	for e := mb.tryTake(); e != nil; e = mb.tryTake() {
		got = append(got, e.id)
	}
	want := []int64{5, 1, 3, 2, 4, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestSendRejectsUnknownMembersWithoutCounting(t *testing.T) {
	n, _ := newTestNetwork(t, []string{"n0"}, "c0")
	if err := n.send("n0", "c9", []byte(`{}`), nil); !errors.Is(err, ErrUnknownMember) || !strings.Contains(err.Error(), "invalid dest") {
		t.Fatalf("unknown dest: %v", err)
	}
	if err := n.send("n7", "n0", []byte(`{}`), nil); !errors.Is(err, ErrUnknownMember) || !strings.Contains(err.Error(), "invalid source") {
		t.Fatalf("unknown src: %v", err)
	}
	n.leave("c0")
	if err := n.send("n0", "c0", []byte(`{}`), nil); !errors.Is(err, ErrUnknownMember) {
		t.Fatalf("closed client must be unknown: %v", err)
	}
	if got := n.counts.snapshot(); got != (NetCounts{}) {
		t.Fatalf("rejected messages were counted: %+v", got)
	}
}

func TestMessageIDsCountFromZero(t *testing.T) {
	n, mbs := newTestNetwork(t, []string{"n0", "n1"})
	for i := 0; i < 3; i++ {
		n.send("n0", "n1", []byte(`{}`), nil)
	}
	for want := int64(0); want < 3; want++ {
		if e := mbs["n1"].tryTake(); e == nil || e.id != want {
			t.Fatalf("message id %v, want %d", e, want)
		}
	}
}

func TestClientMessagesHaveZeroLatency(t *testing.T) {
	lm, _ := newLatencyModel(DistConstant, time.Hour)
	n := newNetwork(lm, []string{"n0", "n1"})
	defer n.shutdown()
	mbs := map[string]*mailbox{}
	for _, id := range []string{"n0", "n1", "c0", "lin-kv"} {
		mbs[id], _ = n.join(id)
	}
	rng := seededRand(1, "latency", "t")
	n.send("c0", "n0", []byte(`{}`), nil)
	n.send("n0", "c0", []byte(`{}`), rng)
	n.send("n0", "n1", []byte(`{}`), rng)
	n.send("n0", "n0", []byte(`{}`), rng)
	n.send("n1", "lin-kv", []byte(`{}`), rng)
	soon := n.now() + int64(time.Minute)
	for _, id := range []string{"n0", "c0"} {
		if e := mbs[id].tryTake(); !e.client || e.deadline > soon {
			t.Errorf("%s: client message got latency: %+v", id, e)
		}
	}
	for _, id := range []string{"n1", "n0", "lin-kv"} {
		if e := mbs[id].tryTake(); e.client || e.deadline < soon {
			t.Errorf("%s: node/service message got no latency: %+v", id, e)
		}
	}
}

func TestPartitionTableOnlyHoldsNodePairs(t *testing.T) {
	n, _ := newTestNetwork(t, []string{"n0", "n1", "n2"}, "c0", "lin-kv")
	ignored := n.drop(map[string][]string{"n0": {"n1", "c0", "lin-kv"}, "c0": {"n2"}})
	if len(ignored) != 3 {
		t.Fatalf("ignored %v, want the three pairs with a client or service", ignored)
	}
	n.drop(map[string][]string{"n2": {"n1"}}) // adds, no implicit heal
	got := n.partitions()
	if len(got) != 2 || got["n0"][0] != "n1" || got["n2"][0] != "n1" {
		t.Fatalf("partitions %v", got)
	}
	n.heal()
	if len(n.partitions()) != 0 {
		t.Fatal("heal left partitions")
	}
}

// pipeNode runs a nodeLink delivery loop into an io.Pipe, so the test
// decides when each write completes: a Write on an io.Pipe blocks until
// the reader has consumed all of it, so after reading the first byte of a
// delivery the test knows the loop is stuck on that message, exactly as
// Maelstrom's delivery thread is while it holds one.
type pipeNode struct {
	pr     *io.PipeReader
	prefix []byte
	wg     sync.WaitGroup
}

func startPipeNode(t *testing.T, n *network, mb *mailbox) *pipeNode {
	pr, pw := io.Pipe()
	p := &pipeNode{pr: pr}
	link := &nodeLink{id: mb.id, net: n, mb: mb, faults: &faultLog{}, logf: t.Logf}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); link.deliverLoop(pw, nil) }()
	t.Cleanup(func() { n.shutdown(); pr.Close(); p.wg.Wait() })
	return p
}

// holding returns once the loop is writing a message (it reads one byte).
func (p *pipeNode) holding(t *testing.T) {
	t.Helper()
	b := make([]byte, 1)
	if _, err := io.ReadFull(p.pr, b); err != nil {
		t.Fatal(err)
	}
	p.prefix = append(p.prefix, b...)
}

// next reads the rest of the current delivery line.
func (p *pipeNode) next(t *testing.T) string {
	t.Helper()
	line := p.prefix
	p.prefix = nil
	b := make([]byte, 1)
	for len(line) == 0 || line[len(line)-1] != '\n' {
		if _, err := io.ReadFull(p.pr, b); err != nil {
			t.Fatal(err)
		}
		line = append(line, b[0])
	}
	return string(line)
}

func TestPartitionAppliesWhenMessageIsTakenNotWhenSent(t *testing.T) {
	n, _ := newTestNetwork(t, []string{"n0", "n1", "n2"})
	p := startPipeNode(t, n, n.member("n0"))

	n.send("n2", "n0", []byte(`{"m":"A"}`), nil)
	p.holding(t) // the loop holds A
	// B is sent before the partition starts but taken after: dropped.
	n.send("n1", "n0", []byte(`{"m":"B"}`), nil)
	n.drop(map[string][]string{"n0": {"n1"}})
	if l := p.next(t); !strings.Contains(l, `"A"`) {
		t.Fatalf("first delivery %q", l)
	}
	n.send("n2", "n0", []byte(`{"m":"D"}`), nil)
	p.holding(t) // the loop holds D, so B has been taken (and dropped)
	// C is sent during the partition but taken after the heal: delivered.
	n.send("n1", "n0", []byte(`{"m":"C"}`), nil)
	n.heal()
	if l := p.next(t); !strings.Contains(l, `"D"`) {
		t.Fatalf("expected D, got %q (B must have been dropped)", l)
	}
	if l := p.next(t); !strings.Contains(l, `"C"`) {
		t.Fatalf("expected C after the heal, got %q", l)
	}
	c := n.counts.snapshot()
	if c.Servers.SendCount != 4 || c.Servers.RecvCount != 3 {
		t.Fatalf("dropped message must count as sent only: %+v", c.Servers)
	}
}

func TestDeliveryHoldsLaterMessagesBehindTheOneItTook(t *testing.T) {
	// As M:net.clj recv! does: once the loop holds a message, an earlier-deadline message
	// that arrives meanwhile waits behind it.
	lm, _ := newLatencyModel(DistConstant, 0)
	n := newNetwork(lm, []string{"n0", "n1"})
	mb, _ := n.join("n0")
	n.join("n1")
	n.join("c0")
	p := startPipeNode(t, n, mb)
	mb.push(&envelope{id: 100, src: "n1", dest: "n0", body: []byte(`{"m":"late"}`), deadline: n.now()})
	p.holding(t)
	mb.push(&envelope{id: 101, src: "c0", dest: "n0", body: []byte(`{"m":"early"}`), deadline: 0, client: true})
	if l := p.next(t); !strings.Contains(l, "late") {
		t.Fatalf("got %q", l)
	}
	if l := p.next(t); !strings.Contains(l, "early") {
		t.Fatalf("got %q", l)
	}
}

func TestNetCountsSlices(t *testing.T) {
	n, mbs := newTestNetwork(t, []string{"n0", "n1"}, "c0", "c1", "lin-kv")
	body := []byte(`{}`)
	n.send("c0", "n0", body, nil)     // client
	n.send("n0", "c1", body, nil)     // client
	n.send("n0", "n1", body, nil)     // server
	n.send("n1", "lin-kv", body, nil) // server
	n.send("lin-kv", "n1", body, nil) // server
	n.send("n0", "c7", body, nil)     // rejected: not counted
	for _, id := range []string{"n0", "c1", "n1", "lin-kv"} {
		e := mbs[id].tryTake()
		n.counts.received(e)
	}
	got := n.counts.snapshot()
	want := NetCounts{
		All:     Count{SendCount: 5, RecvCount: 4, MsgCount: 5},
		Clients: Count{SendCount: 2, RecvCount: 2, MsgCount: 2},
		Servers: Count{SendCount: 3, RecvCount: 2, MsgCount: 3},
	}
	if got != want {
		t.Fatalf("counts %+v\nwant %+v", got, want)
	}
}

func TestDeliveryFramesEnvelopeOncePerMessage(t *testing.T) {
	n, mbs := newTestNetwork(t, []string{"n0"}, "c3")
	p := startPipeNode(t, n, mbs["n0"])
	n.send("c3", "n0", []byte(`{"type":"echo","msg_id":1}`), nil)
	want := `{"id":0,"src":"c3","dest":"n0","body":{"type":"echo","msg_id":1}}` + "\n"
	if got := p.next(t); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

// TestDeliveryFlushesWhenTheNextDueMessageIsDropped: writes are batched
// while the next message is already due, but a batch must still be flushed
// when that next message turns out to be partitioned away.
func TestDeliveryFlushesWhenTheNextDueMessageIsDropped(t *testing.T) {
	n, mbs := newTestNetwork(t, []string{"n0", "n1", "n2"})
	n.drop(map[string][]string{"n0": {"n1"}})
	n.send("n2", "n0", []byte(`{"m":"A"}`), nil)
	n.send("n1", "n0", []byte(`{"m":"B"}`), nil) // due, but dropped when taken
	p := startPipeNode(t, n, mbs["n0"])
	got := make(chan string, 1)
	go func() {
		line := make([]byte, 0, 128)
		b := make([]byte, 1)
		for {
			if _, err := p.pr.Read(b); err != nil {
				return
			}
			line = append(line, b[0])
			if b[0] == '\n' {
				got <- string(line)
				return
			}
		}
	}()
	select {
	case l := <-got:
		if !strings.Contains(l, `"A"`) {
			t.Fatalf("got %q", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("A was never flushed")
	}
}
