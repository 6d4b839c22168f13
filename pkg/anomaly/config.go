// Package anomaly computes causal anomaly bands: for every point an expected value, a band
// of normal variation around it, a score and a flag, each judged only from earlier points.
package anomaly

import (
	"fmt"
	"time"
)

// Seasonality says which periodic pattern the baseline models.
type Seasonality string

// The seasonality choices offered to users.
const (
	SeasonalityAuto   Seasonality = "auto"
	SeasonalityNone   Seasonality = "none"
	SeasonalityDaily  Seasonality = "daily"
	SeasonalityWeekly Seasonality = "weekly"
)

const (
	day  = int64(24 * time.Hour / time.Millisecond)
	week = 7 * day
)

// ParseSeasonality accepts the user-facing names; the empty string means auto.
func ParseSeasonality(s string) (Seasonality, error) {
	switch Seasonality(s) {
	case "", SeasonalityAuto:
		return SeasonalityAuto, nil
	case SeasonalityNone, SeasonalityDaily, SeasonalityWeekly:
		return Seasonality(s), nil
	}
	return "", fmt.Errorf("unknown seasonality %q: want auto, none, daily or weekly", s)
}

// period is the seasonal period in milliseconds, 0 for none or not yet known.
func (s Seasonality) period() int64 {
	switch s {
	case SeasonalityDaily:
		return day
	case SeasonalityWeekly:
		return week
	}
	return 0
}

// DefaultSensitivity is the sensitivity used when a query does not set one; it is the one
// the benchmarks score.
const DefaultSensitivity = 0.5

// Config is everything a user can choose about a band.
type Config struct {
	Seasonality Seasonality
	// Sensitivity in [0, 1]: higher means more anomalies and a narrower band. It sets the
	// flag threshold, and the band is drawn where a point's residual alone reaches it.
	Sensitivity float64
}

// DefaultConfig is the configuration the product ships with.
func DefaultConfig() Config {
	return Config{Seasonality: SeasonalityAuto, Sensitivity: DefaultSensitivity}
}

// Validate rejects values a user could type but the model cannot honour.
func (c Config) Validate() error {
	if c.Sensitivity < 0 || c.Sensitivity > 1 || c.Sensitivity != c.Sensitivity {
		return fmt.Errorf("sensitivity %v is outside [0, 1]", c.Sensitivity)
	}
	if _, err := ParseSeasonality(string(c.Seasonality)); err != nil {
		return err
	}
	return nil
}

// Threshold is the surprise (−log10 of a tail probability under the series' own history)
// at which a point is flagged at a five-minute step: 1 + 4·(1−sensitivity), so 5 (one in
// 100,000) at sensitivity 0, 3 at the default 0.5 and 1 at sensitivity 1. The model moves
// it for the series' own step (thresholdAt), so that it means the same rate of flags per
// day at any step. The default keeps ordinary noise to about one flag in a thousand
// five-minute points; NAB's threshold sweep finds its best scores a little lower, where a
// benchmark that counts one detection per event can afford more flags than a panel can.
func (c Config) Threshold() float64 {
	return 1 + 4*(1-c.Sensitivity)
}

// Width is the band half-width, in robust standard deviations, drawn while the scorer has
// too little history to place the band itself: 7 at sensitivity 0, 4.5 at the default, 2 at 1.
func (c Config) Width() float64 {
	return 7 - 5*c.Sensitivity
}
