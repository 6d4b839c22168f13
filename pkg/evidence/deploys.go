package evidence

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// How strongly a change points at its entity. A change shortly before the first alert is
// the classic cause: deployMax just before it, falling linearly to half that at the start
// of the lookback. A change after the first alert cannot have caused it (it may be a
// rollback or a fix, or the cause of later alerts): afterAlert.
const (
	deployMax  = 0.95
	afterAlert = 0.3
)

// deployStrength weighs a change at t.
func (s span) deployStrength(t time.Time) float64 {
	if s.firstAlert.IsZero() {
		return deployMax * 0.75
	}
	lead := s.firstAlert.Sub(t)
	if lead < 0 {
		return afterAlert
	}
	return deployMax * (1 - 0.5*min(1, float64(lead)/float64(s.lookback())))
}

// VersionLabels are the labels that carry a build's identity on build_info-style metrics
// (Prometheus' own prometheus_build_info has version and revision; other exporters use the
// others).
var VersionLabels = []string{"version", "revision", "commit", "git_commit", "image_tag"}

// Deploys gathers deployments and configuration changes in the incident's window:
// Grafana annotations tagged as such, new values of version labels on metrics named
// *_build_info, and generation increases of Kubernetes deployments (kube-state-metrics).
type Deploys struct {
	prom    *promSource        // nil: no Prometheus
	grafana *annotationsClient // nil: no Grafana
	tags    []string
	links   explorer
}

// Name implements rca.Gatherer.
func (d *Deploys) Name() string { return "deploys" }

// Gather implements rca.Gatherer: up to three queries, one per kind of change.
func (d *Deploys) Gather(ctx context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	cands := candidates(req)
	if len(cands) == 0 {
		return nil, nil
	}
	factor, minStep := DefaultBaselineFactor, DefaultScrapeInterval
	if d.prom != nil {
		factor, minStep = d.prom.factor, d.prom.scrape
	}
	s, err := newSpan(req, factor, minStep)
	if err != nil {
		return nil, err
	}
	var out []rca.Evidence
	var errs errorList
	down := map[string]bool{} // sources that failed in a way the next query would too
	for _, st := range d.steps() {
		if down[st.source] {
			continue
		}
		ev, err := st.run(ctx, cands, s, budget)
		out = append(out, ev...)
		if err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %w", st.what, err))
		if isFinal(ctx, err) {
			break
		}
		down[st.source] = !queryProblem(err)
	}
	return out, errs.err()
}

// changeStep is one kind of change and the source it is read from.
type changeStep struct {
	what, source string
	run          func(context.Context, []string, span, *rca.Budget) ([]rca.Evidence, error)
}

// steps are the kinds of change the configured sources can tell. A source that fails
// does not stop the other from being asked.
func (d *Deploys) steps() []changeStep {
	var steps []changeStep
	if d.grafana != nil {
		steps = append(steps, changeStep{"annotations", "grafana", d.annotations})
	}
	if d.prom != nil {
		steps = append(steps, changeStep{"version labels", "prometheus", d.versions}, changeStep{"kubernetes rollouts", "prometheus", d.rollouts})
	}
	return steps
}

// annotations reads the tagged annotations of the window and keeps those that name a
// candidate.
func (d *Deploys) annotations(ctx context.Context, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	if err := budget.Take(); err != nil {
		return nil, err
	}
	found, err := d.grafana.find(ctx, s.from, s.to, d.tags)
	if err != nil {
		return nil, failed(ctx, "GET /api/annotations", err)
	}
	matchers := entityMatchers(cands)
	var out []rca.Evidence
	for _, a := range found {
		at := time.UnixMilli(a.Time)
		for _, c := range cands {
			if !annotationNames(a, c, matchers[c]) {
				continue
			}
			out = append(out, rca.Evidence{
				Kind: rca.KindDeploy, Entity: c, Signal: fmt.Sprintf("annotation %d", a.ID),
				Strength: s.deployStrength(at), Onset: at,
				Detail: fmt.Sprintf("%s %s %s", changeWord(a.Tags, d.tags), quoteText(stripTags(a.Text), 120), s.when(at)),
				URL:    d.dashboardLink(a, s),
			})
		}
	}
	return out, nil
}

// entityMatchers find a candidate's name as a whole word in free text: "checkout" in
// "Deployed checkout 1.5", not in "checkout-db" or "checkouts".
func entityMatchers(cands []string) map[string]*regexp.Regexp {
	m := make(map[string]*regexp.Regexp, len(cands))
	for _, c := range cands {
		m[c] = regexp.MustCompile(`(?i)(^|[^\w.-])` + regexp.QuoteMeta(c) + `($|[^\w.-]|\.(\s|$))`)
	}
	return m
}

// annotationNames says whether an annotation is about cand: a tag that is its name, or
// key:name or key=name (service:checkout), or its name as a word of the text.
func annotationNames(a annotation, cand string, word *regexp.Regexp) bool {
	for _, t := range a.Tags {
		v := t
		if i := strings.IndexAny(t, ":="); i >= 0 {
			v = t[i+1:]
		}
		if strings.EqualFold(strings.TrimSpace(v), cand) {
			return true
		}
	}
	return word.MatchString(a.Text)
}

// changeWord names the kind of change from the first of the configured tags it carries.
func changeWord(tags, wanted []string) string {
	for _, t := range tags {
		if slices.Contains(wanted, t) {
			return t + " annotation"
		}
	}
	return "annotation"
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// stripTags removes the HTML Grafana allows in annotation text.
func stripTags(s string) string { return htmlTag.ReplaceAllString(s, " ") }

// dashboardLink opens the annotation's dashboard over the span; organisation annotations
// belong to no dashboard and get no link.
func (d *Deploys) dashboardLink(a annotation, s span) string {
	if d.links.grafana == "" || a.DashboardUID == "" {
		return ""
	}
	u := fmt.Sprintf("%s/d/%s?from=%d&to=%d", trimSlash(d.links.grafana), a.DashboardUID, s.start.UnixMilli(), s.end.UnixMilli())
	if a.PanelID != 0 {
		u += fmt.Sprintf("&viewPanel=%d", a.PanelID)
	}
	return u
}

// versionsExpr keeps one series per metric, entity and version: max by drops instance and
// pod, so a restart of the same build is no change and only a new version value is.
func (d *Deploys) versionsExpr(matcher string) string {
	by := append([]string{"__name__", d.prom.label}, VersionLabels...)
	return fmt.Sprintf(`max by (%s) ({__name__=~"(.+_)?build_info", %s})`, strings.Join(by, ", "), matcher)
}

// versions finds version label values that first appear in the window while another
// version of the same metric and entity was there before.
func (d *Deploys) versions(ctx context.Context, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	got, err := d.prom.query(ctx, budget, d.versionsExpr(regexMatcher(d.prom.label, cands)), s)
	if err != nil {
		return nil, err
	}
	type group struct{ metric, entity string }
	type build struct {
		version string
		first   time.Time
	}
	builds := map[group][]build{}
	for _, ser := range got {
		first, ok := firstSample(ser)
		if !ok {
			continue
		}
		g := group{ser.Labels["__name__"], ser.Labels[d.prom.label]}
		builds[g] = append(builds[g], build{versionOf(ser.Labels), first})
	}
	var out []rca.Evidence
	for g, bs := range builds {
		slices.SortFunc(bs, func(a, b build) int { return a.first.Compare(b.first) })
		for i := 1; i < len(bs); i++ {
			if bs[i].first.Before(s.from) {
				continue
			}
			prev, cur := bs[i-1], bs[i]
			out = append(out, rca.Evidence{
				Kind: rca.KindDeploy, Entity: g.entity, Signal: fmt.Sprintf("%s %s", g.metric, cur.version),
				Strength: s.deployStrength(cur.first), Onset: cur.first,
				Detail: fmt.Sprintf("%s changed from %s to %s %s", g.metric, prev.version, cur.version, s.when(cur.first)),
				URL:    d.prom.link(fmt.Sprintf("%s{%s}", g.metric, equalMatcher(d.prom.label, g.entity)), s),
			})
		}
	}
	sortEvidence(out)
	return out, nil
}

// versionOf renders a build's identity: the version alone when that is all there is,
// else every version label present, "version=1.5.0, revision=3f2a".
func versionOf(labels map[string]string) string {
	var parts []string
	for _, l := range VersionLabels {
		if v := labels[l]; v != "" {
			parts = append(parts, l+"="+v)
		}
	}
	if len(parts) == 1 && labels["version"] != "" {
		return labels["version"]
	}
	if len(parts) == 0 {
		return "(no version label)"
	}
	return strings.Join(parts, ", ")
}

// rolloutsExpr reads both generation gauges of kube-state-metrics: metadata_generation
// rises when the deployment's spec changes (a rollout, or a scale, begins) and
// status_observed_generation when the controller acts on it; whichever is exported serves.
func rolloutsExpr(matcher string) string {
	return fmt.Sprintf(`max by (__name__, namespace, deployment) ({__name__=~"kube_deployment_metadata_generation|kube_deployment_status_observed_generation", %s})`, matcher)
}

// rollouts finds generation increases of the candidates' deployments in the window.
func (d *Deploys) rollouts(ctx context.Context, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	got, err := d.prom.query(ctx, budget, rolloutsExpr(regexMatcher("deployment", cands)), s)
	if err != nil {
		return nil, err
	}
	type rollout struct {
		namespace, deployment string
		generation            float64
	}
	first := map[rollout]time.Time{}
	prevGen := map[rollout]float64{}
	for _, ser := range got {
		for _, inc := range increases(s, ser) {
			r := rollout{ser.Labels["namespace"], ser.Labels["deployment"], inc.to}
			if t, ok := first[r]; !ok || inc.at.Before(t) {
				first[r], prevGen[r] = inc.at, inc.from
			}
		}
	}
	out := make([]rca.Evidence, 0, len(first))
	for r, at := range first {
		out = append(out, rca.Evidence{
			Kind: rca.KindDeploy, Entity: r.deployment, Signal: fmt.Sprintf("rollout to generation %g", r.generation),
			Strength: s.deployStrength(at), Onset: at,
			Detail: fmt.Sprintf("Kubernetes deployment %s/%s rolled out (generation %g to %g) %s", r.namespace, r.deployment, prevGen[r], r.generation, s.when(at)),
			URL:    d.prom.link(fmt.Sprintf(`kube_deployment_metadata_generation{namespace=%q, deployment=%q}`, r.namespace, r.deployment), s),
		})
	}
	sortEvidence(out)
	return out, nil
}

// increase is a rise of a gauge between two consecutive samples.
type increase struct {
	at       time.Time
	from, to float64
}

// increases lists the rises of ser inside the window, each against the sample before it
// (which may lie in the baseline).
func increases(s span, ser series.Series) []increase {
	var out []increase
	prev := math.NaN()
	from := s.from.UnixMilli()
	for i, v := range ser.Values {
		if math.IsNaN(v) {
			continue
		}
		if ser.Times[i] >= from && !math.IsNaN(prev) && v > prev {
			out = append(out, increase{at: time.UnixMilli(ser.Times[i]), from: prev, to: v})
		}
		prev = v
	}
	return out
}

// firstSample is the time of the series' first value.
func firstSample(ser series.Series) (time.Time, bool) {
	for i, v := range ser.Values {
		if !math.IsNaN(v) {
			return time.UnixMilli(ser.Times[i]), true
		}
	}
	return time.Time{}, false
}

// sortEvidence orders evidence built from map iteration, so results do not vary between
// runs.
func sortEvidence(ev []rca.Evidence) {
	slices.SortFunc(ev, func(a, b rca.Evidence) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), a.Onset.Compare(b.Onset), cmp.Compare(a.Signal, b.Signal))
	})
}
