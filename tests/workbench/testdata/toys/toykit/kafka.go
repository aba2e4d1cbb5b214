package toykit

import (
	"encoding/json"
	"os"
	"sort"
)

// Entry is one message of a key's log.
type Entry struct {
	Offset int64
	Msg    json.Number
}

// Log is an in-memory kafka log: per key, entries in offset order, the next
// offset to hand out, and the committed consumer offsets; Persist also
// keeps it in a file.
type Log struct {
	entries   map[string][]Entry
	next      map[string]int64
	committed map[string]int64
	journal   *os.File // nil: in memory only
}

// NewLog returns an empty log.
func NewLog() *Log {
	return &Log{entries: map[string][]Entry{}, next: map[string]int64{}, committed: map[string]int64{}}
}

// Reserve hands out key's next offset without storing anything there.
func (l *Log) Reserve(key string) int64 {
	o := l.next[key]
	l.next[key] = o + 1
	return o
}

// Append stores msg at key's next offset and returns that offset.
func (l *Log) Append(key string, msg json.Number) int64 {
	l.record(journalLine{Op: "append", Key: key, Msg: msg})
	return l.appendEntry(key, msg)
}

func (l *Log) appendEntry(key string, msg json.Number) int64 {
	o := l.Reserve(key)
	l.entries[key] = append(l.entries[key], Entry{Offset: o, Msg: msg})
	return o
}

// From returns key's entries at offsets >= from, in offset order.
func (l *Log) From(key string, from int64) []Entry {
	es := l.entries[key]
	i := sort.Search(len(es), func(i int) bool { return es[i].Offset >= from })
	return es[i:]
}

// Commit raises key's committed offset to at least o.
func (l *Log) Commit(key string, o int64) {
	l.record(journalLine{Op: "commit", Key: key, Offset: o})
	l.commit(key, o)
}

func (l *Log) commit(key string, o int64) {
	if cur, ok := l.committed[key]; !ok || o > cur {
		l.committed[key] = o
	}
}

// Committed returns key's committed offset, if any.
func (l *Log) Committed(key string) (int64, bool) {
	o, ok := l.committed[key]
	return o, ok
}

// Kafka answers the four kafka RPCs from a Log. Its hooks let a toy break
// one rule; nil hooks give a correct single-copy log.
type Kafka struct {
	Log *Log
	// OnSend, if set, replaces the default send (append, reply send_ok).
	// It returns the reply body.
	OnSend func(k *Kafka, key string, msg json.Number) Body
	// ShapePoll, if set, may rewrite one key's pairs before they are sent.
	ShapePoll func(key string, pairs [][2]any) [][2]any
}

// Serve registers the four kafka handlers on n.
func (k *Kafka) Serve(n *Node) {
	for _, typ := range []string{"send", "poll", "commit_offsets", "list_committed_offsets"} {
		n.Handle(typ, func(n *Node, m Message) { n.Reply(m, k.Apply(m.Body)) })
	}
}

// Apply executes one kafka request body and returns the reply body (without
// in_reply_to). Malformed requests get error 12.
func (k *Kafka) Apply(req Body) Body {
	switch req["type"] {
	case "send":
		key, ok1 := req["key"].(string)
		msg, ok2 := req["msg"].(json.Number)
		if !ok1 || !ok2 {
			return errorBody(12, "send needs a string key and a numeric msg")
		}
		if k.OnSend != nil {
			return k.OnSend(k, key, msg)
		}
		return Body{"type": "send_ok", "offset": k.Log.Append(key, msg)}
	case "poll":
		offsets, ok := numberMap(req["offsets"])
		if !ok {
			return errorBody(12, "poll needs offsets")
		}
		msgs := Body{}
		for key, from := range offsets {
			es := k.Log.From(key, from)
			if len(es) == 0 {
				continue // keys with nothing to return are omitted
			}
			pairs := make([][2]any, len(es))
			for i, e := range es {
				pairs[i] = [2]any{e.Offset, e.Msg}
			}
			if k.ShapePoll != nil {
				pairs = k.ShapePoll(key, pairs)
			}
			msgs[key] = pairs
		}
		return Body{"type": "poll_ok", "msgs": msgs}
	case "commit_offsets":
		offsets, ok := numberMap(req["offsets"])
		if !ok {
			return errorBody(12, "commit_offsets needs offsets")
		}
		for key, o := range offsets {
			k.Log.Commit(key, o)
		}
		return Body{"type": "commit_offsets_ok"}
	case "list_committed_offsets":
		keys, ok := req["keys"].([]any)
		if !ok {
			return errorBody(12, "list_committed_offsets needs keys")
		}
		out := Body{}
		for _, key := range keys {
			if s, ok := key.(string); ok {
				if o, ok := k.Log.Committed(s); ok {
					out[s] = o
				}
			}
		}
		return Body{"type": "list_committed_offsets_ok", "offsets": out}
	}
	return errorBody(10, "not a kafka request")
}

// errorBody builds an error reply body.
func errorBody(code int, text string) Body {
	return Body{"type": "error", "code": code, "text": text}
}

// ErrorBody builds an error reply body (for toys' hooks).
func ErrorBody(code int, text string) Body { return errorBody(code, text) }

// numberMap reads a {string: integer} request field.
func numberMap(v any) (map[string]int64, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]int64, len(m))
	for k, x := range m {
		n, ok := x.(json.Number)
		if !ok {
			return nil, false
		}
		i, err := n.Int64()
		if err != nil {
			return nil, false
		}
		out[k] = i
	}
	return out, true
}
