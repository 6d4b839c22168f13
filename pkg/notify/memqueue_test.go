package notify

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// memQueue is an in-memory outbox.Queue faithful to the documented semantics: leases
// with owners, due times, and no item handed out while an older undelivered item of the
// same incident and target exists. Attempts counts failed sends (Retry and Fail).
type memQueue struct {
	mu     sync.Mutex
	items  map[int64]*memItem
	refs   map[string]string
	nextID int64
	claims int // Claim calls, for tests
}

type memState string

const (
	memPending memState = "pending"
	memDone    memState = "done"
	memFailed  memState = "failed"
)

type memItem struct {
	outbox.Item
	state   memState
	owner   string
	leaseTo time.Time
	due     time.Time
	lastErr string
	// claimedBy records every owner that held the item, in order.
	claimedBy []string
}

func newMemQueue() *memQueue {
	return &memQueue{items: map[int64]*memItem{}, refs: map[string]string{}}
}

// add enqueues an item due at once and returns its id.
func (q *memQueue) add(it outbox.Item) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	it.ID = q.nextID
	q.items[it.ID] = &memItem{Item: it, state: memPending}
	return it.ID
}

func (q *memQueue) sortedIDs() []int64 {
	ids := make([]int64, 0, len(q.items))
	for id := range q.items {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (q *memQueue) Claim(ctx context.Context, owner string, n int, lease time.Duration, now time.Time) ([]outbox.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.claims++
	blocked := map[string]bool{} // incident+target with an older undelivered item
	var out []outbox.Item
	for _, id := range q.sortedIDs() {
		it := q.items[id]
		if it.state != memPending {
			continue
		}
		key := it.Tenant + "\x00" + it.IncidentID + "\x00" + it.Target
		if blocked[key] {
			continue
		}
		blocked[key] = true
		leased := it.owner != "" && now.Before(it.leaseTo)
		if leased || now.Before(it.due) || len(out) >= n {
			continue
		}
		it.owner, it.leaseTo = owner, now.Add(lease)
		it.claimedBy = append(it.claimedBy, owner)
		out = append(out, it.Item)
	}
	return out, nil
}

// holder returns the item if owner holds its lease.
func (q *memQueue) holder(owner string, id int64) (*memItem, error) {
	it, ok := q.items[id]
	if !ok {
		return nil, fmt.Errorf("item %d does not exist", id)
	}
	if it.state != memPending || it.owner != owner {
		return nil, fmt.Errorf("item %d is not leased to %s", id, owner)
	}
	return it, nil
}

func (q *memQueue) Done(_ context.Context, owner string, id int64, _ time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.holder(owner, id)
	if err != nil {
		return err
	}
	it.state, it.owner = memDone, ""
	return nil
}

func (q *memQueue) Retry(_ context.Context, owner string, id int64, next time.Time, lastErr string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.holder(owner, id)
	if err != nil {
		return err
	}
	it.Attempts++
	it.owner, it.due, it.lastErr = "", next, lastErr
	return nil
}

func (q *memQueue) Fail(_ context.Context, owner string, id int64, lastErr string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.holder(owner, id)
	if err != nil {
		return err
	}
	it.Attempts++
	it.state, it.owner, it.lastErr = memFailed, "", lastErr
	return nil
}

func (q *memQueue) Ref(_ context.Context, tenant, incidentID, target string) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.refs[tenant+"/"+incidentID+"/"+target], nil
}

func (q *memQueue) SetRef(_ context.Context, tenant, incidentID, target, ref string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.refs[tenant+"/"+incidentID+"/"+target] = ref
	return nil
}

// snapshot returns a copy of an item's state.
func (q *memQueue) snapshot(id int64) memItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := *q.items[id]
	it.claimedBy = append([]string(nil), it.claimedBy...)
	return it
}

// settled reports whether every item is done or failed.
func (q *memQueue) settled() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.items {
		if it.state == memPending {
			return false
		}
	}
	return true
}

var _ outbox.Queue = (*memQueue)(nil)
