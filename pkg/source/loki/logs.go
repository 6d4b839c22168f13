package loki

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Direction is the order lines are read and returned in.
type Direction string

const (
	// Forward is oldest first.
	Forward Direction = "forward"
	// Backward is newest first, Loki's default.
	Backward Direction = "backward"
)

// Entry is one log line.
type Entry struct {
	// Time is the line's timestamp, to the nanosecond as Loki stores it, in UTC.
	Time time.Time
	Line string // as Loki sent it, whatever its length
	// Stream is the line's stream labels; entries of one stream in one answer share the
	// map, so it must not be modified.
	Stream map[string]string
}

// LogsRequest asks for the lines a log query selects in [Start, End).
type LogsRequest struct {
	Query string
	// Start is inclusive and End exclusive, as in Loki's query_range ("Loki returns results
	// with timestamp greater or equal to [start]" and "lower than [end]").
	Start, End time.Time
	// Limit is the most lines wanted in total, across all splits and pages (required).
	Limit int
	// Direction is the order to read in: Backward (the default) returns the newest lines.
	Direction Direction
}

// LogsResult is the answer to a LogsRequest.
type LogsResult struct {
	// Entries are in Direction order; lines of the same nanosecond are ordered by stream
	// labels, then by text (reversed for Backward), so a result never depends on the
	// order Loki happened to send them in.
	Entries  []Entry
	Requests int // HTTP requests made
	// Truncated means Limit was reached before the range was exhausted: more lines are
	// known to exist, or later splits were left unread (they may be empty).
	Truncated bool
	Warnings  []string // warnings Loki attached, and ours, each once
}

// QueryLogs reads the lines of a log query over a range of any length. The range is cut in
// splits of at most SplitInterval, aligned on multiples of it as Loki's query frontend
// does, read one after the other in Direction order until Limit lines are collected; a
// split holding more than MaxEntriesPerRequest lines is read in pages. ctx cancels it all.
//
// The query is not checked here (Loki does, and its error is returned as an *APIError);
// use CheckQuery to check user input early.
func (c *Client) QueryLogs(ctx context.Context, req LogsRequest) (*LogsResult, error) {
	if req.Direction == "" {
		req.Direction = Backward
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	w := &logsWalk{c: c, req: req, res: &LogsResult{}, warned: map[string]bool{}}
	for lo, hi := range splitRange(req.Start.UnixNano(), req.End.UnixNano(), int64(c.opts.SplitInterval), req.Direction) {
		if len(w.res.Entries) == req.Limit {
			w.res.Truncated = true // the limit fell on a split's end: what follows is unread
			break
		}
		done, err := w.readSplit(ctx, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("query_range %s to %s: %w", fmtTime(lo), fmtTime(hi), err)
		}
		if done {
			break
		}
	}
	return w.res, nil
}

func (r LogsRequest) validate() error {
	switch {
	case r.Query == "":
		return errors.New("the log query is empty")
	case r.Limit <= 0:
		return fmt.Errorf("limit must be positive, got %d", r.Limit)
	case !r.End.After(r.Start):
		return fmt.Errorf("end %s must be after start %s", r.End.Format(time.RFC3339Nano), r.Start.Format(time.RFC3339Nano))
	case r.Direction != Forward && r.Direction != Backward:
		return fmt.Errorf("direction %q must be %q or %q", r.Direction, Forward, Backward)
	}
	return nil
}

// logsWalk is the state of one QueryLogs call.
type logsWalk struct {
	c      *Client
	req    LogsRequest
	res    *LogsResult
	warned map[string]bool
}

// readSplit reads the window [lo, hi) page by page and reports whether the limit stopped
// the walk.
//
// Paging moves the window past what was read, starting at the last page's last timestamp,
// since Loki may hold many lines at one nanosecond and a page can end among them. logcli
// re-reads that timestamp and drops the lines it already printed, matching them by text
// alone: the same line in another stream, or a genuine repeat, is dropped too. Here the
// lines of the last timestamp of a full page are not kept at all: the next page starts at
// that timestamp (start is inclusive; for Backward, end = ts+1 since end is exclusive) and
// returns them all again, so each instant is taken whole from a single answer, with
// nothing dropped or doubled, and its ties are ordered in one place. Only an instant
// holding a full page of lines by itself cannot be taken whole: its page is kept, the walk
// moves past it, and a warning says lines may be missing there.
func (w *logsWalk) readSplit(ctx context.Context, lo, hi int64) (bool, error) {
	maxPage := w.c.opts.MaxEntriesPerRequest
	for lo < hi {
		remaining := w.req.Limit - len(w.res.Entries)
		// One line more than needed tells whether the range holds more than the limit.
		asked := min(maxPage, remaining+1)
		p, err := w.c.queryRangeOnce(ctx, w.req.Query, lo, hi, asked, w.req.Direction)
		w.res.Requests++
		if err != nil {
			return false, err
		}
		for _, msg := range p.warnings {
			w.warn(msg)
		}
		sortEntries(p.entries, w.req.Direction)
		n := len(p.entries)
		switch {
		case n < asked: // the window is exhausted
			w.keep(p.entries)
			return false, nil
		case n > remaining: // more lines than the limit: take what is wanted and stop
			w.keep(p.entries[:remaining])
			w.res.Truncated = true
			return true, nil
		}
		// A full page of maxPage lines, all wanted: keep those before its last instant.
		last := p.entries[n-1].ns
		cut := slices.IndexFunc(p.entries, func(e keyedEntry) bool { return e.ns == last })
		reread := cut > 0
		if !reread {
			cut = n
			w.warn(fmt.Sprintf("%d or more lines share the timestamp %s, the most one request returns (max_entries_limit_per_query): lines at that instant may be missing", maxPage, fmtTime(last)))
		}
		w.keep(p.entries[:cut])
		switch {
		case w.req.Direction == Forward && reread:
			lo = last // start is inclusive: the next page begins with the last instant
		case w.req.Direction == Forward:
			lo = last + 1
		case reread:
			hi = last + 1 // end is exclusive: the next page begins with the last instant
		default:
			hi = last
		}
	}
	return false, nil
}

func (w *logsWalk) keep(entries []keyedEntry) {
	for _, e := range entries {
		w.res.Entries = append(w.res.Entries, e.Entry)
	}
}

// warn records a warning once: every split would otherwise repeat Loki's.
func (w *logsWalk) warn(msg string) {
	if !w.warned[msg] {
		w.warned[msg] = true
		w.res.Warnings = append(w.res.Warnings, msg)
	}
}

// sortEntries puts a page's entries, which come grouped by stream, in time order; equal
// times are ordered by stream, then line, and Backward is the exact reverse of Forward.
func sortEntries(entries []keyedEntry, dir Direction) {
	sign := 1
	if dir == Backward {
		sign = -1
	}
	slices.SortFunc(entries, func(a, b keyedEntry) int {
		if c := cmp.Compare(a.ns, b.ns); c != 0 {
			return sign * c
		}
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return sign * c
		}
		return sign * cmp.Compare(a.Line, b.Line)
	})
}

// queryRangeOnce asks query_range for the first limit lines of [lo, hi) in direction dir.
func (c *Client) queryRangeOnce(ctx context.Context, query string, lo, hi int64, limit int, dir Direction) (*page, error) {
	params := url.Values{
		"query":     {query},
		"start":     {fmtNs(lo)},
		"end":       {fmtNs(hi)},
		"limit":     {strconv.Itoa(limit)},
		"direction": {string(dir)},
	}
	body, err := c.get(ctx, "/loki/api/v1/query_range", params)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: /loki/api/v1/query_range not found (404); check the URL points at Loki's API root, e.g. http://loki:3100", ErrNotLoki)
	}
	if err != nil {
		return nil, err
	}
	defer closeBody(body)
	return decodeStreams(body, lo, hi, limit)
}
