// Package forecast projects a series forward with prediction intervals: exponential
// smoothing state-space models fitted by maximum likelihood, Theta, seasonal naive, and
// combinations of them, chosen per series from its own history only.
//
// It knows nothing of Grafana or HTTP: it takes evenly spaced values (NaN marks a gap) and
// returns the forecast of the next Horizon steps.
package forecast

import (
	"errors"
	"fmt"
	"math"
)

// Config is what a caller may choose; DefaultConfig fills the rest.
type Config struct {
	// Horizon is the number of steps to forecast.
	Horizon int
	// Periods are the seasonal periods in steps (24 and 168 on hourly data). Empty means
	// detect them from the series; NoSeason ({1}) means the series has none.
	Periods []int
	// Levels are the coverages of the prediction intervals, each in (0, 1).
	Levels []float64
}

// DefaultLevels are the interval coverages returned unless asked otherwise.
var DefaultLevels = []float64{0.8, 0.95}

// DefaultConfig forecasts 24 steps with 80 % and 95 % intervals and detects seasonality.
func DefaultConfig() Config {
	return Config{Horizon: 24, Levels: append([]float64(nil), DefaultLevels...)}
}

// NoSeason, as Config.Periods, forbids seasonal models: a period of one step is no cycle.
var NoSeason = []int{1}

// MaxHorizon bounds one forecast; beyond it the intervals say nothing useful anyway.
const MaxHorizon = 10000

// Validate reports the first setting that cannot be used.
func (c Config) Validate() error {
	if c.Horizon < 1 || c.Horizon > MaxHorizon {
		return fmt.Errorf("horizon %d is outside 1..%d steps", c.Horizon, MaxHorizon)
	}
	for _, p := range c.Periods {
		if p < 1 {
			return fmt.Errorf("seasonal period %d is not a positive number of steps", p)
		}
	}
	for _, l := range c.Levels {
		if !(l > 0 && l < 1) {
			return fmt.Errorf("interval level %v is outside (0, 1)", l)
		}
	}
	return nil
}

// Interval is the prediction interval at one coverage level, one bound per step.
type Interval struct {
	Level        float64
	Lower, Upper []float64
}

// Result is a forecast of Horizon steps after the last value.
type Result struct {
	// Model says which model produced the forecast, for people: "ETS(M,Ad,M) period 24",
	// "combination of ...", "naive (3 observations: too short for a seasonal model)".
	Model string
	// Periods are the seasonal periods the model used (detected or given).
	Periods []int
	// Mean is the point forecast.
	Mean []float64
	// Intervals follow Config.Levels, in the same order.
	Intervals []Interval
}

// Interval returns the interval at level, or false when it was not computed.
func (r Result) Interval(level float64) (Interval, bool) {
	for _, iv := range r.Intervals {
		if math.Abs(iv.Level-level) < 1e-9 {
			return iv, true
		}
	}
	return Interval{}, false
}

// ErrNoData is returned for a series without a single observed value.
var ErrNoData = errors.New("no observed values to forecast from")

// Forecast fits the models to values (evenly spaced, oldest first, NaN for gaps) and
// forecasts cfg.Horizon steps past the last one.
func Forecast(values []float64, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	return forecast(values, cfg)
}
