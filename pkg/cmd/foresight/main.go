// Command foresight runs Foresight's analyses from the command line. Each analysis is a
// subcommand; run "foresight help" for the list.
package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// command is one subcommand: its name, a one-line summary for the usage text, and its entry
// point, which gets the arguments after the name and returns the exit status.
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands is the table of subcommands, in the order the usage text lists them.
var commands = []command{
	{"detect", "flag anomalies in a CSV series; write its bands as CSV, optionally a PNG", runDetect},
	{"forecast", "forecast a CSV series with prediction intervals; write them as CSV, optionally a PNG", runForecast},
	{"receiver", "run the alert receiver: Grafana and Alertmanager webhooks in, incidents and one notification per incident out", runReceiver},
	{"loadtest", "drive a receiver (or one started in-process) with Alertmanager webhooks at a fixed rate; report latency and errors", runLoadtest},
	{"eval", "score Foresight on a public benchmark (nab, m4)", runEval},
	{"demo", "run a demo Prometheus with injected faults and print the anomalies Foresight flags", runDemo},
	{"run", "run the whole demo: a simulated shop with faults, Prometheus, Alertmanager and the receiver, printing incidents and their probable causes", runRun},
}

// Exit statuses: 1 when the work failed, 2 when the command line was wrong (as flag does).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches args (without the program name) to a subcommand and returns the exit
// status; it touches no process state, so tests call it directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		// "foresight help detect" shows detect's flags, as "detect -h" does.
		if len(args) > 1 {
			if c, ok := lookup(args[1]); ok {
				return c.run([]string{"-h"}, stdin, stdout, stderr)
			}
		}
		usage(stderr)
		return exitUsage
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "foresight: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Foresight finds anomalies in time series.\n\nUsage:\n  foresight <command> [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help", "show this help, or a command's flags with: foresight help <command>")
	tw.Flush()
	fmt.Fprint(w, "\nRun \"foresight <command> -h\" for a command's flags.\n")
}
