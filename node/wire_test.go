package node

import (
	"encoding/json"
	"testing"

	"zabkafka/zab"
)

// TestDecodeZabMsgs: a zab body's messages decode in one go when they
// all can; one that cannot is left out and counted, the others kept in
// order; a list that is not an array is refused whole; none is nothing.
func TestDecodeZabMsgs(t *testing.T) {
	good := `[{"t":1,"f":2,"to":1,"e":3},{"t":8,"f":2,"to":1,"z":7}]`
	msgs, bad, ok := decodeZabMsgs(json.RawMessage(good))
	if !ok || bad != 0 || len(msgs) != 2 || msgs[0].Epoch != 3 || msgs[1].Zxid != 7 || msgs[1].Type != zab.MsgType(8) {
		t.Fatalf("all good: %+v bad %d ok %v", msgs, bad, ok)
	}
	mixed := `[{"t":1,"f":2,"to":1,"e":3},{"t":"eight"},{"t":8,"f":2,"to":1,"z":7},[]]`
	msgs, bad, ok = decodeZabMsgs(json.RawMessage(mixed))
	if !ok || bad != 2 || len(msgs) != 2 || msgs[0].Epoch != 3 || msgs[1].Zxid != 7 {
		t.Fatalf("two bad among good: %+v bad %d ok %v, want the two good ones and 2 bad", msgs, bad, ok)
	}
	for _, notList := range []string{`"x"`, `{"t":1}`, `7`} {
		if msgs, _, ok := decodeZabMsgs(json.RawMessage(notList)); ok || msgs != nil {
			t.Fatalf("%s: %+v ok %v, want refused", notList, msgs, ok)
		}
	}
	for _, none := range []string{``, `null`, `[]`} {
		if msgs, bad, ok := decodeZabMsgs(json.RawMessage(none)); !ok || bad != 0 || len(msgs) != 0 {
			t.Fatalf("%q: %+v bad %d ok %v, want nothing", none, msgs, bad, ok)
		}
	}
}
