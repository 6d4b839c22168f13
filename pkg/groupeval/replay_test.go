package groupeval

import (
	"slices"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// TestReplayDedupe checks that retried notifications (the same alerts delivered twice) do
// not change where any alert lands, and that every occurrence is placed.
func TestReplayDedupe(t *testing.T) {
	ds := loadMicroSS(t)
	cfg := DefaultStreamConfig()
	cfg.RetryShare = 0
	plain, err := BuildStream(ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RetryShare = 0.5
	retried, _ := BuildStream(ds, cfg)
	if retried.Stats.Retries == 0 || !slices.EqualFunc(plain.Occurrences, retried.Occurrences, func(a, b Occurrence) bool { return a.Fingerprint == b.Fingerprint && a.Start.Equal(b.Start) }) {
		t.Fatalf("the retried stream should hold the same occurrences plus %d retries", retried.Stats.Retries)
	}
	a := Replay(plain, incident.DefaultConfig(), ds.Graph)
	b := Replay(retried, incident.DefaultConfig(), ds.Graph)
	if a.Unassigned > 0 {
		t.Errorf("%d occurrences never placed", a.Unassigned)
	}
	sa, sb := Score(Golds(plain.Occurrences), a.Cluster), Score(Golds(retried.Occurrences), b.Cluster)
	if sa != sb {
		t.Errorf("retries changed the grouping: %+v without, %+v with", sa, sb)
	}
}

func TestFollow(t *testing.T) {
	merged := map[string]string{"a": "b", "b": "c", "x": "x"}
	for in, want := range map[string]string{"a": "c", "b": "c", "c": "c", "x": "x", "q": "q"} {
		if got := follow(in, merged); got != want {
			t.Errorf("follow(%s) = %s, want %s", in, got, want)
		}
	}
}
