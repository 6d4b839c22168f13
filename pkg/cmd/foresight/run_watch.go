package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/internal/httpjson"
)

// demoHypotheses is GET /api/v1/incidents/{id}/hypotheses.
type demoHypotheses struct {
	State      string `json:"state"`
	Reason     string `json:"reason"`
	Revision   int64  `json:"revision"`
	Hypotheses []struct {
		Entity      string  `json:"entity"`
		Confidence  float64 `json:"confidence"`
		Explanation string  `json:"explanation"`
	} `json:"hypotheses"`
	NoCause float64  `json:"noCause"`
	Errors  []string `json:"errors"`
}

// seen is what has been printed of one incident.
type seen struct {
	state      incident.State
	alerts     int
	hypotheses string // the printed top hypotheses, to print again only when they change
}

// watch polls the receiver and prints new incidents, their changes and their hypotheses
// until ctx ends.
func (d *demo) watch(ctx context.Context, out io.Writer) error {
	hc := &http.Client{Timeout: 10 * time.Second}
	known := map[string]*seen{}
	tick := time.NewTicker(d.cfg.poll)
	defer tick.Stop()
	for {
		if err := d.pollOnce(ctx, hc, out, known); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(out, "%s  receiver API: %v\n", time.Now().Format("15:04:05"), err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (d *demo) pollOnce(ctx context.Context, hc *http.Client, out io.Writer, known map[string]*seen) error {
	var page struct {
		Incidents []incident.Incident `json:"incidents"`
	}
	q := url.Values{"limit": {"100"}, "from": {d.started.UTC().Format(time.RFC3339)}}
	if err := httpjson.Get(ctx, hc, d.recvURL+"/api/v1/incidents?"+q.Encode(), d.token, &page); err != nil {
		return err
	}
	// The list is newest first; print in the order they opened.
	for i := len(page.Incidents) - 1; i >= 0; i-- {
		in := page.Incidents[i]
		s := known[in.ID]
		now := time.Now().Format("15:04:05")
		switch {
		case s == nil:
			s = &seen{state: in.State, alerts: in.AlertCount}
			known[in.ID] = s
			fmt.Fprintf(out, "%s  incident %s %s: %s\n          severity %s, services %s, %d alert(s)\n",
				now, in.ID, in.State, in.Title, orNone(in.Severity), strings.Join(in.Services, ", "), in.AlertCount)
		case s.state != in.State || s.alerts != in.AlertCount:
			s.state, s.alerts = in.State, in.AlertCount
			fmt.Fprintf(out, "%s  incident %s is %s: services %s, %d alert(s)\n", now, in.ID, in.State, strings.Join(in.Services, ", "), in.AlertCount)
		}
		if err := d.printHypotheses(ctx, hc, out, in.ID, s); err != nil {
			return err
		}
	}
	return nil
}

// printHypotheses prints the incident's top three hypotheses when they are ready and
// differ from what was printed before.
func (d *demo) printHypotheses(ctx context.Context, hc *http.Client, out io.Writer, id string, s *seen) error {
	var h demoHypotheses
	if err := httpjson.Get(ctx, hc, d.recvURL+"/api/v1/incidents/"+url.PathEscape(id)+"/hypotheses", d.token, &h); err != nil {
		return err
	}
	if h.State != "ready" || len(h.Hypotheses) == 0 {
		return nil
	}
	var b strings.Builder
	for i, hy := range h.Hypotheses[:min(3, len(h.Hypotheses))] {
		fmt.Fprintf(&b, "          %d. %-16s %3.0f%%  %s\n", i+1, hy.Entity, 100*hy.Confidence, oneLine(hy.Explanation))
	}
	text := b.String()
	if text == s.hypotheses {
		return nil
	}
	s.hypotheses = text
	fmt.Fprintf(out, "%s  probable causes of %s (no clear cause: %.0f%%):\n%s", time.Now().Format("15:04:05"), id, 100*h.NoCause, text)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// oneLine keeps an explanation on one line of reasonable length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		return string(r[:157]) + "…"
	}
	return s
}
