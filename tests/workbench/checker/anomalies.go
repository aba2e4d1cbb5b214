package checker

import "encoding/json"

// The error types of the kafka analysis, named as Jepsen names them.
const (
	TypeDuplicate             = "duplicate"
	TypeInconsistentOffsets   = "inconsistent-offsets"
	TypeG1a                   = "G1a"
	TypeLostWrite             = "lost-write"
	TypePollSkip              = "poll-skip"
	TypeNonmonotonicPoll      = "nonmonotonic-poll"
	TypeIntPollSkip           = "int-poll-skip"
	TypeIntNonmonotonicPoll   = "int-nonmonotonic-poll"
	TypeNonmonotonicSend      = "nonmonotonic-send"
	TypeIntSendSkip           = "int-send-skip"
	TypeIntNonmonotonicSend   = "int-nonmonotonic-send"
	TypePrecommittedRead      = "precommitted-read"
	TypeUnseen                = "unseen"
	TypeG1cRealtime           = "G1c-realtime"
	TypeStrongPL2CycleExists  = "strong-PL-2-cycle-exists"
	TypeEmptyTransactionGraph = "empty-transaction-graph"
)

// Duplicate: one value at more than one offset of a key
// (J:kafka.clj duplicate-cases).
type Duplicate struct {
	Key     string  `json:"key"`
	Value   int64   `json:"value"`
	Count   int     `json:"count"`
	Offsets []int64 `json:"offsets"`
}

// InconsistentOffset: one offset of a key holding two or more values
// (J:kafka.clj version-orders :errors).
type InconsistentOffset struct {
	Key    string  `json:"key"`
	Offset int64   `json:"offset"`
	Index  int     `json:"index"`
	Values []int64 `json:"values"`
}

// G1a: an ok poll read a value whose send failed (J:kafka.clj g1a-cases).
type G1a struct {
	Key    string `json:"key"`
	Value  int64  `json:"value"`
	Writer OpRef  `json:"writer"`
	Reader OpRef  `json:"reader"`
}

// LostWrite: a committed value below the highest value some ok poll read,
// which no ok poll read (J:kafka.clj lost-write-cases).
type LostWrite struct {
	Key          string `json:"key"`
	Value        int64  `json:"value"`
	Index        int    `json:"index"`
	MaxReadIndex int    `json:"max-read-index"`
	Writer       OpRef  `json:"writer"`
	// MaxRead is the first reader of a value whose last appearance is at
	// MaxReadIndex; nil when none exists (Jepsen gives nil there too).
	MaxRead *OpRef `json:"max-read"`
}

// Skip: two successive ok polls of one process jumped over part of a key
// (J:kafka.clj poll-skip+nonmonotonic-cases :skip).
type Skip struct {
	Key     string   `json:"key"`
	Delta   int      `json:"delta"`
	Skipped []int64  `json:"skipped"`
	Ops     [2]OpRef `json:"ops"`
}

// Nonmonotonic: a process went backwards (or stood still) in a key between
// two ops; used for nonmonotonic-poll and nonmonotonic-send
// (J:kafka.clj poll-skip+nonmonotonic-cases, nonmonotonic-send-cases).
type Nonmonotonic struct {
	Key    string   `json:"key"`
	Values [2]int64 `json:"values"`
	Delta  int      `json:"delta"`
	Ops    [2]OpRef `json:"ops"`
}

// IntSkip: two consecutive values of one key inside one op skip part of
// the log; used for int-poll-skip and int-send-skip
// (J:kafka.clj int-poll-skip+nonmonotonic-cases, int-send-skip+nonmonotonic-cases).
type IntSkip struct {
	Key     string   `json:"key"`
	Values  [2]int64 `json:"values"`
	Delta   int      `json:"delta"`
	Skipped []int64  `json:"skipped"`
	Op      OpRef    `json:"op"`
}

// IntNonmonotonic: two consecutive values of one key inside one op go
// backwards or repeat; used for int-nonmonotonic-poll and -send.
type IntNonmonotonic struct {
	Key    string   `json:"key"`
	Values [2]int64 `json:"values"`
	Delta  int      `json:"delta"`
	Op     OpRef    `json:"op"`
}

// PrecommittedRead: an op read a value it sent itself
// (J:kafka.clj precommitted-read-cases).
type PrecommittedRead struct {
	Op    OpRef  `json:"op"`
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// Unseen: acknowledged sends no ok poll returned by the end of the run
// (J:kafka.clj unseen, the last record, as the analysis reports it).
type Unseen struct {
	Time int64 `json:"time"`
	// Counts maps a key to its number of unseen values (positive only).
	Counts map[string]int `json:"unseen"`
	// Messages maps a key to its unseen values, ascending.
	Messages map[string][]int64 `json:"messages"`
}

// Step is one edge of a cycle: "wr" (From sent Value to Key and To read
// it) or "realtime" (From completed, at index A, before To was invoked,
// at index B).
type Step struct {
	Type  string
	Key   string // wr
	Value int64  // wr
	A     int    // realtime: index of the source's completion
	B     int    // realtime: index of the target's invocation
}

// MarshalJSON writes a wr step as {type, key, value} and a realtime step
// as {type, a, b}, the fields Elle's explainers fill for each.
func (s Step) MarshalJSON() ([]byte, error) {
	if s.Type == "wr" {
		return json.Marshal(struct {
			Type  string `json:"type"`
			Key   string `json:"key"`
			Value int64  `json:"value"`
		}{s.Type, s.Key, s.Value})
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		A    int    `json:"a"`
		B    int    `json:"b"`
	}{s.Type, s.A, s.B})
}

// Cycle is one dependency cycle: Ops[0] -> Ops[1] -> ... -> Ops[0], with
// Steps[i] explaining Ops[i] -> Ops[i+1] (elle txn.clj cycle-explainer).
type Cycle struct {
	Type  string  `json:"type"`
	Ops   []OpRef `json:"cycle"`
	Steps []Step  `json:"steps"`
}

// CycleExists says some strongly connected component violates a model,
// without naming a cycle (elle txn.clj cycle-exists-cases).
type CycleExists struct {
	Type     string   `json:"type"`
	Not      string   `json:"not"`
	Subgraph []string `json:"subgraph"`
	SCCSize  int      `json:"scc-size"`
	SCC      []int    `json:"scc"`
}

// Anomalies is every error the kafka analysis found, uncondensed, by type.
type Anomalies struct {
	Duplicate             []Duplicate
	InconsistentOffsets   []InconsistentOffset
	G1a                   []G1a
	LostWrite             []LostWrite
	PollSkip              []Skip
	NonmonotonicPoll      []Nonmonotonic
	IntPollSkip           []IntSkip
	IntNonmonotonicPoll   []IntNonmonotonic
	NonmonotonicSend      []Nonmonotonic
	IntSendSkip           []IntSkip
	IntNonmonotonicSend   []IntNonmonotonic
	PrecommittedRead      []PrecommittedRead
	Unseen                *Unseen
	G1cRealtime           []Cycle
	CycleExists           []CycleExists
	EmptyTransactionGraph bool
}

// Types returns the error types present, sorted (the analysis' error-map
// keys).
func (a *Anomalies) Types() []string {
	var out []string
	add := func(present bool, t string) {
		if present {
			out = append(out, t)
		}
	}
	add(len(a.Duplicate) > 0, TypeDuplicate)
	add(len(a.InconsistentOffsets) > 0, TypeInconsistentOffsets)
	add(len(a.G1a) > 0, TypeG1a)
	add(len(a.LostWrite) > 0, TypeLostWrite)
	add(len(a.PollSkip) > 0, TypePollSkip)
	add(len(a.NonmonotonicPoll) > 0, TypeNonmonotonicPoll)
	add(len(a.IntPollSkip) > 0, TypeIntPollSkip)
	add(len(a.IntNonmonotonicPoll) > 0, TypeIntNonmonotonicPoll)
	add(len(a.NonmonotonicSend) > 0, TypeNonmonotonicSend)
	add(len(a.IntSendSkip) > 0, TypeIntSendSkip)
	add(len(a.IntNonmonotonicSend) > 0, TypeIntNonmonotonicSend)
	add(len(a.PrecommittedRead) > 0, TypePrecommittedRead)
	add(a.Unseen != nil, TypeUnseen)
	add(len(a.G1cRealtime) > 0, TypeG1cRealtime)
	add(a.EmptyTransactionGraph, TypeEmptyTransactionGraph)
	seen := map[string]bool{}
	for _, c := range a.CycleExists {
		if !seen[c.Type] {
			seen[c.Type] = true
			out = append(out, c.Type)
		}
	}
	sortStrings(out)
	return out
}
