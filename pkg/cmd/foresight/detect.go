package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/seriesio"
)

// detectConfig is what the detect subcommand takes from its flags.
type detectConfig struct {
	input       string
	output      string
	png         string
	seasonality string
	sensitivity float64
}

// registerFlags defines the flags, their defaults and help text in one place.
func (c *detectConfig) registerFlags(f *flag.FlagSet) {
	f.StringVar(&c.input, "input", "-", "input CSV of timestamp,value lines; - for stdin")
	f.StringVar(&c.output, "output", "-", "output CSV of "+seriesio.DetectionHeader+"; - for stdout")
	f.StringVar(&c.png, "png", "", "also draw the series, band and anomalies to this PNG file")
	f.StringVar(&c.seasonality, "seasonality", string(anomaly.SeasonalityAuto), "seasonal pattern to model: auto, none, daily or weekly")
	f.Float64Var(&c.sensitivity, "sensitivity", anomaly.DefaultSensitivity, "0 to 1; higher means a narrower band and more anomalies")
}

// band turns the flags into the engine's configuration.
func (c *detectConfig) band() (anomaly.Config, error) {
	season, err := anomaly.ParseSeasonality(c.seasonality)
	if err != nil {
		return anomaly.Config{}, fmt.Errorf("-seasonality: %w", err)
	}
	cfg := anomaly.Config{Seasonality: season, Sensitivity: c.sensitivity}
	if err := cfg.Validate(); err != nil {
		return anomaly.Config{}, fmt.Errorf("-sensitivity: %w", err)
	}
	return cfg, nil
}

const detectUsage = `Usage: foresight detect [flags]

Reads a series as CSV (timestamp,value lines; timestamps as Unix seconds, RFC 3339 or
"YYYY-MM-DD HH:MM:SS" UTC; an optional header; an empty value or NaN is a gap), judges
every point against the anomaly model, which sees only the points before it, and writes
one output line per input point. Timestamps are written in the notation the input used
(RFC 3339 ones in UTC); empty fields mean unknown (a gap, or no band yet while the model
warms up); anomaly is 1 above the band, -1 below, 0 otherwise. Output files are replaced
only when everything succeeded.

Flags:
`

func runDetect(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newFileCommand("foresight detect", detectUsage, stderr)
	var c detectConfig
	c.registerFlags(cmd.FlagSet)
	if code := cmd.parse(args, &c.png); code != exitOK {
		return code
	}
	cfg, err := c.band()
	if err != nil {
		return cmd.usageErr(err)
	}
	return cmd.finish(detect(c, cfg, stdin, stdout))
}

// detect does the work of the subcommand and returns the one-line summary.
func detect(c detectConfig, cfg anomaly.Config, stdin io.Reader, stdout io.Writer) (string, error) {
	name, s, layout, err := readInput(c.input, stdin)
	if err != nil {
		return "", err
	}
	if s.Len() == 0 {
		return "", fmt.Errorf("%s: no data points", name)
	}

	start := time.Now()
	res, model, err := anomaly.Detect(s, cfg)
	elapsed := time.Since(start)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}

	// Produce every output in full before any destination is touched.
	toStdout := c.output == "" || c.output == "-"
	var buf bytes.Buffer
	var out io.Writer = &buf
	var csvFile *pendingFile
	if !toStdout {
		if csvFile, err = createPending(c.output); err != nil {
			return "", err
		}
		defer csvFile.discard()
		out = csvFile
	}
	if err := seriesio.WriteDetection(out, s, res, layout); err != nil {
		return "", fmt.Errorf("%s: %w", outputName(c.output), err)
	}
	var pngFile *pendingFile
	if c.png != "" {
		if pngFile, err = createPending(c.png); err != nil {
			return "", err
		}
		defer pngFile.discard()
		if err := writePNG(pngFile, chartTitle(c.input), s, res); err != nil {
			return "", fmt.Errorf("%s: %w", c.png, err)
		}
	}

	if pngFile != nil {
		if err := pngFile.commit(); err != nil {
			return "", err
		}
	}
	if csvFile != nil {
		if err := csvFile.commit(); err != nil {
			return "", err
		}
	} else if _, err := stdout.Write(buf.Bytes()); err != nil {
		return "", fmt.Errorf("write stdout: %w", err)
	}
	return summarize(name, s, res, cfg, model.Period(), elapsed), nil
}

// readInput reads the series from the file named path, or stdin for "" and "-". Errors
// name the input; errors about a line read "in.csv line 17: ...".
func readInput(path string, stdin io.Reader) (name string, s series.Series, layout seriesio.Layout, err error) {
	name, r := "stdin", stdin
	if path != "" && path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return path, s, 0, err // already says "open <path>: ..."
		}
		defer f.Close()
		name, r = path, f
	}
	s, layout, err = seriesio.ReadLayout(r)
	var le *seriesio.LineError
	switch {
	case errors.As(err, &le):
		return name, s, 0, fmt.Errorf("%s %w", name, err)
	case err != nil:
		return name, s, 0, fmt.Errorf("read %s: %w", name, err)
	}
	return name, s, layout, nil
}

func outputName(path string) string {
	if path == "" || path == "-" {
		return "stdout"
	}
	return path
}

func chartTitle(input string) string {
	if input == "" || input == "-" {
		return "stdin"
	}
	return filepath.Base(input)
}

// summarize is the line printed after a successful run: what was read, what was found, and
// how fast, so a user sees at once whether the result is plausible.
func summarize(name string, s series.Series, r anomaly.Result, cfg anomaly.Config, period time.Duration, elapsed time.Duration) string {
	var gaps, high, low int
	for i, v := range s.Values {
		if series.IsGap(v) {
			gaps++
		}
		switch r.Anomaly[i] {
		case 1:
			high++
		case -1:
			low++
		}
	}
	points := plural(s.Len(), "point", "points")
	if gaps > 0 {
		points += " (" + plural(gaps, "gap", "gaps") + ")"
	}
	rate := float64(s.Len()) / max(elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("%s: %s, %s flagged (%d above, %d below), seasonality %s (asked %s), %v (%s points/s)",
		name, points, plural(high+low, "anomaly", "anomalies"), high, low, periodName(period), cfg.Seasonality, elapsed.Round(time.Microsecond), si(rate))
}

func periodName(p time.Duration) string {
	switch p {
	case 0:
		return "none"
	case 24 * time.Hour:
		return "daily"
	case 7 * 24 * time.Hour:
		return "weekly"
	}
	return p.String()
}

// si writes a rate with a k or M suffix, three significant digits being plenty for speed.
func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
