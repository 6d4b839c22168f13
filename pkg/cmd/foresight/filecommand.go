package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// fileCommand is the flag handling shared by the subcommands that turn an input file into
// output files (detect, forecast): the usage text, no positional arguments, -png needing a
// file name, and the one-line summary or error on stderr.
type fileCommand struct {
	*flag.FlagSet
	stderr io.Writer
}

func newFileCommand(name, usage string, stderr io.Writer) *fileCommand {
	f := flag.NewFlagSet(name, flag.ContinueOnError)
	f.SetOutput(stderr)
	f.Usage = func() {
		fmt.Fprint(f.Output(), usage)
		f.PrintDefaults()
	}
	return &fileCommand{FlagSet: f, stderr: stderr}
}

// parse reads args; a status other than exitOK means stop with it, the problem printed.
func (c *fileCommand) parse(args []string, png *string) int {
	if err := c.Parse(args); err != nil {
		return exitUsage // flag has printed the problem (or the help) and the usage
	}
	if c.NArg() > 0 {
		return c.usageErr(fmt.Errorf("unexpected argument %q", c.Arg(0)))
	}
	if *png == "-" {
		return c.usageErr(errors.New("-png needs a file name"))
	}
	return exitOK
}

// usageErr reports a wrong command line, with the usage.
func (c *fileCommand) usageErr(err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", c.Name(), err)
	c.Usage()
	return exitUsage
}

// finish reports the work's summary, or its error, and returns the exit status.
func (c *fileCommand) finish(summary string, err error) int {
	if err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", c.Name(), err)
		return exitFail
	}
	fmt.Fprintf(c.stderr, "%s: %s\n", c.Name(), summary)
	return exitOK
}
