package logtest

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	zlog "zabkafka/log"
)

// SeedEnv names the environment variable that replays one seed of the
// randomized model test: LOGTEST_SEED=1234 go test ./log/ -run Model.
const SeedEnv = "LOGTEST_SEED"

// modelSteps is how many random operations one seed runs.
const modelSteps = 300

// runModel drives the store and a reference model with the same random
// operations, crashes included, and compares them after every step.
func runModel(t *testing.T, h Harness) {
	n := h.Seeds
	if n <= 0 {
		n = 3
	}
	var seeds []uint64
	for i := 1; i <= n; i++ {
		seeds = append(seeds, uint64(i))
	}
	if v := os.Getenv(SeedEnv); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", SeedEnv, v, err)
		}
		seeds = []uint64{seed}
	}
	for _, seed := range seeds {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Logf("seed %d (replay with %s=%d)", seed, SeedEnv, seed)
			r := &runner{t: t, h: h, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed}
			r.s = h.New(t)
			defer func() { _ = r.s.Close() }()
			for r.step = 0; r.step < modelSteps; r.step++ {
				r.randomOp()
				r.check()
			}
		})
	}
}

// model is the reference behaviour of a Store. It never trims entries:
// cur is the whole history the store may still hold, and base says which
// prefix the store is allowed to have dropped.
type model struct {
	cur  []zlog.Entry // the log as the live handle sees it
	dur  []zlog.Entry // the log as of the last Sync
	base uint64       // entries <= base may be missing from the store
	snap *zlog.Snapshot
	acc  uint32
	curE uint32
}

// last is what LastZxid must report.
func (m *model) last() uint64 {
	var l uint64
	if n := len(m.cur); n > 0 {
		l = m.cur[n-1].Zxid
	}
	if m.snap != nil && m.snap.Zxid > l {
		l = m.snap.Zxid
	}
	return l
}

// after returns the model's entries with zxid > z.
func after(es []zlog.Entry, z uint64) []zlog.Entry {
	i, found := slices.BinarySearchFunc(es, z, byZxid)
	if found {
		i++
	}
	return es[i:]
}

// upTo returns the entries with zxid <= z.
func upTo(es []zlog.Entry, z uint64) []zlog.Entry {
	return es[:len(es)-len(after(es, z))]
}

type runner struct {
	t    *testing.T
	h    Harness
	rng  *rand.Rand
	seed uint64
	step int
	s    zlog.Store
	m    model
}

// fatalf fails with the seed and step, so the failure can be replayed.
func (r *runner) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d step %d: "+format, append([]any{r.seed, r.step}, args...)...)
}

// expectErr checks an operation's error: nil if wantOK, else one wrapping want.
func (r *runner) expectErr(op string, err error, wantOK bool, want error) {
	r.t.Helper()
	if wantOK && err != nil {
		r.fatalf("%s: unexpected error %v", op, err)
	}
	if !wantOK && !errors.Is(err, want) {
		r.fatalf("%s: got %v, want %v", op, err, want)
	}
}

// pick returns a zxid near the model's history: an existing one, one in a
// gap, zero, or one past the end.
func (r *runner) pick() uint64 {
	last := r.m.last()
	switch r.rng.IntN(4) {
	case 0:
		if n := len(r.m.cur); n > 0 {
			return r.m.cur[r.rng.IntN(n)].Zxid
		}
	case 1:
		return r.rng.Uint64N(last + 2)
	case 2:
		return 0
	}
	return last + r.rng.Uint64N(3)
}

// nextZxids returns n increasing zxids above the model's last one, now and
// then opening a new epoch.
func (r *runner) nextZxids(n int) []uint64 {
	z := r.m.last()
	out := make([]uint64, n)
	for i := range out {
		if r.rng.IntN(10) == 0 {
			z = (z>>32+1)<<32 | 1
		} else {
			z += 1 + r.rng.Uint64N(3)
		}
		out[i] = z
	}
	return out
}

func (r *runner) randomOp() {
	m := &r.m
	switch op := r.rng.IntN(100); {
	case op < 35: // valid append
		zs := r.nextZxids(1 + r.rng.IntN(5))
		es := make([]zlog.Entry, len(zs))
		for i, z := range zs {
			data := make([]byte, r.rng.IntN(48))
			for j := range data {
				data[j] = byte(r.rng.Uint32())
			}
			es[i] = zlog.Entry{Zxid: z, Data: data}
		}
		r.expectErr("Append", r.s.Append(es...), true, nil)
		m.cur = append(slices.Clip(m.cur), es...)
	case op < 40: // invalid append: at or below the last zxid
		z := r.rng.Uint64N(m.last() + 1)
		r.expectErr("Append below last", r.s.Append(zlog.Entry{Zxid: z}), false, zlog.ErrOutOfOrder)
	case op < 55:
		r.expectErr("Sync", r.s.Sync(), true, nil)
		m.dur = slices.Clip(m.cur)
	case op < 65:
		r.truncate(r.pick())
	case op < 70:
		acc, cur := m.acc+uint32(r.rng.IntN(2)), m.curE+uint32(r.rng.IntN(3))
		ok := cur <= acc
		if r.rng.IntN(4) == 0 && m.acc > 0 {
			acc, ok = m.acc-1, false // accepted moving backwards
		}
		r.expectErr("SetEpochs", r.s.SetEpochs(acc, cur), ok, zlog.ErrEpochs)
		if ok {
			m.acc, m.curE = acc, cur
		}
	case op < 78:
		z := r.pick()
		ok := (m.snap == nil || z >= m.snap.Zxid) && z <= m.last()
		s := zlog.Snapshot{Zxid: z, Data: []byte("save " + strconv.Itoa(r.step))}
		r.expectErr("SaveSnapshot", r.s.SaveSnapshot(s), ok, zlog.ErrSnapshotRange)
		if ok {
			m.snap = &s
		}
	case op < 86:
		z := r.pick()
		ok := m.snap != nil && z <= m.snap.Zxid
		r.expectErr("Compact", r.s.Compact(z), ok, zlog.ErrNotCovered)
		if ok {
			m.base = max(m.base, z)
		}
	case op < 90:
		s := zlog.Snapshot{Zxid: r.pick(), Data: []byte("install " + strconv.Itoa(r.step))}
		r.expectErr("InstallSnapshot", r.s.InstallSnapshot(s), true, nil)
		m.cur, m.dur, m.base, m.snap = nil, nil, s.Zxid, &s
	default:
		r.crash()
	}
}

// truncate applies TruncateAfter(cut). A cut into history the model says
// may be trimmed may fail with ErrCompacted (leaving everything as it
// was) or succeed if the store still holds that history.
func (r *runner) truncate(cut uint64) {
	m := &r.m
	err := r.s.TruncateAfter(cut)
	if cut >= m.last() {
		r.expectErr("TruncateAfter past the end", err, true, nil)
		return
	}
	dropSnap := m.snap != nil && m.snap.Zxid > cut
	mayFail := cut < m.base || (dropSnap && m.base != 0)
	if err != nil {
		if !mayFail || !errors.Is(err, zlog.ErrCompacted) {
			r.fatalf("TruncateAfter(%x): %v (base %x)", cut, err, m.base)
		}
		return
	}
	m.cur = upTo(m.cur, cut)
	if dropSnap {
		// Succeeding here proves the store held the whole log.
		m.snap, m.base = nil, 0
	}
}

// crash crashes the store and checks that what survived is either the
// durable state or the live one, then adopts it.
func (r *runner) crash() {
	m := &r.m
	r.s = r.h.Crash(r.t, r.s)
	got, err := r.s.Entries(m.base, 0)
	if err != nil {
		r.fatalf("Entries after crash: %v", err)
	}
	switch {
	case equalEntries(got, after(m.dur, m.base)):
		m.cur = m.dur
	case equalEntries(got, after(m.cur, m.base)):
		m.dur = m.cur
	default:
		r.fatalf("after crash the log is %s; durable was %s, live was %s (base %x)",
			describe(got), describe(after(m.dur, m.base)), describe(after(m.cur, m.base)), m.base)
	}
}

// check compares every read of the store with the model.
func (r *runner) check() {
	m := &r.m
	if got, want := r.s.LastZxid(), m.last(); got != want {
		r.fatalf("LastZxid = %x, want %x", got, want)
	}
	got, err := r.s.Entries(m.base, 0)
	if err != nil {
		r.fatalf("Entries(base %x): %v", m.base, err)
	}
	want := after(m.cur, m.base)
	if !equalEntries(got, want) {
		r.fatalf("Entries(base %x) = %s, want %s", m.base, describe(got), describe(want))
	}
	at, limit := r.pick(), r.rng.IntN(4)
	got, err = r.s.Entries(at, limit)
	want = after(m.cur, at)
	if limit > 0 && len(want) > limit {
		want = want[:limit]
	}
	switch {
	case err != nil && (at >= m.base || !errors.Is(err, zlog.ErrCompacted)):
		r.fatalf("Entries(%x, %d): %v (base %x)", at, limit, err, m.base)
	case err == nil && !equalEntries(got, want):
		r.fatalf("Entries(%x, %d) = %s, want %s", at, limit, describe(got), describe(want))
	}
	first := r.s.FirstZxid()
	_, inModel := slices.BinarySearchFunc(m.cur, first, byZxid)
	if rest := after(m.cur, m.base); len(rest) > 0 {
		if first == 0 || first > rest[0].Zxid || !inModel {
			r.fatalf("FirstZxid = %x, want an entry <= %x", first, rest[0].Zxid)
		}
	} else if first != 0 && !inModel {
		r.fatalf("FirstZxid = %x is no entry of the log", first)
	}
	if a, c := r.s.Epochs(); a != m.acc || c != m.curE {
		r.fatalf("Epochs = %d,%d, want %d,%d", a, c, m.acc, m.curE)
	}
	snap, ok := r.s.Snapshot()
	switch {
	case ok != (m.snap != nil):
		r.fatalf("Snapshot present = %v, want %v", ok, m.snap != nil)
	case ok && (snap.Zxid != m.snap.Zxid || string(snap.Data) != string(m.snap.Data)):
		r.fatalf("Snapshot = %x %q, want %x %q", snap.Zxid, snap.Data, m.snap.Zxid, m.snap.Data)
	}
}

// byZxid orders an entry against a zxid, for binary search.
func byZxid(e zlog.Entry, z uint64) int { return cmp.Compare(e.Zxid, z) }
