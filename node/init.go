package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log"
	"zabkafka/log/kafka"
	"zabkafka/log/zabstore"
	"zabkafka/zab"
)

// handleInit answers Maelstrom's init (Maelstrom's doc/protocol.md,
// "Initialization"): learn our name and the cluster, open the log,
// restore the kafka state from the latest snapshot, and start the zab
// peer LOOKING. Peer ids are 1 + the index of the name in node_ids, the
// same on every node because every node gets the same list.
func (s *Server) handleInit(in inbound, now time.Time) {
	var b maelstrom.InitMessageBody
	if err := json.Unmarshal(in.body, &b); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "init: "+err.Error())
		return
	}
	if err := checkMembers(b.NodeID, b.NodeIDs); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "init: "+err.Error())
		return
	}
	if in.dest != b.NodeID {
		// Maelstrom sends each node's init to that node; one naming
		// another node was meant for someone else.
		s.replyError(in, maelstrom.MalformedRequest, fmt.Sprintf("init: node_id %q, but sent to %q", b.NodeID, in.dest))
		return
	}
	if s.cfg.DataDir != "" && !isPlainName(b.NodeID) {
		// The id names this node's directory under --data-dir.
		s.replyError(in, maelstrom.MalformedRequest, fmt.Sprintf("init: node_id %q cannot name a directory", b.NodeID))
		return
	}
	if s.members.id != "" {
		// A repeated init is harmless only if it says the same thing,
		// and it cannot undo a failed start (no peer: start failed).
		switch {
		case s.members.id != b.NodeID || !slices.Equal(s.members.names, b.NodeIDs):
			s.replyError(in, maelstrom.NotSupported, "init: already initialized as "+s.members.id)
		case s.peer == nil:
			s.replyError(in, codeNotStarted, "init: "+errString(s.failed))
		default:
			s.reply(in.src, initOK{Type: typeInitOK, InReplyTo: in.msgID})
		}
		return
	}
	m := members{id: b.NodeID, names: slices.Clone(b.NodeIDs), ids: make(map[string]zab.PeerID, len(b.NodeIDs))}
	for i, name := range m.names {
		m.ids[name] = zab.PeerID(i + 1)
	}
	m.self = m.ids[m.id]
	s.members = m
	s.out.src = m.id
	s.out.isPeer = func(dest string) bool { _, ok := s.members.ids[dest]; return ok }
	s.logger = s.base.With("node", m.id)
	s.pace = newPacer(s.cfg, len(m.names))
	s.fresh = newFreshness(s.cfg.MaxStaleness, len(m.names))

	if err := s.start(now); err != nil {
		s.failed = err
		s.logStartFailure(err)
		s.replyError(in, codeNotStarted, "init: "+err.Error())
		return
	}
	s.reply(in.src, initOK{Type: typeInitOK, InReplyTo: in.msgID})
}

// codeNotStarted answers an init the node could not carry out: abort (14),
// Maelstrom's definite catch-all (doc/protocol.md, "Errors"). The node
// definitely did not start; crash (13) would say it might have. No later
// init can change that, so the same code answers those too.
const codeNotStarted = maelstrom.Abort

// logStartFailure says why the node did not start. A damaged log gets the
// file, the byte and the problem as fields of their own, and what the
// operator can do: the node never votes or serves on it (it answers
// clients with errors and drops peer messages), so wiping it is safe
// while the rest of the cluster holds a quorum (docs/running.md, "A node
// whose log is damaged").
func (s *Server) logStartFailure(err error) {
	var ce *log.CorruptError
	if errors.As(err, &ce) {
		s.logger.Error("log damaged; node will not start, vote or serve",
			"file", ce.File, "offset", ce.Offset, "problem", ce.Problem,
			"remedy", "stop the node, wipe its data dir, restart it (docs/running.md)")
		return
	}
	s.logger.Error("init failed; node will not start, vote or serve", "err", err)
}

// checkMembers validates init's node_id and node_ids.
func checkMembers(id string, names []string) error {
	if id == "" {
		return fmt.Errorf("empty node_id")
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" {
			return fmt.Errorf("empty name in node_ids")
		}
		if seen[n] {
			return fmt.Errorf("node %q listed twice in node_ids", n)
		}
		seen[n] = true
	}
	if !seen[id] {
		return fmt.Errorf("node_id %q is not in node_ids %v", id, names)
	}
	return nil
}

// isPlainName reports whether name can be used as one path element.
func isPlainName(name string) bool {
	return name != "." && name != ".." && !strings.ContainsAny(name, `/\`) && !strings.ContainsRune(name, 0)
}

// start opens the log, restores the kafka state and creates the peer.
func (s *Server) start(now time.Time) error {
	store, err := s.openStore()
	if err != nil {
		return err
	}
	inc, err := startIncarnation(s.dataDir(), now)
	if err != nil {
		store.Close()
		return err
	}
	state := kafka.NewWindow(s.dedupeWindow())
	if snap, ok := store.Snapshot(); ok {
		if state, err = kafka.RestoreWindow(snap.Data, s.dedupeWindow()); err != nil {
			store.Close()
			return fmt.Errorf("restore kafka state from snapshot %v: %w", zab.Zxid(snap.Zxid), err)
		}
		s.snaps.last = snap.Zxid
	}
	peers := make([]zab.PeerID, len(s.members.names))
	for i := range peers {
		peers[i] = zab.PeerID(i + 1)
	}
	seed := s.cfg.Seed
	if seed == 0 {
		seed = now.UnixNano()
	}
	cfg := s.cfg.Zab
	cfg.ID, cfg.Peers, cfg.Storage, cfg.Logger = s.members.self, peers, zabstore.New(store), s.logger
	cfg.Election.Rand = rand.New(rand.NewSource(seed + int64(s.members.self)))
	peer, err := zab.NewPeer(cfg)
	if err != nil {
		store.Close()
		return fmt.Errorf("start zab peer: %w", err)
	}
	s.store, s.kafka, s.peer = store, state, peer
	s.reqs.incarnation, s.reqs.lastSeq = inc, 0
	accepted, current := store.Epochs()
	s.logger.Info("initialized", "peer", s.members.self, "cluster", len(s.members.names), "data_dir", s.dataDir(), "incarnation", inc,
		"last", zab.Zxid(store.LastZxid()), "applied", zab.Zxid(state.AppliedZxid()),
		"accepted_epoch", accepted, "current_epoch", current)
	return nil
}

// dedupeWindow is the kafka state's dedupe window (Config.DedupeWindow).
func (s *Server) dedupeWindow() int {
	if s.cfg.DedupeWindow == 0 {
		return kafka.DedupeWindow
	}
	return s.cfg.DedupeWindow
}

// dataDir is this node's own directory under --data-dir, "" in memory.
// Every node of a Maelstrom test gets the same flags, so each one keeps
// its files in a subdirectory named after itself.
func (s *Server) dataDir() string {
	if s.cfg.DataDir == "" {
		return ""
	}
	return filepath.Join(s.cfg.DataDir, s.members.id)
}

// openStore opens the file log under --data-dir, or an in-memory one,
// unless an embedder supplies the log (SetStoreOpener).
func (s *Server) openStore() (log.Store, error) {
	if s.openLog != nil {
		st, err := s.openLog(s.members.id)
		if err != nil {
			return nil, fmt.Errorf("open log: %w", err)
		}
		return st, nil
	}
	dir := s.dataDir()
	if dir == "" {
		return log.NewMemStore(), nil
	}
	st, err := log.OpenFileStore(dir, log.FileOptions{Logger: s.logger})
	if err != nil {
		return nil, fmt.Errorf("open log in %s: %w", dir, err)
	}
	return st, nil
}
