package net

import (
	"testing"
)

func mustParse(t *testing.T, s string) *jvalue {
	t.Helper()
	v, err := parseJValue([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func TestCanonicalEqualityFollowsClojure(t *testing.T) {
	equal := [][2]string{
		{`1`, `1`},
		{`-0`, `0`},
		{`1.0`, `1.00`},
		{`1e2`, `100.0`},
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`},
		{`{"a":1,"a":2}`, `{"a":2}`}, // later duplicate wins
		{`null`, `null`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
	}
	for _, p := range equal {
		if a, b := mustParse(t, p[0]).canonical(), mustParse(t, p[1]).canonical(); a != b {
			t.Errorf("%s and %s should be equal: %q vs %q", p[0], p[1], a, b)
		}
	}
	different := [][2]string{
		{`1`, `1.0`}, // Long vs Double
		{`1`, `"1"`}, // number vs string
		{`[1,2]`, `[2,1]`},
		{`{"a":1}`, `{"a":1,"b":null}`},
		{`null`, `false`},
		{`""`, `null`},
	}
	for _, p := range different {
		if a, b := mustParse(t, p[0]).canonical(), mustParse(t, p[1]).canonical(); a == b {
			t.Errorf("%s and %s should differ, both %q", p[0], p[1], a)
		}
	}
}

func TestEDNPrinting(t *testing.T) {
	cases := map[string]string{
		`null`:                 `nil`,
		`true`:                 `true`,
		`42`:                   `42`,
		`-0`:                   `0`,
		`1.5`:                  `1.5`,
		`100.0`:                `100.0`,
		`1e2`:                  `100.0`,
		`1e7`:                  `1.0E7`,
		`12345678.9`:           `1.23456789E7`,
		`0.001`:                `0.001`,
		`0.0001`:               `1.0E-4`,
		`-2.5e-10`:             `-2.5E-10`,
		`0.0`:                  `0.0`,
		`"a\"b\\c\nd"`:         `"a\"b\\c\nd"`,
		`[1,"x",[2]]`:          `[1 "x" [2]]`,
		`{"k":1,"j":[true]}`:   `{"k" 1, "j" [true]}`,
		`{}`:                   `{}`,
		`99999999999999999999`: `99999999999999999999BIGINT`,
		`"ünïcode"`:            `"ünïcode"`,
	}
	for in, want := range cases {
		if got := mustParse(t, in).edn(); got != want {
			t.Errorf("edn(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestEDNStrPrintsStringsRawAndNilEmpty(t *testing.T) {
	cases := map[string]string{
		`"abc"`:                `abc`,
		`null`:                 ``,
		`5`:                    `5`,
		`["a"]`:                `["a"]`,
		`99999999999999999999`: `99999999999999999999`,
	}
	for in, want := range cases {
		if got := mustParse(t, in).ednStr(); got != want {
			t.Errorf("str(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCompactKeepsOrderAndLiterals(t *testing.T) {
	in := `{ "b" : 1.50, "a" : [ 1, "x\u0001" ], "c": null }`
	want := `{"b":1.50,"a":[1,"x\u0001"],"c":null}`
	if got := string(mustParse(t, in).compact()); got != want {
		t.Errorf("compact = %s, want %s", got, want)
	}
}

func TestTruthiness(t *testing.T) {
	for in, want := range map[string]bool{`null`: false, `false`: false, `true`: true, `0`: true, `""`: true, `[]`: true} {
		if got := mustParse(t, in).truthy(); got != want {
			t.Errorf("truthy(%s) = %v", in, got)
		}
	}
	if jsonNull.get("x") != jsonNull {
		t.Error("get on a non-object must be nil")
	}
}
