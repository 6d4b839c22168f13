package evidence

import (
	"errors"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// Grid resolution. The window gets about windowPoints points so that an onset is placed
// to within a sixtieth of it; the baseline keeps at least minBaselinePoints so that its
// median and spread mean something.
const (
	windowPoints      = 60
	minBaselinePoints = 10
)

// span is the time grid of one question to a source: a baseline before the request's From,
// the window [From, To], and the step of the grid that covers both.
type span struct {
	start, end time.Time // the grid's first and last points, multiples of step
	from, to   time.Time // the request's window
	step       time.Duration
	baseline   time.Duration // nominal: from minus baseline is start before alignment
	// firstAlert is when the incident's first alert fired; zero when unknown.
	firstAlert time.Time
}

// newSpan lays out the grid for req: a baseline of factor lookbacks before From, and a
// step of at least minStep.
func newSpan(req rca.Request, factor int, minStep time.Duration) (span, error) {
	if req.From.IsZero() || req.To.IsZero() {
		return span{}, errors.New("the request has no time range")
	}
	if !req.To.After(req.From) {
		return span{}, fmt.Errorf("the request's end %s is not after its start %s", fmtClock(req.To), fmtClock(req.From))
	}
	window := req.To.Sub(req.From)
	// The lookback is how far before the first alert a cause is sought; the baseline is a
	// multiple of it, not of the window, so a long incident does not fetch days of history.
	lookback := req.Incident.Start.Sub(req.From)
	if lookback <= 0 || lookback > window {
		lookback = window
	}
	baseline := time.Duration(factor) * lookback
	step := max(minStep, ceilSecond(window/windowPoints))
	if baseline/step < minBaselinePoints {
		step = max(time.Second, baseline/minBaselinePoints/time.Second*time.Second)
	}
	ms := step.Milliseconds()
	s := span{
		start:      time.UnixMilli(series.AlignDown(req.From.Add(-baseline).UnixMilli(), ms)),
		end:        time.UnixMilli(series.AlignUp(req.To.UnixMilli(), ms)),
		from:       req.From,
		to:         req.To,
		step:       step,
		baseline:   baseline,
		firstAlert: req.Incident.Start,
	}
	return s, nil
}

func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second * time.Second
}

// lookback is the time from the window's start to the first alert (the window when the
// first alert is unknown).
func (s span) lookback() time.Duration {
	if d := s.firstAlert.Sub(s.from); !s.firstAlert.IsZero() && d > 0 {
		return d
	}
	return s.to.Sub(s.from)
}

// split cuts a series at the window's start: the baseline values before it, and the
// window's values and times from it on.
func (s span) split(ser series.Series) (base, win []float64, winTimes []int64) {
	from := s.from.UnixMilli()
	i := 0
	for i < len(ser.Times) && ser.Times[i] < from {
		i++
	}
	return ser.Values[:i], ser.Values[i:], ser.Times[i:]
}

// when places t for a reader: the clock time and how it stands to the first alert, as in
// "at 14:02 UTC, 6 min before the first alert".
func (s span) when(t time.Time) string {
	at := "at " + fmtClock(t)
	if s.firstAlert.IsZero() {
		return at
	}
	d := s.firstAlert.Sub(t).Round(time.Minute)
	switch {
	case d > 0:
		return at + ", " + fmtDuration(d) + " before the first alert"
	case d < 0:
		return at + ", " + fmtDuration(-d) + " after the first alert"
	}
	return at + ", as the first alert fired"
}

// fmtClock is a time of day in UTC, the zone incident timelines are written in.
func fmtClock(t time.Time) string { return t.UTC().Format("15:04 UTC") }

// fmtDuration writes a whole number of minutes as "6 min" or "2 h 5 min".
func fmtDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
