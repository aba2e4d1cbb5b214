package kafka

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// The one-pass decoding of poll_ok's msgs gives what the field-by-field
// one gives: the same pairs, null lists as empty, and the same errors
// for messages that are not 64-bit integers and for malformed replies.
func TestPollMessagesOnePassAgrees(t *testing.T) {
	for _, msgs := range []string{
		`{}`,
		`{"1":[[0,1],[2,2]],"2":[],"3":null}`,
		`{"k":[[0,-9223372036854775808],[1,9223372036854775807]]}`,
		`{"k":[[0,1],[1,18446744073709551616]]}`, // a message beyond 64 bits
		`{"k":[[0,"x"]]}`,                        // a message that is not a number
		`{"1":[[0,1,2]]}`,
		`{"1":[null]}`,
		`{"1":[[0.0,1]]}`,
		`{"1":5}`,
		`null`,
	} {
		r := reply{"msgs": json.RawMessage(msgs)}
		fast, errFast := pollMessages(r)
		slow, errSlow := pollMessagesSlowly(r)
		var uf, us *errUnrepresentable
		switch {
		case errSlow == nil:
			if errFast != nil || !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s: one pass %v %v, field by field %v", msgs, fast, errFast, slow)
			}
		case errors.As(errSlow, &us):
			if !errors.As(errFast, &uf) || *uf != *us || !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s: one pass %v %v, field by field %v %v", msgs, fast, errFast, slow, errSlow)
			}
		default:
			if errFast == nil || errFast.Error() != errSlow.Error() {
				t.Errorf("%s: one pass error %v, field by field %v", msgs, errFast, errSlow)
			}
		}
	}
}
