package sim

import (
	"fmt"
	"math/rand"

	"zabkafka/node/zabstore"
	"zabkafka/zab"
)

// Crash stops a running peer at once: its disk loses every unsynced
// write (log.MemStore.Crash), or keeps a random prefix of them with
// Config.Disk.PartialCrash; its in-memory state is gone, and messages to
// it are dropped until it restarts. Messages it already sent stay in
// flight.
func (w *World) Crash(id zab.PeerID) error {
	n := w.node(id)
	if n == nil || n.peer == nil {
		return ErrDown
	}
	w.crash(n, "crash")
	return nil
}

func (w *World) crash(n *node, why string) {
	if d := w.cfg.Disk; d.PartialCrash {
		pending := n.disk.Unsynced()
		keep := w.diskRng.Intn(pending + 1)
		torn := d.Torn > 0 && w.diskRng.Float64() < d.Torn
		kept := n.disk.CrashPartial(keep, torn)
		if pending > 0 {
			why += fmt.Sprintf(" (disk kept %d of %d unsynced writes", kept, pending)
			if kept < keep {
				why += ", last record torn"
			}
			why += ")"
		}
	} else {
		n.disk.Crash()
	}
	n.peer = nil
	w.Trace.Record(Event{Time: w.now, Kind: KindCrash, Peer: n.id, Note: why})
	w.observeDisk(n)
}

// Restart starts a crashed peer again as zab.NewPeer over what survived
// on its disk, with its state machine restored from the durable
// snapshot.
func (w *World) Restart(id zab.PeerID) error {
	n := w.node(id)
	if n == nil {
		return fmt.Errorf("sim: no peer %d", id)
	}
	if n.peer != nil {
		return fmt.Errorf("sim: peer %d is already up", id)
	}
	n.disk = n.disk.Reopen()
	n.incarnation++
	w.Trace.Record(Event{Time: w.now, Kind: KindRestart, Peer: id, Zxid: zab.Zxid(n.disk.LastZxid())})
	return w.start(n)
}

// start runs a new incarnation of n over its disk.
func (w *World) start(n *node) error {
	n.app = App{}
	n.sinceSnap = 0
	n.soft = zab.Status{}
	if snap, ok := n.disk.Snapshot(); ok {
		if err := n.app.Restore(snap.Data); err != nil {
			w.fail("peer %d: durable snapshot does not decode: %v", n.id, err)
		}
	}
	w.observeDisk(n)
	if w.Checker != nil {
		w.noteViolation(w.Checker.Restart(n.id, n.app.Txns()))
		a, c := n.disk.Epochs()
		w.noteViolation(w.Checker.AtRest(n.id, zab.Epochs{Accepted: zab.Epoch(a), Current: zab.Epoch(c)}, zab.Zxid(n.disk.LastZxid())))
	}
	cfg := w.cfg.Zab
	cfg.ID = n.id
	cfg.Peers = w.IDs()
	cfg.Storage = zabstore.New(n.disk)
	cfg.Rand = rand.New(rand.NewSource(w.rng.Int63()))
	cfg.Logger = w.cfg.Logger
	if w.cfg.Tune != nil {
		w.cfg.Tune(n.id, &cfg)
	}
	p, err := zab.NewPeer(cfg)
	if err != nil {
		w.fail("peer %d: cannot start over its disk: %v", n.id, err)
		return err
	}
	n.peer = p
	// Tick on this peer's own phase: first tick at the next time t with
	// t mod TickEvery == tickOffset.
	next := w.now - w.now%w.cfg.TickEvery + n.tickOffset
	if next <= w.now {
		next += w.cfg.TickEvery
	}
	w.schedule(&event{at: next, kind: evTick, peer: n.id, incarnation: n.incarnation})
	w.drain(n)
	return nil
}
