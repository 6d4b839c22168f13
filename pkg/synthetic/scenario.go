// Package synthetic generates the deterministic demo series that Foresight's
// end-to-end tests and demos run against: a daily-seasonal request rate per
// service with known, injected faults.
//
// Every value is a pure function of the Scenario, the service and the time,
// so a Prometheus backfill written today and a live exporter scraped
// tomorrow agree exactly on the same instant, and a test can ask which
// points are anomalous instead of guessing.
package synthetic

import (
	"hash/fnv"
	"math"
	"time"
)

// MetricName is the name of the gauge the demo exporter serves and the
// backfill writes.
const MetricName = "foresight_demo_requests_per_second"

// ServiceLabel is the label that tells the demo series apart.
const ServiceLabel = "service"

// Fault kinds, as used in Fault.Kind.
const (
	// KindSpike is a short burst that ends by itself.
	KindSpike = "spike"
	// KindLevelShift is a lasting step change of the level.
	KindLevelShift = "level_shift"
)

// Default shape of the series. The daily amplitude is twenty noise standard
// deviations so that the seasonal cycle, not the noise, dominates the signal.
const (
	// DefaultBase is the default mean level.
	DefaultBase = 100.0
	// DefaultAmplitude is the default amplitude of the daily cycle.
	DefaultAmplitude = 40.0
	// DefaultNoiseSD is the default standard deviation of the noise.
	DefaultNoiseSD = 2.0
)

// Fault placement relative to Scenario.Anchor. The spike is about thirty
// noise standard deviations so that any sane detector must flag it.
const (
	// SpikeOffset is how long before the anchor the checkout spike starts.
	SpikeOffset = 3 * time.Hour
	// SpikeDuration is how long the checkout spike lasts.
	SpikeDuration = 3 * time.Minute
	// SpikeMagnitude is what the checkout spike adds to the normal value.
	SpikeMagnitude = 60.0
	// ShiftOffset is how long before the anchor the payments shift starts.
	ShiftOffset = 90 * time.Minute
	// ShiftMagnitude is what the payments shift adds to the normal value.
	ShiftMagnitude = 50.0
)

// day is the seasonal period; seasonality is on absolute UTC time of day so
// that the series does not depend on the machine's time zone.
const day = 24 * time.Hour

// services lists the demo services in a fixed order; it is copied by
// Services so callers cannot change it.
var services = []string{"checkout", "payments", "catalog"}

// phases spreads the services' daily peaks a third of a day apart so that
// they are easy to tell apart on a dashboard.
var phases = map[string]float64{
	"checkout": 0,
	"payments": 2 * math.Pi / 3,
	"catalog":  4 * math.Pi / 3,
}

// Services returns the values of the service label, in a stable order.
func Services() []string {
	return append([]string(nil), services...)
}

// Scenario describes one deterministic demo data set. The zero value has no
// seasonality and no noise; use NewScenario for the defaults.
type Scenario struct {
	// Anchor is the instant faults are placed relative to. Tests usually
	// pass "now" truncated to the minute so fault boundaries fall on the
	// one-minute sample grid.
	Anchor time.Time
	// Seed selects the noise sequence.
	Seed int64
	// Base is the mean level of every service.
	Base float64
	// Amplitude is the amplitude of the daily sine wave.
	Amplitude float64
	// NoiseSD is the standard deviation of the Gaussian noise.
	NoiseSD float64
}

// NewScenario returns a Scenario anchored at anchor with the default shape
// and seed 1.
func NewScenario(anchor time.Time) Scenario {
	return Scenario{
		Anchor:    anchor,
		Seed:      1,
		Base:      DefaultBase,
		Amplitude: DefaultAmplitude,
		NoiseSD:   DefaultNoiseSD,
	}
}

// Fault is one injected anomaly.
type Fault struct {
	// Service is the value of the service label the fault applies to.
	Service string
	// Kind is KindSpike or KindLevelShift.
	Kind string
	// Start is the first instant of the fault (inclusive).
	Start time.Time
	// End is the end of the fault (exclusive); the zero time means the
	// fault never ends.
	End time.Time
	// Magnitude is added to the normal value while the fault is active.
	Magnitude float64
}

// Active reports whether the fault affects its service at t.
func (f Fault) Active(t time.Time) bool {
	if t.Before(f.Start) {
		return false
	}
	return f.End.IsZero() || t.Before(f.End)
}

// Faults returns the injected faults: a spike on checkout and an open-ended
// level shift on payments; catalog stays normal so tests have a control.
func (s Scenario) Faults() []Fault {
	spikeStart := s.Anchor.Add(-SpikeOffset)
	return []Fault{
		{
			Service:   "checkout",
			Kind:      KindSpike,
			Start:     spikeStart,
			End:       spikeStart.Add(SpikeDuration),
			Magnitude: SpikeMagnitude,
		},
		{
			Service:   "payments",
			Kind:      KindLevelShift,
			Start:     s.Anchor.Add(-ShiftOffset),
			Magnitude: ShiftMagnitude,
		},
	}
}

// InFault reports whether any fault affects service at t.
func (s Scenario) InFault(service string, t time.Time) bool {
	for _, f := range s.Faults() {
		if f.Service == service && f.Active(t) {
			return true
		}
	}
	return false
}

// Value returns the demo value of service at t, faults included.
func (s Scenario) Value(service string, t time.Time) float64 {
	v := s.Normal(service, t)
	for _, f := range s.Faults() {
		if f.Service == service && f.Active(t) {
			v += f.Magnitude
		}
	}
	return v
}

// Normal returns the value of service at t as it would be without faults:
// the expectation a perfect detector would compare against, plus noise.
func (s Scenario) Normal(service string, t time.Time) float64 {
	return s.Expected(service, t) + s.NoiseSD*noise(s.Seed, service, t)
}

// Expected returns the noise-free, fault-free value of service at t. It is
// continuous in t.
func (s Scenario) Expected(service string, t time.Time) float64 {
	x := 2 * math.Pi * dayFraction(t)
	p := phase(service)
	// The second harmonic makes peaks and troughs asymmetric, like real
	// traffic, while keeping the period at exactly one day.
	return s.Base + s.Amplitude*math.Sin(x+p) + 0.2*s.Amplitude*math.Sin(2*x+p/2)
}

// dayFraction returns how far through its UTC day t is, in [0, 1).
func dayFraction(t time.Time) float64 {
	secs := t.Unix() % int64(day/time.Second)
	if secs < 0 {
		secs += int64(day / time.Second)
	}
	return (float64(secs) + float64(t.Nanosecond())/1e9) / float64(day/time.Second)
}

// phase returns the daily phase of service; services outside the demo set
// get a stable phase derived from their name.
func phase(service string) float64 {
	if p, ok := phases[service]; ok {
		return p
	}
	return 2 * math.Pi * unitInterval(hashString(service))
}

// noise returns a standard normal variate determined by seed, service and t
// truncated to the second, so that every scrape within one second sees the
// same value and no state is kept between calls.
func noise(seed int64, service string, t time.Time) float64 {
	h := splitmix64(uint64(seed) ^ hashString(service))
	h = splitmix64(h ^ uint64(t.Unix()))
	u1 := unitInterval(h)
	u2 := unitInterval(splitmix64(h))
	// Box–Muller; unitInterval never returns 0, so the logarithm is finite.
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// hashString returns the 64-bit FNV-1a hash of s.
func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s)) // Writes to a hash never fail.
	return h.Sum64()
}

// splitmix64 is the SplitMix64 finaliser: a cheap bijective mixer whose
// outputs are well distributed even for consecutive inputs such as seconds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unitInterval maps the top 53 bits of x to the open interval (0, 1).
func unitInterval(x uint64) float64 {
	return (float64(x>>11) + 0.5) / (1 << 53)
}
