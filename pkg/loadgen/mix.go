package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Mix is the share of each kind of alert; the rest of 1 is new alerts.
type Mix struct {
	Resend  float64 // firing alerts sent again unchanged
	Resolve float64 // firing alerts sent resolved
}

// DefaultMix is roughly what a busy Alertmanager sends: most traffic is new alerts and
// repeats of firing ones, a smaller part resolves.
var DefaultMix = Mix{Resend: 0.35, Resolve: 0.15}

// alertNames are the alert rules the generated alerts come from.
var alertNames = []string{"HighErrorRate", "HighLatencyP99", "PodCrashLooping", "CPUThrottling",
	"MemoryPressure", "DiskFillingUp", "TargetDown", "QueueBacklog", "TLSCertExpiring", "SLOBurnRate"}

var severities = []string{"critical", "warning", "warning", "info"}

// firingAlert is an alert the generator has sent firing and not yet resolved.
type firingAlert struct {
	fingerprint string
	name        string
	severity    string
	instance    string
	startsAt    time.Time
}

// traffic holds the generator's view of what fires: it decides what each webhook says.
// Only the scheduling goroutine uses it.
type traffic struct {
	rng       *rand.Rand
	mix       Mix
	services  []string
	firing    [][]firingAlert // per service
	maxFiring int
	runID     string // keeps fingerprints of two runs against one receiver apart
	next      uint64 // fingerprints made so far
}

func newTraffic(seed uint64, services, maxFiring int, mix Mix) *traffic {
	t := &traffic{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), mix: mix,
		firing: make([][]firingAlert, services), maxFiring: maxFiring}
	for i := range services {
		t.services = append(t.services, fmt.Sprintf("svc-%03d", i))
	}
	t.runID = strconv.FormatUint(t.rng.Uint64()&0xffffff, 16)
	return t
}

// amWebhook is Alertmanager's webhook payload, version 4.
type amWebhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Counts says how many alerts of each kind were generated.
type Counts struct {
	New, Resend, Resolve int
}

// webhook makes the next webhook body: n alerts of one service.
func (t *traffic) webhook(n int, now time.Time, c *Counts) ([]byte, error) {
	si := t.rng.IntN(len(t.services))
	svc := t.services[si]
	body := amWebhook{Version: "4", GroupKey: `{}:{service="` + svc + `"}`, Status: "firing", Receiver: "foresight",
		GroupLabels: map[string]string{"service": svc}, CommonLabels: map[string]string{"service": svc},
		CommonAnnotations: map[string]string{}, ExternalURL: "http://alertmanager.loadgen:9093"}
	used := make(map[string]bool, n)
	resolved := 0
	for range n {
		a := t.alert(si, now, used, c)
		if a.Status == "resolved" {
			resolved++
		}
		body.Alerts = append(body.Alerts, a)
	}
	if resolved == n {
		body.Status = "resolved"
	}
	return appendWebhook(make([]byte, 0, 512*n), &body), nil
}

// alert picks the next alert of service si by the mix, never one already in this webhook.
func (t *traffic) alert(si int, now time.Time, used map[string]bool, c *Counts) amAlert {
	r := t.rng.Float64()
	firing := t.firing[si]
	switch {
	case r < t.mix.Resend:
		if i, ok := t.pickFiring(si, used); ok {
			c.Resend++
			return t.render(si, firing[i], "firing", time.Time{})
		}
	case r < t.mix.Resend+t.mix.Resolve || len(firing) >= t.maxFiring:
		if i, ok := t.pickFiring(si, used); ok {
			c.Resolve++
			return t.render(si, t.resolve(si, i), "resolved", now)
		}
	}
	c.New++
	f := t.newFiring(now)
	used[f.fingerprint] = true
	t.firing[si] = append(t.firing[si], f)
	return t.render(si, f, "firing", time.Time{})
}

// pickFiring picks a firing alert of service si not yet in this webhook, marking it used.
func (t *traffic) pickFiring(si int, used map[string]bool) (int, bool) {
	firing := t.firing[si]
	if len(firing) == 0 {
		return 0, false
	}
	// A few random probes suffice: a webhook has few alerts next to a service's firing set.
	for range 4 {
		i := t.rng.IntN(len(firing))
		if !used[firing[i].fingerprint] {
			used[firing[i].fingerprint] = true
			return i, true
		}
	}
	return 0, false
}

// resolve removes firing alert i of service si and returns it.
func (t *traffic) resolve(si, i int) firingAlert {
	firing := t.firing[si]
	f := firing[i]
	firing[i] = firing[len(firing)-1]
	t.firing[si] = firing[:len(firing)-1]
	return f
}

func (t *traffic) newFiring(now time.Time) firingAlert {
	t.next++
	return firingAlert{
		fingerprint: fmt.Sprintf("%s%010x", t.runID, t.next),
		name:        alertNames[t.rng.IntN(len(alertNames))],
		severity:    severities[t.rng.IntN(len(severities))],
		instance:    fmt.Sprintf("10.%d.%d.%d:9100", t.rng.IntN(256), t.rng.IntN(256), t.rng.IntN(256)),
		startsAt:    now.Truncate(time.Millisecond),
	}
}

func (t *traffic) render(si int, f firingAlert, status string, endsAt time.Time) amAlert {
	svc := t.services[si]
	return amAlert{
		Status: status,
		Labels: map[string]string{"alertname": f.name, "service": svc, "severity": f.severity,
			"instance": f.instance, "namespace": "prod", "cluster": "eu-west-1"},
		Annotations: map[string]string{"summary": f.name + " on " + svc,
			"runbook_url": "https://runbooks.example.com/" + f.name},
		StartsAt:     f.startsAt,
		EndsAt:       endsAt,
		GeneratorURL: "http://prometheus.loadgen:9090/graph?g0.expr=" + f.name,
		Fingerprint:  f.fingerprint,
	}
}
