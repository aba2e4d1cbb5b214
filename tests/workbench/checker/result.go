package checker

// Result is the checker's whole verdict: Maelstrom's sections (stats,
// availability, net, workload), our additions (performance, fault
// windows), the overall validity, and the series the plots need.
type Result struct {
	Stats        Stats          `json:"stats"`
	Availability Availability   `json:"availability"`
	Net          *NetResult     `json:"net,omitempty"`
	Workload     WorkloadResult `json:"workload"`
	Performance  Performance    `json:"performance"`
	// ByNode is the send latency per node, with hop bounds; nil for a
	// single node.
	ByNode       *ByNode     `json:"send-latency-by-node,omitempty"`
	FaultWindows FaultReport `json:"fault-windows"`
	// Valid merges the sections that judge (stats, availability, net,
	// workload): false beats unknown beats true (J:checker.clj compose).
	Valid Validity `json:"valid?"`
	// Series is raw data for plotting; it is not part of the JSON.
	Series Series `json:"-"`
}

// Series holds the per-event data behind the plots Jepsen draws.
type Series struct {
	// RealtimeLag has one point per key per ok poll (realtime-lag plots).
	RealtimeLag []LagPoint
	// Latencies has one point per completed client op (latency-raw).
	Latencies []LatencyPoint
	// Unseen has one point per ok send or poll (unseen.png).
	Unseen []UnseenPoint
}

// Verdict returns the closing line Jepsen prints for this result.
func (r Result) Verdict() string { return r.Valid.Verdict() }
