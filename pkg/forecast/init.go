package forecast

// initialState estimates the start of the states from the first cycles of y: seasonal
// profiles by averaging over cycles, the level as the deseasonalised mean of the first
// cycle, the trend from the change between the first two. Maximum likelihood then adapts
// them through the smoothing; a poor start costs only the first cycles' fit.
func initialState(y []float64, spec etsSpec) (etsState, bool) {
	base := 1
	if n := len(spec.periods); n > 0 {
		base = spec.periods[n-1]
	}
	if len(y) < 2*base || (len(spec.periods) == 0 && len(y) < 4) {
		return etsState{}, false
	}
	st := etsState{season: make([][]float64, len(spec.periods))}
	first := min(base, len(y))
	cycles := min(len(y)/max(base, 1), 4)
	var profile []float64
	if len(spec.periods) > 0 {
		profile = cycleProfile(y[:cycles*base], base, spec.seasonMul)
		splitProfile(profile, spec, st.season)
	}
	lvl1, lvl2 := deseasonalMean(y[:first], st, spec, 0), deseasonalMean(y[first:min(2*first, len(y))], st, spec, first)
	st.level = lvl1
	if spec.damped {
		st.trend = (lvl2 - lvl1) / float64(first)
	}
	if spec.seasonMul && !(st.level > 0) || spec.errMul && !(st.level > 0) {
		return etsState{}, false
	}
	return st, true
}

// cycleProfile is the mean shape of one cycle of period p: deviations from each cycle's
// mean (or ratios to it, for a multiplicative season), averaged over the cycles.
func cycleProfile(y []float64, p int, mul bool) []float64 {
	prof := make([]float64, p)
	cycles := len(y) / p
	for c := range cycles {
		seg := y[c*p : (c+1)*p]
		mean := meanOf(seg)
		for i, v := range seg {
			if mul {
				prof[i] += v / mean
			} else {
				prof[i] += v - mean
			}
		}
	}
	for i := range prof {
		prof[i] /= float64(cycles)
	}
	return prof
}

// splitProfile turns the profile of the longest period into one component per period:
// the shorter period's is the profile folded onto it, the longer one's what remains.
func splitProfile(prof []float64, spec etsSpec, out [][]float64) {
	rest := append([]float64(nil), prof...)
	for k, p := range spec.periods[:len(spec.periods)-1] {
		fold := make([]float64, p)
		for i, v := range rest {
			fold[i%p] += v / float64(len(rest)/p)
		}
		for i := range rest {
			if spec.seasonMul {
				rest[i] /= fold[i%p]
			} else {
				rest[i] -= fold[i%p]
			}
		}
		out[k] = fold
	}
	out[len(spec.periods)-1] = rest
}

// deseasonalMean is the mean of seg (starting at time t0) with the seasonal states removed.
func deseasonalMean(seg []float64, st etsState, spec etsSpec, t0 int) float64 {
	var sum float64
	for i, v := range seg {
		for k, p := range spec.periods {
			s := st.season[k][(t0+i)%p]
			if spec.seasonMul {
				v /= s
			} else {
				v -= s
			}
		}
		sum += v
	}
	return sum / float64(len(seg))
}

func meanOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
