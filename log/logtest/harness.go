// Package logtest is the conformance suite every log.Store implementation
// must pass. It pins down the Store contract in executable form, the way
// etcd's raft checks its Storage against MemoryStorage: the same cases run
// against log.MemStore and log.FileStore.
package logtest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	zlog "zabkafka/log"
)

// Harness tells the suite how to make and crash the store under test.
type Harness struct {
	// New returns an empty store. The suite closes it (or crashes it).
	New func(t *testing.T) zlog.Store
	// Crash simulates a crash of s, without a Sync, and returns the store
	// reopened on whatever survived. A store may lose everything not
	// synced (MemStore) or keep it (a FileStore whose process died while
	// the operating system kept its page cache); the suite accepts both
	// but nothing else.
	Crash func(t *testing.T, s zlog.Store) zlog.Store
	// Seeds is how many seeds (1..Seeds) the randomized model test runs
	// when SeedEnv is unset; 0 means 3. Cheap stores should run many.
	Seeds int
}

// Run runs every conformance case against the store h makes.
func Run(t *testing.T, h Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			s = c.run(t, h, s)
			_ = s.Close() // some cases close it themselves
		})
	}
	t.Run("RandomizedAgainstModel", func(t *testing.T) { runModel(t, h) })
}

// testCase is one named scenario. run may crash and reopen the store; it
// returns the handle that is live at the end.
type testCase struct {
	name string
	run  func(t *testing.T, h Harness, s zlog.Store) zlog.Store
}

// ents builds entries with the given zxids and data "d<zxid>".
func ents(zxids ...uint64) []zlog.Entry {
	out := make([]zlog.Entry, len(zxids))
	for i, z := range zxids {
		out[i] = zlog.Entry{Zxid: z, Data: []byte(fmt.Sprintf("d%x", z))}
	}
	return out
}

// zx builds the zxid of counter c in epoch e.
func zx(e, c uint32) uint64 { return uint64(e)<<32 | uint64(c) }

// equalEntries compares entry lists, treating nil and empty data alike.
func equalEntries(a, b []zlog.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Zxid != b[i].Zxid || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

// describe renders entries' zxids for failure messages.
func describe(es []zlog.Entry) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%x", e.Zxid)
	}
	b.WriteByte(']')
	return b.String()
}

// must fails the test if err is not nil.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// mustErr fails the test unless err wraps target.
func mustErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// wantEntries checks Entries(after, max).
func wantEntries(t *testing.T, s zlog.Store, after uint64, max int, want []zlog.Entry) {
	t.Helper()
	got, err := s.Entries(after, max)
	if err != nil {
		t.Fatalf("Entries(%x, %d): %v", after, max, err)
	}
	if !equalEntries(got, want) {
		t.Fatalf("Entries(%x, %d) = %s, want %s", after, max, describe(got), describe(want))
	}
}

// wantLast checks LastZxid.
func wantLast(t *testing.T, s zlog.Store, want uint64) {
	t.Helper()
	if got := s.LastZxid(); got != want {
		t.Fatalf("LastZxid = %x, want %x", got, want)
	}
}
