package kafka

import (
	"errors"
	"fmt"
	"slices"

	"github.com/google/btree"
)

// Message is one message of a key's log.
type Message struct {
	Offset int64
	Msg    int64
}

// Result is what applying one Op produced.
type Result struct {
	// Offset is, for a send that took effect, the offset assigned to its
	// message; -1 for anything else.
	Offset int64
	// Refused, when not nil, says why the op had no effect at all and
	// never will (it wraps ErrStale, or one of the ErrCommit* errors).
	Refused error
	// Duplicate: an op with the same identity (Op) was applied before;
	// this one changed nothing, and Offset and Refused repeat what the
	// first application gave (Refused without its detail).
	Duplicate bool
}

// Why an op had no effect (Result.Refused wraps one of these).
var (
	// ErrStale: the op's origin has since applied DedupeWindow newer
	// requests, or restarted, so whether this one was applied is no
	// longer known; it is not applied, now or ever.
	ErrStale = errors.New("kafka: request too old to apply")
	// ErrCommitNegative: a commit_offsets with a negative offset.
	ErrCommitNegative = errors.New("kafka: negative offset")
	// ErrCommitNoKey: a commit_offsets for a key no message was ever sent
	// to.
	ErrCommitNoKey = errors.New("kafka: no message was ever sent to the key")
	// ErrCommitBeyond: a commit_offsets of an offset the key's log does
	// not have yet.
	ErrCommitBeyond = errors.New("kafka: offset beyond the key's log")
)

// State is the state machine committed batches are applied to: one log per
// key, indexed by a btree keyed by offset, the committed consumer offsets,
// and per origin node the recent requests applied (to apply each once).
// Every replica applies the same batches in the same zxid order and so
// computes the same offsets (README.md, "The path of one send").
//
// State is not safe for concurrent use: the node's event loop owns it.
type State struct {
	logs map[string]*keyLog
	// committed holds, per key, the highest offset ever committed:
	// commit_offsets never moves a consumer backwards.
	committed map[string]int64
	// origins is the dedupe state, per origin node name.
	origins map[string]*originState
	// window is how many of each origin's latest requests are remembered:
	// DedupeWindow unless NewWindow said otherwise.
	window uint64
	// applied is the zxid of the last batch applied; 0 before the first.
	applied uint64
}

// keyLog is the log of one key. Invariant: msgs holds offsets 0..next-1,
// each exactly once.
type keyLog struct {
	msgs *btree.BTreeG[Message]
	next int64
}

// DedupeWindow is how many of an origin's most recent requests (by Seq)
// the state machine remembers (New; tests choose another with NewWindow).
// A request is applied once: a second copy within the window gets the
// first one's result; a request older than the window (Seq <= highest
// applied - DedupeWindow) is refused with ErrStale whether or not it was
// applied, because that can no longer be told.
//
// Why a window and not a high-water mark: an origin's requests can be
// applied out of order (a follower forwards batch 1 to a leader that loses
// leadership and is re-elected after batch 2 went through the other
// leader; the network may reorder two forwards), so a request below the
// highest applied may still be new. How far out of order matters only
// while the origin still waits for the answer, 3.5 s at most (the node's
// request deadline): at the heaviest load the node was tuned for (10 000
// operations a second over 16 nodes, node.DefaultConfig) an origin makes
// about 625 requests a second, so 8192 of them span some 13 s. The copy
// refused as stale never takes effect, but an earlier copy of the same
// request may have, so a client still waiting for it may only be told
// that its outcome is unknown (node: refusalCode).
//
// Memory and snapshot size: at most DedupeWindow entries per origin (a
// few bytes each in the snapshot); origins are the cluster's nodes.
const DedupeWindow = 1 << 13

// originState is what State remembers of one origin: its newest
// incarnation seen, the highest Seq applied in it, and the results of the
// requests applied with Seq in (hi-DedupeWindow, hi].
//
// The results sit in a ring whose length is a power of two, request seq
// in slot seq % len, each slot holding the seq it was written for. No two
// seqs inside the window ever share a slot: a slot is overwritten only
// when what it holds has left the window, and the ring doubles before it
// would have to overwrite one that has not, up to the window's length, at
// which length two seqs sharing a slot are at least the window apart. So
// a seq inside the window was applied exactly when its slot holds it. An
// origin numbers its requests in order, so neighbouring requests sit in
// neighbouring slots. (A map from seq to result did the same job at
// several times the cost: it had to be pruned, and a hash scatters
// neighbouring seqs over memory.) The ring grows with the span of seqs
// remembered, not to its full length at once, so that a short snapshot
// cannot make Restore allocate much.
type originState struct {
	incarnation uint64
	hi          uint64
	window      uint64 // the State's window: a power of two
	ring        []remembered
}

// remembered is one slot of an origin's ring: a request's seq (0: never
// written, as no request has seq 0) and its recorded result (see record).
type remembered struct {
	seq uint64
	rec int64
}

// minRing is the length of an origin's first ring.
const minRing = 16

// A recorded result, as the window and the snapshot keep it: an offset
// (>= 0) for a send, or one of these.
const (
	recCommitted = -1 // a commit_offsets that took effect
	recNegative  = -2 // refused: ErrCommitNegative
	recNoKey     = -3 // refused: ErrCommitNoKey
	recBeyond    = -4 // refused: ErrCommitBeyond
	recLowest    = recBeyond
)

// verdict is what lookup finds an op to be.
type verdict uint8

const (
	opNew       verdict = iota // never applied: apply it
	opDuplicate                // applied before: repeat its result
	opStale                    // too old to tell: refuse it
)

// record turns a result into its recorded form.
func record(r Result) int64 {
	switch {
	case errors.Is(r.Refused, ErrCommitNegative):
		return recNegative
	case errors.Is(r.Refused, ErrCommitNoKey):
		return recNoKey
	case errors.Is(r.Refused, ErrCommitBeyond):
		return recBeyond
	case r.Offset >= 0:
		return r.Offset
	}
	return recCommitted
}

// replay turns a recorded result back into the result of a duplicate.
func replay(rec int64) Result {
	r := Result{Offset: -1, Duplicate: true}
	switch {
	case rec >= 0:
		r.Offset = rec
	case rec == recNegative:
		r.Refused = ErrCommitNegative
	case rec == recNoKey:
		r.Refused = ErrCommitNoKey
	case rec == recBeyond:
		r.Refused = ErrCommitBeyond
	}
	return r
}

// btreeDegree: 32 keeps nodes around a cache line multiple for 16-byte
// items and the tree shallow (google/btree suggests tens).
const btreeDegree = 32

func lessOffset(a, b Message) bool { return a.Offset < b.Offset }

func newKeyLog() *keyLog {
	return &keyLog{msgs: btree.NewG(btreeDegree, lessOffset)}
}

// New returns an empty state machine that remembers DedupeWindow requests
// per origin.
func New() *State { return NewWindow(DedupeWindow) }

// NewWindow returns an empty state machine that remembers window requests
// per origin, window rounded up to a power of two (at least 1). Replicas
// must agree on it, as on everything else that decides a result: it is
// for tests, which make it small so that requests fall out of it often.
func NewWindow(window int) *State {
	w := uint64(1)
	for w < uint64(max(window, 1)) {
		w <<= 1
	}
	return &State{logs: make(map[string]*keyLog), committed: make(map[string]int64), origins: make(map[string]*originState), window: w}
}

// AppliedZxid is the zxid of the last batch applied (or restored), 0 if
// none.
func (k *State) AppliedZxid() uint64 { return k.applied }

// Apply applies one committed batch. Batches must come in zxid order; a
// batch whose zxid is not above AppliedZxid has already been applied (or
// is covered by the snapshot the state was restored from), so it is
// ignored and Apply returns nil. Otherwise the results are aligned with
// ops.
//
// Each op with an identity (Op) takes effect at most once: a duplicate
// gets the first application's result with Duplicate set, and one too
// old to tell is refused (ErrStale). A send that takes effect gets the
// next offset of its key (dense, from 0, in apply order). A
// commit_offsets takes effect only if every offset in it names a message
// that exists now, at apply time: 0 <= offset < the key's next offset.
// That is what a correct client commits (the offsets of messages it
// polled, from any replica: those were committed, so they precede this
// commit in zxid order); anything else is refused whole, with the first
// offending key in sorted order named in Refused, and changes nothing.
// A commit below the key's committed offset is accepted and leaves it.
// Unknown op kinds change nothing.
func (k *State) Apply(zxid uint64, ops []Op) []Result {
	if zxid <= k.applied {
		return nil
	}
	k.applied = zxid
	res := make([]Result, len(ops))
	for i, op := range ops {
		o, v := k.lookup(op)
		switch v {
		case opStale:
			res[i] = Result{Offset: -1, Refused: fmt.Errorf("%w: %s request %d", ErrStale, op.Origin, op.Seq)}
			continue
		case opDuplicate:
			res[i] = replay(o.slot(op.Seq).rec)
			continue
		}
		res[i] = k.applyOp(op)
		if o != nil {
			o.remember(op.Seq, record(res[i]))
		}
	}
	return res
}

// applyOp applies one op that is new.
func (k *State) applyOp(op Op) Result {
	r := Result{Offset: -1}
	switch op.Kind {
	case OpSend:
		r.Offset = k.send(op.Key, op.Msg)
	case OpCommitOffsets:
		if r.Refused = k.checkCommit(op.Offsets); r.Refused != nil {
			return r
		}
		for key, off := range op.Offsets {
			k.commit(key, off)
		}
	}
	return r
}

// lookup finds op's origin state and says whether op is new, a duplicate
// or stale. An op without identity is always new and has no state. A
// newer incarnation of the origin starts its state afresh: the previous
// run's requests still in flight become stale, which is safe because no
// client of that run can be answered any more.
func (k *State) lookup(op Op) (*originState, verdict) {
	if op.Incarnation == 0 || op.Seq == 0 {
		return nil, opNew
	}
	o := k.origins[op.Origin]
	switch {
	case o == nil || op.Incarnation > o.incarnation:
		o = &originState{incarnation: op.Incarnation, window: k.window}
		k.origins[op.Origin] = o
		return o, opNew
	case op.Incarnation < o.incarnation:
		return nil, opStale
	case op.Seq <= o.floor():
		return nil, opStale
	}
	if o.applied(op.Seq) {
		return o, opDuplicate
	}
	return o, opNew
}

// applied reports whether request seq, which is not below the window,
// was applied: its slot holds it. (A seq above hi finds its slot empty or
// holding an older seq.)
func (o *originState) applied(seq uint64) bool {
	return o.ring != nil && o.slot(seq).seq == seq
}

// slot is where seq's result is kept in the ring as it is now.
func (o *originState) slot(seq uint64) *remembered {
	return &o.ring[seq&uint64(len(o.ring)-1)]
}

// remember records the result of request seq, just applied (or read from
// a snapshot), and raises hi to it if it is higher.
func (o *originState) remember(seq uint64, rec int64) {
	if seq > o.hi {
		o.hi = seq
	}
	if o.ring == nil {
		o.ring = make([]remembered, min(minRing, o.window))
	}
	for {
		sl := o.slot(seq)
		if sl.seq == 0 || sl.seq == seq || sl.seq <= o.floor() || uint64(len(o.ring)) == o.window {
			*sl = remembered{seq: seq, rec: rec}
			return
		}
		o.grow()
	}
}

// grow doubles the ring, moving what is inside the window and dropping
// the rest. Two seqs that share a slot in the longer ring shared one in
// the shorter, so no two moved entries collide.
func (o *originState) grow() {
	old := o.ring
	o.ring = make([]remembered, 2*len(old))
	for _, r := range old {
		if r.seq > o.floor() {
			*o.slot(r.seq) = r
		}
	}
}

// checkCommit says why offsets cannot be committed now, nil if they can.
// Keys are checked in sorted order so every replica names the same one.
func (k *State) checkCommit(offsets map[string]int64) error {
	keys := make([]string, 0, len(offsets))
	for key := range offsets {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		off := offsets[key]
		next := k.NextOffset(key)
		switch {
		case off < 0:
			return fmt.Errorf("%w: key %q offset %d", ErrCommitNegative, key, off)
		case k.logs[key] == nil:
			return fmt.Errorf("%w: key %q", ErrCommitNoKey, key)
		case off >= next:
			return fmt.Errorf("%w: key %q offset %d, the log ends at %d", ErrCommitBeyond, key, off, next-1)
		}
	}
	return nil
}

// send appends msg to key's log and returns its offset.
func (k *State) send(key string, msg int64) int64 {
	l := k.logs[key]
	if l == nil {
		l = newKeyLog()
		k.logs[key] = l
	}
	off := l.next
	l.msgs.ReplaceOrInsert(Message{Offset: off, Msg: msg})
	l.next++
	return off
}

// commit raises key's committed offset to off, never lowering it.
func (k *State) commit(key string, off int64) {
	if cur, ok := k.committed[key]; !ok || off > cur {
		k.committed[key] = off
	}
}

// Poll returns the messages of key from offset from on (or from the first
// offset >= from), ascending, at most limit of them (limit <= 0: all).
// It costs O(log n + returned). A key never sent to yields nil.
func (k *State) Poll(key string, from int64, limit int) []Message {
	l := k.logs[key]
	if l == nil {
		return nil
	}
	from = min(max(from, 0), l.next)
	n := int(l.next - from)
	if limit > 0 && n > limit {
		n = limit
	}
	if n == 0 {
		return nil
	}
	out := make([]Message, 0, n)
	l.msgs.AscendGreaterOrEqual(Message{Offset: from}, func(m Message) bool {
		out = append(out, m)
		return len(out) < n
	})
	return out
}

// NextOffset is the offset the next send to key will get (the key's log
// length).
func (k *State) NextOffset(key string) int64 {
	if l := k.logs[key]; l != nil {
		return l.next
	}
	return 0
}

// CommittedOffsets returns the committed offset of each of keys that has
// one; keys without one are left out. A nil keys asks for every key.
func (k *State) CommittedOffsets(keys []string) map[string]int64 {
	out := make(map[string]int64)
	if keys == nil {
		for key, off := range k.committed {
			out[key] = off
		}
		return out
	}
	for _, key := range keys {
		if off, ok := k.committed[key]; ok {
			out[key] = off
		}
	}
	return out
}

// CommittedAtLeast reports whether every key of offsets has a committed
// offset at least the one given: a commit of offsets would move nothing.
func (k *State) CommittedAtLeast(offsets map[string]int64) bool {
	for key, off := range offsets {
		if cur, ok := k.committed[key]; !ok || cur < off {
			return false
		}
	}
	return true
}

// Keys returns every key that has a log, sorted.
func (k *State) Keys() []string {
	keys := make([]string, 0, len(k.logs))
	for key := range k.logs {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}
