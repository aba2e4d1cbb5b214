package zab

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestBrokenInvariantsStopThePeer makes every invariant check of the core
// fire, by corrupting the state it guards directly (no input can: each
// is kept by the code that changes the state), and checks that the peer
// logs it at Error and panics with ErrInvariant.
func TestBrokenInvariantsStopThePeer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   string // in the panic's message
		leader bool   // an established leader of 3 instead of a fresh peer
		breakf func(p *Peer)
	}{
		{"append out of order", "out of order", false, func(p *Peer) {
			p.appendLog([]Txn{{Zxid: MakeZxid(1, 2)}})
		}},
		{"truncate a committed entry", "truncating after", false, func(p *Peer) {
			p.committed = MakeZxid(1, 3)
			p.truncateLog(MakeZxid(1, 2))
		}},
		{"snapshot below committed", "installing snapshot", false, func(p *Peer) {
			p.committed = MakeZxid(1, 3)
			p.installSnapshot(Snapshot{Zxid: MakeZxid(1, 2)})
		}},
		{"write currentEpoch above acceptedEpoch", "writing currentEpoch", false, func(p *Peer) {
			p.epochs = Epochs{Accepted: 1, Current: 2}
			p.writeEpochs()
		}},
		{"currentEpoch above acceptedEpoch", "currentEpoch 2 above", false, func(p *Peer) {
			p.epochs = Epochs{Accepted: 1, Current: 2}
			p.Ready()
		}},
		{"committed beyond the log", "does not hold", false, func(p *Peer) {
			p.committed = MakeZxid(1, 4)
			p.Ready()
		}},
		{"delivered beyond committed", "does not hold", false, func(p *Peer) {
			p.committed, p.delivered = MakeZxid(1, 2), MakeZxid(1, 3)
			p.Ready()
		}},
		{"match beyond next", "beyond the", true, func(p *Peer) {
			l := p.lead.learners[1]
			l.match = l.next + 1
			p.Ready()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			logTo := func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) }
			var p *Peer
			if tc.leader {
				c, _ := establishedLeader(t, 3, logTo)
				p = c.p
			} else {
				p = newConvWith(t, 1, 3, logOf(1, 1, run(1, 1, 3)...), logTo).p
			}
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, ErrInvariant) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("recovered %v, want a panic with ErrInvariant saying %q", err, tc.want)
				}
				if !strings.Contains(logs.String(), "level=ERROR msg=\"invariant broken: stopping\"") {
					t.Fatalf("not logged at Error first; log:\n%s", logs.String())
				}
			}()
			tc.breakf(p)
		})
	}
}
