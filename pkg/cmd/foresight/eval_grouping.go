package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/foresight-aiops/foresight/pkg/groupeval"
	"github.com/foresight-aiops/foresight/pkg/incident"
)

func runEvalGrouping(args []string, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("foresight eval grouping", flag.ContinueOnError)
	f.SetOutput(stderr)
	def := groupeval.DefaultStreamConfig()
	data := f.String("data", "../shared/datasets/fault-alerts-micross", "fault-alert data set folder (holding fault-alerts/MicroSS and system-knowledge-graphs)")
	seed := f.Int64("seed", def.Seed, "seed of the replay's fault shifts, noise and retries")
	gap := f.Duration("overlap-gap", def.MeanGap, "mean time between fault starts in the replay (shorter: more faults overlap)")
	noise := f.Float64("noise-rate", def.NoisePerHour, "background alerts per hour, each unrelated to any fault")
	verbose := f.Bool("v", false, "print the replay and per-fault-type and per-signal figures")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "foresight eval grouping: unexpected argument %q\n", f.Arg(0))
		return exitUsage
	}
	cfg := def
	cfg.Seed, cfg.MeanGap, cfg.NoisePerHour = *seed, *gap, *noise
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "foresight eval grouping: %v\n", err)
		return exitUsage
	}
	ds, err := groupeval.Load(*data)
	if err != nil {
		fmt.Fprintf(stderr, "foresight eval grouping: %v\n", err)
		return exitFail
	}
	stream, err := groupeval.BuildStream(ds, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "foresight eval grouping: %v\n", err)
		return exitFail
	}
	// The product's one configuration: nothing here is tuned to this data set.
	start := time.Now()
	pred := groupeval.Replay(stream, incident.DefaultConfig(), ds.Graph)
	took := time.Since(start)
	baseline := groupeval.DefaultBaseline()
	basePred := baseline.Group(stream.Occurrences)

	gold := groupeval.Golds(stream.Occurrences)
	ours := groupeval.Score(gold, pred.Cluster)
	base := groupeval.Score(gold, basePred)
	if *verbose {
		printGroupingReplay(stdout, stream, pred, took)
		printGroupingRows(stdout, "Foresight by fault type", groupeval.Breakdown(stream.Occurrences, pred.Cluster, groupeval.ByFaultType))
		printGroupingRows(stdout, "Foresight by signal", groupeval.Breakdown(stream.Occurrences, pred.Cluster, groupeval.BySignal))
		printGroupingRows(stdout, fmt.Sprintf("baseline group_by %v by fault type", baseline.Labels), groupeval.Breakdown(stream.Occurrences, basePred, groupeval.ByFaultType))
		printGroupingReasons(stdout, stream, pred)
	}
	printGroupingLine(stdout, "grouping", ours)
	printGroupingLine(stdout, "grouping-baseline", base)
	return exitOK
}

func printGroupingReplay(w io.Writer, s *groupeval.Stream, p groupeval.Prediction, took time.Duration) {
	st := s.Stats
	fmt.Fprintf(w, "replay: %d faults over %v; %d (%.0f%%) overlap another by alert span, %d (%.0f%%) by firing interval\n",
		st.Faults, st.Span.Round(time.Minute), st.OverlapSpan, pct(st.OverlapSpan, st.Faults), st.OverlapFiring, pct(st.OverlapFiring, st.Faults))
	fmt.Fprintf(w, "replay: %d alert occurrences (%d background), %d re-detections folded into a firing alert; %d notifications, %d firing re-sends, %d retried deliveries\n",
		len(s.Occurrences), st.Noise, st.Folded, len(s.Notifications), st.Resends, st.Retries)
	fmt.Fprintf(w, "engine: %d deliveries in %v, %d occurrences never placed\n", p.Deliveries, took.Round(time.Millisecond), p.Unassigned)
}

func printGroupingRows(w io.Writer, title string, rows []groupeval.Row) {
	fmt.Fprintln(w, title+":")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tgold\talerts\trecall\tpieces\tmixed\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.2f\t%.3f\t\n", r.Name, r.Gold, r.Items, r.Recall, r.Pieces, r.Mixed)
	}
	tw.Flush()
}

// printGroupingReasons counts the rules that placed the alerts, and how often each placed
// an alert with a member of another fault.
func printGroupingReasons(w io.Writer, s *groupeval.Stream, p groupeval.Prediction) {
	type count struct{ n, wrong int }
	firstGold := map[string]string{} // incident → gold of its first occurrence
	counts := map[incident.ReasonKind]*count{}
	var kinds []incident.ReasonKind
	for i, o := range s.Occurrences {
		k := p.Reason[i]
		if counts[k] == nil {
			counts[k] = &count{}
			kinds = append(kinds, k)
		}
		c := counts[k]
		c.n++
		g, seen := firstGold[p.Cluster[i]]
		if !seen {
			firstGold[p.Cluster[i]] = o.Gold
		} else if g != o.Gold {
			c.wrong++
		}
	}
	fmt.Fprintln(w, "placed by (alerts, of which joined an incident opened by another fault or noise):")
	for _, k := range kinds {
		name := string(k)
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(w, "  %-12s %6d %6d\n", name, counts[k].n, counts[k].wrong)
	}
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func printGroupingLine(w io.Writer, name string, s groupeval.Scores) {
	fmt.Fprintf(w, "%s alerts=%d incidents=%d compression=%.3f precision=%.3f recall=%.3f F1=%.3f ARI=%.3f\n",
		name, s.Items, s.Clusters, s.Compression, s.Precision, s.Recall, s.F1, s.ARI)
}
