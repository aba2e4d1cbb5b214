package net

import (
	"fmt"
	"strconv"
)

// Error codes the services reply with (M:resources/errors.edn).
const (
	codeKeyDoesNotExist    = 20
	codePreconditionFailed = 22
)

// field is one member of a reply body, its value already JSON.
type field struct {
	key string
	raw []byte
}

func typeField(t string) field { return field{"type", appendJSONString(nil, t)} }

func errorFields(code int, text string) []field {
	return []field{
		typeField("error"),
		{"code", strconv.AppendInt(nil, int64(code), 10)},
		{"text", appendJSONString(nil, text)},
	}
}

// errNoClause is a request whose type the service does not handle; the
// Clojure case form throws, the worker logs it and sends no reply.
type errNoClause struct{ typ *jvalue }

func (e errNoClause) Error() string { return "No matching clause: " + e.typ.ednStr() }

// kvEntry is one key of a key-value map. The map itself is indexed by the
// key's canonical form, so equal keys (Clojure =) share an entry.
type kvEntry struct {
	key      *jvalue
	val      *jvalue
	valCanon string
}

// kvMap is one state of a persistent-kv: canonical key -> entry. A kvMap
// stored as a seq-kv version is never modified again.
type kvMap map[string]kvEntry

// kvOutcome is the result of evaluating a request against a kvMap: the reply,
// the entry to store (nil if none), and whether storing it changes the map
// (Clojure's (= service service') on the result).
type kvOutcome struct {
	reply   []field
	set     *kvEntry
	changed bool
}

// kvEval is persistent-kv's handle (M:src/maelstrom/service.clj
// PersistentKV): read, write and cas, with cas honouring
// create_if_not_exists (any truthy value).
func kvEval(m kvMap, body *jvalue) (kvOutcome, error) {
	typ := body.get("type")
	k := body.get("key")
	cur, exists := m[k.canonical()]
	switch {
	case typ.isString("read"):
		if !exists {
			return kvOutcome{reply: errorFields(codeKeyDoesNotExist, "key does not exist")}, nil
		}
		return kvOutcome{reply: []field{typeField("read_ok"), {"value", cur.val.compact()}}}, nil
	case typ.isString("write"):
		e := newKVEntry(k, body.get("value"))
		return kvOutcome{
			reply:   []field{typeField("write_ok")},
			set:     &e,
			changed: !exists || cur.valCanon != e.valCanon,
		}, nil
	case typ.isString("cas"):
		from, to := body.get("from"), body.get("to")
		switch {
		case exists && cur.valCanon == from.canonical():
			e := newKVEntry(k, to)
			return kvOutcome{reply: []field{typeField("cas_ok")}, set: &e, changed: cur.valCanon != e.valCanon}, nil
		case exists:
			text := fmt.Sprintf("current value %s is not %s", cur.val.edn(), from.edn())
			return kvOutcome{reply: errorFields(codePreconditionFailed, text)}, nil
		case body.get("create_if_not_exists").truthy():
			e := newKVEntry(k, to)
			return kvOutcome{reply: []field{typeField("cas_ok")}, set: &e, changed: true}, nil
		default:
			return kvOutcome{reply: errorFields(codeKeyDoesNotExist, "key does not exist")}, nil
		}
	}
	return kvOutcome{}, errNoClause{typ}
}

func newKVEntry(k, v *jvalue) kvEntry {
	return kvEntry{key: k, val: v, valCanon: v.canonical()}
}

// linKV is lin-kv: one map, every request applied to the latest state
// (M:service.clj linearizable wrapping persistent-kv).
type linKV struct{ m kvMap }

func newLinKV() *linKV { return &linKV{m: kvMap{}} }

func (s *linKV) handle(_ string, body *jvalue) ([]field, error) {
	out, err := kvEval(s.m, body)
	if err != nil {
		return nil, err
	}
	if out.set != nil {
		s.m[out.set.key.canonical()] = *out.set
	}
	return out.reply, nil
}

// seqVersions is how many past states seq-kv keeps (M:service.clj
// sequential, buffer size 32).
const seqVersions = 32

// seqKV is seq-kv (M:service.clj Sequential): each requester
// (by src) observes a monotonic sequence of states, possibly stale.
type seqKV struct {
	versions  []kvMap // the last up-to-32 states, oldest first; the newest is last
	lastIndex int64   // absolute index of the newest state; the empty map is 0
	observed  map[string]int64
	rng       randIntN
}

// randIntN is the part of *rand.Rand the services use.
type randIntN interface{ Int64N(int64) int64 }

func newSeqKV(rng randIntN) *seqKV {
	return &seqKV{versions: []kvMap{{}}, observed: map[string]int64{}, rng: rng}
}

// at returns the state with absolute index i. Like amalloy/ring-buffer
// 1.3.1's nth (index taken modulo the element count), an index older than
// the buffer wraps around onto a newer state instead of failing.
func (s *seqKV) at(i int64) kvMap {
	n := int64(len(s.versions))
	rel := i - s.lastIndex - 1 // -1 is the newest
	pos := ((rel % n) + n) % n
	return s.versions[pos]
}

func (s *seqKV) handle(src string, body *jvalue) ([]field, error) {
	c := s.observed[src]
	i := c + s.rng.Int64N(s.lastIndex-c+1)
	out, err := kvEval(s.at(i), body)
	if err != nil {
		return nil, err
	}
	if !out.changed {
		// Executing on a past state did not change it: the timeline holds.
		s.observed[src] = i
		return out.reply, nil
	}
	// It would change a past state: redo it on the newest and append.
	newest := s.versions[len(s.versions)-1]
	out, _ = kvEval(newest, body)
	next := make(kvMap, len(newest)+1)
	for k, v := range newest {
		next[k] = v
	}
	if out.set != nil {
		next[out.set.key.canonical()] = *out.set
	}
	s.versions = append(s.versions, next)
	if len(s.versions) > seqVersions {
		s.versions = append(s.versions[:0:0], s.versions[1:]...)
	}
	s.lastIndex++
	s.observed[src] = s.lastIndex
	return out.reply, nil
}

// lwwReplicas is how many replicas lww-kv simulates (M:service.clj eventual).
const lwwReplicas = 2

// lwwReplica is one LWWKV: a Lamport clock and key -> (timestamp, value).
type lwwReplica struct {
	clock int64
	m     map[string]lwwEntry
}

type lwwEntry struct {
	ts  int64
	val *jvalue
}

// lwwKV is lww-kv (M:service.clj Eventual wrapping LWWKV). The
// Clojure merges a random pair of replicas on every request but then builds
// the new replica vector from the pre-merge one, so the merge is lost and
// the replicas never converge: each request lands on a random replica. We
// draw the same random numbers and skip the discarded merge.
type lwwKV struct {
	replicas [lwwReplicas]lwwReplica
	rng      randIntN
}

func newLWWKV(rng randIntN) *lwwKV {
	s := &lwwKV{rng: rng}
	for i := range s.replicas {
		s.replicas[i].m = map[string]lwwEntry{}
	}
	return s
}

func (s *lwwKV) handle(_ string, body *jvalue) ([]field, error) {
	_ = s.rng.Int64N(lwwReplicas) // merge source (discarded merge)
	_ = s.rng.Int64N(lwwReplicas) // merge destination
	r := &s.replicas[s.rng.Int64N(lwwReplicas)]
	typ := body.get("type")
	k := body.get("key").canonical()
	cur, exists := r.m[k]
	switch {
	case typ.isString("read"):
		if !exists {
			return errorFields(codeKeyDoesNotExist, "key does not exist"), nil
		}
		return []field{typeField("read_ok"), {"value", cur.val.compact()}}, nil
	case typ.isString("write"):
		r.m[k] = lwwEntry{ts: r.clock, val: body.get("value")}
		r.clock++
		return []field{typeField("write_ok")}, nil
	case typ.isString("cas"):
		// create_if_not_exists is not looked at: a missing key is always 20.
		from := body.get("from")
		switch {
		case !exists:
			return errorFields(codeKeyDoesNotExist, "key does not exist"), nil
		case cur.val.canonical() != from.canonical():
			// NB: the expected value goes through str, not pr-str: a string
			// prints unquoted, as Maelstrom's lww-kv does.
			text := fmt.Sprintf("current value %s is not %s", cur.val.edn(), from.ednStr())
			return errorFields(codePreconditionFailed, text), nil
		}
		r.m[k] = lwwEntry{ts: r.clock, val: body.get("to")}
		r.clock++
		return []field{typeField("cas_ok")}, nil
	}
	return nil, errNoClause{typ}
}

// linTSO is lin-tso: timestamps 0, 1, 2, ... in request order
// (M:service.clj PersistentTSO).
type linTSO struct{ next int64 }

func (s *linTSO) handle(_ string, body *jvalue) ([]field, error) {
	typ := body.get("type")
	if !typ.isString("ts") {
		return nil, errNoClause{typ}
	}
	ts := s.next
	s.next++
	return []field{typeField("ts_ok"), {"ts", strconv.AppendInt(nil, ts, 10)}}, nil
}
