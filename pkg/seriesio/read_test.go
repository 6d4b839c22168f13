package seriesio

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// nan marks an expected gap in the tables below.
var nan = math.NaN()

func TestReadFormats(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		times  []int64
		values []float64
		layout Layout
	}{
		{"unix integer", "1396310400,1\n1396310700,2\n", []int64{1396310400000, 1396310700000}, []float64{1, 2}, LayoutUnix},
		{"unix decimal", "1396310400.5,1\n1396310400.625,2\n1396310401.0001,3\n",
			[]int64{1396310400500, 1396310400625, 1396310401000}, []float64{1, 2, 3}, LayoutUnix},
		{"unix negative", "-1.5,1\n0,2\n", []int64{-1500, 0}, []float64{1, 2}, LayoutUnix},
		{"rfc3339 zulu", "2014-04-01T00:00:00Z,1\n2014-04-01T00:05:00Z,2\n", []int64{1396310400000, 1396310700000}, []float64{1, 2}, LayoutRFC3339},
		{"rfc3339 fraction and zone", "2014-04-01T02:00:00.250+02:00,1\n", []int64{1396310400250}, []float64{1}, LayoutRFC3339},
		{"rfc3339 no zone is UTC", "2014-04-01T00:00:00,1\n2014-04-01T00:00:00.5,2\n", []int64{1396310400000, 1396310400500}, []float64{1, 2}, LayoutRFC3339},
		{"nab date time", "2014-04-01 00:00:00,19.761251903\n2014-04-01 00:05:00,20.5\n",
			[]int64{1396310400000, 1396310700000}, []float64{19.761251903, 20.5}, LayoutDateTime},
		{"date time fraction", "2014-04-01 00:00:00.123456,1\n", []int64{1396310400123}, []float64{1}, LayoutDateTime},
		{"mixed layouts, first decides", "2014-04-01 00:00:00,1\n1396310700,2\n", []int64{1396310400000, 1396310700000}, []float64{1, 2}, LayoutDateTime},
		{"header", "timestamp,value\n1,1\n2,2\n", []int64{1000, 2000}, []float64{1, 2}, LayoutUnix},
		{"header with BOM and CRLF", "\ufefftime,cpu\r\n1,1\r\n2,2\r\n", []int64{1000, 2000}, []float64{1, 2}, LayoutUnix},
		{"gaps", "1,\n2,NaN\n3,nan\n4, 4\n", []int64{1000, 2000, 3000, 4000}, []float64{nan, nan, nan, 4}, LayoutUnix},
		{"blank and space lines", "\n1,1\n\n   \n2,2\n\n\n", []int64{1000, 2000}, []float64{1, 2}, LayoutUnix},
		{"spaces around fields", " 1 , 1.5 \n", []int64{1000}, []float64{1.5}, LayoutUnix},
		{"quoted fields", "\"timestamp\",\"value\"\n\"1\",\"2\"\n", []int64{1000}, []float64{2}, LayoutUnix},
		{"empty input", "", nil, nil, LayoutRFC3339},
		{"header only", "timestamp,value\n", nil, nil, LayoutRFC3339},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, layout, err := ReadLayout(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if layout != tt.layout {
				t.Errorf("layout %v, want %v", layout, tt.layout)
			}
			if !slices.Equal(s.Times, tt.times) || !equalValues(s.Values, tt.values) {
				t.Errorf("got %v %v, want %v %v", s.Times, s.Values, tt.times, tt.values)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"bad value", "timestamp,value\n1,1\n2,abc\n", 3, `line 3: value "abc" is not a number`},
		{"bad timestamp", "1,1\n2,2\nyesterday,3\n", 3, `timestamp "yesterday" is not Unix seconds, RFC 3339 or "YYYY-MM-DD HH:MM:SS"`},
		{"first line bad timestamp only", "yesterday,3\n", 1, `timestamp "yesterday"`},
		{"first line bad value only", "1,abc\n", 1, `value "abc" is not a number`},
		{"extra column", "1,1\n2,2,x\n", 2, "want 2 fields (timestamp,value), got 3"},
		{"header with extra column", "timestamp,value,label\n", 1, "got 3"},
		{"missing value column", "1,1\n2\n", 2, "got 1"},
		{"second header", "timestamp,value\ntimestamp,value\n", 2, `timestamp "timestamp"`},
		{"duplicate timestamp", "1,1\n2,2\n2,3\n", 3, `timestamp "2" is not after the one on line 2`},
		{"decreasing after blank lines", "5,1\n\n\n4,2\n", 4, "not after the one on line 1"},
		{"infinite value", "1,Inf\n", 1, `value "Inf" is not finite`},
		{"value out of range", "1,1e999\n", 1, "out of range"},
		{"milliseconds as seconds", "1396310400000,1\n", 1, "after year 9999"},
		{"bad date", "2014-02-30 00:00:00,1\n", 1, `timestamp "2014-02-30 00:00:00"`},
		{"empty timestamp", "1,1\n,2\n", 2, `timestamp ""`},
		{"bare quote", "1,1\n2,\"3\n", 2, "extraneous or missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want a *LineError", err)
			}
			if le.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", le.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	in := "1,1\n2," + strings.Repeat("9", 1<<20) + "x\n"
	_, err := Read(strings.NewReader(in))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("got %v, want an error on line 2", err)
	}
}

func TestReadIOError(t *testing.T) {
	_, err := Read(failingReader{})
	var le *LineError
	if err == nil || errors.As(err, &le) || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("got %v, want the reader's error without a line", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// equalValues compares values with NaN equal to NaN, since NaN marks a gap.
func equalValues(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}
