package net

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// jkind is the kind of a parsed JSON value, split the way Clojure sees the
// values Cheshire produces: integers (Long or BigInteger) and floats (Double)
// are different kinds, so 1 and 1.0 are never equal.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jInt
	jFloat
	jString
	jArray
	jObject
)

// jvalue is a parsed JSON value as the services see it: objects keep their
// members in insertion order (Cheshire builds small maps as array maps, so
// printing follows that order) with later duplicates replacing earlier ones.
type jvalue struct {
	kind jkind
	b    bool      // jBool
	num  string    // jInt, jFloat: the literal as written
	str  string    // jString
	arr  []*jvalue // jArray
	obj  []jmember // jObject
}

// jmember is one key/value pair of a JSON object.
type jmember struct {
	key string
	val *jvalue
}

// jsonNull is the value of a missing field: Clojure's (:key body) of an
// absent key is nil, which is also what JSON null parses to.
var jsonNull = &jvalue{kind: jNull}

// parseJValue parses the first JSON value of raw.
func parseJValue(raw []byte) (*jvalue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return decodeJValue(dec)
}

func decodeJValue(dec *json.Decoder) (*jvalue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return jsonNull, nil
	case bool:
		return &jvalue{kind: jBool, b: t}, nil
	case json.Number:
		s := string(t)
		if strings.ContainsAny(s, ".eE") {
			return &jvalue{kind: jFloat, num: s}, nil
		}
		return &jvalue{kind: jInt, num: s}, nil
	case string:
		return &jvalue{kind: jString, str: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &jvalue{kind: jArray}
			for dec.More() {
				e, err := decodeJValue(dec)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		case '{':
			v := &jvalue{kind: jObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				e, err := decodeJValue(dec)
				if err != nil {
					return nil, err
				}
				v.set(k, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// set assigns a member of an object, replacing an existing key in place (a
// Clojure assoc on an array map keeps the key's position).
func (v *jvalue) set(k string, e *jvalue) {
	for i := range v.obj {
		if v.obj[i].key == k {
			v.obj[i].val = e
			return
		}
	}
	v.obj = append(v.obj, jmember{key: k, val: e})
}

// get returns an object member, or jsonNull when absent or v is not an object.
func (v *jvalue) get(k string) *jvalue {
	if v == nil || v.kind != jObject {
		return jsonNull
	}
	for i := range v.obj {
		if v.obj[i].key == k {
			return v.obj[i].val
		}
	}
	return jsonNull
}

// truthy is Clojure truthiness: everything but nil and false.
func (v *jvalue) truthy() bool {
	return !(v.kind == jNull || (v.kind == jBool && !v.b))
}

// isString reports whether v is the JSON string s.
func (v *jvalue) isString(s string) bool { return v.kind == jString && v.str == s }

// canonical returns a string that two values share exactly when Clojure's =
// holds between the values Cheshire would parse them into: integers compare
// by value, floats by double value, maps without regard to order.
func (v *jvalue) canonical() string {
	var b strings.Builder
	v.writeCanonical(&b)
	return b.String()
}

func (v *jvalue) writeCanonical(b *strings.Builder) {
	switch v.kind {
	case jNull:
		b.WriteString("n")
	case jBool:
		if v.b {
			b.WriteString("t")
		} else {
			b.WriteString("f")
		}
	case jInt:
		s := v.num
		if s == "-0" {
			s = "0"
		}
		b.WriteString("i")
		b.WriteString(s)
	case jFloat:
		f := v.float()
		if f == 0 {
			f = 0 // -0.0 = 0.0 under Clojure's =
		}
		b.WriteString("d")
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case jString:
		b.WriteString(strconv.Quote(v.str))
	case jArray:
		b.WriteString("[")
		for _, e := range v.arr {
			e.writeCanonical(b)
			b.WriteString(",")
		}
		b.WriteString("]")
	case jObject:
		keys := make([]jmember, len(v.obj))
		copy(keys, v.obj)
		sortMembers(keys)
		b.WriteString("{")
		for _, m := range keys {
			b.WriteString(strconv.Quote(m.key))
			b.WriteString(":")
			m.val.writeCanonical(b)
			b.WriteString(",")
		}
		b.WriteString("}")
	}
}

func sortMembers(ms []jmember) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].key < ms[j-1].key; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// float returns the double value Jackson would parse a float literal into
// (out-of-range literals become infinities, as in Java).
func (v *jvalue) float() float64 {
	f, _ := strconv.ParseFloat(v.num, 64)
	return f
}

// compact returns the value as compact JSON.
func (v *jvalue) compact() []byte {
	var b bytes.Buffer
	v.writeJSON(&b)
	return b.Bytes()
}

func (v *jvalue) writeJSON(w *bytes.Buffer) {
	switch v.kind {
	case jNull:
		w.WriteString("null")
	case jBool:
		w.WriteString(strconv.FormatBool(v.b))
	case jInt, jFloat:
		w.WriteString(v.num)
	case jString:
		w.Write(appendJSONString(nil, v.str))
	case jArray:
		w.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				w.WriteByte(',')
			}
			e.writeJSON(w)
		}
		w.WriteByte(']')
	case jObject:
		w.WriteByte('{')
		for i, m := range v.obj {
			if i > 0 {
				w.WriteByte(',')
			}
			w.Write(appendJSONString(nil, m.key))
			w.WriteByte(':')
			m.val.writeJSON(w)
		}
		w.WriteByte('}')
	}
}

// edn renders v as Clojure's pr-str would render the value Cheshire parsed:
// nil, true, 12, 1.5, 1.0E10, "s", [1 2], {"k" 1, "j" 2}. Service error texts
// are built from it (M:src/maelstrom/service.clj PersistentKV handle).
func (v *jvalue) edn() string {
	var b strings.Builder
	v.writeEDN(&b)
	return b.String()
}

// ednStr renders v as Clojure's str would: like pr-str except that a string
// is printed raw, nil as the empty string and a BigInteger without its
// suffix (lww-kv uses str for the expected value of a cas).
func (v *jvalue) ednStr() string {
	switch v.kind {
	case jNull:
		return ""
	case jString:
		return v.str
	case jInt:
		return strings.TrimSuffix(v.edn(), "BIGINT")
	}
	return v.edn()
}

func (v *jvalue) writeEDN(b *strings.Builder) {
	switch v.kind {
	case jNull:
		b.WriteString("nil")
	case jBool:
		b.WriteString(strconv.FormatBool(v.b))
	case jInt:
		s := v.num
		if s == "-0" {
			s = "0"
		}
		b.WriteString(s)
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			// Jackson parses integers beyond a long as java.math.BigInteger,
			// which Clojure's print-method prints with a BIGINT suffix.
			b.WriteString("BIGINT")
		}
	case jFloat:
		b.WriteString(javaDouble(v.float()))
	case jString:
		writeEDNString(b, v.str)
	case jArray:
		b.WriteString("[")
		for i, e := range v.arr {
			if i > 0 {
				b.WriteString(" ")
			}
			e.writeEDN(b)
		}
		b.WriteString("]")
	case jObject:
		b.WriteString("{")
		for i, m := range v.obj {
			if i > 0 {
				b.WriteString(", ")
			}
			writeEDNString(b, m.key)
			b.WriteString(" ")
			m.val.writeEDN(b)
		}
		b.WriteString("}")
	}
}

// writeEDNString quotes s with the escapes of Clojure's char-escape-string.
func writeEDNString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '\b':
			b.WriteString(`\b`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// javaDouble formats f as Java's Double.toString: plain notation with at
// least one fractional digit for 1e-3 <= |f| < 1e7, otherwise d.dddE±n.
// Digits are the shortest that round-trip (what JDK 19+ prints).
func javaDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "##Inf"
	case math.IsInf(f, -1):
		return "##-Inf"
	case math.IsNaN(f):
		return "##NaN"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expStr)
	if f >= 1e-3 && f < 1e7 {
		var s string
		if exp >= 0 {
			for len(digits) < exp+1 {
				digits += "0"
			}
			s = digits[:exp+1] + "."
			if frac := digits[exp+1:]; frac != "" {
				s += frac
			} else {
				s += "0"
			}
		} else {
			s = "0." + strings.Repeat("0", -exp-1) + digits
		}
		return sign + s
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}
