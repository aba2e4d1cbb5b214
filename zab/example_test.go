package zab_test

import (
	"fmt"

	"zabkafka/log"
	"zabkafka/node/zabstore"
	"zabkafka/zab"
)

// Example runs three peers in one process with a slice for a network.
// Each peer is driven by the loop every caller runs (see the package
// documentation): feed it messages, ticks and proposals, then handle its
// Readies in order, persisting before sending, and Advance.
func Example() {
	ids := []zab.PeerID{1, 2, 3}
	stores := map[zab.PeerID]*log.MemStore{}
	peers := map[zab.PeerID]*zab.Peer{}
	for _, id := range ids {
		stores[id] = log.NewMemStore()
		p, err := zab.NewPeer(zab.Config{ID: id, Peers: ids, Storage: zabstore.New(stores[id])})
		if err != nil {
			fmt.Println(err)
			return
		}
		peers[id] = p
	}

	var network []zab.Message
	applied := map[zab.PeerID][]string{}
	handle := func(id zab.PeerID) {
		p := peers[id]
		for p.HasReady() {
			rd := p.Ready()
			// Steps 1-5 of the Ready contract: snapshot, truncation,
			// entries, fsync, epochs and follow attempt.
			if err := zabstore.Persist(stores[id], &rd); err != nil {
				panic(err) // a real node stops here and never sends
			}
			network = append(network, rd.Messages...) // step 6: send
			for _, t := range rd.Committed {          // step 7: apply, in order
				applied[id] = append(applied[id], string(t.Data))
			}
			p.Advance(rd) // step 8
		}
	}
	// round ticks every peer once, then delivers every message in flight,
	// including the ones the deliveries cause.
	round := func() {
		for _, id := range ids {
			peers[id].Tick()
			handle(id)
		}
		for len(network) > 0 {
			m := network[0]
			network = network[1:]
			_ = peers[m.To].Step(m) // an error means "drop this message"
			handle(m.To)
		}
	}

	leader := func() (zab.PeerID, bool) {
		for _, id := range ids {
			if s := peers[id].Status(); s.Role == zab.RoleLeading && s.Phase == zab.PhaseBroadcast {
				return id, true
			}
		}
		return 0, false
	}
	for i := 0; i < 100; i++ {
		if _, ok := leader(); ok {
			break
		}
		round()
	}
	l, ok := leader()
	if !ok {
		fmt.Println("no leader")
		return
	}
	s := peers[l].Status()
	fmt.Printf("leader n%d, epoch %d\n", l, s.Epochs.Current)

	for _, op := range []string{"hello", "world"} {
		z, err := peers[l].Propose([]byte(op))
		fmt.Println("proposed", op, "as", z, err)
	}
	handle(l)
	for i := 0; i < 10; i++ {
		round()
	}
	for _, id := range ids {
		fmt.Printf("n%d applied %v\n", id, applied[id])
	}
	// Output:
	// leader n3, epoch 1
	// proposed hello as e1:c1 <nil>
	// proposed world as e1:c2 <nil>
	// n1 applied [hello world]
	// n2 applied [hello world]
	// n3 applied [hello world]
}
