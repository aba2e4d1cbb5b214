package output

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"zabkafka/tests/workbench/history"
)

// LagPoint is one realtime-lag sample: when a poll was invoked and how far
// behind the newest known offset it was (J:kafka.clj realtime-lag), both in
// seconds.
type LagPoint struct {
	Time float64
	Lag  float64
}

// maxPoints caps the points of one scatter; beyond it every k-th point is
// drawn (the title says so), keeping plots of 400k-op runs fast to render.
const maxPoints = 40000

// Plot colours. The fault shadings are the colours Jepsen gives each
// nemesis package (J:jepsen/src/jepsen/nemesis/combined.clj :perf:
// partition #E9DCA0, kill #E9A4A0, pause #A0B1E9).
var (
	shades = map[string]color.NRGBA{
		KindPartition: {R: 0xE9, G: 0xDC, B: 0xA0, A: 0xFF},
		KindKill:      {R: 0xE9, G: 0xA4, B: 0xA0, A: 0xFF},
		KindPause:     {R: 0xA0, G: 0xB1, B: 0xE9, A: 0xFF},
	}
	// kindLane is each kind's strip at the top of the plot, as Jepsen's
	// perf plots give each nemesis its own band (J:jepsen/src/jepsen/
	// checker/perf.clj nemesis-regions), so overlapping windows stay apart.
	kindLane  = map[string]int{KindPartition: 0, KindKill: 1, KindPause: 2}
	colorSend = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xFF}
	colorPoll = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xFF}
	colorInfo = color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xFF}
	colorFail = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xFF}
	colorLag  = color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xFF}
)

// WritePlots draws latency.png, throughput.png and realtime-lag.png into
// the store, each with the partition, kill and pause windows shaded.
func (s *Store) WritePlots(h history.History, lags []LagPoint) error {
	parts := FaultWindows(h)
	end := 0.0
	if len(h) > 0 {
		end = float64(h[len(h)-1].Time) / 1e9
	}
	lat := Latencies(h)
	for _, p := range []struct {
		name string
		make func() (*plot.Plot, error)
	}{
		{"latency.png", func() (*plot.Plot, error) { return latencyPlot(lat, parts, end) }},
		{"throughput.png", func() (*plot.Plot, error) { return throughputPlot(lat, parts, end) }},
		{"realtime-lag.png", func() (*plot.Plot, error) { return lagPlot(lags, parts, end) }},
	} {
		pl, err := p.make()
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		if err := pl.Save(10*vg.Inch, 5*vg.Inch, s.Path(p.name)); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// latencyPlot: one point per client op (invocation time, latency in ms, log
// scale): ok sends, ok polls, and every info or fail op of either.
func latencyPlot(lat []Latency, parts []Window, end float64) (*plot.Plot, error) {
	p := newPlot("Latency of send and poll", "time (s)", "latency (ms)", parts, end)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var send, poll, info, fail plotter.XYs
	for _, l := range lat {
		if l.F != history.FSend && l.F != history.FPoll {
			continue
		}
		// A log axis cannot show 0: floor at one microsecond.
		pt := plotter.XY{X: l.Invoked.Seconds(), Y: math.Max(float64(l.Latency)/1e6, 1e-3)}
		switch {
		case l.Type == history.Info:
			info = append(info, pt)
		case l.Type == history.Fail:
			fail = append(fail, pt)
		case l.F == history.FSend:
			send = append(send, pt)
		default:
			poll = append(poll, pt)
		}
	}
	stride := 1
	for _, s := range []struct {
		name string
		xys  plotter.XYs
		c    color.Color
	}{{"send ok", send, colorSend}, {"poll ok", poll, colorPoll}, {"info", info, colorInfo}, {"fail", fail, colorFail}} {
		xys, k := thin(s.xys)
		stride = max(stride, k)
		if err := addScatter(p, s.name, xys, s.c); err != nil {
			return nil, err
		}
	}
	if len(send)+len(poll)+len(info)+len(fail) == 0 {
		p.Y.Min, p.Y.Max = 0.1, 1000
	}
	if stride > 1 {
		p.Title.Text += fmt.Sprintf(" (1 in %d points shown)", stride)
	}
	return p, nil
}

// throughputPlot: completions per second by type.
func throughputPlot(lat []Latency, parts []Window, end float64) (*plot.Plot, error) {
	p := newPlot("Throughput", "time (s)", "completions per second", parts, end)
	buckets := int(end) + 1
	counts := map[history.Type][]float64{}
	for _, t := range []history.Type{history.OK, history.Info, history.Fail} {
		counts[t] = make([]float64, buckets)
	}
	for _, l := range lat {
		done := (l.Invoked + l.Latency).Seconds()
		if b := int(done); b >= 0 && b < buckets {
			counts[l.Type][b]++
		}
	}
	for _, s := range []struct {
		t history.Type
		c color.Color
	}{{history.OK, colorSend}, {history.Info, colorInfo}, {history.Fail, colorFail}} {
		xys := make(plotter.XYs, buckets)
		for i, n := range counts[s.t] {
			xys[i] = plotter.XY{X: float64(i) + 0.5, Y: n}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		line.LineStyle.Color = s.c
		line.LineStyle.Width = vg.Points(1.2)
		p.Add(line)
		p.Legend.Add(string(s.t), line)
	}
	p.Y.Min = 0
	return p, nil
}

// lagPlot: realtime lag of each poll over time.
func lagPlot(lags []LagPoint, parts []Window, end float64) (*plot.Plot, error) {
	p := newPlot("Realtime lag", "time (s)", "lag (s)", parts, end)
	xys := make(plotter.XYs, 0, len(lags))
	for _, l := range lags {
		xys = append(xys, plotter.XY{X: l.Time, Y: l.Lag})
	}
	xys, k := thin(xys)
	if k > 1 {
		p.Title.Text += fmt.Sprintf(" (1 in %d points shown)", k)
	}
	if err := addScatter(p, "poll", xys, colorLag); err != nil {
		return nil, err
	}
	p.Y.Min = 0
	if p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	return p, nil
}

// newPlot returns a plot with titles, the x axis spanning the run and the
// fault windows shaded underneath everything drawn later, with a legend
// entry for each kind present.
func newPlot(title, x, y string, parts []Window, end float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Min, p.X.Max = 0, math.Max(end, 1)
	p.Add(shading{windows: parts})
	for _, kind := range []string{KindPartition, KindKill, KindPause} {
		if slices.ContainsFunc(parts, func(w Window) bool { return w.Kind == kind }) {
			p.Legend.Add(kind, shading{legend: kind})
		}
	}
	p.Legend.Top = true
	return p
}

// addScatter adds a series of small dots, with a legend entry, if it has
// any point.
func addScatter(p *plot.Plot, name string, xys plotter.XYs, c color.Color) error {
	if len(xys) == 0 {
		return nil
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	sc.GlyphStyle.Color = c
	sc.GlyphStyle.Radius = vg.Points(1)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(sc)
	p.Legend.Add(name, sc)
	return nil
}

// thin keeps every k-th point so that at most maxPoints remain; it returns
// the points and k.
func thin(xys plotter.XYs) (plotter.XYs, int) {
	if len(xys) <= maxPoints {
		return xys, 1
	}
	k := (len(xys) + maxPoints - 1) / maxPoints
	out := make(plotter.XYs, 0, len(xys)/k+1)
	for i := 0; i < len(xys); i += k {
		out = append(out, xys[i])
	}
	return out, k
}

// shading draws each fault window twice: a translucent full-height band in
// its kind's colour (overlaps blend), and a solid strip in its kind's lane
// at the top of the plot. With legend set it is the legend swatch of one
// kind. It reports no data range, so it never stretches the axes.
type shading struct {
	windows []Window
	legend  string
}

// Plot implements plot.Plotter.
func (s shading) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	lane := (c.Max.Y - c.Min.Y) / 40
	rect := func(col color.Color, x0, x1, y0, y1 vg.Length) {
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
	span := func(w Window) (vg.Length, vg.Length, bool) {
		x0 := clampX(trX(w.Start.Seconds()), c)
		x1 := clampX(trX(math.Max(w.End.Seconds(), w.Start.Seconds()+0.01)), c)
		return x0, x1, x1 > x0
	}
	// Bands first, then the strips, so no band veils another kind's strip.
	for _, w := range s.windows {
		if x0, x1, ok := span(w); ok {
			band := shades[w.Kind]
			band.A = 0x80
			rect(band, x0, x1, c.Min.Y, c.Max.Y)
		}
	}
	for _, w := range s.windows {
		if x0, x1, ok := span(w); ok {
			top := c.Max.Y - lane*vg.Length(kindLane[w.Kind])
			rect(shades[w.Kind], x0, x1, top-lane, top)
		}
	}
}

// Thumbnail implements plot.Thumbnailer for the legend entry.
func (s shading) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(shades[s.legend], []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// clampX keeps x inside the canvas.
func clampX(x vg.Length, c draw.Canvas) vg.Length {
	return vg.Length(math.Min(math.Max(float64(x), float64(c.Min.X)), float64(c.Max.X)))
}
