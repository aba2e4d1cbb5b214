package kafka

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Txn is one single-step transaction drawn by TxnSource: a read of Key
// (which becomes a poll that forgets its key) or a write of Value to Key
// (which becomes a send).
type Txn struct {
	Write bool
	Key   int64
	Value int64 // 1..max-writes-per-key, only for writes
}

// TxnSource is a port of Elle's wr-txns with min and max transaction length
// 1, exponential key distribution with base 2 (E:src/elle/txn.clj wr-txns,
// key-dist-scale, rand-key, fresh-key).
//
// It keeps a vector of KeyCount active keys, initially 0..KeyCount-1. Each
// draw picks read or write with probability 1/2, then a key position with a
// bias toward the end of the vector (position i with probability
// 2^(i+1) / (2^(K+1) - 2)). A write takes the key's next value (1, 2, ...);
// when that would exceed MaxWritesPerKey the key is retired: replaced in
// place by max(active)+1, and the whole draw is repeated.
type TxnSource struct {
	rnd       *rand.Rand
	active    []int64
	nextValue map[int64]int64 // absent means 1
	maxWrites int64
	scale     float64 // Elle's key-dist-scale: 2 * (2^K - 1)
}

// NewTxnSource returns a source over keyCount active keys (at least 1) that
// retires a key after maxWritesPerKey writes (at least 1).
func NewTxnSource(keyCount, maxWritesPerKey int, rnd *rand.Rand) *TxnSource {
	keyCount = max(keyCount, 1)
	active := make([]int64, keyCount)
	for i := range active {
		active[i] = int64(i)
	}
	return &TxnSource{
		rnd:       rnd,
		active:    active,
		nextValue: make(map[int64]int64),
		maxWrites: int64(max(maxWritesPerKey, 1)),
		scale:     2 * (math.Pow(2, float64(keyCount)) - 1),
	}
}

// Next draws the next transaction.
func (s *TxnSource) Next() Txn {
	for {
		write := s.rnd.IntN(2) == 1
		pos := s.keyPosition()
		k := s.active[pos]
		if !write {
			return Txn{Key: k}
		}
		v, ok := s.nextValue[k]
		if !ok {
			v = 1
		}
		if v > s.maxWrites {
			// Elle's fresh-key: retire k in place, then draw again from
			// scratch (new read/write choice, new key).
			s.active[pos] = slices.Max(s.active) + 1
			continue
		}
		s.nextValue[k] = v + 1
		return Txn{Write: true, Key: k, Value: v}
	}
}

// keyPosition draws a position in the active vector: floor(log2(U*scale + 2)
// - 1) for U uniform in [0, 1), which is Elle's rand-key with base 2.
func (s *TxnSource) keyPosition() int {
	n := len(s.active)
	u := s.rnd.Float64()
	var x float64
	if math.IsInf(s.scale, 1) {
		// 2^K overflows a float64 past K = 1023; there log2(U*scale + 2) - 1
		// is K + log2(U) to far better than one position.
		x = float64(n) + math.Log2(u)
	} else {
		x = math.Log2(u*s.scale+2) - 1
	}
	i := int(math.Floor(x))
	return min(max(i, 0), n-1)
}

// Active returns a copy of the current active key vector (for tests).
func (s *TxnSource) Active() []int64 { return slices.Clone(s.active) }
