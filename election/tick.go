package election

// Tick advances logical time by one unit and returns the notifications to
// send. While looking and undecided it counts down the finalize wait
// (deciding when it expires) and re-broadcasts the proposal when the
// resend wait runs out. After a decision it does nothing.
//
// Re-sending replaces lookForLeader's "poll timed out, send notifications
// again" branch. ZooKeeper only re-sends after a whole interval without
// any notification; here the interval runs regardless, because on a lossy
// network hearing from some peers says nothing about whether the others
// have heard from us.
func (e *Elector) Tick() []Notification {
	if e.phase != phaseLooking {
		return nil
	}
	e.finalize.tick()
	if e.finalize.expired() {
		e.reviewQuorum(false)
		if e.phase != phaseLooking {
			return nil
		}
	}
	if e.resend.tick() {
		return e.broadcast()
	}
	return nil
}

// backoff is the re-broadcast timer: the interval starts at min, doubles
// at every expiry up to max, and each wait adds a random jitter of up to
// half the interval (minNotificationInterval, maxNotificationInterval and
// the doubling in lookForLeader; the jitter is ours).
type backoff struct {
	min, max int
	rand     interface{ Intn(int) int }
	interval int // the current interval, before jitter
	left     int // ticks until the next re-broadcast
}

// newBackoff returns a timer for intervals in [minTicks, maxTicks].
func newBackoff(minTicks, maxTicks int, rnd interface{ Intn(int) int }) backoff {
	b := backoff{min: minTicks, max: maxTicks, rand: rnd}
	b.reset()
	return b
}

// reset goes back to the shortest interval (a new election).
func (b *backoff) reset() {
	b.interval = b.min
	b.restartWait()
}

// restartWait starts a full wait of the current interval plus jitter.
func (b *backoff) restartWait() { b.left = b.interval + b.jitter() }

// tick counts down one tick and reports whether the wait ran out; if so
// the interval doubles for the next wait, which the caller starts by
// broadcasting.
func (b *backoff) tick() bool {
	b.left--
	if b.left > 0 {
		return false
	}
	if b.interval > b.max/2 { // doubling would pass max (or overflow)
		b.interval = b.max
	} else {
		b.interval *= 2
	}
	return true
}

// jitter is a random number of ticks in [0, interval/2], 0 without Rand.
// A Rand answering out of range is clamped rather than trusted.
func (b *backoff) jitter() int {
	n := b.interval/2 + 1
	if b.rand == nil || n <= 1 {
		return 0
	}
	j := b.rand.Intn(n)
	if j < 0 || j >= n {
		return 0
	}
	return j
}
