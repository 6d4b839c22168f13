package loghub

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Parser turns log messages into templates: one per message, variables as "<*>". Messages
// with equal templates form one predicted group.
type Parser func(lines []string) []string

// Row is one system's result.
type Row struct {
	System    string
	GA        float64 // grouping accuracy against the original labels (logparser)
	Corrected *Scores // against the corrected labels (loghub-2.0); nil when the system has none
}

// Report is a parser's result on all of Loghub-2k. Means are of the unrounded per-system
// scores; loghub-2.0's postprocess.py averages the 3-decimal figures of its summary file
// instead, so a mean's last digit may differ from a published one.
type Report struct {
	Rows          []Row
	Mean16GA      float64 // mean original-label GA over the systems (16)
	CorrectedMean Scores  // mean corrected-label scores over the systems that have them (14)
}

// Evaluate runs parse on the Content column of every system in dir (the Loghub-2k folder),
// as both published benchmarks feed parsers the message part of each line, and scores it.
func Evaluate(dir string, parse Parser) (Report, error) {
	var r Report
	corrected := 0
	for _, name := range Systems {
		sys, err := Load(dir, name)
		if err != nil {
			return Report{}, fmt.Errorf("evaluate: %w", err)
		}
		predicted := parse(sys.Content)
		if len(predicted) != len(sys.Content) {
			return Report{}, fmt.Errorf("evaluate %s: parser returned %d templates for %d lines", name, len(predicted), len(sys.Content))
		}
		row := Row{System: name, GA: Score(sys.Original, predicted).GA}
		r.Mean16GA += row.GA
		if sys.Corrected != nil {
			s := Score(*sys.Corrected, predicted)
			row.Corrected = &s
			r.CorrectedMean.GA += s.GA
			r.CorrectedMean.FGA += s.FGA
			r.CorrectedMean.PA += s.PA
			r.CorrectedMean.FTA += s.FTA
			corrected++
		}
		r.Rows = append(r.Rows, row)
	}
	r.Mean16GA /= float64(len(r.Rows))
	if corrected > 0 {
		c := float64(corrected)
		r.CorrectedMean = Scores{
			GA: r.CorrectedMean.GA / c, FGA: r.CorrectedMean.FGA / c,
			PA: r.CorrectedMean.PA / c, FTA: r.CorrectedMean.FTA / c,
		}
	}
	return r, nil
}

// Write prints one row per system and the means, then the summary line
// "Loghub-2k GA=… corrected GA=… FGA=… PA=… FTA=…" last, for scripts to pick up.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "system\toriginal GA\tcorrected GA\tFGA\tPA\tFTA")
	for _, row := range r.Rows {
		if row.Corrected == nil {
			fmt.Fprintf(tw, "%s\t%.3f\t-\t-\t-\t-\n", row.System, row.GA)
			continue
		}
		c := row.Corrected
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", row.System, row.GA, c.GA, c.FGA, c.PA, c.FTA)
	}
	m := r.CorrectedMean
	fmt.Fprintf(tw, "mean\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", r.Mean16GA, m.GA, m.FGA, m.PA, m.FTA)
	// Every line has cells, so tabwriter holds the whole table until Flush, which writes it.
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write Loghub-2k report: %w", err)
	}
	if _, err := fmt.Fprintf(w, "Loghub-2k GA=%.3f corrected GA=%.3f FGA=%.3f PA=%.3f FTA=%.3f\n",
		r.Mean16GA, m.GA, m.FGA, m.PA, m.FTA); err != nil {
		return fmt.Errorf("write Loghub-2k report: %w", err)
	}
	return nil
}
