package main

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/foresight-aiops/foresight/pkg/forecast"
)

// minHistoryShown is the least history a forecast chart shows, so a short horizon still
// has its context.
const minHistoryShown = 200

var (
	forecastColor = color.NRGBA{R: 0xd9, G: 0x6c, B: 0x00, A: 0xff}
	band80Color   = color.NRGBA{R: 0xd9, G: 0x6c, B: 0x00, A: 0x50}
	band95Color   = color.NRGBA{R: 0xd9, G: 0x6c, B: 0x00, A: 0x28}
)

// forecastChart is what a forecast chart draws, times in Unix ms.
type forecastChart struct {
	histTimes  []int64
	histValues []float64 // NaN for gaps
	// The forecast from the last observed value on: index 0 is that value, so the dashed
	// line and the bands join the history.
	times                        []int64
	mean, lo80, hi80, lo95, hi95 []float64
}

// forecastPicture selects the end of the history and the forecast to draw.
func forecastPicture(g gridded, last int, res forecast.Result, horizon int) forecastChart {
	from := max(0, len(g.values)-max(4*horizon, minHistoryShown))
	c := forecastChart{histValues: g.values[from:]}
	for i := from; i < len(g.values); i++ {
		c.histTimes = append(c.histTimes, g.time(i))
	}
	iv80, _ := res.Interval(0.8)
	iv95, _ := res.Interval(0.95)
	v := g.values[last]
	c.times = []int64{g.time(last)}
	c.mean, c.lo80, c.hi80, c.lo95, c.hi95 = []float64{v}, []float64{v}, []float64{v}, []float64{v}, []float64{v}
	for h := range res.Mean {
		c.times = append(c.times, g.time(last+h+1))
		c.mean = append(c.mean, res.Mean[h])
		c.lo80, c.hi80 = append(c.lo80, iv80.Lower[h]), append(c.hi80, iv80.Upper[h])
		c.lo95, c.hi95 = append(c.lo95, iv95.Lower[h]), append(c.hi95, iv95.Upper[h])
	}
	return c
}

// writeForecastPNG draws the history, the dashed forecast and its 80 % and 95 % bands, and
// writes the chart to w as a PNG.
func writeForecastPNG(w io.Writer, title string, c forecastChart) error {
	p, err := forecastPlot(title, c)
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

func forecastPlot(title string, c forecastChart) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "value"
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())

	fx := seconds(c.times)
	if err := addBand(p, fx, c.lo95, c.hi95, band95Color, "95% interval"); err != nil {
		return nil, err
	}
	if err := addBand(p, fx, c.lo80, c.hi80, band80Color, "80% interval"); err != nil {
		return nil, err
	}
	history, err := lines(seconds(c.histTimes), c.histValues, draw.LineStyle{Color: valueColor, Width: vg.Points(0.8)})
	if err != nil {
		return nil, fmt.Errorf("chart history: %w", err)
	}
	mean, err := lines(fx, c.mean, draw.LineStyle{Color: forecastColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}})
	if err != nil {
		return nil, fmt.Errorf("chart forecast: %w", err)
	}
	for k, group := range [][]*plotter.Line{history, mean} {
		for _, l := range group {
			p.Add(l)
		}
		if len(group) > 0 {
			p.Legend.Add([]string{"value", "forecast"}[k], group[0])
		}
	}

	x0, x1 := fx[0], fx[len(fx)-1]
	if len(c.histTimes) > 0 {
		x0 = float64(c.histTimes[0]) / 1000
	}
	p.X.Min, p.X.Max = x0, x1
	p.X.Tick.Marker = timeTicks(x0, x1)
	p.X.Label.Text = "time (UTC" + yearRange(int64(x0*1000), c.times[len(c.times)-1]) + ")"
	p.Y.Tick.Marker = plainTicks{}
	if p.Y.Max > p.Y.Min {
		p.Y.Max += legendRoom * (p.Y.Max - p.Y.Min)
	}
	return p, nil
}

// addBand shades the area between lower and upper, one polygon per run of finite bounds,
// naming it once in the legend.
func addBand(p *plot.Plot, x, lower, upper []float64, c color.Color, name string) error {
	for k, run := range finiteRuns(lower, upper) {
		ring := make(plotter.XYs, 0, 2*(run[1]-run[0]))
		for i := run[0]; i < run[1]; i++ {
			ring = append(ring, plotter.XY{X: x[i], Y: upper[i]})
		}
		for i := run[1] - 1; i >= run[0]; i-- {
			ring = append(ring, plotter.XY{X: x[i], Y: lower[i]})
		}
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return fmt.Errorf("chart %s: %w", name, err)
		}
		band.Color = c
		band.LineStyle.Width = 0
		p.Add(band)
		if k == 0 {
			p.Legend.Add(name, band)
		}
	}
	return nil
}

// seconds converts Unix ms to the Unix seconds plot.TimeTicks reads.
func seconds(ms []int64) []float64 {
	out := make([]float64, len(ms))
	for i, t := range ms {
		out[i] = float64(t) / 1000
	}
	return out
}
