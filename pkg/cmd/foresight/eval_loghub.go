package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/foresight-aiops/foresight/pkg/loghub"
	"github.com/foresight-aiops/foresight/pkg/patterns"
)

func runEvalLoghub(args []string, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("foresight eval loghub", flag.ContinueOnError)
	f.SetOutput(stderr)
	data := f.String("data", "../shared/datasets/loghub-2k", "Loghub-2k folder (one folder per system)")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "foresight eval loghub: unexpected argument %q\n", f.Arg(0))
		return exitUsage
	}
	var lines int
	var mining time.Duration
	report, err := loghub.Evaluate(*data, func(content []string) []string {
		start := time.Now()
		out := mineTemplates(content)
		mining += time.Since(start)
		lines += len(content)
		return out
	})
	if err != nil {
		fmt.Fprintf(stderr, "foresight eval loghub: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "mined %d lines in %s (%.0f lines/s, one miner per system, default configuration)\n\n",
		lines, mining.Round(time.Millisecond), float64(lines)/mining.Seconds())
	if err := report.Write(stdout); err != nil {
		fmt.Fprintf(stderr, "foresight eval loghub: %v\n", err)
		return exitFail
	}
	return exitOK
}

// mineTemplates runs a fresh miner with the default configuration over one system's
// messages and gives each line its pattern's final template, as the published parsers'
// outputs are scored.
func mineTemplates(content []string) []string {
	m := patterns.New(patterns.Config{})
	ids := make([]patterns.ID, len(content))
	for i, line := range content {
		ids[i] = m.Add(line)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.Template(id)
	}
	return out
}
