package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// collectLines runs readLines over input and returns what it emitted.
func collectLines(t *testing.T, input io.Reader, limit int) []string {
	t.Helper()
	ch := make(chan []byte, 16)
	go readLines(input, ch, newTextLogger(io.Discard), limit)
	var got []string
	for l := range ch {
		got = append(got, string(l))
	}
	return got
}

// TestReadLines: lines of any length up to the limit (far beyond the
// library scanner's 64 KiB), CRLF endings, blank lines skipped, a last
// line without a newline kept, and an over-long line skipped whole
// without losing the next one.
func TestReadLines(t *testing.T) {
	huge := strings.Repeat("x", 3<<20) // 3 MiB: past bufio's buffer too
	input := "a\r\n\n   \nb\n" + huge + "\n" + strings.Repeat("y", 5000) + "\nc\nlast"
	got := collectLines(t, strings.NewReader(input), 4<<20)
	want := []string{"a", "b", huge, strings.Repeat("y", 5000), "c", "last"}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: got %d bytes %.20q, want %d bytes", i, len(got[i]), got[i], len(want[i]))
		}
	}
	got = collectLines(t, strings.NewReader("a\n"+strings.Repeat("z", 10000)+"\nb\n"), 4096)
	if strings.Join(got, ",") != "a,b" {
		t.Fatalf("over-long line: got %q", got)
	}
}

// TestRunEndToEnd runs the real event loop over a stream holding an init,
// garbage, and a poll larger than 1 MiB: every answerable line is
// answered, the node never stops, and Run returns when the input ends.
func TestRunEndToEnd(t *testing.T) {
	offsets := make(map[string]int, 60000)
	for i := 0; i < 60000; i++ {
		offsets[fmt.Sprintf("key-%06d", i)] = i
	}
	poll := line("c1", "n1", map[string]any{"type": "poll", "msg_id": 2, "offsets": offsets})
	if len(poll) <= 1<<20 {
		t.Fatalf("poll line only %d bytes", len(poll))
	}
	var in bytes.Buffer
	in.Write(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
	in.WriteString("\n{garbage\n\x00\xff\n")
	in.Write(poll)
	in.WriteString("\n")
	in.Write(line("c1", "n1", map[string]any{"type": "echo", "msg_id": 3}))
	in.WriteString("\n")

	var out, errw bytes.Buffer
	cfg := testConfig()
	// The poll arrives before the node has elected itself: served from
	// whatever state it has, it must be answered in full.
	cfg.MaxStaleness = 0
	if err := Run(context.Background(), cfg, &in, &out, &errw); err != nil {
		t.Fatalf("Run: %v", err)
	}
	msgs := parseOutput(t, &out)
	byReply := map[int64]outMsg{}
	for _, m := range msgs {
		if id, ok := m.intField("in_reply_to"); ok {
			byReply[id] = m
		}
	}
	if byReply[1].typ() != "init_ok" || byReply[2].typ() != "poll_ok" || byReply[3].typ() != "error" {
		t.Fatalf("replies: %v", byReply)
	}
	if msgs, _ := byReply[2].Body["msgs"].(map[string]any); len(msgs) != 0 {
		t.Fatalf("poll of unwritten keys returned %v", msgs)
	}
	if !strings.Contains(errw.String(), "dropped input line") {
		t.Fatalf("garbage not logged; stderr: %q", errw.String())
	}
}

// TestRunStopsOnCancel: cancelling the context ends Run.
func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	defer pw.Close()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, testConfig(), pr, io.Discard, io.Discard) }()
	enc := json.NewEncoder(pw)
	if err := enc.Encode(map[string]any{"src": "c0", "dest": "n1", "body": map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}
