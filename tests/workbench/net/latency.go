package net

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// Latency distribution names accepted in Config.Dist (M:net.clj latency-dist).
const (
	DistConstant    = "constant"
	DistUniform     = "uniform"
	DistExponential = "exponential"
)

// latencyModel draws node<->node and node<->service delays
// (M:net.clj latency-dist, latency-for).
type latencyModel struct {
	dist string
	mean time.Duration
	// meanMS is the mean in whole milliseconds: uniform draws integers in
	// [0, 2*meanMS) ms, as Incanter's integer-distribution does.
	meanMS int64
}

// newLatencyModel checks a distribution. An empty name means constant, the
// Maelstrom default. Uniform and exponential with mean 0 are errors because
// Maelstrom cannot build them either (an empty integer range; rate 1/0).
func newLatencyModel(dist string, mean time.Duration) (latencyModel, error) {
	if dist == "" {
		dist = DistConstant
	}
	if mean < 0 {
		return latencyModel{}, fmt.Errorf("latency %v is negative", mean)
	}
	lm := latencyModel{dist: dist, mean: mean, meanMS: mean.Milliseconds()}
	switch dist {
	case DistConstant:
	case DistUniform:
		if lm.meanMS < 1 {
			return lm, fmt.Errorf("latency distribution uniform needs a mean of at least 1 ms (got %v): Maelstrom cannot draw from [0, 0)", mean)
		}
	case DistExponential:
		if mean <= 0 {
			return lm, fmt.Errorf("latency distribution exponential needs a positive mean (got %v): its rate would be 1/0", mean)
		}
	default:
		return lm, fmt.Errorf("unknown latency distribution %q (want constant, uniform or exponential)", dist)
	}
	return lm, nil
}

// draw returns one delay. rng belongs to the sending goroutine; constant
// latency never touches it.
func (lm latencyModel) draw(rng *rand.Rand) time.Duration {
	switch lm.dist {
	case DistUniform:
		return time.Duration(rng.Int64N(2*lm.meanMS)) * time.Millisecond
	case DistExponential:
		ms := rng.ExpFloat64() * float64(lm.mean) / float64(time.Millisecond)
		return time.Duration(int64(ms)) * time.Millisecond // truncated to whole ms
	}
	return lm.mean
}

// seededRand returns a generator for one purpose of one member, derived
// from the run's seed, so that each sender's draws replay from the seed
// whatever the interleaving of senders.
func seededRand(seed int64, purpose, id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}
