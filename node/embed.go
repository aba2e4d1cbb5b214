package node

import "zabkafka/log"

// StoreOpener opens the log a node runs on. It is called once, at init,
// with the node's id from the init message.
type StoreOpener func(nodeID string) (log.Store, error)

// SetStoreOpener makes the node open its log with open at init, instead
// of a log.FileStore under Config.DataDir or a fresh log.MemStore. It is
// for embedding a Server in a program or a test harness that owns the
// storage: the whole-node simulation (tests/nodesim) gives each node a
// log.MemStore it can crash and reopen, so a process restart is a new
// Server over the same simulated disk. Call it before the init message;
// the Server owns the store it gets, and Close closes it.
//
// Without Config.DataDir the node's incarnation (incarnation.go) comes
// from the clock alone, so the times handed to a restarted Server must
// be later than those of the run before it, as a simulated clock's are.
func (s *Server) SetStoreOpener(open StoreOpener) { s.openLog = open }
