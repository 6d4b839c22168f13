package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// Chart size: wide and short, since a series is read left to right.
const (
	chartWidth  = 12 * vg.Inch
	chartHeight = 4 * vg.Inch
	// legendRoom is the share of the y range added above the data, so the legend in the top
	// left corner does not hide the series.
	legendRoom = 0.3
)

var (
	valueColor    = color.NRGBA{R: 0x1f, G: 0x3a, B: 0x5f, A: 0xff}
	baselineColor = color.NRGBA{R: 0x3b, G: 0x7d, B: 0xd8, A: 0xff}
	bandColor     = color.NRGBA{R: 0x3b, G: 0x7d, B: 0xd8, A: 0x40}
	anomalyColor  = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

// writePNG draws the series with the model's band, baseline and flagged points, titled
// title, and writes it to w as a PNG.
func writePNG(w io.Writer, title string, s series.Series, r anomaly.Result) error {
	p, err := chart(title, s, r)
	if err != nil {
		return err
	}
	wt, err := p.WriterTo(chartWidth, chartHeight, "png")
	if err != nil {
		return fmt.Errorf("render chart: %w", err)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// chart builds the plot. Gaps, and the band during the model's warm-up, are NaN; they break
// lines and the band into pieces, since plotter refuses NaN coordinates.
func chart(title string, s series.Series, r anomaly.Result) (*plot.Plot, error) {
	x := make([]float64, len(s.Times))
	for i, t := range s.Times {
		x[i] = float64(t) / 1000 // plot.TimeTicks reads Unix seconds
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "value"
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())

	for k, run := range finiteRuns(r.Lower, r.Upper) {
		ring := make(plotter.XYs, 0, 2*(run[1]-run[0]))
		for i := run[0]; i < run[1]; i++ {
			ring = append(ring, plotter.XY{X: x[i], Y: r.Upper[i]})
		}
		for i := run[1] - 1; i >= run[0]; i-- {
			ring = append(ring, plotter.XY{X: x[i], Y: r.Lower[i]})
		}
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("chart band: %w", err)
		}
		band.Color = bandColor
		band.LineStyle.Width = 0
		p.Add(band)
		if k == 0 {
			p.Legend.Add("normal band", band)
		}
	}

	// The baseline is drawn only where the band is: before the model has warmed up it judges
	// nothing, and its first baseline is not yet an estimate of anything.
	baselineShown := make([]float64, len(r.Baseline))
	for i, b := range r.Baseline {
		if math.IsNaN(r.Lower[i]) {
			b = math.NaN()
		}
		baselineShown[i] = b
	}
	baseline, err := lines(x, baselineShown, draw.LineStyle{
		Color: baselineColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)},
	})
	if err != nil {
		return nil, fmt.Errorf("chart baseline: %w", err)
	}
	value, err := lines(x, s.Values, draw.LineStyle{Color: valueColor, Width: vg.Points(0.8)})
	if err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	for _, l := range value {
		p.Add(l)
	}
	for _, l := range baseline {
		p.Add(l)
	}
	if len(value) > 0 {
		p.Legend.Add("value", value[0])
	}
	if len(baseline) > 0 {
		p.Legend.Add("baseline", baseline[0])
	}

	var flagged plotter.XYs
	for i, a := range r.Anomaly {
		if a != 0 {
			flagged = append(flagged, plotter.XY{X: x[i], Y: s.Values[i]})
		}
	}
	if len(flagged) > 0 {
		sc, err := plotter.NewScatter(flagged)
		if err != nil {
			return nil, fmt.Errorf("chart anomalies: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: anomalyColor, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add("anomaly", sc)
	}

	if len(x) > 0 {
		p.X.Min, p.X.Max = x[0], x[len(x)-1]
		if p.X.Min == p.X.Max { // one point: give the axis an hour either side to span
			p.X.Min, p.X.Max = p.X.Min-hour, p.X.Max+hour
		}
		p.X.Tick.Marker = timeTicks(p.X.Min, p.X.Max)
		p.X.Label.Text = "time (UTC" + yearRange(s.Times[0], s.Times[len(s.Times)-1]) + ")"
	}
	p.Y.Tick.Marker = plainTicks{}
	if p.Y.Max > p.Y.Min {
		p.Y.Max += legendRoom * (p.Y.Max - p.Y.Min)
	}
	return p, nil
}

// lines draws y against x as one line per run of finite values.
func lines(x, y []float64, style draw.LineStyle) ([]*plotter.Line, error) {
	var out []*plotter.Line
	for _, run := range finiteRuns(y) {
		xy := make(plotter.XYs, 0, run[1]-run[0])
		for i := run[0]; i < run[1]; i++ {
			xy = append(xy, plotter.XY{X: x[i], Y: y[i]})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.LineStyle = style
		out = append(out, l)
	}
	return out, nil
}

// finiteRuns returns the [start, end) index ranges over which every one of cols is finite.
func finiteRuns(cols ...[]float64) [][2]int {
	if len(cols) == 0 {
		return nil
	}
	finite := func(i int) bool {
		for _, c := range cols {
			if math.IsNaN(c[i]) || math.IsInf(c[i], 0) {
				return false
			}
		}
		return true
	}
	var runs [][2]int
	start := -1
	for i := range cols[0] {
		switch ok := finite(i); {
		case ok && start < 0:
			start = i
		case !ok && start >= 0:
			runs = append(runs, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		runs = append(runs, [2]int{start, len(cols[0])})
	}
	return runs
}

// yearRange names the year(s) the data covers, since day-level tick labels omit the year.
func yearRange(fromMs, toMs int64) string {
	a, b := time.UnixMilli(fromMs).UTC().Year(), time.UnixMilli(toMs).UTC().Year()
	if a == b {
		return fmt.Sprintf(", %d", a)
	}
	return fmt.Sprintf(", %d–%d", a, b)
}

// plainTicks are plot's default value ticks without the trailing zeros it pads labels with
// ("75000" rather than "75000.00").
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if strings.Contains(t.Label, ".") && !strings.ContainsAny(t.Label, "eE") {
			ticks[i].Label = strings.TrimRight(strings.TrimRight(t.Label, "0"), ".")
		}
	}
	return ticks
}
