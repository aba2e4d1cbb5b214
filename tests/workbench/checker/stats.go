package checker

import (
	"fmt"
	"strconv"
	"strings"

	"zabkafka/tests/workbench/history"
)

// Counts are completion tallies (J:checker.clj stats-fold).
type Counts struct {
	Count     int `json:"count"`
	OKCount   int `json:"ok-count"`
	FailCount int `json:"fail-count"`
	InfoCount int `json:"info-count"`
}

func (c *Counts) add(t history.Type) {
	switch t {
	case history.OK:
		c.OKCount++
	case history.Fail:
		c.FailCount++
	case history.Info:
		c.InfoCount++
	default:
		return
	}
	c.Count++
}

// FStats are the tallies of one op name; Valid means at least one ok.
type FStats struct {
	Valid bool `json:"valid?"`
	Counts
}

// Stats is the :stats section (J:checker.clj stats, J:kafka.clj stats-checker).
type Stats struct {
	Valid Validity `json:"valid?"`
	Counts
	ByF map[string]FStats `json:"by-f"`
}

// statsIgnoredFs are the ops J:kafka.clj stats-checker excuses from having
// an ok completion: crashes never complete ok.
var statsIgnoredFs = map[string]bool{history.FCrash: true, "debug-topic-partitions": true}

// computeStats ports J:checker.clj stats over client completions, wrapped
// by J:kafka.clj stats-checker: valid when every op name other than crash
// has an ok; otherwise the merge of the per-name verdicts.
func computeStats(txns []txn) Stats {
	s := Stats{ByF: map[string]FStats{}}
	for i := range txns {
		t := &txns[i]
		if t.isInvoke() {
			continue
		}
		s.Counts.add(t.typ)
		f := s.ByF[t.f]
		f.Counts.add(t.typ)
		f.Valid = f.OKCount > 0
		s.ByF[t.f] = f
	}
	excused, all := true, []Validity{}
	for name, f := range s.ByF {
		all = append(all, ValidityOf(f.Valid))
		if !f.Valid && !statsIgnoredFs[name] {
			excused = false
		}
	}
	if excused {
		s.Valid = Valid
	} else {
		s.Valid = Merge(all...)
	}
	return s
}

// Availability is Maelstrom's :availability section (M:checker.clj
// availability-checker).
type Availability struct {
	Valid Validity `json:"valid?"`
	// OKFraction is ok completions over invocations (1 with none), as a
	// 32-bit float like Clojure's (float ...): the goal compares against
	// this rounded value.
	OKFraction float32 `json:"ok-fraction"`
	// Error explains an unusable availability goal (then Valid is Unknown).
	Error string `json:"error,omitempty"`
}

// computeAvailability ports M:src/maelstrom/checker.clj
// availability-checker. Nemesis records are neither invocations nor oks.
func computeAvailability(txns []txn, goal string) Availability {
	oks, invokes := 0, 0
	for i := range txns {
		switch txns[i].typ {
		case history.OK:
			oks++
		case history.Invoke:
			invokes++
		}
	}
	a := Availability{Valid: Valid, OKFraction: 1}
	if invokes > 0 {
		a.OKFraction = float32(float64(oks) / float64(invokes))
	}
	switch g := strings.TrimSpace(goal); {
	case g == "":
	case g == "total":
		a.Valid = ValidityOf(a.OKFraction == 1)
	default:
		x, err := strconv.ParseFloat(g, 64)
		if err != nil {
			// Maelstrom throws here; the composed checker makes it :unknown.
			a.Valid = Unknown
			a.Error = fmt.Sprintf("don't know how to handle availability %q", goal)
			break
		}
		a.Valid = ValidityOf(x <= float64(a.OKFraction))
	}
	return a
}
