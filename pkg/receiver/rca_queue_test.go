package receiver

import (
	"context"
	"testing"
	"time"
)

// take returns the next key the queue hands out, failing when none comes.
func take(t *testing.T, q *analysisQueue) (analysisKey, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, force, ok := q.next(ctx)
	if !ok {
		t.Fatal("nothing to take from the queue")
	}
	return k, force
}

// empty reports whether the queue hands nothing out right now.
func empty(q *analysisQueue) bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, ok := q.next(ctx)
	return !ok
}

func TestAnalysisQueueFoldsAndBounds(t *testing.T) {
	dropped := 0
	q := newAnalysisQueue(2, func() { dropped++ })
	a, b, c := analysisKey{"t", "a"}, analysisKey{"t", "b"}, analysisKey{"t", "c"}

	for _, tc := range []struct {
		key         analysisKey
		force, want bool
	}{
		{a, false, true},
		{a, false, true}, // folded into the waiting one
		{b, false, true},
		{a, true, true}, // folded, and forces it
		{c, false, false},
	} {
		if got := q.add(tc.key, tc.force); got != tc.want {
			t.Errorf("add(%v, %v) = %v, want %v", tc.key, tc.force, got, tc.want)
		}
	}
	if dropped != 1 || q.len() != 2 {
		t.Errorf("dropped %d, %d waiting; want 1 dropped (c), 2 waiting", dropped, q.len())
	}

	if k, force := take(t, q); k != a || !force {
		t.Errorf("first out %v forced %v, want a forced", k, force)
	}
	// Requests while a runs fold into one rerun after it, keeping the force.
	q.add(a, false)
	q.add(a, true)
	if k, force := take(t, q); k != b || force {
		t.Errorf("second out %v forced %v, want b", k, force)
	}
	q.done(a)
	if k, force := take(t, q); k != a || !force {
		t.Errorf("after a finished: %v forced %v, want a again, forced", k, force)
	}
	q.done(a)
	q.done(b)
	if !empty(q) {
		t.Error("work left after everything finished")
	}
}

// TestAnalysisQueueDeferral checks that a request held back for the minimum interval runs
// once it has passed, with every request made meanwhile folded into it.
func TestAnalysisQueueDeferral(t *testing.T) {
	q := newAnalysisQueue(4, func() { t.Error("dropped") })
	a := analysisKey{"t", "a"}
	q.add(a, false)
	k, _ := take(t, q)
	q.deferFor(k, false, time.Hour) // the running analysis found it too soon
	q.done(k)
	if !empty(q) {
		t.Fatal("a deferred request ran at once")
	}
	q.add(a, true) // folds into the deferral
	if q.len() != 1 {
		t.Errorf("%d waiting, want the one deferral", q.len())
	}
	q.release(a) // what the timer does when the interval has passed
	if k, force := take(t, q); k != a || !force {
		t.Errorf("released %v forced %v, want a with the folded force", k, force)
	}
	q.done(a)

	// The timer itself releases it.
	q.add(a, false)
	take(t, q)
	q.deferFor(a, false, time.Millisecond)
	q.done(a)
	if k, _ := take(t, q); k != a {
		t.Errorf("after the interval: %v, want a", k)
	}
}

func TestAnalysisQueueClose(t *testing.T) {
	q := newAnalysisQueue(4, func() { t.Error("a closed queue counted a drop") })
	a, b := analysisKey{"t", "a"}, analysisKey{"t", "b"}
	q.add(a, false)
	q.deferFor(b, false, time.Hour)
	q.close()
	if q.add(a, false) || q.len() != 0 || !empty(q) {
		t.Errorf("closed queue: accepts work or keeps %d", q.len())
	}
}
