package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}

// The table gives each setting's medians, field by field, and its
// operations against the ceiling toy's; a setting with an invalid run
// says so; the plot and the raw results are written.
func TestOutputs(t *testing.T) {
	def := summarise(settings[0], []runResult{
		{Valid: "true", Ops: 100, MsgsPerOp: 0.9, SendP50: 6, SendP99: 12, CPUPerOpUS: 200},
		{Valid: "true", Ops: 120, MsgsPerOp: 0.7, SendP50: 5, SendP99: 20, CPUPerOpUS: 180},
		{Valid: "true", Ops: 110, MsgsPerOp: 0.8, SendP50: 7, SendP99: 14, CPUPerOpUS: 190},
	})
	if m := def.Median; m.Ops != 110 || m.MsgsPerOp != 0.8 || m.SendP50 != 6 || m.SendP99 != 14 || !def.AllValid {
		t.Fatalf("medians %+v", def)
	}
	var ceiling setting
	for _, s := range settings {
		if s.Bin == "forward-n0" {
			ceiling = s
		}
	}
	toy := summarise(ceiling, []runResult{{Valid: "true", Ops: 200, MsgsPerOp: 1.9, SendP50: 1}})
	bad := summarise(settings[1], []runResult{{Valid: "true", Ops: 90}, {Valid: "false", Ops: 80}})
	if bad.AllValid {
		t.Fatal("an invalid run went unnoticed")
	}
	var b bytes.Buffer
	sums := []summary{def, bad, toy}
	if err := writeTable(&b, sums, 3, "test workload"); err != nil {
		t.Fatal(err)
	}
	table := b.String()
	for _, want := range []string{
		"| default | `(defaults)` | yes | 0.800 | 6.0 | 14.0 | 110 | 0.55 | 190 |",
		"| eager fan-out | `--lazy-fanout 0` | NO: false |",
		"| forward-n0 toy | `(toy forward-n0)` | yes | 1.900 | 1.0 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	dir := t.TempDir()
	if err := writeOutputs(dir, sums, 3, "test workload"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sweep.md", "sweep.png", "sweep.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestPick(t *testing.T) {
	if got := pick(settings, ""); len(got) != len(settings) {
		t.Fatalf("no filter picked %d", len(got))
	}
	got := pick(settings, "default, toy")
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "default,forward-n0 toy,hash-shard toy" {
		t.Fatalf("picked %v", names)
	}
}
