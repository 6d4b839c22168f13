package main

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/seriesio"
)

const hourMs = int64(time.Hour / time.Millisecond)

// hourlySine is ten days of an hourly daily cycle (50 ± 10) starting 2024-03-04, written in
// layout, with the points at skip left out and those at empty given no value.
func hourlySine(layout seriesio.Layout, skip, empty map[int]bool) string {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range 240 {
		if skip[i] {
			continue
		}
		v := fmt.Sprintf("%.4f", truth(i))
		if empty[i] {
			v = ""
		}
		fmt.Fprintf(&b, "%s,%s\n", layout.Format(fixtureStart*1000+int64(i)*hourMs), v)
	}
	return b.String()
}

func truth(i int) float64 { return 50 + 10*math.Sin(2*math.Pi*float64(i)/24) }

// TestForecastRoundTrip: the future steps come out after the last input point, in the
// input's notation, with nested intervals and a forecast that follows the cycle.
func TestForecastRoundTrip(t *testing.T) {
	tests := []struct {
		name        string
		layout      seriesio.Layout
		skip, empty map[int]bool
		args        []string
		summary     []string
	}{
		{"unix seconds", seriesio.LayoutUnix, nil, nil, []string{"--seasonality", "daily"}, []string{"240 points, step 1h;", "seasonal periods 24 (1d)"}},
		{"RFC 3339, gaps", seriesio.LayoutRFC3339, map[int]bool{50: true, 51: true}, map[int]bool{120: true}, []string{"--period", "24"}, []string{"238 points (3 gaps)"}},
		{"date time, trailing gaps", seriesio.LayoutDateTime, nil, map[int]bool{238: true, 239: true}, []string{"--seasonality", "daily"}, []string{"(2 gaps)"}},
		{"auto seasonality", seriesio.LayoutUnix, nil, nil, nil, []string{"model "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
			writeFile(t, in, hourlySine(tc.layout, tc.skip, tc.empty))
			var stdout, stderr bytes.Buffer
			args := append([]string{"forecast", "--input", in, "--output", out, "--horizon", "24"}, tc.args...)
			if code := run(args, nil, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit status %d: %s", code, stderr.String())
			}
			for _, want := range append(tc.summary, "model ", "forecast 24 steps to "+tc.layout.Format(fixtureStart*1000+263*hourMs)) {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("summary %q does not contain %q", stderr.String(), want)
				}
			}
			if strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("summary is not one line: %q", stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			checkForecastCSV(t, string(data), tc.layout, 240, tc.name != "auto seasonality")
			assertOnlyFiles(t, dir, "in.csv", "out.csv")
		})
	}
}

// checkForecastCSV checks the output holds the 24 steps after input point last-1, and, when
// accurate, that the forecast follows the cycle.
func checkForecastCSV(t *testing.T, csv string, layout seriesio.Layout, next int, accurate bool) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	if lines[0] != seriesio.ForecastHeader || len(lines) != 25 {
		t.Fatalf("header %q and %d lines, want %q and 25", lines[0], len(lines), seriesio.ForecastHeader)
	}
	var absErr float64
	for h, line := range lines[1:] {
		fields := strings.Split(line, ",")
		if want := layout.Format(fixtureStart*1000 + int64(next+h)*hourMs); fields[0] != want {
			t.Fatalf("line %d timestamp %q, want %q", h+2, fields[0], want)
		}
		v := make([]float64, 5)
		for k, f := range fields[1:] {
			var err error
			if v[k], err = strconv.ParseFloat(f, 64); err != nil {
				t.Fatalf("line %d field %d: %v", h+2, k+2, err)
			}
		}
		mean, lo80, hi80, lo95, hi95 := v[0], v[1], v[2], v[3], v[4]
		if !(lo95 <= lo80 && lo80 <= mean && mean <= hi80 && hi80 <= hi95) {
			t.Errorf("line %d: intervals not nested around the forecast: %v", h+2, v)
		}
		absErr += math.Abs(mean - truth(next+h))
	}
	if mae := absErr / 24; accurate && mae > 2 {
		t.Errorf("mean absolute error %.2f on a cycle of amplitude 10: the forecast does not follow it", mae)
	}
}

func TestForecastChart(t *testing.T) {
	dir := t.TempDir()
	in, pic := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.png")
	writeFile(t, in, hourlySine(seriesio.LayoutUnix, map[int]bool{30: true}, nil))
	var stdout, stderr bytes.Buffer
	if code := run([]string{"forecast", "--input", in, "--horizon", "48", "--png", pic, "--seasonality", "daily"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), seriesio.ForecastHeader+"\n") {
		t.Errorf("stdout does not start with the header: %.80q", stdout.String())
	}
	f, err := os.Open(pic)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() <= 2*b.Dy() {
		t.Errorf("chart is %dx%d, want a wide one", b.Dx(), b.Dy())
	}
}

func TestForecastUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no horizon", nil, "-horizon is required"},
		{"zero horizon", []string{"--horizon", "0"}, "-horizon 0 is outside 1..10000 steps"},
		{"horizon too long", []string{"--horizon", "10001"}, "-horizon 10001 is outside 1..10000 steps"},
		{"not a number", []string{"--horizon", "a day"}, `invalid value "a day" for flag -horizon`},
		{"both seasonalities", []string{"--horizon", "3", "--seasonality", "daily", "--period", "24"}, "use -seasonality or -period, not both"},
		{"short period", []string{"--horizon", "3", "--period", "1"}, "-period 1: a seasonal period is at least 2 steps"},
		{"bad seasonality", []string{"--horizon", "3", "--seasonality", "hourly"}, "-seasonality: unknown seasonality"},
		{"stray argument", []string{"--horizon", "3", "in.csv"}, `unexpected argument "in.csv"`},
		{"png to stdout", []string{"--horizon", "3", "--png", "-"}, "-png needs a file name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"forecast"}, tc.args...), strings.NewReader(""), &stdout, &stderr); code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if stdout.Len() != 0 || !strings.Contains(stderr.String(), tc.want) || !strings.Contains(stderr.String(), "Usage: foresight forecast") {
				t.Errorf("stdout %q, stderr %q; want usage mentioning %q", stdout.String(), stderr.String(), tc.want)
			}
		})
	}
}

func TestForecastFailureLeavesOutputsUntouched(t *testing.T) {
	daily := func(step int64, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%d,%d\n", fixtureStart+int64(i)*step, i)
		}
		return b.String()
	}
	tests := []struct {
		name  string
		input string // "" means the file is absent
		extra []string
		want  string
	}{
		{"one point", "1709510400,1\n", nil, "in.csv: 1 data points: at least two are needed to tell the step"},
		{"no value", "timestamp,value\n1709510400,\n1709514000,NaN\n", nil, "in.csv: no observed values"},
		{"malformed", "1709510400,1\n1709514000,x\n", nil, `in.csv line 2: value "x" is not a number`},
		{"daily cycle at a daily step", daily(86400, 30), []string{"--seasonality", "daily"}, "in.csv: -seasonality daily: daily seasonality is a cycle of 1d, under two steps of 1d"},
		{"too sparse", "0,1\n1,2\n2,3\n100000000000,4\n", nil, "over the limit of 10000000: is the input sampled evenly?"},
		{"missing input", "", nil, "no such file"},
		{"png directory missing", daily(3600, 48), []string{"--png", "no/such/dir/x.png"}, "create no/such/dir/x.png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if tc.input != "" {
				writeFile(t, "in.csv", tc.input)
			}
			writeFile(t, "out.csv", "old csv\n")
			writeFile(t, "out.png", "old png\n")
			args := []string{"forecast", "--input", "in.csv", "--horizon", "5", "--output", "out.csv", "--png", "out.png"}
			if tc.extra != nil {
				args = append(args, tc.extra...)
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, nil, &stdout, &stderr); code != exitFail {
				t.Errorf("exit status %d, want %d (%s)", code, exitFail, stderr.String())
			}
			if msg := stderr.String(); !strings.HasPrefix(msg, "foresight forecast: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("stderr %q, want foresight forecast: ...%s", msg, tc.want)
			}
			for name, want := range map[string]string{"out.csv": "old csv\n", "out.png": "old png\n"} {
				if got, _ := os.ReadFile(name); string(got) != want {
					t.Errorf("%s changed to %q", name, got)
				}
			}
			want := []string{"out.csv", "out.png"}
			if tc.input != "" {
				want = append(want, "in.csv")
			}
			assertOnlyFiles(t, dir, want...)
		})
	}
}

func TestOnGrid(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		times  []int64
		step   int64
		values []float64
		moved  int
	}{
		{"even", []int64{0, 10, 20}, 10, []float64{0, 1, 2}, 0},
		{"a gap", []int64{0, 10, 40, 50}, 10, []float64{0, 1, nan, nan, 2, 3}, 0},
		{"jitter moves to the nearest step", []int64{0, 11, 19, 30}, 11, []float64{0, 1, 2, 3}, 2},
		{"median, not mean", []int64{0, 5, 10, 15, 1000}, 5, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := series.Series{Times: tc.times, Values: make([]float64, len(tc.times))}
			for i := range s.Values {
				s.Values[i] = float64(i)
			}
			g, err := onGrid(s)
			if err != nil {
				t.Fatal(err)
			}
			if g.step != tc.step || g.moved != tc.moved {
				t.Errorf("step %d moved %d, want %d %d", g.step, g.moved, tc.step, tc.moved)
			}
			if tc.values != nil {
				assertSameFloats(t, g.values, tc.values)
			}
		})
	}
}

func assertSameFloats(t *testing.T, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Fatalf("%v, want %v", got, want)
		}
	}
}
