package sim

// CrashPoint names a moment inside a peer's handling of one Ready at
// which the World can crash it. Each sits between two steps of the
// contract in zab/ready.go, so together they cover every fsync boundary
// (docs/rules.md#durability).
type CrashPoint uint8

// The crash points, in the order a Ready passes them. A point is offered
// only when the Ready has the step before it (AfterAppend only if it
// appends, MidSend only between two messages).
const (
	// CrashBeforePersist: the Ready was fetched, nothing written.
	CrashBeforePersist CrashPoint = iota + 1
	// CrashAfterSnapshot: a SNAP was installed (durable), nothing else.
	CrashAfterSnapshot
	// CrashAfterTruncate: the log was cut, not yet synced.
	CrashAfterTruncate
	// CrashAfterAppend: entries appended, not yet synced: the crash loses
	// them.
	CrashAfterAppend
	// CrashAfterSync: history durable, epochs not yet written (the window
	// of ZOOKEEPER-4643, in the correct order).
	CrashAfterSync
	// CrashAfterEpochs: epochs durable, nothing sent (e.g. after the
	// acceptedEpoch write, before ACKEPOCH).
	CrashAfterEpochs
	// CrashMidSend: some of the Ready's messages were sent.
	CrashMidSend
	// CrashAfterSend: every message sent, nothing applied (e.g. right after
	// the NEWLEADER ack, ZOOKEEPER-3911).
	CrashAfterSend
	// CrashAfterApply: committed transactions applied, Advance not called.
	CrashAfterApply
)

var crashPointNames = [...]string{
	CrashBeforePersist: "before-persist",
	CrashAfterSnapshot: "after-snapshot",
	CrashAfterTruncate: "after-truncate",
	CrashAfterAppend:   "after-append",
	CrashAfterSync:     "after-sync",
	CrashAfterEpochs:   "after-epochs",
	CrashMidSend:       "mid-send",
	CrashAfterSend:     "after-send",
	CrashAfterApply:    "after-apply",
}

// AllCrashPoints lists every crash point in Ready order.
var AllCrashPoints = []CrashPoint{
	CrashBeforePersist, CrashAfterSnapshot, CrashAfterTruncate, CrashAfterAppend,
	CrashAfterSync, CrashAfterEpochs, CrashMidSend, CrashAfterSend, CrashAfterApply,
}

// String names c as transcripts and traces write it ("after-append").
func (c CrashPoint) String() string {
	if int(c) < len(crashPointNames) && crashPointNames[c] != "" {
		return crashPointNames[c]
	}
	return "unknown-crash-point"
}
