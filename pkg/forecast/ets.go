package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// etsSpec names an exponential-smoothing state-space model in Hyndman's taxonomy: error
// A(dditive) or M(ultiplicative), trend N(one) or Ad (damped; an undamped trend runs away
// over a long horizon, M4's Holt scored 2.75 OWA on hourly data), season N, A or M. The
// seasonal type applies to every period (Taylor's double seasonal form for two periods).
type etsSpec struct {
	errMul    bool
	damped    bool
	seasonMul bool
	periods   []int
}

func (s etsSpec) String() string {
	e, t, se := "A", "N", "N"
	if s.errMul {
		e = "M"
	}
	if s.damped {
		t = "Ad"
	}
	if len(s.periods) > 0 {
		se = "A"
		if s.seasonMul {
			se = "M"
		}
	}
	name := fmt.Sprintf("ETS(%s,%s,%s)", e, t, se)
	if len(s.periods) > 0 {
		name += " period " + joinInts(s.periods)
	}
	return name
}

// etsParams are the smoothing parameters; gamma has one entry per period.
type etsParams struct {
	alpha, beta, phi float64
	gamma            []float64
}

// etsState is the model's state after some observations: level, trend, and one ring of
// seasonal states per period (index t mod period).
type etsState struct {
	level, trend float64
	season       [][]float64
	t            int
}

// ets is a fitted model: its spec, parameters, initial state and fit statistics.
type ets struct {
	spec etsSpec
	par  etsParams
	init etsState
	aicc float64
}

// mean is the one-step forecast h steps ahead of state st (h ≥ 1).
func (m *ets) mean(st *etsState, h int) float64 {
	lb := st.level
	if m.spec.damped {
		lb += dampSum(m.par.phi, h) * st.trend
	}
	return m.seasonalize(lb, st, st.t+h-1)
}

// seasonalize applies the seasonal states for time t to the level-and-trend value lb.
func (m *ets) seasonalize(lb float64, st *etsState, t int) float64 {
	for k, p := range m.spec.periods {
		s := st.season[k][t%p]
		if m.spec.seasonMul {
			lb *= s
		} else {
			lb += s
		}
	}
	return lb
}

// dampSum is φ + φ² + … + φ^h.
func dampSum(phi float64, h int) float64 {
	if phi == 1 {
		return float64(h)
	}
	return phi * (1 - math.Pow(phi, float64(h))) / (1 - phi)
}

// step consumes observation y at st.t, returning the one-step error (relative for a
// multiplicative error) and the forecast it was made against.
func (m *ets) step(st *etsState, y float64) (e, mu float64) {
	p := &m.par
	lb := st.level
	if m.spec.damped {
		lb += p.phi * st.trend
	}
	mu = m.seasonalize(lb, st, st.t)
	e = y - mu
	if m.spec.errMul {
		e /= mu
	}
	// Each state is corrected by the error in its own units (Hyndman et al. 2008, table 2.3).
	abs := e
	if m.spec.errMul {
		abs = e * mu
	}
	dl, db := p.alpha*abs, p.beta*abs
	if m.spec.seasonMul {
		ratio := mu / lb
		dl, db = dl/ratio, db/ratio
	}
	for k, per := range m.spec.periods {
		i := st.t % per
		s := st.season[k][i]
		if m.spec.seasonMul {
			st.season[k][i] = s + p.gamma[k]*abs/(mu/s)
		} else {
			st.season[k][i] = s + p.gamma[k]*abs
		}
	}
	st.level = lb + dl
	if m.spec.damped {
		st.trend = p.phi*st.trend + db
	}
	st.t++
	return e, mu
}

func (st *etsState) clone() etsState {
	var c etsState
	st.copyTo(&c)
	return c
}

// copyTo makes dst a copy of st, reusing dst's seasonal buffers: the likelihood restarts
// from the initial state hundreds of times per fit.
func (st *etsState) copyTo(dst *etsState) {
	season := dst.season
	if len(season) != len(st.season) {
		season = make([][]float64, len(st.season))
	}
	for k, s := range st.season {
		season[k] = append(season[k][:0], s...)
	}
	*dst = *st
	dst.season = season
}

// loss is −2 log-likelihood (up to a constant) of the model on y; +Inf when the model
// breaks down (a multiplicative forecast reaching zero).
func (m *ets) loss(y []float64, st *etsState) float64 {
	var sse, logs float64
	for _, v := range y {
		e, mu := m.step(st, v)
		if m.spec.errMul {
			if !(mu > 0) {
				return math.Inf(1)
			}
			logs += math.Log(mu)
		}
		sse += e * e
	}
	if math.IsNaN(sse) || math.IsInf(sse, 0) {
		return math.Inf(1)
	}
	n := float64(len(y))
	return n*math.Log(max(sse/n, 1e-300)) + 2*logs
}

// fitETS estimates the smoothing parameters of spec on y by maximum likelihood (Nelder-Mead
// over an unconstrained transform of the usual parameter region), the initial state by
// a heuristic decomposition of the first cycles.
func fitETS(y []float64, spec etsSpec) (*ets, bool) {
	init, ok := initialState(y, spec)
	if !ok {
		return nil, false
	}
	m := &ets{spec: spec, init: init}
	dim := 1 + len(spec.periods)
	if spec.damped {
		dim += 2
	}
	var work etsState
	f := func(x []float64) float64 {
		m.par = decodeParams(x, spec, m.par.gamma)
		m.init.copyTo(&work)
		return m.loss(y, &work)
	}
	x0 := make([]float64, dim) // logistic(0): the middle of each range
	x0[0] = -1.0               // α near 0.27
	res, err := optimize.Minimize(optimize.Problem{Func: f}, x0, &optimize.Settings{FuncEvaluations: 60 * dim * dim, Converger: &optimize.FunctionConverge{Absolute: 1e-6, Relative: 1e-6, Iterations: 40}}, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, false
	}
	m.par = decodeParams(res.X, spec, nil)
	m.init.copyTo(&work)
	l := m.loss(y, &work)
	if math.IsInf(l, 1) {
		return nil, false
	}
	k := float64(dim + 1 + initialStates(spec))
	n := float64(len(y))
	m.aicc = l + 2*k + 2*k*(k+1)/math.Max(n-k-1, 1)
	return m, true
}

// initialStates counts the states a model's start needs, charged in its AICc.
func initialStates(spec etsSpec) int {
	n := 1
	if spec.damped {
		n++
	}
	for _, p := range spec.periods {
		n += p - 1
	}
	return n
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// decodeParams maps unconstrained x into the usual region: 0 < α < 1, 0 < β < α,
// 0 < γ < 1 − α, 0.8 < φ < 0.98.
func decodeParams(x []float64, spec etsSpec, gamma []float64) etsParams {
	const eps = 1e-4
	p := etsParams{alpha: eps + (1-2*eps)*logistic(x[0]), gamma: gamma[:0]}
	i := 1
	if spec.damped {
		p.beta = p.alpha * logistic(x[i])
		p.phi = 0.8 + 0.18*logistic(x[i+1])
		i += 2
	}
	for range spec.periods {
		p.gamma = append(p.gamma, (1-p.alpha)*logistic(x[i]))
		i++
	}
	return p
}
