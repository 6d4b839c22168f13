package main

import (
	"math"
	"time"

	"gonum.org/v1/plot"
)

// tickStep is one choice of spacing for time-axis ticks, in UTC calendar terms.
type tickStep struct {
	seconds int64 // fixed spacing; 0 when months is used
	months  int   // calendar-month spacing (12 = a year)
	minor   int64 // spacing of unlabelled ticks in seconds (in months when months is set); 0 for none
	format  string
}

const (
	minute = 60
	hour   = 60 * minute
	day    = 24 * hour
	week   = 7 * day
	// monday is the Unix time of the first Monday (1970-01-05), so weekly ticks fall on Mondays.
	monday = 4 * day
	// maxTicks is the most labels a 12-inch axis holds without crowding.
	maxTicks = 12
)

// tickSteps are the spacings on offer, finest first. Labels say no more than the spacing
// needs: hours within a day, days within a month.
var tickSteps = []tickStep{
	{seconds: minute, format: "Jan 2 15:04"},
	{seconds: 5 * minute, minor: minute, format: "Jan 2 15:04"},
	{seconds: 15 * minute, minor: 5 * minute, format: "Jan 2 15:04"},
	{seconds: 30 * minute, minor: 5 * minute, format: "Jan 2 15:04"},
	{seconds: hour, minor: 15 * minute, format: "Jan 2 15:04"},
	{seconds: 3 * hour, minor: hour, format: "Jan 2 15:04"},
	{seconds: 6 * hour, minor: hour, format: "Jan 2 15:04"},
	{seconds: 12 * hour, minor: 3 * hour, format: "Jan 2 15:04"},
	{seconds: day, minor: 6 * hour, format: "Mon Jan 2"},
	{seconds: 2 * day, minor: day, format: "Jan 2"},
	{seconds: week, minor: day, format: "Mon Jan 2"},
	{seconds: 2 * week, minor: week, format: "Jan 2"},
	{months: 1, format: "Jan 2006"},
	{months: 3, minor: 1, format: "Jan 2006"},
	{months: 6, minor: 1, format: "Jan 2006"},
	{months: 12, minor: 3, format: "2006"},
	{months: 24, minor: 12, format: "2006"},
	{months: 60, minor: 12, format: "2006"},
	{months: 120, minor: 12, format: "2006"},
}

// timeTicks returns a ticker for a time axis (Unix seconds) spanning [min, max] whose ticks
// fall on round UTC instants (whole hours, midnights, Mondays, first of the month), labelled
// with as much of the date as the spacing needs.
func timeTicks(min, max float64) plot.TimeTicks {
	span := max - min
	for _, st := range tickSteps {
		if st.approxSeconds()*maxTicks >= span {
			return plot.TimeTicks{Ticker: calendarTicker{st}, Format: st.format, Time: plot.UTCUnixTime}
		}
	}
	// Spans beyond a millennium: let plot choose round numbers and show years.
	return plot.TimeTicks{Ticker: plot.DefaultTicks{}, Format: "2006", Time: plot.UTCUnixTime}
}

func (st tickStep) approxSeconds() float64 {
	if st.months > 0 {
		return float64(st.months) * 30.44 * day
	}
	return float64(st.seconds)
}

// calendarTicker implements plot.Ticker for one tickStep.
type calendarTicker struct{ step tickStep }

// Ticks returns the major (labelled) and minor ticks within [min, max].
func (c calendarTicker) Ticks(min, max float64) []plot.Tick {
	lo, hi := int64(math.Ceil(min)), int64(math.Floor(max))
	var ticks []plot.Tick
	if c.step.months > 0 {
		every := c.step.months
		if c.step.minor > 0 {
			every = int(c.step.minor)
		}
		t := time.Unix(lo, 0).UTC()
		m := (t.Year()*12 + int(t.Month()) - 1) / every * every
		for ; ; m += every {
			at := time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC).Unix()
			if at > hi {
				break
			}
			if at < lo {
				continue
			}
			tick := plot.Tick{Value: float64(at)}
			if m%c.step.months == 0 {
				// Any non-empty label marks a major tick; TimeTicks writes the real one.
				tick.Label = "major"
			}
			ticks = append(ticks, tick)
		}
		return ticks
	}
	origin := int64(0)
	if c.step.seconds%week == 0 {
		origin = monday
	}
	for at := ceilTo(lo, c.step.seconds, origin); at <= hi; at += c.step.seconds {
		ticks = append(ticks, plot.Tick{Value: float64(at), Label: "major"})
	}
	if c.step.minor > 0 {
		for at := ceilTo(lo, c.step.minor, origin); at <= hi; at += c.step.minor {
			if (at-origin)%c.step.seconds != 0 {
				ticks = append(ticks, plot.Tick{Value: float64(at)})
			}
		}
	}
	return ticks
}

// ceilTo is the smallest origin + k·step that is >= t.
func ceilTo(t, step, origin int64) int64 {
	d := t - origin
	q := d / step
	if d%step != 0 && d > 0 {
		q++
	}
	return origin + q*step
}
