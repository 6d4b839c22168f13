package main

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/seriesio"
)

const (
	fixtureStart  = 1709510400 // 2024-03-04 00:00:00 UTC, Unix seconds
	fixtureStep   = 300        // 5 minutes
	fixturePoints = 4 * 288    // four days
	spikeIndex    = 3*288 + 100
)

// dailySine is the fixture: a noisy daily sine at 5-minute steps for four days, as Unix
// seconds, with one spike far outside the noise on the fourth day.
func dailySine() string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range fixturePoints {
		v := 50 + 10*math.Sin(2*math.Pi*float64(i)/288) + rng.NormFloat64()
		if i == spikeIndex {
			v += 40
		}
		fmt.Fprintf(&b, "%d,%.3f\n", fixtureStart+i*fixtureStep, v)
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDetectWritesBandsAndChart(t *testing.T) {
	dir := t.TempDir()
	in, out, pic := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "out.png")
	writeFile(t, in, dailySine())

	var stdout, stderr bytes.Buffer
	code := run([]string{"detect", "--input", in, "--output", out, "--png", pic, "--seasonality", "daily"}, nil, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	for _, w := range []string{"1152 points", " flagged (", "seasonality daily (asked daily)", "points/s"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("summary %q does not contain %q", stderr.String(), w)
		}
	}
	if strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("summary is not one line: %q", stderr.String())
	}

	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != seriesio.DetectionHeader {
		t.Errorf("header %q, want %q", lines[0], seriesio.DetectionHeader)
	}
	if len(lines) != fixturePoints+1 {
		t.Fatalf("%d lines, want %d", len(lines), fixturePoints+1)
	}
	spike := strings.Split(lines[spikeIndex+1], ",")
	if want := fmt.Sprint(fixtureStart + spikeIndex*fixtureStep); spike[0] != want {
		t.Errorf("spike line timestamp %q, want %q (Unix seconds, like the input)", spike[0], want)
	}
	if spike[len(spike)-1] != "1" {
		t.Errorf("spike line %q is not flagged 1", lines[spikeIndex+1])
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
		t.Errorf("chart is %dx%d, want a wide one (12in x 4in)", b.Dx(), b.Dy())
	}
	assertOnlyFiles(t, dir, "in.csv", "out.csv", "out.png")
}

func TestDetectStdinToStdout(t *testing.T) {
	for _, args := range [][]string{{"detect"}, {"detect", "--input", "-", "--output", "-"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(dailySine()), &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit status %d: %s", args, code, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), seriesio.DetectionHeader+"\n") {
			t.Errorf("%v: stdout does not start with the header", args)
		}
		if n := strings.Count(stdout.String(), "\n"); n != fixturePoints+1 {
			t.Errorf("%v: %d lines, want %d", args, n, fixturePoints+1)
		}
		if !strings.HasPrefix(stderr.String(), "foresight detect: stdin: 1152 points") {
			t.Errorf("%v: summary %q does not name stdin", args, stderr.String())
		}
	}
}

func TestDetectFailureLeavesOutputsUntouched(t *testing.T) {
	malformed := strings.Split(dailySine(), "\n")
	malformed[16] = "1709515200,abc" // line 17
	backwards := strings.Split(dailySine(), "\n")
	backwards[9] = backwards[3] // line 10 repeats line 4's timestamp

	tests := []struct {
		name  string
		input string // content of in.csv; "" means the file is absent
		extra []string
		want  string
	}{
		{"malformed value", strings.Join(malformed, "\n"), nil, `in.csv line 17: value "abc" is not a number`},
		{"timestamps out of order", strings.Join(backwards, "\n"), nil, "in.csv line 10: timestamp \"1709511000\" is not after the one on line 9"},
		{"extra column", "timestamp,value\n1,2\n3,4,5\n", nil, "in.csv line 3: want 2 fields"},
		{"no points", "timestamp,value\n", nil, "in.csv: no data points"},
		{"missing input", "", nil, "no such file"},
		{"png directory missing", dailySine(), []string{"--png", "no/such/dir/x.png"}, "create no/such/dir/x.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir) // so messages name files as a user typed them
			if tt.input != "" {
				writeFile(t, "in.csv", tt.input)
			}
			writeFile(t, "out.csv", "old csv\n")
			writeFile(t, "out.png", "old png\n")

			args := []string{"detect", "--input", "in.csv", "--output", "out.csv", "--png", "out.png"}
			if tt.extra != nil {
				args = append(args[:5], tt.extra...)
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, nil, &stdout, &stderr); code != exitFail {
				t.Errorf("exit status %d, want %d", code, exitFail)
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "foresight detect: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want foresight detect: ...%s", msg, tt.want)
			}
			for name, want := range map[string]string{"out.csv": "old csv\n", "out.png": "old png\n"} {
				if got, _ := os.ReadFile(name); string(got) != want {
					t.Errorf("%s changed to %q", name, got)
				}
			}
			want := []string{"out.csv", "out.png"}
			if tt.input != "" {
				want = append(want, "in.csv")
			}
			assertOnlyFiles(t, dir, want...)
		})
	}
}

func TestDetectNABExcerpt(t *testing.T) {
	in := filepath.Join("testdata", "nyc_taxi_head500.csv")
	input, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"detect", "--input", in}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "499 points") || !strings.Contains(stderr.String(), "seasonality daily (asked auto)") {
		t.Errorf("summary %q: want 499 points and a daily cycle found", stderr.String())
	}
	// The first two output columns are the input, byte for byte: same timestamp notation.
	inLines := strings.Split(strings.TrimSpace(string(input)), "\n")
	outLines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(outLines) != len(inLines) {
		t.Fatalf("%d output lines, want %d", len(outLines), len(inLines))
	}
	for i := 1; i < len(inLines); i++ {
		fields := strings.SplitN(outLines[i], ",", 3)
		if got := fields[0] + "," + fields[1]; got != inLines[i] {
			t.Fatalf("output line %d starts %q, want %q", i+1, got, inLines[i])
		}
	}
}

// assertOnlyFiles checks dir holds exactly the named files: no temporary file left behind.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}
