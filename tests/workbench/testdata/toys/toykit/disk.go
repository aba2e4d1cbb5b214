package toykit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// journalLine is one change to a Log as Persist writes it: an append or a
// commit, one JSON object per line.
type journalLine struct {
	Op     string      `json:"op"` // "append" or "commit"
	Key    string      `json:"key"`
	Msg    json.Number `json:"msg,omitempty"`
	Offset int64       `json:"offset,omitempty"`
}

// Persist keeps the log in the file at path: it replays what the file
// already holds (a restarted process finds its predecessor's log) and then
// writes every append and commit to it before the caller can acknowledge
// it. A write reaches the kernel at once, which is enough to survive
// SIGKILL (not a power cut: there is no fsync).
func (l *Log) Persist(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var j journalLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		if err := dec.Decode(&j); err != nil {
			break // a torn last line: ignore it and what follows
		}
		switch j.Op {
		case "append":
			l.appendEntry(j.Key, j.Msg)
		case "commit":
			l.commit(j.Key, j.Offset)
		}
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return fmt.Errorf("replaying %s: %w", path, err)
	}
	l.journal = f
	return nil
}

// record writes one change to the journal, if the log is persisted. A
// failed write is fatal: acknowledging an unsaved write would be a lie.
func (l *Log) record(j journalLine) {
	if l.journal == nil {
		return
	}
	b, _ := json.Marshal(j)
	if _, err := l.journal.Write(append(b, '\n')); err != nil {
		fmt.Fprintln(os.Stderr, "journal write failed:", err)
		os.Exit(1)
	}
}
