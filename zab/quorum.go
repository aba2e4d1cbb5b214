package zab

// quorumMatch returns the highest zxid that at least q of the given
// cumulative acknowledgements have reached: the q-th highest value. With
// cumulative ACKs ("everything up to z is logged here") that zxid and
// every one before it are logged by q peers, so committing up to it
// commits strictly in zxid order (zab-reference 6.1, the Go rule).
// matches is reordered. It returns 0 when q is out of range.
func quorumMatch(matches []Zxid, q int) Zxid {
	if q <= 0 || q > len(matches) {
		return 0
	}
	// Insertion sort, descending: a handful of peers, and no allocation.
	for i := 1; i < len(matches); i++ {
		for j := i; j > 0 && matches[j] > matches[j-1]; j-- {
			matches[j], matches[j-1] = matches[j-1], matches[j]
		}
	}
	return matches[q-1]
}
