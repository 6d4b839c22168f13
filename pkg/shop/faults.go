package shop

import (
	"fmt"
	"time"
)

// Kind is what an injected fault does to its service.
type Kind string

// The kinds of fault a Schedule can inject.
const (
	// KindLatency multiplies the service's own latency by Fault.Severity (a slow disk, a
	// lock held too long). Its callers wait for it, so their latency rises too.
	KindLatency Kind = "latency"
	// KindErrors makes Fault.Severity (0..1) of the service's requests fail with 500.
	// Callers fail the requests that needed it. With Fault.Deploy it follows a new
	// version of the service, as a bad release does.
	KindErrors Kind = "errors"
	// KindCPU saturates the service's CPU: it uses all its cores and its latency rises
	// by Fault.Severity, as queueing for CPU does.
	KindCPU Kind = "cpu"
)

// Fault is one injected failure, placed in the schedule's cycle.
type Fault struct {
	// Name says what happened, for people: "db latency".
	Name    string
	Service string
	Kind    Kind
	// Start is the offset of the fault in the cycle; it lasts Duration.
	Start    time.Duration
	Duration time.Duration
	// Severity is a latency factor (latency, cpu) or the share of failed requests (errors).
	Severity float64
	// Deploy marks a fault brought by a release: the service's version changes when the
	// fault starts, and again (the fix) when it ends.
	Deploy bool
}

// active says whether the fault is in effect at offset into its cycle.
func (f Fault) active(offset time.Duration) bool {
	return offset >= f.Start && offset < f.Start+f.Duration
}

// Schedule is a cycle of faults repeated every Period from the moment faults begin.
type Schedule struct {
	Period time.Duration
	Faults []Fault
}

// DefaultSchedule injects one fault every seven minutes, each lasting four, in a cycle of
// three: the database slows down, a payments release fails requests, the catalog's CPU
// saturates. At speed 1 the first fault starts two minutes in, so Prometheus has a
// healthy baseline of live samples and the alert rules' "for" periods fit between faults.
func DefaultSchedule() Schedule {
	return Schedule{
		Period: 21 * time.Minute,
		Faults: []Fault{
			{Name: "db latency", Service: "db", Kind: KindLatency, Start: 2 * time.Minute, Duration: 4 * time.Minute, Severity: 45},
			{Name: "payments bad release", Service: "payments", Kind: KindErrors, Start: 9 * time.Minute, Duration: 4 * time.Minute, Severity: 0.5, Deploy: true},
			{Name: "catalog CPU saturation", Service: "catalog", Kind: KindCPU, Start: 16 * time.Minute, Duration: 4 * time.Minute, Severity: 8},
		},
	}
}

// Scaled returns the schedule running speed times faster: every offset, duration and
// the period divided by speed.
func (s Schedule) Scaled(speed float64) Schedule {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	out := Schedule{Period: scale(s.Period), Faults: make([]Fault, len(s.Faults))}
	for i, f := range s.Faults {
		f.Start, f.Duration = scale(f.Start), scale(f.Duration)
		out.Faults[i] = f
	}
	return out
}

// Validate reports the first fault that cannot be injected.
func (s Schedule) Validate(services []Service) error {
	if s.Period <= 0 {
		return fmt.Errorf("schedule period %s must be positive", s.Period)
	}
	known := make(map[string]bool, len(services))
	for _, svc := range services {
		known[svc.Name] = true
	}
	for i, f := range s.Faults {
		switch {
		case !known[f.Service]:
			return fmt.Errorf("fault %d (%s): no service %q in the shop", i, f.Name, f.Service)
		case f.Kind != KindLatency && f.Kind != KindErrors && f.Kind != KindCPU:
			return fmt.Errorf("fault %d (%s): kind %q is not latency, errors or cpu", i, f.Name, f.Kind)
		case f.Start < 0 || f.Duration <= 0 || f.Start+f.Duration > s.Period:
			return fmt.Errorf("fault %d (%s): [%s, %s) does not fit in the period %s", i, f.Name, f.Start, f.Start+f.Duration, s.Period)
		case f.Kind == KindErrors && (f.Severity <= 0 || f.Severity > 1):
			return fmt.Errorf("fault %d (%s): error share %v must be in (0, 1]", i, f.Name, f.Severity)
		case f.Kind != KindErrors && f.Severity < 1:
			return fmt.Errorf("fault %d (%s): latency factor %v must be at least 1", i, f.Name, f.Severity)
		}
	}
	return nil
}

// Active returns the faults in effect at elapsed time since faults began; none before.
func (s Schedule) Active(elapsed time.Duration) []Fault {
	if elapsed < 0 || s.Period <= 0 {
		return nil
	}
	offset := elapsed % s.Period
	var out []Fault
	for _, f := range s.Faults {
		if f.active(offset) {
			out = append(out, f)
		}
	}
	return out
}

// Deploys counts the releases of service up to elapsed time since faults began: two per
// deploy fault that has ended (the bad release and its fix), one for a deploy fault in
// progress.
func (s Schedule) Deploys(service string, elapsed time.Duration) int {
	if elapsed < 0 || s.Period <= 0 {
		return 0
	}
	cycles, offset := int(elapsed/s.Period), elapsed%s.Period
	n := 0
	for _, f := range s.Faults {
		if !f.Deploy || f.Service != service {
			continue
		}
		n += 2 * cycles
		if offset >= f.Start {
			n++
		}
		if offset >= f.Start+f.Duration {
			n++
		}
	}
	return n
}

// Next returns the next fault to start at or after elapsed time since faults began, and
// when it starts.
func (s Schedule) Next(elapsed time.Duration) (Fault, time.Duration, bool) {
	if len(s.Faults) == 0 || s.Period <= 0 {
		return Fault{}, 0, false
	}
	elapsed = max(elapsed, 0)
	cycle := elapsed / s.Period * s.Period
	var next Fault
	best := time.Duration(-1)
	for _, base := range []time.Duration{cycle, cycle + s.Period} {
		for _, f := range s.Faults {
			if at := base + f.Start; at >= elapsed && (best < 0 || at < best) {
				next, best = f, at
			}
		}
	}
	return next, best, best >= 0
}
