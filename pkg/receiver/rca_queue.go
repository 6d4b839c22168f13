package receiver

import (
	"context"
	"sync"
	"time"
)

// analysisKey names one incident of one tenant.
type analysisKey struct{ tenant, id string }

// analysisQueue holds the incidents waiting for root-cause analysis. It never blocks the
// caller: ingestion asks for analyses from the writer goroutine. A request for an incident
// that is already waiting, being analysed or deferred is folded into that one, so a storm
// of alerts joining one incident costs one analysis rather than one per alert; a request
// that finds the queue full is dropped and counted, and the periodic refresh finds the
// incident again.
//
// A forced request (an explicit refresh) recomputes even when the incident's alerts have
// not changed; folding keeps the force.
type analysisQueue struct {
	mu       sync.Mutex
	max      int
	waiting  []analysisKey
	queued   map[analysisKey]bool // waiting; true when forced
	running  map[analysisKey]*rerun
	deferred map[analysisKey]*deferral
	closed   bool
	ready    chan struct{} // a key is waiting; buffered, so signalling never blocks
	dropped  func()
}

// rerun records requests that arrived while the incident was being analysed: they may
// carry alerts the running analysis did not see, so the incident is queued again after.
type rerun struct{ again, force bool }

// deferral is a request held back until the incident's minimum interval has passed.
type deferral struct {
	timer *time.Timer
	force bool
}

func newAnalysisQueue(max int, dropped func()) *analysisQueue {
	return &analysisQueue{
		max:      max,
		queued:   map[analysisKey]bool{},
		running:  map[analysisKey]*rerun{},
		deferred: map[analysisKey]*deferral{},
		ready:    make(chan struct{}, 1),
		dropped:  dropped,
	}
}

// add asks for an analysis of k. It returns false when the request was dropped because
// the queue is full or closed.
func (q *analysisQueue) add(k analysisKey, force bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.addLocked(k, force)
}

func (q *analysisQueue) addLocked(k analysisKey, force bool) bool {
	if q.closed {
		return false
	}
	if f, ok := q.queued[k]; ok {
		q.queued[k] = f || force
		return true
	}
	if r, ok := q.running[k]; ok {
		r.again, r.force = true, r.force || force
		return true
	}
	if d, ok := q.deferred[k]; ok {
		d.force = d.force || force
		return true
	}
	if len(q.waiting) >= q.max {
		q.dropped()
		return false
	}
	q.waiting = append(q.waiting, k)
	q.queued[k] = force
	q.signal()
	return true
}

func (q *analysisQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// next waits for the oldest waiting key and marks it running; ok is false once ctx ends.
// The caller reports the end of the analysis with done.
func (q *analysisQueue) next(ctx context.Context) (k analysisKey, force, ok bool) {
	for {
		q.mu.Lock()
		if len(q.waiting) > 0 {
			k = q.waiting[0]
			q.waiting[0] = analysisKey{} // let the strings go with the slot
			q.waiting = q.waiting[1:]
			force = q.queued[k]
			delete(q.queued, k)
			q.running[k] = &rerun{}
			if len(q.waiting) > 0 {
				q.signal() // another worker may take the next one
			}
			q.mu.Unlock()
			return k, force, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return analysisKey{}, false, false
		}
	}
}

// done ends k's analysis, queueing k again if it was asked for meanwhile.
func (q *analysisQueue) done(k analysisKey) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := q.running[k]
	delete(q.running, k)
	if r != nil && r.again {
		q.addLocked(k, r.force)
	}
}

// deferFor holds a request for k back for d (the rest of its minimum interval) and then
// queues it; requests meanwhile fold into it, so the latest one is honoured.
func (q *analysisQueue) deferFor(k analysisKey, force bool, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if dd, ok := q.deferred[k]; ok {
		dd.force = dd.force || force
		return
	}
	dd := &deferral{force: force}
	dd.timer = time.AfterFunc(d, func() { q.release(k) })
	q.deferred[k] = dd
}

func (q *analysisQueue) release(k analysisKey) {
	q.mu.Lock()
	defer q.mu.Unlock()
	dd, ok := q.deferred[k]
	if !ok {
		return // closed meanwhile
	}
	delete(q.deferred, k)
	q.addLocked(k, dd.force)
}

// close drops everything waiting or deferred and refuses new requests; analyses running
// finish. Requests it drops are not counted as dropped: the refresh after a restart finds
// the incidents again.
func (q *analysisQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for _, d := range q.deferred {
		d.timer.Stop()
	}
	clear(q.deferred)
	clear(q.queued)
	q.waiting = nil
}

// len is how many incidents wait (deferred ones included).
func (q *analysisQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.waiting) + len(q.deferred)
}
