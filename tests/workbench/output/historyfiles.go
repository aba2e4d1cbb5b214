package output

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"zabkafka/tests/workbench/history"
)

// WriteHistory writes history.jsonl (history.WriteJSONL, what the checker
// can re-read) and history.txt (one line per op, for people) into the store.
func (s *Store) WriteHistory(h history.History) error {
	if err := writeFile(s.Path("history.jsonl"), h.WriteJSONL); err != nil {
		return err
	}
	return writeFile(s.Path("history.txt"), func(w io.Writer) error { return WriteHistoryText(w, h) })
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// WriteHistoryText writes one line per op, tab-separated, in the shape of
// Jepsen's history.txt: process, :type, :f, the value in Maelstrom's
// notation, then the error if any. Times are in seconds since the run began
// (Jepsen's file has none; they help to read a run against its plots).
//
//	5	:ok	:send	[[:send "9" [2 3]]]
//	2	:ok	:poll	[[:poll {"9" [[0 1] [1 2]]}]]
//	4	:info	:send	[[:send "9" 4]]	net-timeout
func WriteHistoryText(w io.Writer, h history.History) error {
	bw := bufio.NewWriter(w)
	for i := range h {
		op := &h[i]
		proc := strconv.Itoa(op.Process)
		if !op.IsClient() {
			proc = ":nemesis"
		}
		fmt.Fprintf(bw, "%.6f\t%s\t:%s\t:%s\t%s", float64(op.Time)/1e9, proc, op.Type, op.F, opValue(op))
		if op.Error != "" {
			fmt.Fprintf(bw, "\t%s", op.Error)
		}
		if op.FinalPhase {
			bw.WriteString("\t(final)")
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// opValue renders an op's value as Maelstrom's history shows it (its
// history.txt).
func opValue(op *history.Op) string {
	switch op.F {
	case history.FSend:
		if op.Offset != nil {
			return fmt.Sprintf("[[:send %q [%d %d]]]", op.Key, *op.Offset, op.Msg)
		}
		return fmt.Sprintf("[[:send %q %d]]", op.Key, op.Msg)
	case history.FPoll:
		if op.Polls == nil {
			return "[[:poll]]"
		}
		var b strings.Builder
		b.WriteString("[[:poll {")
		for i, k := range slices.Sorted(maps.Keys(op.Polls)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q [", k)
			for j, p := range op.Polls[k] {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "[%d %d]", p.Offset, p.Msg)
			}
			b.WriteByte(']')
		}
		b.WriteString("}]]")
		return b.String()
	case history.FAssign:
		var b strings.Builder
		b.WriteByte('[')
		for i, k := range op.Keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%q", k)
		}
		b.WriteByte(']')
		if len(op.Unseen) > 0 {
			b.WriteString(" :unseen {")
			for i, k := range slices.Sorted(maps.Keys(op.Unseen)) {
				if i > 0 {
					b.WriteString(", ")
				}
				u := op.Unseen[k]
				fmt.Fprintf(&b, "%q {:polled %d :sent %d}", k, u.Polled, u.Sent)
			}
			b.WriteByte('}')
		}
		return b.String()
	case history.FStartPartition, history.FStopPartition, history.FKill, history.FStart, history.FPause, history.FResume:
		return nemesisValue(op.Value)
	}
	return "nil"
}

// nemesisValue renders a nemesis op's value: a shape, node spec or
// "network-healed" as a keyword, a grudge as a map of node -> dropped
// sources, a list of nodes as a vector.
func nemesisValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "nil"
	case string:
		return ":" + v
	case map[string][]string:
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q #{", k)
			for j, src := range v[k] {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%q", src)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
		return b.String()
	case []string:
		var b strings.Builder
		b.WriteByte('[')
		for i, n := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%q", n)
		}
		b.WriteByte(']')
		return b.String()
	}
	return fmt.Sprint(v)
}
