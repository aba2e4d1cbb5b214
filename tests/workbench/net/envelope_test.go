package net

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseNodeLineAccepts(t *testing.T) {
	cases := []struct {
		line, src, dest, body string
	}{
		{`{"src":"n0","dest":"c1","body":{"type":"x","in_reply_to":1}}`, "n0", "c1", `{"type":"x","in_reply_to":1}`},
		{`{"id":12,"src":"n0","dest":"n1","body":{}}`, "n0", "n1", `{}`},
		{`{"src":"n0","dest":"n1"}`, "n0", "n1", `{}`},                    // missing body
		{`{"src":"n0","dest":"n1","body":null}`, "n0", "n1", `{}`},        // nil body
		{`{"src":"n0","dest":"n1","body":""}`, "n0", "n1", `{}`},          // empty seqable
		{`{"src":"n0","dest":"n1","body":[ ]}`, "n0", "n1", `{}`},         // empty seqable
		{`  {"src":"n\u0030","dest":"n1","body":{}}  `, "n0", "n1", `{}`}, // escapes, spaces
		{`{"src":"n0","dest":"n1","body":{"a":1}} trailing junk`, "n0", "n1", `{"a":1}`},
		{`{"src":"n0","dest":"n1","body":{"a":1}}{"src":"n0","dest":"n2"}`, "n0", "n1", `{"a":1}`},
		{`{ "src" : "n0" , "dest":"n1" , "id" : -5 , "body" : { "s" : "}{\"]" , "n":[1,{"x":[]}] } }`, "n0", "n1", `{ "s" : "}{\"]" , "n":[1,{"x":[]}] }`},
		{`{"\u0073rc":"n\"0","dest":"n1","body":{"z":1e5}}`, `n"0`, "n1", `{"z":1e5}`},
		{`{"src":"x","src":"n0","dest":"n1","dest":"n2","body":{"a":1},"body":{}}`, "n0", "n2", `{}`}, // later duplicates win
		{`{"src":"n0","dest":"n1","body":{"v":true},"id":0}`, "n0", "n1", `{"v":true}`},
	}
	for _, c := range cases {
		m, err := parseNodeLine([]byte(c.line))
		if err != nil {
			t.Errorf("%s: unexpected error %v", c.line, err)
			continue
		}
		if string(m.src) != c.src || string(m.dest) != c.dest || string(m.body) != c.body {
			t.Errorf("%s: got src=%q dest=%q body=%s", c.line, m.src, m.dest, m.body)
		}
	}
}

func TestParseNodeLineRejects(t *testing.T) {
	cases := map[string]string{
		``:                         "blank",
		`   `:                      "blank",
		`hello world`:              "not valid JSON",
		`{"src":"n0"`:              "not valid JSON",
		`null`:                     "no src",
		`42`:                       "number",
		`"str"`:                    "string",
		`[1,2]`:                    "array",
		`{"dest":"n1","body":{}}`:  "missing src",
		`{"src":"n0","body":{}}`:   "missing dest",
		`{"src":1,"dest":"n1"}`:    "src",
		`{"src":"n0","dest":null}`: "dest",
		`{"src":"n0","dest":"n1","body":{},"extra":1}`: `unexpected top-level key "extra"`,
		`{"src":"n0","dest":"n1","SRC":"n0"}`:          `unexpected top-level key "SRC"`,
		`{"src":"n0","dest":"n1","id":1.0}`:            "id",
		`{"src":"n0","dest":"n1","id":"3"}`:            "id",
		`{"src":"n0","dest":"n1","id":null}`:           "id",
		`{"src":"n0","dest":"n1","body":5}`:            "body",
		`{"src":"n0","dest":"n1","body":"x"}`:          "body",
		`{"src":"n0","dest":"n1","body":[1]}`:          "body",
		`{"src":"n0","dest":"n1","body":true}`:         "body",
	}
	for line, want := range cases {
		_, err := parseNodeLine([]byte(line))
		if err == nil {
			t.Errorf("%q: accepted", line)
			continue
		}
		if !errors.Is(err, errMalformed) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q, want one mentioning %q", line, err, want)
		}
	}
}

func TestParseNodeLineCopiesBody(t *testing.T) {
	line := []byte(`{"src":"n0","dest":"n1","body":{"a":1}}`)
	m, err := parseNodeLine(line)
	if err != nil {
		t.Fatal(err)
	}
	for i := range line {
		line[i] = 'x'
	}
	if string(m.body) != `{"a":1}` {
		t.Fatalf("parsed body aliases the line buffer: %s", m.body)
	}
}

func TestAppendDeliveryFraming(t *testing.T) {
	e := &envelope{id: 17, src: "c12", dest: "n1", body: []byte(`{"type":"send","key":"3"}`)}
	got := string(appendDelivery(nil, e))
	want := `{"id":17,"src":"c12","dest":"n1","body":{"type":"send","key":"3"}}` + "\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatal(err)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"n0", `a"b\c`, "tab\tnl\nret\r", "\x00\x1f", "ünï€😀", "bad\xffutf8"} {
		got := string(appendJSONString(nil, s))
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q -> %s is not JSON: %v", s, got, err)
			continue
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q round-trips to %q, encoding/json gives %q", s, back, wantBack)
		}
	}
}
