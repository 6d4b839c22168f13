package anomaly

import (
	"math"
	"unsafe"
)

// The scorer behind flags. Several cheap causal statistics look at each point from
// different angles; each is turned into a surprise, −log10 of how often this series has
// produced something at least as extreme, and the point's surprise is the largest of them,
// corrected for having looked several times (Bonferroni). One calibrated number, comparable
// across series, is what lets one threshold serve every series.
const (
	// The statistics: the residual (a spike), its mean over 4 and 16 points (a level shift
	// the baseline has not absorbed yet), the value's rank among recent values and the
	// value's distance past the extremes of the whole history.
	nStats = 5
	// maxSurprise caps a surprise: 30 means "less likely than 1 in 10^30", past which
	// differences mean nothing.
	maxSurprise = 30
)

// residualPrior is the weight, in points, of the Gaussian prior on the residual statistics.
const residualPrior = 100

// lookElsewhere is the Bonferroni correction for taking the largest of nStats surprises.
var lookElsewhere = math.Log10(nStats)

type scorer struct {
	zs     [16]float64 // last residuals, in robust standard deviations
	k      int
	zTail  [3]tailEstimator
	values valueHistory
}

// cloneInto copies the scorer, reusing buf's storage.
func (s *scorer) cloneInto(buf scorer) scorer {
	c := *s
	c.values = s.values.cloneInto(buf.values)
	return c
}

func (s *scorer) sizeBytes() int {
	return int(unsafe.Sizeof(*s)) + s.values.sizeBytes()
}

// observe returns the surprise of a point with residual z (robust standard deviations)
// and value v, then learns from it. A point the residual model cannot judge yet (judged
// false) still teaches the value history.
func (s *scorer) observe(z, v float64, judged bool) float64 {
	defer s.values.add(v)
	if s.zTail[0].n == 0 {
		for i := range s.zTail {
			s.zTail[i].seedHalfNormal(residualPrior)
		}
	}
	if !judged {
		return 0
	}
	// The shift statistics average clipped residuals, so a short spike is the spike
	// statistic's business and does not read as a shift for the 16 points after it.
	s.zs[s.k%16] = max(-clipSD, min(clipSD, z))
	s.k++
	var stats [3]float64
	stats[0] = math.Abs(z)
	if s.k >= 16 {
		var m4, m16 float64
		for i := range 16 {
			zz := s.zs[(s.k-1-i)%16]
			if i < 4 {
				m4 += zz
			}
			m16 += zz
		}
		// Sums of n unit residuals scaled by √n: each is a standard deviation unit.
		stats[1], stats[2] = math.Abs(m4)/2, math.Abs(m16)/4
	}
	// The largest surprise is the smallest p-value: one logarithm, taken last.
	p := min(s.values.rankP(v), s.values.extremeP(v))
	for i, x := range stats {
		p = min(p, s.zTail[i].observe(x))
	}
	return max(0, min(maxSurprise, -math.Log10(p))-lookElsewhere)
}

// forgetResiduals drops the residual statistics' history, for when the model whose residuals
// they graded has changed; the next judged point seeds it again with the Gaussian prior. The
// count of refreshes runs on, so what is cached by it (the band's width) is not mistaken for
// current when the new count reaches the old one.
func (s *scorer) forgetResiduals() {
	syncs := s.zTail[0].syncs
	s.zTail = [len(s.zTail)]tailEstimator{}
	s.zTail[0].syncs = syncs
}

// residualLimit is the residual (in robust standard deviations) at which the spike
// statistic alone reaches surprise thr: the edge of the band. NaN before there is history.
func (s *scorer) residualLimit(thr float64) float64 {
	if s.zTail[0].n < residualPrior+warmup {
		return math.NaN()
	}
	return s.zTail[0].quantile(thr + lookElsewhere)
}
