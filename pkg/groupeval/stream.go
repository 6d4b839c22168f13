package groupeval

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/foresight-aiops/foresight/pkg/webhook"
)

// StreamConfig says how the faults are replayed. The data set's faults never overlap and
// carry no background noise, so a pure time-gap grouper would look perfect on them as
// recorded; the replay moves them close together and adds unrelated alerts.
type StreamConfig struct {
	Seed int64
	// Start is when the first fault starts in the replay.
	Start time.Time
	// MeanGap is the mean time between fault starts: starts form a Poisson process, so
	// gaps are exponential and many are shorter than a fault's alerts take to arrive.
	MeanGap time.Duration
	// NoisePerHour is the rate of background alerts (a Poisson process over the replay):
	// each is a copy of a random real alert's labels, firing alone, its own gold cluster —
	// a rule that flaps for no reason looks exactly like one that fires for a fault.
	NoisePerHour float64
	// ResolveAfter is how long an alert keeps firing after its last detection before its
	// sender resolves it (the rule's for/keep_firing_for plus evaluation delay).
	ResolveAfter time.Duration
	// Sender is how Alertmanager batches the alerts into notifications.
	Sender Sender
	// RetryShare is the share of notifications delivered twice, as a webhook retry after a
	// timeout does; the engine must drop the copy.
	RetryShare float64
}

// Sender is the Alertmanager route that delivers the alerts: alerts with equal GroupBy label
// values share an aggregation group, whose first notification waits GroupWait and whose
// later ones go out every GroupInterval while something in it changed, each carrying all
// of the group's alerts (so firing alerts are re-sent). repeat_interval (4h by default) is
// not modelled: the replay's groups change far more often than that.
type Sender struct {
	GroupBy       []string
	GroupWait     time.Duration
	GroupInterval time.Duration
}

// DefaultStreamConfig is the replay the eval command runs unless told otherwise.
func DefaultStreamConfig() StreamConfig {
	return StreamConfig{
		Seed:         1,
		Start:        time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC),
		MeanGap:      5 * time.Minute,
		NoisePerHour: 20,
		ResolveAfter: 5 * time.Minute,
		// Grafana's default notification policy groups by folder and alertname; with every
		// rule in one folder that is alertname. Alertmanager's defaults are the waits.
		Sender:     Sender{GroupBy: []string{"alertname"}, GroupWait: 30 * time.Second, GroupInterval: 5 * time.Minute},
		RetryShare: 0.02,
	}
}

// Validate reports the first setting that makes no sense.
func (c StreamConfig) Validate() error {
	switch {
	case c.MeanGap <= 0:
		return fmt.Errorf("mean gap between faults must be positive, got %s", c.MeanGap)
	case c.NoisePerHour < 0:
		return fmt.Errorf("noise rate must not be negative, got %g", c.NoisePerHour)
	case c.ResolveAfter <= 0:
		return fmt.Errorf("resolve delay must be positive, got %s", c.ResolveAfter)
	case c.Sender.GroupWait < 0 || c.Sender.GroupInterval <= 0:
		return fmt.Errorf("group wait must not be negative and group interval must be positive, got %s and %s", c.Sender.GroupWait, c.Sender.GroupInterval)
	case c.RetryShare < 0 || c.RetryShare >= 1:
		return fmt.Errorf("retry share must be in [0, 1), got %g", c.RetryShare)
	}
	return nil
}

// Occurrence is one alert firing once: the gold item. A fingerprint that fires again in a
// later fault after it resolved is a new occurrence, as it is for the engine; one that
// fires again while still firing is the same alert to any sender, so it is folded into
// the firing occurrence (Stream.Folded counts them) and stays in that one's gold cluster.
type Occurrence struct {
	ID          int
	Fingerprint string
	Labels      map[string]string
	Signal      Signal
	Gold        string // "fault <id>" or "noise <n>"
	Fault       int    // index in Dataset.Faults, -1 for noise
	FaultType   string // "noise" for noise
	Start       time.Time
	LastSeen    time.Time // the last detection
	End         time.Time // resolved: LastSeen + ResolveAfter
	Detections  int
}

// Notification is one webhook delivery: the group's alerts at the time it was flushed.
type Notification struct {
	At       time.Time
	GroupKey string
	Alerts   []SentAlert
	Retry    bool // a second delivery of the previous notification
}

// SentAlert is an occurrence as one notification reports it.
type SentAlert struct {
	Occurrence int // index in Stream.Occurrences
	Resolved   bool
}

// Stream is a replay: the gold items and the notifications delivering them in time order.
type Stream struct {
	Occurrences   []Occurrence
	Notifications []Notification
	Stats         StreamStats
}

// StreamStats describes a replay.
type StreamStats struct {
	Faults int
	// OverlapSpan counts faults whose alert span (first to last detection) overlaps
	// another's; OverlapFiring those whose firing interval (to the last resolution) does.
	OverlapSpan, OverlapFiring int
	Noise                      int // background occurrences (NoiseDrawn less those folded)
	NoiseDrawn                 int // background alerts drawn
	Folded                     int // re-detections of a firing fingerprint from another fault or noise
	Resends                    int // firing alerts delivered again after their first delivery
	Retries                    int // notifications delivered twice
	Span                       time.Duration
}

// BuildStream replays the data set. The same config gives the same stream.
func BuildStream(ds *Dataset, cfg StreamConfig) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	raw := shiftFaults(ds, cfg, rng)
	end := cfg.Start
	for _, o := range raw {
		end = maxTime(end, o.End)
	}
	noise := backgroundAlerts(ds, cfg, rng, end)
	s := &Stream{}
	s.Stats.Faults = len(ds.Faults)
	s.Stats.NoiseDrawn = len(noise)
	s.Stats.Span = end.Sub(cfg.Start)
	s.Stats.OverlapSpan, s.Stats.OverlapFiring = overlaps(raw, len(ds.Faults))
	s.Occurrences, s.Stats.Folded = fold(append(raw, noise...))
	s.Stats.Noise = countNoise(s.Occurrences)
	s.Notifications, s.Stats.Resends = deliver(s.Occurrences, cfg.Sender)
	s.Notifications, s.Stats.Retries = retry(s.Notifications, cfg.RetryShare, rng)
	return s, nil
}

// shiftFaults moves each fault to a start drawn from a Poisson process, keeping every
// detection's offset from its fault's start, and gathers each fault's detections into
// occurrences by fingerprint.
func shiftFaults(ds *Dataset, cfg StreamConfig, rng *rand.Rand) []Occurrence {
	var out []Occurrence
	at := cfg.Start
	for fi, ft := range ds.Faults {
		if fi > 0 {
			at = at.Add(time.Duration(rng.ExpFloat64() * float64(cfg.MeanGap)))
		}
		byFP := map[string]int{}
		for _, d := range ft.Detections {
			t := at.Add(d.At.Sub(ft.Start))
			fp := webhook.LabelFingerprint(d.Labels)
			if i, ok := byFP[fp]; ok {
				out[i].LastSeen = maxTime(out[i].LastSeen, t)
				out[i].End = out[i].LastSeen.Add(cfg.ResolveAfter)
				out[i].Detections++
				continue
			}
			byFP[fp] = len(out)
			out = append(out, Occurrence{
				Fingerprint: fp, Labels: d.Labels, Signal: d.Signal,
				Gold: fmt.Sprintf("fault %d", ft.ID), Fault: fi, FaultType: ft.Type,
				Start: t, LastSeen: t, End: t.Add(cfg.ResolveAfter), Detections: 1,
			})
		}
	}
	return out
}

// backgroundAlerts draws noise over [cfg.Start, end): each a random fault's random alert,
// firing once.
func backgroundAlerts(ds *Dataset, cfg StreamConfig, rng *rand.Rand, end time.Time) []Occurrence {
	if cfg.NoisePerHour == 0 {
		return nil
	}
	mean := float64(time.Hour) / cfg.NoisePerHour
	var out []Occurrence
	for at := cfg.Start.Add(time.Duration(rng.ExpFloat64() * mean)); at.Before(end); at = at.Add(time.Duration(rng.ExpFloat64() * mean)) {
		ft := ds.Faults[rng.IntN(len(ds.Faults))]
		if len(ft.Detections) == 0 {
			continue
		}
		d := ft.Detections[rng.IntN(len(ft.Detections))]
		out = append(out, Occurrence{
			Fingerprint: webhook.LabelFingerprint(d.Labels), Labels: d.Labels, Signal: Noise,
			Gold: fmt.Sprintf("noise %d", len(out)), Fault: -1, FaultType: string(Noise),
			Start: at, LastSeen: at, End: at.Add(cfg.ResolveAfter), Detections: 1,
		})
	}
	return out
}

// overlaps counts the faults whose alert span, and whose firing interval, meets another
// fault's.
func overlaps(occ []Occurrence, faults int) (span, firing int) {
	type interval struct{ from, to time.Time }
	spans := make([]interval, faults)
	fires := make([]interval, faults)
	for _, o := range occ {
		s, f := &spans[o.Fault], &fires[o.Fault]
		if s.from.IsZero() {
			*s = interval{o.Start, o.LastSeen}
			*f = interval{o.Start, o.End}
			continue
		}
		*s = interval{minTime(s.from, o.Start), maxTime(s.to, o.LastSeen)}
		*f = interval{minTime(f.from, o.Start), maxTime(f.to, o.End)}
	}
	count := func(iv []interval) int {
		n := 0
		for i := range iv {
			for j := range iv {
				if i != j && !iv[i].from.IsZero() && !iv[j].from.IsZero() &&
					!iv[i].from.After(iv[j].to) && !iv[j].from.After(iv[i].to) {
					n++
					break
				}
			}
		}
		return n
	}
	return count(spans), count(fires)
}

// fold orders the occurrences by start and folds each into an earlier firing occurrence of
// the same fingerprint, returning the survivors with their IDs set and how many folded.
func fold(occ []Occurrence) ([]Occurrence, int) {
	slices.SortStableFunc(occ, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	firing := map[string]int{} // fingerprint → index in out of its latest occurrence
	var out []Occurrence
	folded := 0
	for _, o := range occ {
		if i, ok := firing[o.Fingerprint]; ok && !o.Start.After(out[i].End) {
			out[i].LastSeen = maxTime(out[i].LastSeen, o.LastSeen)
			out[i].End = maxTime(out[i].End, o.End)
			out[i].Detections += o.Detections
			folded++
			continue
		}
		o.ID = len(out)
		firing[o.Fingerprint] = len(out)
		out = append(out, o)
	}
	return out, folded
}

func countNoise(occ []Occurrence) int {
	n := 0
	for _, o := range occ {
		if o.Fault < 0 {
			n++
		}
	}
	return n
}

// retry delivers a share of the notifications twice in a row.
func retry(ns []Notification, share float64, rng *rand.Rand) ([]Notification, int) {
	if share == 0 {
		return ns, 0
	}
	out := make([]Notification, 0, len(ns)+len(ns)/10)
	n := 0
	for _, x := range ns {
		out = append(out, x)
		if rng.Float64() < share {
			x.Retry = true
			out = append(out, x)
			n++
		}
	}
	return out, n
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// byStart orders occurrence indexes by start, then ID.
func byStart(occ []Occurrence) func(a, b int) int {
	return func(a, b int) int { return cmp.Or(occ[a].Start.Compare(occ[b].Start), cmp.Compare(a, b)) }
}
