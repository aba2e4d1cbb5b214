package sim

import (
	"encoding/binary"
	"errors"
	"fmt"

	"zabkafka/zab"
)

// App is the state machine the simulation replicates: just the list of
// delivered transactions, so that a snapshot is that list and restoring
// one shows exactly which prefix a peer holds.
type App struct {
	txns []zab.Txn
}

// Apply appends t to the state.
func (a *App) Apply(t zab.Txn) { a.txns = append(a.txns, t) }

// Txns returns the applied transactions, in order. The slice is shared.
func (a *App) Txns() []zab.Txn { return a.txns }

// Last is the zxid of the last applied transaction, 0 if none.
func (a *App) Last() zab.Zxid {
	if len(a.txns) == 0 {
		return 0
	}
	return a.txns[len(a.txns)-1].Zxid
}

// Snapshot encodes the state: a count, then each transaction as zxid,
// length and data, all varints.
func (a *App) Snapshot() []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(a.txns)))
	for _, t := range a.txns {
		b = binary.AppendUvarint(b, uint64(t.Zxid))
		b = binary.AppendUvarint(b, uint64(len(t.Data)))
		b = append(b, t.Data...)
	}
	return b
}

var errBadSnapshot = errors.New("sim: malformed app snapshot")

// DecodeSnapshot decodes what Snapshot encoded. It never panics on bad
// input.
func DecodeSnapshot(b []byte) ([]zab.Txn, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errBadSnapshot
	}
	b = b[k:]
	txns := make([]zab.Txn, 0, n)
	for i := uint64(0); i < n; i++ {
		z, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, fmt.Errorf("%w: entry %d zxid", errBadSnapshot, i)
		}
		b = b[k:]
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, fmt.Errorf("%w: entry %d length", errBadSnapshot, i)
		}
		b = b[k:]
		txns = append(txns, zab.Txn{Zxid: zab.Zxid(z), Data: append([]byte(nil), b[:l]...)})
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadSnapshot, len(b))
	}
	return txns, nil
}

// Restore replaces the state with a decoded snapshot.
func (a *App) Restore(data []byte) error {
	txns, err := DecodeSnapshot(data)
	if err != nil {
		return err
	}
	a.txns = txns
	return nil
}
