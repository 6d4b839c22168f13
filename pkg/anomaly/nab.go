package anomaly

// NAB detections. The Numenta Anomaly Benchmark scores the first detection in each labelled
// window and charges for every detection outside one, so what it should see is one
// detection per event, not every anomalous point: an alert, not a shading. NABScores turns
// the model's surprise into such detections.
const (
	// nabMinSurprise is the least surprise reported as a detection at all; NAB's threshold
	// sweep then chooses among them.
	nabMinSurprise = 1
	// nabHold is how many points after a detection further detections are suppressed...
	nabHold = 50
	// ...unless they are more surprising than it by this much: a bigger event.
	nabMargin = 1
)

// NABScores runs a fresh model over a series and returns, for every point, an anomaly score
// in [0, 1] as NAB consumes it: 0 except at detections, where it grows with the surprise.
// Times are passed on as they are: the model tolerates the few NAB files whose timestamps
// step backwards.
func NABScores(times []int64, values []float64, cfg Config) []float64 {
	m := NewModel(cfg)
	out := make([]float64, len(values))
	hold, last := 0, 0.0
	for i, t := range times {
		p := m.Update(t, values[i])
		// Events are delimited by the statistics' own surprise: a repeated shape does not
		// report, but it is still part of the event that holds later points back.
		s := p.Rarity
		if hold > 0 {
			hold--
			if s < last+nabMargin {
				continue
			}
		}
		if s < nabMinSurprise {
			continue
		}
		hold, last = nabHold, s
		out[i] = p.Surprise / (p.Surprise + m.Threshold())
	}
	return out
}
