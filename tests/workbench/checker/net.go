package checker

// NetSlice is one slice of the :net section (M:net/checker.clj). MsgsPerOp
// is set for the all and servers slices when the history has client
// invocations.
type NetSlice struct {
	SendCount int64    `json:"send-count"`
	RecvCount int64    `json:"recv-count"`
	MsgCount  int64    `json:"msg-count"`
	MsgsPerOp *float32 `json:"msgs-per-op,omitempty"`
}

// NetResult is the :net section; it is always valid.
type NetResult struct {
	All     NetSlice `json:"all"`
	Clients NetSlice `json:"clients"`
	Servers NetSlice `json:"servers"`
	Valid   Validity `json:"valid?"`
}

// computeNet ports M:src/maelstrom/net/checker.clj checker: msgs-per-op is
// msg-count over the number of client invocations (crash and final-phase
// ops included), as a 32-bit float.
func computeNet(c NetCounts, txns []txn) NetResult {
	invokes := 0
	for i := range txns {
		if txns[i].isInvoke() {
			invokes++
		}
	}
	slice := func(n NetCount, perOp bool) NetSlice {
		s := NetSlice{SendCount: n.SendCount, RecvCount: n.RecvCount, MsgCount: n.MsgCount}
		if perOp && invokes > 0 {
			v := float32(float64(n.MsgCount) / float64(invokes))
			s.MsgsPerOp = &v
		}
		return s
	}
	return NetResult{
		All:     slice(c.All, true),
		Clients: slice(c.Clients, false),
		Servers: slice(c.Servers, true),
		Valid:   Valid,
	}
}
