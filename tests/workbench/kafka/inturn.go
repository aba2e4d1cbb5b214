package kafka

// bulkReply is the size from which decoding a reply counts as bulk work
// (inTurn). Replies of the main phase are far smaller; final-phase
// poll_ok replies run to megabytes.
const bulkReply = 64 << 10

// bulkTurn is held by the one client decoding a bulk reply.
var bulkTurn = make(chan struct{}, 1)

// inTurn runs decode, which works on size bytes of a reply: at once if
// size is under bulkReply, else once no other client of the process is
// decoding a bulk reply.
//
// Why: the clients' goroutines share the workbench process with the
// network's, which carry the nodes' messages. In Maelstrom's final
// phase every client decodes a poll_ok of every key at once; on a
// two-core machine thirty-two of them decoding together kept the
// network's goroutines waiting for hundreds of milliseconds, and the
// nodes took their leader, whose messages were the ones waiting, for
// dead (docs/tuning.md, "Polls a step at a time"). In turn, bulk
// decoding takes at most one core. It only delays when a client's
// completion is recorded, which comes after its reply is decoded, as in
// Maelstrom.
func inTurn(size int, decode func()) {
	if size < bulkReply {
		decode()
		return
	}
	bulkTurn <- struct{}{}
	defer func() { <-bulkTurn }()
	decode()
}
