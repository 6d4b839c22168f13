package anomaly

import (
	"math"
	"time"
	"unsafe"
)

// Tuning constants of the default band model. They are deliberately few and shared by every
// series: the model must work on data nobody tuned it for.
const (
	levelRate  = 0.05 // weight of a new residual in the level (half-life ≈ 14 points)
	seasonRate = 0.10 // weight of a new residual in the seasonal bucket(s) it falls in
	spreadRate = 0.01 // weight of a new absolute residual in the spread (half-life ≈ 69 points)
	clipSD     = 3.0  // residuals are clipped here before updating state, so outliers barely move it
	warmup     = 30   // points before the model starts judging
	// madToSD converts a mean absolute deviation to a standard deviation (Gaussian noise).
	madToSD = 1.2533141373155001
	// seasonBuckets is the resolution of the seasonal profile (5 minutes for a daily period).
	seasonBuckets = 288
)

// Point is the model's judgement of one observation.
type Point struct {
	Baseline float64 // expected value
	Lower    float64 // lower edge of the band of normal variation (NaN while warming up)
	Upper    float64 // upper edge
	// Score is the surprise in units of the flag threshold: 1 or more is an anomaly. Every
	// point outside the band scores above 1 unless the shape leading to it is a repeat; a
	// point inside it can too, when it is the start of a shift or a level never seen
	// before. NaN for gaps.
	Score   float64
	Anomaly int8 // 1 above the baseline, -1 below, 0 when not flagged or not judged
	// Surprise is −log10 of how rarely this series produces a point this unusual (0 for
	// gaps and while warming up), moved by how new the shape leading to it is; the point is
	// flagged when it reaches the threshold.
	Surprise float64
	// Rarity is the surprise before the shape was weighed: how rare the point's value and
	// residual are, whether or not the series has shown this pattern before.
	Rarity float64
}

// Model is a streaming, causal band model: a robust level, an optional seasonal profile and a
// robust spread, each updated after the point has been judged. Copy a model with Clone to
// keep its state (the plugin caches it so a refresh only feeds the new points).
type Model struct {
	width     float64 // fallback band half-width while the scorer has no history
	threshold float64 // surprise at which a point is flagged, for the series' step
	base      float64 // the configured threshold, which holds at the reference step
	clock     stepClock
	// shapeFrom is the least surprise whose shape is weighed: the least that a new shape
	// could lift to the threshold. Below it the flag is decided already, and the search for
	// the nearest earlier shape is not worth its cost.
	shapeFrom float64
	sc        scorer
	shapes    shapeMemory
	limit     float64 // band half-width from the scorer, cached per refresh of its fit
	limitAt   int     // the refresh it was computed at
	n         int     // observations seen (gaps excluded)
	level     float64 // deseasonalised level
	mad       float64 // exponentially weighted mean absolute residual
	period    int64   // seasonal period in ms; 0 while none is modelled
	bucketDur int64
	season    []float64 // seasonal offset per bucket, len seasonBuckets once period > 0
	smad      []float64 // mean absolute residual per bucket: noise that depends on the phase
	finder    *periodFinder
	want      int64 // fixed period the user asked for, 0 for auto or none
}

// NewModel returns a model with no history.
func NewModel(cfg Config) *Model {
	m := &Model{width: cfg.Width(), base: cfg.Threshold(), want: cfg.Seasonality.period()}
	m.setThreshold(m.base)
	if cfg.Seasonality != SeasonalityNone {
		m.finder = newPeriodFinder()
	}
	return m
}

// Clone returns an independent copy of the model's state.
func (m *Model) Clone() *Model { return m.CloneInto(nil) }

// CloneInto makes dst an independent copy of the model's state, reusing dst's memory, and
// returns it; a nil dst is allocated. A copy made again and again into one scratch model
// (one per series of a panel, each run over a few provisional points and dropped) then
// allocates once instead of a whole model per series. dst must not be m.
func (m *Model) CloneInto(dst *Model) *Model {
	if dst == nil {
		dst = new(Model)
	}
	buf := *dst
	*dst = *m
	dst.season = copyInto(buf.season, m.season)
	dst.smad = copyInto(buf.smad, m.smad)
	dst.sc = m.sc.cloneInto(buf.sc)
	dst.shapes = m.shapes.cloneInto(buf.shapes)
	if m.finder != nil {
		dst.finder = m.finder.cloneInto(buf.finder)
	}
	return dst
}

// copyInto copies src into dst's memory when dst has room for src's capacity, and keeps
// that capacity: buffers sized up front so they never grow must stay so in a copy.
func copyInto[T any](dst, src []T) []T {
	if src == nil {
		return nil
	}
	if cap(dst) < cap(src) {
		dst = make([]T, len(src), cap(src))
	} else {
		dst = dst[:len(src)]
	}
	copy(dst, src)
	return dst
}

// Period is the seasonal period being modelled, 0 when none is.
func (m *Model) Period() time.Duration { return time.Duration(m.period) * time.Millisecond }

// Seen is the number of observations the model has learned from.
func (m *Model) Seen() int { return m.n }

// SizeBytes approximates the memory the model holds, for cache accounting.
func (m *Model) SizeBytes() int {
	// The scorer counts its own struct, so the model's is counted without it.
	size := int(unsafe.Sizeof(*m)-unsafe.Sizeof(m.sc)) + 8*len(m.season) + 8*len(m.smad) + m.sc.sizeBytes() + m.shapes.sizeBytes()
	if m.finder != nil {
		size += m.finder.sizeBytes()
	}
	return size
}

// Update judges the observation v at time t (Unix ms) against the model, then learns from it.
// Times must increase; a NaN v is a gap: it is judged as nothing and teaches nothing.
func (m *Model) Update(t int64, v float64) Point { return m.update(t, v, true) }

// update is Update; weigh false skips weighing the shape, which changes the point's
// surprise but nothing the model learns: the way to train on history nobody will look at,
// without paying for the search for earlier shapes.
func (m *Model) update(t int64, v float64, weigh bool) Point {
	if !m.clock.known() && m.clock.tick(t) {
		m.setThreshold(thresholdAt(m.base, m.clock.step()))
	}
	var i0, i1 int
	var w, seasonal float64
	if m.period > 0 {
		i0, i1, w = m.phase(t)
		seasonal = m.season[i0]*(1-w) + m.season[i1]*w
	}
	base := m.level + seasonal
	sd := m.sd(base)
	if m.period > 0 {
		// Noise that depends on the phase (quiet nights, busy days) blended with the
		// overall noise, so one noisy bucket cannot make its band vanish or explode.
		local := madToSD * (m.smad[i0]*(1-w) + m.smad[i1]*w)
		sd = max(0.25*sd, 0.5*(sd+local))
	}
	half := m.halfWidth() * sd
	p := Point{Baseline: base, Lower: base - half, Upper: base + half, Score: math.NaN()}
	judged := m.n >= warmup
	if !judged {
		p.Lower, p.Upper = math.NaN(), math.NaN()
	}
	if m.n == 0 { // nothing learned yet: no expectation to show
		p.Baseline = math.NaN()
	}
	if v != v { // gap
		return p
	}
	r := v - base
	m.shapes.add(v - seasonal)
	p.Rarity = m.sc.observe(r/sd, v, judged)
	p.Surprise = p.Rarity
	outside := judged && math.Abs(r) > half
	if weigh && (p.Rarity >= m.shapeFrom || outside) {
		p.Surprise = m.shapes.weigh(p.Rarity)
	}
	p.Score = p.Surprise / m.threshold
	if outside && p.Surprise >= p.Rarity {
		// The band moves only when the scorer's fit is refreshed, so between refreshes the
		// residual's own surprise can lag it by a little; outside the band is flagged unless
		// the shape that led there is one the series has shown before.
		p.Score = max(p.Score, 1)
	}
	if p.Score >= 1 {
		p.Anomaly = 1
		if r < 0 {
			p.Anomaly = -1
		}
	}
	m.learn(t, v, r, sd, i0, i1, w)
	return p
}

// setThreshold sets the surprise at which points are flagged, and with it the band.
func (m *Model) setThreshold(thr float64) {
	m.threshold = thr
	m.shapeFrom = thr - shapeWeight*math.Log10(shapeMax)
	m.limitAt = -1
}

// Threshold is the surprise at which the model flags a point: the configured one, moved
// for the series' sampling step once the first steps have shown it.
func (m *Model) Threshold() float64 { return m.threshold }

// halfWidth is the band's half-width in robust standard deviations: the residual at which
// the point would be flagged for its residual alone. Until the scorer has history it is the
// configuration's fallback width.
func (m *Model) halfWidth() float64 {
	if at := m.sc.zTail[0].syncs; at != m.limitAt {
		m.limit, m.limitAt = m.sc.residualLimit(m.threshold), at
	}
	if m.limit == m.limit {
		return m.limit
	}
	return m.width
}

// sd is the robust standard deviation of residuals, floored so a perfectly flat series still
// has a (tiny) band and finite scores.
func (m *Model) sd(base float64) float64 {
	sd := madToSD * m.mad
	floor := 1e-9 * (math.Abs(base) + 1)
	if sd < floor {
		return floor
	}
	return sd
}

func (m *Model) learn(t int64, v, r, sd float64, i0, i1 int, w float64) {
	m.n++
	// During warm-up the rates are 1/n, i.e. plain running means, so early estimates are
	// not dominated by the first point.
	inv := 1 / float64(m.n)
	a, b := max(levelRate, inv), max(spreadRate, inv)
	e, dev := r, math.Abs(r)
	if m.n > warmup {
		lim := clipSD * sd
		e = max(-lim, min(lim, r))
		dev = min(dev, lim)
	}
	if m.n == 1 {
		m.level = v
	} else {
		m.level += a * e
	}
	m.mad += b * (dev - m.mad)
	if m.period > 0 {
		m.season[i0] += seasonRate * (1 - w) * e
		m.season[i1] += seasonRate * w * e
		m.smad[i0] += seasonRate * (1 - w) * (dev - m.smad[i0])
		m.smad[i1] += seasonRate * w * (dev - m.smad[i1])
	}
	if m.finder != nil && m.finder.add(t, v) {
		m.reconsiderPeriod(t)
	}
}

// phase locates t in the seasonal profile: the two neighbouring buckets and the weight of the
// second, so the baseline is interpolated rather than stepped.
func (m *Model) phase(t int64) (i0, i1 int, w float64) {
	ph := t % m.period
	if ph < 0 {
		ph += m.period
	}
	u := float64(ph)/float64(m.bucketDur) - 0.5
	if u < 0 {
		u += seasonBuckets
	}
	i0 = int(u)
	w = u - float64(i0)
	if i0 >= seasonBuckets {
		i0 -= seasonBuckets
	}
	i1 = i0 + 1
	if i1 == seasonBuckets {
		i1 = 0
	}
	return i0, i1, w
}

// reconsiderPeriod runs when the period finder has a new day of history.
func (m *Model) reconsiderPeriod(t int64) {
	f := m.finder
	var p int64
	if m.want > 0 {
		// The user chose the period; start modelling it once a full cycle can seed the profile.
		if f.span() >= m.want {
			p = m.want
		}
	} else {
		p = f.detect()
	}
	if p > m.period {
		m.startSeason(p, t)
		// The residuals graded so far were those of a model without this season: on a
		// square wave, every edge a residual of dozens of standard deviations. Graded
		// against them, the new model's residuals would never look unusual and its band
		// would stay hundreds of them wide. Its residuals start a history of their own.
		m.sc.forgetResiduals()
	}
	if m.period == week || (m.want > 0 && m.period == m.want) || f.span() >= maxFinderSpan {
		m.finder = nil // nothing left to learn about the period: stop paying for it
	}
}

// startSeason switches the model to period p, seeding the profile from the coarse history so
// the first cycle is not spent learning it, and keeping the baseline continuous at t.
func (m *Model) startSeason(p, t int64) {
	profile := m.finder.profile(p)
	m.period = p
	m.bucketDur = p / seasonBuckets
	if m.season == nil {
		m.season = make([]float64, seasonBuckets)
		m.smad = make([]float64, seasonBuckets)
		for j := range m.smad {
			m.smad[j] = m.mad
		}
	}
	nb := len(profile)
	for j := range m.season {
		// Centre of bucket j, in profile-bin coordinates, interpolated circularly.
		u := (float64(j)+0.5)*float64(m.bucketDur)/float64(binDur) - 0.5
		if u < 0 {
			u += float64(nb)
		}
		k := int(u) % nb
		w := u - math.Floor(u)
		m.season[j] = profile[k]*(1-w) + profile[(k+1)%nb]*w
	}
	i0, i1, w := m.phase(t)
	m.level -= m.season[i0]*(1-w) + m.season[i1]*w
}
