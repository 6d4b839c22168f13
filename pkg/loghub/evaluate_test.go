package loghub

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// summary is the report's last line, which scripts read.
var summary = regexp.MustCompile(`^Loghub-2k GA=\d\.\d{3} corrected GA=\d\.\d{3} FGA=\d\.\d{3} PA=\d\.\d{3} FTA=\d\.\d{3}$`)

// TestEvaluateUnmaskedLines evaluates a parser that returns each line as its own template,
// masking nothing: it only groups lines that repeat verbatim, so it must score low.
func TestEvaluateUnmaskedLines(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	r, err := Evaluate(dir, func(lines []string) []string { return lines })
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 16 {
		t.Fatalf("%d rows, want 16", len(r.Rows))
	}
	corrected := 0
	for _, row := range r.Rows {
		if row.Corrected != nil {
			corrected++
		}
	}
	if corrected != 14 {
		t.Errorf("%d systems with corrected scores, want 14", corrected)
	}
	if r.Mean16GA <= 0 || r.Mean16GA > 0.3 {
		t.Errorf("Mean16GA = %.3f, want low but above 0", r.Mean16GA)
	}
	if c := r.CorrectedMean; c.GA > 0.3 || c.FGA > 0.3 || c.PA > 0.3 || c.FTA > 0.3 {
		t.Errorf("corrected means %+v, want all low", c)
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + buf.String())
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !summary.MatchString(last) {
		t.Errorf("last line %q does not match %v", last, summary)
	}
}

// TestEvaluateOracle evaluates a parser that looks up each line's corrected template (the
// original one for the two systems without corrections): every corrected score is 1.
func TestEvaluateOracle(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	oracle := map[string]string{} // Content -> template
	for _, name := range Systems {
		sys, err := Load(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		labels := sys.Original
		if sys.Corrected != nil {
			labels = *sys.Corrected
		}
		for i, c := range sys.Content {
			oracle[name+"\x00"+c] = labels.Template[i]
		}
	}
	// The parser sees only lines, so it finds the system by trying each one's contents.
	parse := func(lines []string) []string {
		for _, name := range Systems {
			out := make([]string, len(lines))
			found := true
			for i, l := range lines {
				if out[i], found = oracle[name+"\x00"+l]; !found {
					break
				}
			}
			if found {
				return out
			}
		}
		return nil
	}
	r, err := Evaluate(dir, parse)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.CorrectedMean; c != (Scores{GA: 1, FGA: 1, PA: 1, FTA: 1}) {
		t.Errorf("corrected means %+v, want all 1", c)
	}
}

func TestEvaluateRejectsWrongLength(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	_, err := Evaluate(dir, func(lines []string) []string { return lines[1:] })
	if err == nil || !strings.Contains(err.Error(), "1999 templates for 2000 lines") {
		t.Errorf("Evaluate with a short parser output: error %v", err)
	}
}

func TestReportWrite(t *testing.T) {
	r := Report{
		Rows: []Row{
			{System: "Android", GA: 0.9116},
			{System: "HDFS", GA: 0.9975, Corrected: &Scores{GA: 0.9985, FGA: 0.8387, PA: 0.3541, FTA: 0.2667}},
		},
		Mean16GA:      0.9545,
		CorrectedMean: Scores{GA: 0.9985, FGA: 0.8387, PA: 0.3541, FTA: 0.2667},
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	want := `system   original GA  corrected GA  FGA    PA     FTA
Android  0.912        -             -      -      -
HDFS     0.998        0.999         0.839  0.354  0.267
mean     0.955        0.999         0.839  0.354  0.267
Loghub-2k GA=0.955 corrected GA=0.999 FGA=0.839 PA=0.354 FTA=0.267
`
	if got := buf.String(); got != want {
		t.Errorf("Write:\n%s\nwant:\n%s", got, want)
	}
	if err := r.Write(failingWriter{}); err == nil {
		t.Error("Write to a failing writer returned no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
