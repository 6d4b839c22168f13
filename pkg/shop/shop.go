// Package shop simulates a small online shop of microservices for Foresight's demo: the
// services call each other along a service graph, traffic follows the day, and a Schedule
// injects faults that spread from the failing service to its callers. It exposes the
// metrics real services and Tempo's service-graph processor expose (RED, USE, build info,
// service-graph counters, a filling disk), so the alert rules, dashboards and root-cause
// analysis that work on it work on real services too.
//
// The simulation is deterministic: given the seed and the start time, the values at any
// moment are always the same, whether reached live or written as history for promtool.
package shop

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// Call is an edge of the service graph: the client calls Server PerRequest times for each
// request it serves, on average.
type Call struct {
	Server     string
	PerRequest float64
}

// Service is one microservice and its healthy behaviour.
type Service struct {
	Name string
	// Latency is the median time the service spends on a request itself, without the
	// time it waits for the services it calls.
	Latency time.Duration
	// ErrorRatio is the share of requests it fails by itself when healthy.
	ErrorRatio float64
	// CPUPerRequest is the CPU time a request costs, in seconds; Cores is its CPU limit.
	CPUPerRequest float64
	Cores         float64
	// Memory is its resident memory in bytes.
	Memory float64
	// Version is the release it runs; deploy faults move its patch number.
	Version string
	Calls   []Call
	// StorageBytes, when positive, is the capacity of a disk the service fills slowly.
	StorageBytes float64
}

// DefaultServices is the shop: a frontend serving pages from the catalog and
// recommendations, a checkout charging payments and reserving inventory, and one database
// behind them.
func DefaultServices() []Service {
	ms := time.Millisecond
	return []Service{
		{Name: "frontend", Latency: 15 * ms, ErrorRatio: 0.001, CPUPerRequest: 0.004, Cores: 2, Memory: 180 << 20, Version: "2.3.1",
			Calls: []Call{{"catalog", 1}, {"recommendations", 0.5}, {"checkout", 0.1}}},
		{Name: "catalog", Latency: 10 * ms, ErrorRatio: 0.001, CPUPerRequest: 0.005, Cores: 1, Memory: 260 << 20, Version: "1.8.0",
			Calls: []Call{{"db", 2}}},
		{Name: "recommendations", Latency: 20 * ms, ErrorRatio: 0.002, CPUPerRequest: 0.008, Cores: 1, Memory: 420 << 20, Version: "0.9.4",
			Calls: []Call{{"catalog", 1}}},
		{Name: "checkout", Latency: 20 * ms, ErrorRatio: 0.001, CPUPerRequest: 0.006, Cores: 1, Memory: 150 << 20, Version: "3.1.0",
			Calls: []Call{{"payments", 1}, {"inventory", 1}}},
		{Name: "payments", Latency: 40 * ms, ErrorRatio: 0.002, CPUPerRequest: 0.01, Cores: 1, Memory: 200 << 20, Version: "1.4.0",
			Calls: []Call{{"db", 1}}},
		{Name: "inventory", Latency: 12 * ms, ErrorRatio: 0.001, CPUPerRequest: 0.003, Cores: 1, Memory: 120 << 20, Version: "2.0.2",
			Calls: []Call{{"db", 1}}},
		{Name: "db", Latency: 4 * ms, ErrorRatio: 0.0005, CPUPerRequest: 0.002, Cores: 4, Memory: 2 << 30, Version: "16.4",
			StorageBytes: 500 << 30},
	}
}

// Config configures a Shop.
type Config struct {
	// Seed makes the noise; two shops with the same configuration give the same values.
	Seed int64
	// Services is the shop; nil means DefaultServices. The first service is the entry
	// point, receiving the external traffic.
	Services []Service
	// Schedule is the cycle of faults, starting at FaultsFrom.
	Schedule   Schedule
	FaultsFrom time.Time
	// Start is when the counters are zero: the beginning of any history written.
	Start time.Time
	// PeakRate is the entry point's request rate at the daily peak, per second; zero
	// means DefaultPeakRate.
	PeakRate float64
}

// DefaultPeakRate is the frontend's busiest request rate, per second.
const DefaultPeakRate = 40

// Tick is the simulation's time step: counters advance by whole ticks.
const Tick = time.Second

// latencySpread is the σ of the log-normal latency of every service: its p99 is about
// 2.3 times its median.
const latencySpread = 0.35

// Buckets are the upper bounds of the latency histogram, the client libraries' defaults.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Shop is the running simulation. It is safe for concurrent use.
type Shop struct {
	cfg      Config
	services []Service
	index    map[string]int
	order    []int // callers before the services they call; the entry point first

	mu   sync.Mutex
	next time.Time // the next tick to apply
	acc  []counters
	// edges are the accumulated calls of each client/server pair, in service then call
	// order.
	edges []edgeCounters
}

type counters struct {
	ok, failed float64 // requests answered 2xx and 5xx
	buckets    []float64
	sum        float64
	cpu        float64
}

type edgeCounters struct {
	client, server string
	requests       float64
	failed         float64
}

// New checks the configuration and returns a shop whose counters are zero at cfg.Start.
func New(cfg Config) (*Shop, error) {
	if cfg.Services == nil {
		cfg.Services = DefaultServices()
	}
	if cfg.PeakRate == 0 {
		cfg.PeakRate = DefaultPeakRate
	}
	if cfg.PeakRate < 0 {
		return nil, fmt.Errorf("shop: peak rate %v must be positive", cfg.PeakRate)
	}
	if cfg.Start.IsZero() {
		return nil, errors.New("shop: no start time")
	}
	if len(cfg.Services) == 0 {
		return nil, errors.New("shop: no services")
	}
	s := &Shop{cfg: cfg, services: cfg.Services, index: map[string]int{}}
	for i, svc := range s.services {
		if svc.Name == "" {
			return nil, fmt.Errorf("shop: service %d has no name", i)
		}
		if _, dup := s.index[svc.Name]; dup {
			return nil, fmt.Errorf("shop: service %q is listed twice", svc.Name)
		}
		s.index[svc.Name] = i
	}
	for _, svc := range s.services {
		for _, c := range svc.Calls {
			if _, ok := s.index[c.Server]; !ok {
				return nil, fmt.Errorf("shop: %s calls unknown service %q", svc.Name, c.Server)
			}
			s.edges = append(s.edges, edgeCounters{client: svc.Name, server: c.Server})
		}
	}
	order, err := callOrder(s.services, s.index)
	if err != nil {
		return nil, err
	}
	if order[0] != 0 {
		return nil, fmt.Errorf("shop: the entry point %s must not be called by another service", s.services[0].Name)
	}
	s.order = order
	if len(cfg.Schedule.Faults) > 0 {
		if err := cfg.Schedule.Validate(s.services); err != nil {
			return nil, fmt.Errorf("shop: %w", err)
		}
	}
	s.acc = make([]counters, len(s.services))
	for i := range s.acc {
		s.acc[i].buckets = make([]float64, len(Buckets))
	}
	s.next = cfg.Start.Truncate(Tick)
	return s, nil
}

// callOrder sorts the services so that every caller comes before the services it calls
// (Kahn's algorithm), and refuses a graph with a cycle, which would make latencies
// infinite.
func callOrder(services []Service, index map[string]int) ([]int, error) {
	callers := make([]int, len(services))
	for _, svc := range services {
		for _, c := range svc.Calls {
			callers[index[c.Server]]++
		}
	}
	var queue, order []int
	for i := range services {
		if callers[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		order = append(order, i)
		for _, c := range services[i].Calls {
			j := index[c.Server]
			if callers[j]--; callers[j] == 0 {
				queue = append(queue, j)
			}
		}
	}
	if len(order) != len(services) {
		return nil, errors.New("shop: the service graph has a cycle")
	}
	return order, nil
}

// Services returns the shop's services.
func (s *Shop) Services() []Service { return s.services }

// State is how every service behaves at one moment.
type State struct {
	At time.Time
	// Per service, in the order of Services.
	Rate       []float64 // requests per second
	Latency    []float64 // median latency in seconds, including the services called
	ErrorRatio []float64 // share of requests failed, including failures of services called
	CPU        []float64 // cores busy
	Faults     []Fault   // in effect
}

// StateAt returns the shop's behaviour at t. It is a pure function of the configuration
// and t.
func (s *Shop) StateAt(t time.Time) State {
	n := len(s.services)
	st := State{At: t, Rate: make([]float64, n), Latency: make([]float64, n), ErrorRatio: make([]float64, n), CPU: make([]float64, n)}
	st.Faults = s.cfg.Schedule.Active(t.Sub(s.cfg.FaultsFrom))
	tick := t.Sub(s.cfg.Start.Truncate(Tick)) / Tick
	// Traffic flows from the callers down.
	st.Rate[0] = s.cfg.PeakRate * diurnal(t) * (1 + 0.15*s.noise(0, 0, tick))
	for _, i := range s.order {
		for _, c := range s.services[i].Calls {
			st.Rate[s.index[c.Server]] += st.Rate[i] * c.PerRequest
		}
	}
	// Latency and failures flow from the services called up to their callers.
	for k := len(s.order) - 1; k >= 0; k-- {
		i := s.order[k]
		svc := s.services[i]
		own := svc.Latency.Seconds() * (1 + 0.05*s.noise(i, 1, tick))
		errs := svc.ErrorRatio * (1 + 0.5*s.noise(i, 2, tick))
		cpu := st.Rate[i] * svc.CPUPerRequest * (1 + 0.1*s.noise(i, 3, tick))
		for _, f := range st.Faults {
			if f.Service != svc.Name {
				continue
			}
			switch f.Kind {
			case KindLatency:
				own *= f.Severity
			case KindErrors:
				errs = 1 - (1-errs)*(1-f.Severity)
			case KindCPU:
				own *= f.Severity
				cpu = svc.Cores * (0.96 + 0.03*s.noise(i, 4, tick))
			}
		}
		ok := 1 - errs
		for _, c := range svc.Calls {
			j := s.index[c.Server]
			own += c.PerRequest * st.Latency[j]
			// A call fails the request that made it; PerRequest above 1 means several
			// calls, each of which may fail.
			ok *= math.Pow(1-st.ErrorRatio[j], c.PerRequest)
		}
		st.Latency[i], st.ErrorRatio[i], st.CPU[i] = own, 1-ok, min(cpu, svc.Cores)
	}
	return st
}

// diurnal is the share of the daily peak traffic at t: lowest at 03:00 UTC, highest at
// 15:00 UTC, never below a tenth.
func diurnal(t time.Time) float64 {
	h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60 + float64(t.UTC().Second())/3600
	return 0.55 - 0.45*math.Cos(2*math.Pi*(h-3)/24)
}

// noise is a deterministic value in [-1, 1) for service i, stream k and tick.
func (s *Shop) noise(i, k int, tick time.Duration) float64 {
	x := uint64(s.cfg.Seed)*0x9e3779b97f4a7c15 ^ uint64(i)<<48 ^ uint64(k)<<40 ^ uint64(tick)
	// splitmix64's finaliser: every input bit flips about half the output bits.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11)/float64(1<<52) - 1
}

// advance applies every tick up to t.
func (s *Shop) advance(t time.Time) {
	for !s.next.After(t) {
		s.apply(s.StateAt(s.next))
		s.next = s.next.Add(Tick)
	}
}

// apply adds one tick of requests to the counters.
func (s *Shop) apply(st State) {
	dt := Tick.Seconds()
	for i := range s.services {
		n := st.Rate[i] * dt
		a := &s.acc[i]
		a.failed += n * st.ErrorRatio[i]
		a.ok += n * (1 - st.ErrorRatio[i])
		median := st.Latency[i]
		for b, le := range Buckets {
			a.buckets[b] += n * logNormalCDF(le, median)
		}
		a.sum += n * median * math.Exp(latencySpread*latencySpread/2)
		a.cpu += st.CPU[i] * dt
	}
	e := 0
	for i, svc := range s.services {
		for _, c := range svc.Calls {
			calls := st.Rate[i] * c.PerRequest * dt
			s.edges[e].requests += calls
			s.edges[e].failed += calls * st.ErrorRatio[s.index[c.Server]]
			e++
		}
	}
}

// logNormalCDF is the share of requests faster than le when the median is median.
func logNormalCDF(le, median float64) float64 {
	if median <= 0 {
		return 1
	}
	return 0.5 * (1 + math.Erf(math.Log(le/median)/(latencySpread*math.Sqrt2)))
}

// version is the release service i runs at t: its patch number moves with each deploy.
func (s *Shop) version(i int, t time.Time) string {
	svc := s.services[i]
	n := s.cfg.Schedule.Deploys(svc.Name, t.Sub(s.cfg.FaultsFrom))
	if n == 0 {
		return svc.Version
	}
	major, minor, patch := parseVersion(svc.Version)
	return major + "." + minor + "." + strconv.Itoa(patch+n)
}

// parseVersion splits "1.4.0" into "1", "4" and 0; a version with fewer parts gets zeros.
func parseVersion(v string) (major, minor string, patch int) {
	parts := [3]string{"0", "0", "0"}
	for i, p := range splitDots(v, 3) {
		parts[i] = p
	}
	patch, err := strconv.Atoi(parts[2])
	if err != nil {
		patch = 0
	}
	return parts[0], parts[1], patch
}

func splitDots(v string, n int) []string {
	var out []string
	start := 0
	for i := 0; i < len(v) && len(out) < n-1; i++ {
		if v[i] == '.' {
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// storageUsed is how full service i's disk is at t: 60 % at the start, growing by about
// a tenth of the capacity a day, with a daily ripple from compaction.
func (s *Shop) storageUsed(i int, t time.Time) float64 {
	capacity := s.services[i].StorageBytes
	days := t.Sub(s.cfg.Start).Hours() / 24
	used := capacity * (0.6 + 0.1*days + 0.005*math.Sin(2*math.Pi*days))
	return math.Round(min(used, capacity))
}
