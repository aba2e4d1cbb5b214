package checker

import (
	"encoding/json"
	"fmt"
)

// Validity is Jepsen's three-valued :valid? (true, false or :unknown).
// The zero value is Unknown so that a result nobody filled in never reads
// as a pass.
type Validity int8

// The three validity values.
const (
	Unknown Validity = iota // :unknown: the analysis could not decide
	Valid                   // true
	Invalid                 // false
)

// priority orders validities for merging, as J:checker.clj valid-priorities:
// false dominates :unknown, which dominates true.
func (v Validity) priority() int {
	switch v {
	case Valid:
		return 0
	case Invalid:
		return 2
	default:
		return 1
	}
}

// Merge returns the most significant of the given validities (false beats
// unknown beats true), and Valid when given none, as J:checker.clj
// merge-valid does.
func Merge(vs ...Validity) Validity {
	out := Valid
	for _, v := range vs {
		if v.priority() > out.priority() {
			out = v
		}
	}
	return out
}

// ValidityOf turns a boolean verdict into a Validity.
func ValidityOf(ok bool) Validity {
	if ok {
		return Valid
	}
	return Invalid
}

// String renders the validity as Jepsen prints it.
func (v Validity) String() string {
	switch v {
	case Valid:
		return "true"
	case Invalid:
		return "false"
	default:
		return "unknown"
	}
}

// MarshalJSON writes true, false or "unknown".
func (v Validity) MarshalJSON() ([]byte, error) {
	switch v {
	case Valid:
		return []byte("true"), nil
	case Invalid:
		return []byte("false"), nil
	default:
		return []byte(`"unknown"`), nil
	}
}

// UnmarshalJSON reads what MarshalJSON writes.
func (v *Validity) UnmarshalJSON(b []byte) error {
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	switch x := raw.(type) {
	case bool:
		*v = ValidityOf(x)
	case string:
		if x != "unknown" {
			return fmt.Errorf("validity: unexpected string %q", x)
		}
		*v = Unknown
	default:
		return fmt.Errorf("validity: unexpected JSON %s", b)
	}
	return nil
}

// The closing lines Jepsen logs after the results map (J:core.clj
// log-results), one per validity.
const (
	VerdictValid   = "Everything looks good! ヽ(‘ー`)ノ"
	VerdictInvalid = "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"
	VerdictUnknown = "Errors occurred during analysis, but no anomalies found. ಠ~ಠ"
)

// Verdict returns the closing line Jepsen prints for this validity.
func (v Validity) Verdict() string {
	switch v {
	case Valid:
		return VerdictValid
	case Invalid:
		return VerdictInvalid
	default:
		return VerdictUnknown
	}
}
