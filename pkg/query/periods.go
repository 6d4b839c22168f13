package query

import (
	"fmt"
	"math"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
)

// seasonLength is the cycle each forced seasonality stands for.
var seasonLength = map[anomaly.Seasonality]time.Duration{
	anomaly.SeasonalityDaily:  24 * time.Hour,
	anomaly.SeasonalityWeekly: 7 * 24 * time.Hour,
}

// SeasonalPeriods turns a seasonality choice into the forecast engine's seasonal periods,
// counted in steps of step. Auto gives none, which lets the engine detect them. A cycle
// that is not a whole number of steps is rounded: the drift, under half a step per cycle,
// is far below what a panel shows.
//
// None gives forecast.NoSeason.
func SeasonalPeriods(s anomaly.Seasonality, step time.Duration) ([]int, error) {
	if s == anomaly.SeasonalityNone {
		return forecast.NoSeason, nil
	}
	cycle, forced := seasonLength[s]
	if !forced {
		return nil, nil
	}
	if step <= 0 {
		return nil, fmt.Errorf("step %s must be positive", step)
	}
	steps := math.Round(float64(cycle) / float64(step))
	if steps < 2 {
		return nil, fmt.Errorf("%s seasonality is a cycle of %s, under two steps of %s: it needs a step of %s or less",
			s, shortDuration(cycle), shortDuration(step), shortDuration(cycle/2))
	}
	return []int{int(steps)}, nil
}

// shortDuration writes a duration as Prometheus does ("1d", "12h"), which users type.
func shortDuration(d time.Duration) string { return promDuration(d) }
