package kafka

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"zabkafka/tests/workbench/history"
)

// pollMessages (the scanner, falling back) gives what the field-by-field
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

// The scanner gives exactly what encoding/json gives for every body it
// accepts, and refuses what it does not know: hand-picked edge cases,
// then random bodies and random one-byte mutations of them.
func TestScanPollMessagesAgrees(t *testing.T) {
	general := func(b []byte) (map[string][]history.Pair, bool) {
		var m map[string][][2]int64
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := json.Unmarshal(b, &m); err != nil || m == nil {
			return nil, false
		}
		out := map[string][]history.Pair{}
		for k, ps := range m {
			pairs := []history.Pair{}
			for _, p := range ps {
				pairs = append(pairs, history.Pair{Offset: p[0], Msg: p[1]})
			}
			out[k] = pairs
		}
		return out, true
	}
	check := func(body string) (accepted bool) {
		got, ok := scanPollMessages([]byte(body))
		if !ok {
			return false
		}
		want, wok := general([]byte(body))
		if !wok || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanned %v, encoding/json %v (ok %v)", body, got, want, wok)
		}
		// pollMessages must agree with its general path too.
		slow, err := pollMessagesSlowly(reply{"msgs": json.RawMessage(body)})
		if err != nil || !reflect.DeepEqual(got, slow) {
			t.Fatalf("%q: scanned %v, field by field %v %v", body, got, slow, err)
		}
		return true
	}
	for _, c := range []struct {
		body   string
		accept bool
	}{
		{`{}`, true},
		{` { "a" : [ [ 0 , 1 ] , [1,-2] ] , "b":[] } `, true},
		{`{"a":[[0,1]],"a":[[5,6]]}`, true}, // the last duplicate wins, as in encoding/json
		{`{"k":[[0,-9223372036854775808],[1,9223372036854775807]]}`, true},
		{`{"k":[[0,9223372036854775808]]}`, false},
		{`{"k":[[0,01]]}`, false},
		{`{"k":[[0,1.0]]}`, false},
		{`{"k":[[0,1e3]]}`, false},
		{`{"k":[[0,-]]}`, false},
		{`{"k":null}`, false},
		{`{"k\u0041":[]}`, false},
		{`{"é":[]}`, false},
		{`{"k":[[0,1,2]]}`, false},
		{`{"k":[[0,1]],}`, false},
		{`{"k":[[0,1]]} x`, false},
		{`null`, false},
		{``, false},
	} {
		if got := check(c.body); got != c.accept {
			t.Errorf("%q: accepted %v, want %v", c.body, got, c.accept)
		}
	}
	rnd := testSeed(t)
	accepted := 0
	for n := 0; n < 3000; n++ {
		var sb strings.Builder
		sb.WriteString("{")
		for k := range rnd.IntN(4) {
			if k > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "%q:[", fmt.Sprint(rnd.IntN(5)))
			for p := range rnd.IntN(4) {
				if p > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "[%d,%d]", rnd.Int64N(1000)-10, rnd.Int64()-rnd.Int64())
			}
			sb.WriteString("]")
		}
		sb.WriteString("}")
		body := []byte(sb.String())
		if n%2 == 1 && len(body) > 0 { // a one-byte mutation
			body[rnd.IntN(len(body))] = "{}[],:\" -0123456789.eEnx"[rnd.IntN(24)]
		}
		if check(string(body)) {
			accepted++
		}
	}
	if accepted < 1500 {
		t.Fatalf("the scanner accepted only %d of 3000 bodies, most of them plain", accepted)
	}
}
