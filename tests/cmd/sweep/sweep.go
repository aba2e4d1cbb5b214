package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// setting is one point of the sweep: a binary (zabkafka or a toy) and
// the node flags it runs with.
type setting struct {
	Name string   `json:"name"`
	Bin  string   `json:"bin"` // "zabkafka" or a toy's name
	Args []string `json:"args,omitempty"`
	Why  string   `json:"why"`
}

// toy reports whether the setting runs a toy node, not zabkafka.
func (s setting) toy() bool { return s.Bin != "zabkafka" }

// settings are the settings that matter: the defaults, each of their
// parts switched off, the batching window that trades latency for fewer
// messages, the quiet setting with the fewest messages measured, the
// leader answering followers' clients, and the two toys to compare
// against.
var settings = []setting{
	{Name: "default", Bin: "zabkafka", Why: "self-clocked, lazy fan-out, ACK hold"},
	{Name: "eager fan-out", Bin: "zabkafka", Args: []string{"--lazy-fanout", "0"}, Why: "every round to every follower"},
	{Name: "no ACK hold", Bin: "zabkafka", Args: []string{"--ack-hold", "0"}, Why: "forwards leave at once"},
	{Name: "always pipeline", Bin: "zabkafka", Args: []string{"--round-wait", "0"}, Why: "no waiting for the round in flight"},
	{Name: "window 5ms", Bin: "zabkafka", Args: []string{"--batch-interval", "5ms"}, Why: "one flush per 5 ms"},
	{Name: "window 10ms", Bin: "zabkafka", Args: []string{"--batch-interval", "10ms"}, Why: "one flush per 10 ms"},
	{Name: "window 20ms", Bin: "zabkafka", Args: []string{"--batch-interval", "20ms"}, Why: "one flush per 20 ms"},
	{Name: "quiet", Bin: "zabkafka", Args: []string{"--heartbeat", "20", "--sync-limit", "50", "--init-limit", "50", "--lazy-fanout", "20", "--ack-hold", "20ms", "--round-wait", "20ms"},
		Why: "fewer heartbeats and lazy turns, longer holds: the fewest messages measured"},
	{Name: "leader replies", Bin: "zabkafka", Args: []string{"--leader-replies"}, Why: "the leader answers followers' clients: a hop less on a slow network"},
	{Name: "forward-n0 toy", Bin: "forward-n0", Why: "the machine's ceiling: everything through n0, unreplicated"},
	{Name: "hash-shard toy", Bin: "hash-shard", Why: "each key on one node, unreplicated"},
}

// runResult is what one workbench run of a setting measured.
type runResult struct {
	Valid      string  `json:"valid"`
	Ops        int     `json:"ops"`
	MsgsPerOp  float64 `json:"server-msgs-per-op"`
	SendP50    float64 `json:"send-p50-ms"`
	SendP99    float64 `json:"send-p99-ms"`
	CPUPerOpUS float64 `json:"node-cpu-us-per-op"`
}

// summary is a setting's runs and their medians.
type summary struct {
	Setting setting     `json:"setting"`
	Runs    []runResult `json:"runs"`
	Median  runResult   `json:"median"`
	// AllValid is false if any run's verdict was not valid.
	AllValid bool `json:"all-valid"`
}

// median of xs (the mean of the middle two for an even count); 0 for
// none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// summarise takes the medians of a setting's runs, field by field.
func summarise(st setting, runs []runResult) summary {
	sum := summary{Setting: st, Runs: runs, AllValid: len(runs) > 0}
	field := func(f func(runResult) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	sum.Median = runResult{
		Ops:        int(field(func(r runResult) float64 { return float64(r.Ops) })),
		MsgsPerOp:  field(func(r runResult) float64 { return r.MsgsPerOp }),
		SendP50:    field(func(r runResult) float64 { return r.SendP50 }),
		SendP99:    field(func(r runResult) float64 { return r.SendP99 }),
		CPUPerOpUS: field(func(r runResult) float64 { return r.CPUPerOpUS }),
		Valid:      "true",
	}
	for _, r := range runs {
		if r.Valid != "true" {
			sum.AllValid = false
			sum.Median.Valid = r.Valid
		}
	}
	return sum
}

// writeTable writes the medians as a markdown table, with each setting's
// operations as a ratio of the ceiling toy's.
func writeTable(w io.Writer, sums []summary, runs int, workload string) error {
	ceiling := 0
	for _, s := range sums {
		if s.Setting.Bin == "forward-n0" {
			ceiling = s.Median.Ops
		}
	}
	fmt.Fprintf(w, "Medians of %d runs each, %s, runs interleaved (one of each setting, then the next round).\n\n", runs, workload)
	fmt.Fprintln(w, "| setting | node flags | valid | server msgs/op | send p50 ms | send p99 ms | ops | ops / ceiling | node CPU us/op |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range sums {
		ratio := "n/a"
		if ceiling > 0 {
			ratio = fmt.Sprintf("%.2f", float64(s.Median.Ops)/float64(ceiling))
		}
		flags := strings.Join(s.Setting.Args, " ")
		if s.Setting.toy() {
			flags = "(toy " + s.Setting.Bin + ")"
		}
		if flags == "" {
			flags = "(defaults)"
		}
		valid := "yes"
		if !s.AllValid {
			valid = "NO: " + s.Median.Valid
		}
		_, err := fmt.Fprintf(w, "| %s | `%s` | %s | %.3f | %.1f | %.1f | %d | %s | %.0f |\n", s.Setting.Name, flags, valid,
			s.Median.MsgsPerOp, s.Median.SendP50, s.Median.SendP99, s.Median.Ops, ratio, s.Median.CPUPerOpUS)
		if err != nil {
			return err
		}
	}
	return nil
}

// writePlot draws server messages per operation against send p50, one
// labelled point per setting (zabkafka's in blue, the toys' in red).
func writePlot(path string, sums []summary, workload string) error {
	p := plot.New()
	p.Title.Text = "Server messages per operation against send latency (medians)\n" + workload
	p.X.Label.Text = "send p50 (ms)"
	p.Y.Label.Text = "server messages per operation"
	p.Add(plotter.NewGrid())
	for _, toys := range []bool{false, true} {
		var xys plotter.XYs
		var labels []string
		for _, s := range sums {
			if s.Setting.toy() == toys {
				xys = append(xys, plotter.XY{X: s.Median.SendP50, Y: s.Median.MsgsPerOp})
				labels = append(labels, s.Setting.Name)
			}
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		c := color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
		name := "zabkafka"
		if toys {
			c, name = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, "toys (unreplicated)"
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = c, vg.Points(4), draw.CircleGlyph{}
		p.Add(sc)
		p.Legend.Add(name, sc)
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
		if err != nil {
			return err
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Font.Size = vg.Points(8)
			lb.TextStyle[i].XAlign = draw.XLeft
		}
		lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(2)}
		p.Add(lb)
	}
	// Room on the right and at the top for the labels and the legend.
	maxX, maxY := 0.0, 0.0
	for _, s := range sums {
		maxX, maxY = max(maxX, s.Median.SendP50), max(maxY, s.Median.MsgsPerOp)
	}
	p.X.Min, p.Y.Min = 0, 0
	p.X.Max, p.Y.Max = 1.3*maxX+0.1, 1.25*maxY+0.1
	p.Legend.Top = true
	return p.Save(9*vg.Inch, 6*vg.Inch, path)
}

// writeOutputs writes the table (markdown), the plot (PNG) and the
// figures (JSON) into dir, each named sweep.
func writeOutputs(dir string, sums []summary, runs int, workload string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "sweep.md"))
	if err != nil {
		return err
	}
	if err := writeTable(f, sums, runs, workload); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := writePlot(filepath.Join(dir, "sweep.png"), sums, workload); err != nil {
		return err
	}
	b, err := json.MarshalIndent(sums, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sweep.json"), append(b, '\n'), 0o644)
}
