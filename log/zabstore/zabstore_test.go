package zabstore

import (
	"errors"
	"slices"
	"testing"

	"zabkafka/log"
	"zabkafka/zab"
)

// recorder is a log.Store that records which durable steps Persist takes,
// in order, and can fail one of them. Methods Persist never calls are
// left to the embedded nil interface: calling one fails the test loudly.
type recorder struct {
	log.Store
	calls  []string
	failOn string
}

func (r *recorder) step(name string) error {
	r.calls = append(r.calls, name)
	if name == r.failOn {
		return errors.New("disk on fire")
	}
	return nil
}

func (r *recorder) InstallSnapshot(log.Snapshot) error { return r.step("install-snapshot") }
func (r *recorder) TruncateAfter(uint64) error         { return r.step("truncate") }
func (r *recorder) Append(...log.Entry) error          { return r.step("append") }
func (r *recorder) Sync() error                        { return r.step("sync") }
func (r *recorder) SetEpochs(uint32, uint32) error     { return r.step("epochs") }

func fullReady() *zab.Ready {
	return &zab.Ready{
		Snapshot:      &zab.Snapshot{Zxid: zab.MakeZxid(1, 5)},
		Truncate:      true,
		TruncateAfter: zab.MakeZxid(1, 5),
		Append:        []zab.Txn{{Zxid: zab.MakeZxid(1, 6)}},
		MustSync:      true,
		Epochs:        &zab.Epochs{Accepted: 2, Current: 2},
	}
}

// Persist takes the durable steps of the Ready contract in its order:
// snapshot, truncate, append, sync, epochs (zab/ready.go steps 1-5). The
// epochs come last so that a currentEpoch is never durable before the
// history it vouches for (ZOOKEEPER-4643).
func TestPersistOrder(t *testing.T) {
	r := &recorder{}
	if err := Persist(r, fullReady()); err != nil {
		t.Fatal(err)
	}
	want := []string{"install-snapshot", "truncate", "append", "sync", "epochs"}
	if !slices.Equal(r.calls, want) {
		t.Fatalf("steps %v, want %v", r.calls, want)
	}
}

// A failed step stops Persist: nothing after it is written, and the
// caller gets the error (and so must not send the Ready's messages).
func TestPersistStopsAtFailure(t *testing.T) {
	r := &recorder{failOn: "sync"}
	if err := Persist(r, fullReady()); err == nil {
		t.Fatal("Persist returned nil after a failed sync")
	}
	want := []string{"install-snapshot", "truncate", "append", "sync"}
	if !slices.Equal(r.calls, want) {
		t.Fatalf("steps %v, want %v (no epoch write after a failed sync)", r.calls, want)
	}
}

// Only the steps a Ready asks for are taken.
func TestPersistSkipsWhatIsNotAsked(t *testing.T) {
	r := &recorder{}
	if err := Persist(r, &zab.Ready{Append: []zab.Txn{{Zxid: zab.MakeZxid(1, 1)}}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.calls, []string{"append"}) {
		t.Fatalf("steps %v, want [append]", r.calls)
	}
}

// The view shows the core what Persist wrote, in the core's types.
func TestViewReadsBackWhatPersistWrote(t *testing.T) {
	s := log.NewMemStore()
	rd := &zab.Ready{
		Append:   []zab.Txn{{Zxid: zab.MakeZxid(1, 1), Data: []byte("a")}, {Zxid: zab.MakeZxid(1, 2), Data: []byte("b")}},
		MustSync: true,
		Epochs:   &zab.Epochs{Accepted: 1, Current: 1},
	}
	if err := Persist(s, rd); err != nil {
		t.Fatal(err)
	}
	v := New(s)
	if got := v.Epochs(); got != (zab.Epochs{Accepted: 1, Current: 1}) {
		t.Fatalf("Epochs = %+v", got)
	}
	if v.LastZxid() != zab.MakeZxid(1, 2) || v.FirstZxid() != zab.MakeZxid(1, 1) {
		t.Fatalf("LastZxid %v FirstZxid %v", v.LastZxid(), v.FirstZxid())
	}
	txns, err := v.Entries(zab.MakeZxid(1, 1), 0)
	if err != nil || len(txns) != 1 || txns[0].Zxid != zab.MakeZxid(1, 2) || string(txns[0].Data) != "b" {
		t.Fatalf("Entries after e1:c1 = %+v, %v", txns, err)
	}
	if _, ok := v.Snapshot(); ok {
		t.Fatal("a snapshot appeared from nowhere")
	}
	if err := s.SaveSnapshot(log.Snapshot{Zxid: uint64(zab.MakeZxid(1, 2)), Data: []byte("state")}); err != nil {
		t.Fatal(err)
	}
	if snap, ok := v.Snapshot(); !ok || snap.Zxid != zab.MakeZxid(1, 2) || string(snap.Data) != "state" {
		t.Fatalf("Snapshot = %+v %v", snap, ok)
	}
}
