package checker

import "fmt"

// analysisError is a condition under which Jepsen's analysis throws; the
// workload result becomes Unknown with this text (J:checker.clj check-safe).
type analysisError struct {
	msg string
}

func (e *analysisError) Error() string { return e.msg }

// lostWriteCases ports J:kafka.clj lost-write-cases. For each key some ok
// poll read, the bound is the highest first-index of any value read; every
// value whose last appearance is at or below the bound must have been read
// by some ok poll if its send certainly committed.
//
// Two of Jepsen's throws are reproduced as errors: a bound of -1 (no value
// read for the key has a known index, e.g. a key ok polls only ever
// returned as an empty list) makes (nth last-index->values -1) throw, and a
// lost candidate with no writer throws :no-writer-of.
func lostWriteCases(d *derived, orders map[string]*versionOrder) ([]LostWrite, error) {
	var out []LostWrite
	for _, k := range sortedKeys(d.okReads) {
		read := d.okReads[k]
		vo := orders[k]
		first := vo.firstIndex()
		lastAt := vo.lastIndexValues()
		bound := -1
		for v := range read {
			if i, ok := first[v]; ok && i > bound {
				bound = i
			}
		}
		if bound < 0 {
			return nil, &analysisError{fmt.Sprintf(
				"lost-write-cases: IndexOutOfBoundsException: key %q: no value read by an ok poll has a known offset, so the read bound is -1 (J:kafka.clj lost-write-cases (nth last-index->values -1))", k)}
		}
		var maxRead *OpRef
		if vs := lastAt[bound]; len(vs) > 0 {
			if r, ok := d.firstReader[k][vs[0]]; ok {
				ref := d.txns[r].ref
				maxRead = &ref
			}
		}
		for i := 0; i <= bound; i++ {
			for _, v := range lastAt[i] {
				if _, ok := read[v]; ok {
					continue
				}
				w, ok := d.writer(k, v)
				if !ok {
					return nil, &analysisError{fmt.Sprintf(
						"lost-write-cases: no-writer-of: key %q value %d is in the log but nobody sent it", k, v)}
				}
				if !d.mustHaveCommitted(&d.txns[w]) {
					continue
				}
				out = append(out, LostWrite{
					Key: k, Value: v, Index: first[v], MaxReadIndex: bound,
					Writer: d.txns[w].ref, MaxRead: maxRead,
				})
			}
		}
	}
	return out, nil
}
