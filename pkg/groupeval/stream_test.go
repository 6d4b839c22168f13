package groupeval

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// tinyDataset is three faults of three alerts each; "shared" fires in every fault, as the
// noisiest MicroSS metrics do.
func tinyDataset() *Dataset {
	det := func(at time.Duration, name, svc string) Detection {
		return Detection{At: t0.Add(at), Signal: Metric, Labels: map[string]string{"alertname": name, "service": svc}}
	}
	ds := &Dataset{}
	for i, svc := range []string{"a", "b", "c"} {
		ds.Faults = append(ds.Faults, Fault{ID: i, Type: "t" + svc, Start: t0, End: t0.Add(sec(60)), Detections: []Detection{
			det(0, "shared", "z"), det(sec(10), "own", svc), det(sec(70), "own", svc), det(sec(90), "late", svc),
		}})
	}
	return ds
}

func TestBuildStreamDeterministic(t *testing.T) {
	ds := tinyDataset()
	cfg := DefaultStreamConfig()
	cfg.NoisePerHour = 60
	a, err := BuildStream(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BuildStream(ds, cfg)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed built two different streams")
	}
	cfg.Seed++
	c, _ := BuildStream(ds, cfg)
	if reflect.DeepEqual(a.Occurrences, c.Occurrences) {
		t.Error("another seed built the same stream")
	}
	for i := 1; i < len(a.Notifications); i++ {
		if a.Notifications[i].At.Before(a.Notifications[i-1].At) {
			t.Fatalf("notification %d at %v goes back in time", i, a.Notifications[i].At)
		}
	}
}

// TestBuildStreamOccurrences checks the gold items: each fault's repeated detection is one
// occurrence, and "shared" folds into the previous fault's occurrence while that one fires.
func TestBuildStreamOccurrences(t *testing.T) {
	ds := tinyDataset()
	cfg := DefaultStreamConfig()
	cfg.NoisePerHour = 0
	cfg.MeanGap = time.Hour // far apart: nothing folds
	s, err := BuildStream(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Occurrences) != 9 || s.Stats.Folded != 0 {
		t.Fatalf("%d occurrences, %d folded; want 9 and 0", len(s.Occurrences), s.Stats.Folded)
	}
	own := s.Occurrences[1]
	if own.Labels["alertname"] != "own" || own.Detections != 2 || own.End != own.Start.Add(sec(60)+cfg.ResolveAfter) {
		t.Errorf("occurrence %+v: want own, 2 detections, resolving ResolveAfter after the second", own)
	}

	cfg.MeanGap = time.Nanosecond // every fault at once: shared fires while still firing
	s, _ = BuildStream(ds, cfg)
	if len(s.Occurrences) != 7 || s.Stats.Folded != 2 || s.Stats.OverlapSpan != 3 {
		t.Errorf("simultaneous faults: %d occurrences, %d folded, %d overlapping; want 7, 2, 3", len(s.Occurrences), s.Stats.Folded, s.Stats.OverlapSpan)
	}
	if s.Occurrences[0].Detections != 3 || s.Occurrences[0].Gold != "fault 0" {
		t.Errorf("folded occurrence %+v: want fault 0's with 3 detections", s.Occurrences[0])
	}
}

func TestOverlaps(t *testing.T) {
	occ := func(fault int, from, last, end int) Occurrence {
		return Occurrence{Fault: fault, Start: t0.Add(sec(from)), LastSeen: t0.Add(sec(last)), End: t0.Add(sec(end))}
	}
	// Spans: f0 [0,100], f1 [50,60] (inside f0), f2 [200,200], f3 [400,410].
	// Firing: f2 ends at 500, reaching f3.
	got := []Occurrence{occ(0, 0, 0, 10), occ(0, 100, 100, 110), occ(1, 50, 60, 70), occ(2, 200, 200, 500), occ(3, 400, 410, 420)}
	span, firing := overlaps(got, 4)
	if span != 2 || firing != 4 {
		t.Errorf("overlaps = %d by span, %d by firing; want 2 and 4", span, firing)
	}
}

// TestBuildStreamNoiseAndOverlap checks on the real data that the default replay overlaps
// a good share of the faults and draws the noise at the configured rate.
func TestBuildStreamNoiseAndOverlap(t *testing.T) {
	ds := loadMicroSS(t)
	cfg := DefaultStreamConfig()
	s, err := BuildStream(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats
	if share := float64(st.OverlapSpan) / float64(st.Faults); share < 0.3 || share > 0.9 {
		t.Errorf("%d of %d faults overlap another: the replay should overlap a good share, not none or all", st.OverlapSpan, st.Faults)
	}
	// Poisson: the count is within 4 standard deviations of rate × span (before folding).
	want := cfg.NoisePerHour * st.Span.Hours()
	drawn := float64(st.NoiseDrawn)
	if math.Abs(drawn-want) > 4*math.Sqrt(want) {
		t.Errorf("%v background alerts over %v, want about %.0f", drawn, st.Span, want)
	}
	if st.Resends == 0 || st.Retries == 0 {
		t.Errorf("no re-sends (%d) or retries (%d): dedupe would go untested", st.Resends, st.Retries)
	}
	golds := map[string]bool{}
	for _, o := range s.Occurrences {
		if o.Fault < 0 {
			if golds[o.Gold] {
				t.Fatalf("background alert %s shares its gold cluster", o.Gold)
			}
			golds[o.Gold] = true
		}
	}
}

func TestDeliver(t *testing.T) {
	lab := func(name string) map[string]string { return map[string]string{"alertname": name} }
	occ := []Occurrence{
		{Fingerprint: "1", Labels: lab("cpu"), Start: t0, End: t0.Add(sec(400))},
		{Fingerprint: "2", Labels: lab("cpu"), Start: t0.Add(sec(10)), End: t0.Add(sec(100))},
		{Fingerprint: "3", Labels: lab("mem"), Start: t0.Add(sec(40)), End: t0.Add(sec(50))},
	}
	snd := Sender{GroupBy: []string{"alertname"}, GroupWait: sec(30), GroupInterval: sec(300)}
	got, resends := deliver(occ, snd)
	type sent struct {
		at  time.Duration
		key string
		occ []SentAlert
	}
	want := []sent{
		{30 * time.Second, `{}:{alertname="cpu"}`, []SentAlert{{0, false}, {1, false}}},
		{70 * time.Second, `{}:{alertname="mem"}`, []SentAlert{{2, true}}}, // fired and resolved within the wait
		{330 * time.Second, `{}:{alertname="cpu"}`, []SentAlert{{0, false}, {1, true}}},
		{630 * time.Second, `{}:{alertname="cpu"}`, []SentAlert{{0, true}}},
	}
	if len(got) != len(want) {
		t.Fatalf("%d notifications %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.At.Sub(t0) != w.at || g.GroupKey != w.key || !slices.Equal(g.Alerts, w.occ) {
			t.Errorf("notification %d = %v %s %v, want %v %s %v", i, g.At.Sub(t0), g.GroupKey, g.Alerts, w.at, w.key, w.occ)
		}
	}
	if resends != 1 {
		t.Errorf("%d re-sends, want 1 (alert 1 again at 330s)", resends)
	}
}

func TestBaseline(t *testing.T) {
	mk := func(name, svc string, start int) Occurrence {
		return Occurrence{Labels: map[string]string{"alertname": name, "service": svc}, Start: t0.Add(sec(start)), LastSeen: t0.Add(sec(start))}
	}
	occ := []Occurrence{mk("cpu", "a", 0), mk("cpu", "a", 200), mk("cpu", "b", 10), mk("cpu", "a", 600), mk("mem", "a", 5)}
	got := GroupBy{Labels: []string{"alertname", "service"}, ResolveTimeout: 5 * time.Minute}.Group(occ)
	// cpu/a at 0 and 200 share a group; 600 is more than 5m after 200: a new one.
	want := []string{"group 1", "group 1", "group 3", "group 4", "group 2"}
	if !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}
