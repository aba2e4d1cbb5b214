package kafka

// errorKind is one entry of Maelstrom's error registry.
type errorKind struct {
	name     string
	definite bool // the operation certainly did not take effect
}

// errorRegistry is M:resources/errors.edn. Any other code, a
// missing code, or a code that is not a JSON integer is "unknown" and
// indefinite (M:src/maelstrom/client.clj throw-errors!); so are custom codes
// (>= 1000), which the registry never lists.
var errorRegistry = map[int64]errorKind{
	0:  {"timeout", false},
	1:  {"node-not-found", true},
	10: {"not-supported", true},
	11: {"temporarily-unavailable", true},
	12: {"malformed-request", true},
	13: {"crash", false},
	14: {"abort", true},
	20: {"key-does-not-exist", true},
	21: {"key-already-exists", true},
	22: {"precondition-failed", true},
	30: {"txn-conflict", true},
}

// lookupError classifies an error reply's code; ok is false when code was
// absent or not an integer.
func lookupError(code int64, ok bool) errorKind {
	if ok {
		if k, found := errorRegistry[code]; found {
			return k
		}
	}
	return errorKind{name: "unknown"}
}
