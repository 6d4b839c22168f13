package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/rcaeval"
)

// rcaDatasets are the data sets "foresight eval rca" knows, with their default folders.
var rcaDatasets = map[string]string{
	"petshop": "../shared/datasets/petshop",
	"micross": "../shared/datasets/fault-alerts-micross",
}

func runEvalRCA(args []string, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("foresight eval rca", flag.ContinueOnError)
	f.SetOutput(stderr)
	dataset := f.String("dataset", "petshop", "data set: petshop or micross")
	data := f.String("data", "", "data set folder (default ../shared/datasets/<its folder>)")
	verbose := f.Bool("v", false, "print each case's ranking")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "foresight eval rca: unexpected argument %q\n", f.Arg(0))
		return exitUsage
	}
	dir, ok := rcaDatasets[*dataset]
	if !ok {
		fmt.Fprintf(stderr, "foresight eval rca: unknown -dataset %q, want petshop or micross\n", *dataset)
		return exitUsage
	}
	if *data != "" {
		dir = *data
	}
	if err := evalRCA(*dataset, dir, *verbose, stdout); err != nil {
		fmt.Fprintf(stderr, "foresight eval rca: %v\n", err)
		return exitFail
	}
	return exitOK
}

func evalRCA(dataset, dir string, verbose bool, stdout io.Writer) error {
	cfg := rca.DefaultConfig()
	switch dataset {
	case "petshop":
		scs, err := rcaeval.LoadPetShop(dir)
		if err != nil {
			return err
		}
		rep := rcaeval.EvaluatePetShop(scs, rcaeval.PetOptions{Engine: cfg})
		if verbose {
			for _, r := range rep.Issues {
				fmt.Fprintf(stdout, "%s %s %s root=%s rank=%d top=%s (%.2f)\n", r.Issue.Scenario, r.Issue.Name, r.Issue.TargetMetric, r.Issue.Root, r.Rank, r.Top, r.Confidence)
			}
		}
		return rep.Write(stdout)
	default:
		ds, err := rcaeval.LoadMicroSS(dir)
		if err != nil {
			return err
		}
		rep := rcaeval.EvaluateMicroSS(ds, rcaeval.MicroOptions{Engine: cfg})
		if verbose {
			for _, r := range rep.Faults {
				fmt.Fprintf(stdout, "%d %s root=%s rank=%d top=%s (%.2f)\n", r.Fault.ID, r.Fault.Type, r.Fault.Entity, r.Rank, r.Top, r.Confidence)
			}
		}
		return rep.Write(stdout)
	}
}
