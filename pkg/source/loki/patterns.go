package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"time"
)

// Pattern is a line template Loki's pattern ingester detected, with "<_>" where lines vary.
type Pattern struct {
	Pattern string
	Level   string // the detected level (info, error, ...); empty when Loki does not send it
	Samples []Sample
}

// Sample is how many lines matched a pattern in the step starting at Time.
type Sample struct {
	Time  time.Time // whole seconds: Loki sends Unix seconds
	Count float64
}

// Patterns reads Loki's own pattern detection for the streams query selects (a stream
// selector such as {app="api"}) over [start, end), counted per step (0: Loki's default).
//
// The answer, per docs/sources/reference/loki-http-api.md ("Patterns detection") and
// pkg/util/marshal/marshal.go (WriteQueryPatternsResponseJSON and its test; "level" is
// absent from older 3.x versions of both):
//
//	{"status":"success","data":[{"pattern":"<_> level=info <_>","level":"info",
//	  "samples":[[1711839260,1],[1711839270,2]]}]}
//
// with sample times in Unix seconds and counts as integers. The pattern ingester is off by
// default (pattern_ingester.enabled); then the querier answers 404 with an empty body
// (pkg/querier/querier.go: Patterns returns httpgrpc.Errorf(http.StatusNotFound, "") when
// it has no pattern querier), and a Loki older than 3.0 has no such route: both 404s are
// ErrPatternsUnsupported.
func (c *Client) Patterns(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Pattern, error) {
	if query == "" {
		return nil, errors.New("the stream selector is empty")
	}
	if !end.After(start) {
		return nil, fmt.Errorf("end %s must be after start %s", end.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	}
	params := url.Values{
		"query": {query},
		"start": {fmtNs(start.UnixNano())},
		"end":   {fmtNs(end.UnixNano())},
	}
	if step > 0 {
		params.Set("step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	}
	body, err := c.get(ctx, "/loki/api/v1/patterns", params)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: /loki/api/v1/patterns answered 404: enable the pattern ingester (pattern_ingester: enabled: true, Loki 3.0 or later)", ErrPatternsUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("patterns: %w", err)
	}
	defer closeBody(body)
	patterns, err := decodePatterns(body)
	if err != nil {
		return nil, fmt.Errorf("patterns: %w", err)
	}
	return patterns, nil
}

// decodePatterns reads a patterns answer one pattern at a time.
func decodePatterns(r io.Reader) ([]Pattern, error) {
	dec := json.NewDecoder(r)
	var status string
	patterns := []Pattern{}
	err := readObject(dec, func(field string) error {
		switch field {
		case "status":
			return dec.Decode(&status)
		case "data":
			return readArray(dec, func() error {
				var raw struct {
					Pattern string      `json:"pattern"`
					Level   string      `json:"level"`
					Samples [][]float64 `json:"samples"`
				}
				if err := dec.Decode(&raw); err != nil {
					return err
				}
				p := Pattern{Pattern: raw.Pattern, Level: raw.Level, Samples: make([]Sample, 0, len(raw.Samples))}
				for _, s := range raw.Samples {
					if len(s) < 2 {
						return formatErr("pattern %q has a sample %v, not [unix seconds, count]", raw.Pattern, s)
					}
					sec, frac := math.Modf(s[0])
					p.Samples = append(p.Samples, Sample{Time: time.Unix(int64(sec), int64(frac*1e9)).UTC(), Count: s[1]})
				}
				patterns = append(patterns, p)
				return nil
			})
		default:
			return skipValue(dec)
		}
	})
	if err != nil {
		return nil, decodeError(err)
	}
	if status != "success" {
		return nil, fmt.Errorf("%w: the answer has no \"status\": \"success\"", ErrNotLoki)
	}
	return patterns, nil
}
