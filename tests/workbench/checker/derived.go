package checker

import "zabkafka/tests/workbench/history"

// valueSet is a set of message values.
type valueSet map[int64]struct{}

// keyValueSets maps a key to a set of values. A key can be present with an
// empty set (an ok poll that returned the key with no messages).
type keyValueSets map[string]valueSet

func (m keyValueSets) add(k string, v int64) {
	s := m[k]
	if s == nil {
		s = make(valueSet)
		m[k] = s
	}
	s[v] = struct{}{}
}

func (m keyValueSets) touch(k string) {
	if m[k] == nil {
		m[k] = make(valueSet)
	}
}

func (m keyValueSets) has(k string, v int64) bool {
	_, ok := m[k][v]
	return ok
}

// derived holds the indexes every check shares (J:kafka.clj analysis):
// who wrote each value, who first read it, what failed sends wrote, and
// what ok polls read.
type derived struct {
	txns []txn
	// writerOf[k][v] is the position of the last completion whose sends
	// include v for k, of any type (J:kafka.clj writer-of).
	writerOf map[string]map[int64]int
	// firstReader[k][v] is the position of the first completion that read
	// v for k (the head of J:kafka.clj readers-of).
	firstReader map[string]map[int64]int
	// failedWrites are the values fail completions sent, per key
	// (:fail of J:kafka.clj writes-by-type).
	failedWrites keyValueSets
	// okReads are the values ok completions read, per key, including keys
	// read as empty lists (:ok of J:kafka.clj reads-by-type).
	okReads keyValueSets
}

// derive builds the shared indexes in one pass over the txns.
func derive(txns []txn) *derived {
	d := &derived{
		txns:         txns,
		writerOf:     make(map[string]map[int64]int),
		firstReader:  make(map[string]map[int64]int),
		failedWrites: make(keyValueSets),
		okReads:      make(keyValueSets),
	}
	for i := range txns {
		t := &txns[i]
		if t.isInvoke() {
			continue
		}
		for _, s := range t.sends {
			m := d.writerOf[s.key]
			if m == nil {
				m = make(map[int64]int)
				d.writerOf[s.key] = m
			}
			m[s.value] = t.pos
			if t.typ == history.Fail {
				d.failedWrites.add(s.key, s.value)
			}
		}
		for _, r := range t.reads {
			m := d.firstReader[r.key]
			if m == nil {
				m = make(map[int64]int)
				d.firstReader[r.key] = m
			}
			for _, p := range r.pairs {
				if _, seen := m[p.Msg]; !seen {
					m[p.Msg] = t.pos
				}
			}
			if t.typ == history.OK {
				d.okReads.touch(r.key)
				for _, p := range r.pairs {
					d.okReads.add(r.key, p.Msg)
				}
			}
		}
	}
	return d
}

// writer returns the position of the writer of v to k.
func (d *derived) writer(k string, v int64) (int, bool) {
	w, ok := d.writerOf[k][v]
	return w, ok
}

// mustHaveCommitted reports whether t's sends certainly took effect: it
// completed ok, or it is info and some value it sent was read by an ok
// poll (J:kafka.clj must-have-committed?).
func (d *derived) mustHaveCommitted(t *txn) bool {
	switch t.typ {
	case history.OK:
		return true
	case history.Info:
		for _, s := range t.sends {
			if d.okReads.has(s.key, s.value) {
				return true
			}
		}
	}
	return false
}
