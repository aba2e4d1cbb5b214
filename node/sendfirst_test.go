package node

import (
	"bytes"
	"testing"

	"zabkafka/log"
)

// syncWatch is a store that notes, at each Sync of new entries, whether
// its node had already written a zab message out: the leader sends its
// proposals first (zab Ready.SendFirst), and nothing else may.
type syncWatch struct {
	log.Store
	out      *bytes.Buffer
	appended bool
	// syncs counts Syncs of new entries; sentBefore, those that found a
	// zab message already written in the same Process.
	syncs, sentBefore int
}

func (w *syncWatch) Append(es ...log.Entry) error {
	w.appended = w.appended || len(es) > 0
	return w.Store.Append(es...)
}

func (w *syncWatch) Sync() error {
	if w.appended {
		w.syncs++
		// The harness takes a node's output after each Process, so what
		// the buffer holds now was written during this one.
		if bytes.Contains(w.out.Bytes(), []byte(`"type":"`+typeZab+`"`)) {
			w.sentBefore++
		}
		w.appended = false
	}
	return w.Store.Sync()
}

// TestLeaderSendsProposalsBeforeItsSync: the leader writes every round
// of proposals out before it syncs them itself, so followers log them
// while it syncs; followers never send before their sync (their ACKs
// vouch for it), and the sends are all answered.
func TestLeaderSendsProposalsBeforeItsSync(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	watch := map[string]*syncWatch{}
	for _, name := range c.names {
		w := &syncWatch{Store: log.NewMemStore(), out: c.out[name]}
		watch[name] = w
		c.srv[name].SetStoreOpener(func(string) (log.Store, error) { return w, nil })
	}
	lead, _ := c.leaderAndFollower()
	before := *watch[lead]
	for round := range 3 {
		base := int64(10 * round)
		acks, errs := c.sendAll(c.names, []string{"a", "b"}, []int64{base + 1, base + 2, base + 3, base + 4})
		if len(acks) != 4 || len(errs) != 0 {
			t.Fatalf("round %d: acks %v, errors %v", round, acks, errs)
		}
	}
	l := watch[lead]
	if rounds := l.syncs - before.syncs; rounds == 0 || l.sentBefore-before.sentBefore != rounds {
		t.Errorf("leader %s: %d of %d syncs of its proposals came after they were sent, want all", lead, l.sentBefore-before.sentBefore, rounds)
	}
	for _, name := range c.names {
		if name != lead && watch[name].sentBefore > 0 {
			t.Errorf("follower %s sent a zab message before %d of its %d syncs", name, watch[name].sentBefore, watch[name].syncs)
		}
	}
}
