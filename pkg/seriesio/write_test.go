package seriesio

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/series"
)

func TestLayoutFormat(t *testing.T) {
	tests := []struct {
		layout Layout
		ms     int64
		want   string
	}{
		{LayoutUnix, 1396310400000, "1396310400"},
		{LayoutUnix, 1396310400500, "1396310400.5"},
		{LayoutUnix, 1396310400025, "1396310400.025"},
		{LayoutUnix, -1500, "-1.5"},
		{LayoutRFC3339, 1396310400000, "2014-04-01T00:00:00Z"},
		{LayoutRFC3339, 1396310400120, "2014-04-01T00:00:00.12Z"},
		{LayoutDateTime, 1396310400000, "2014-04-01 00:00:00"},
		{LayoutDateTime, 1396310400007, "2014-04-01 00:00:00.007"},
	}
	for _, tt := range tests {
		if got := tt.layout.Format(tt.ms); got != tt.want {
			t.Errorf("%v.Format(%d) = %q, want %q", tt.layout, tt.ms, got, tt.want)
		}
	}
}

func TestWriteRoundTrip(t *testing.T) {
	s := series.Series{
		Times:  []int64{-1500, 0, 1396310400000, 1396310400001, 1396310700250},
		Values: []float64{1, nan, 19.761251903, -0.1, 1e300},
	}
	for _, layout := range []Layout{LayoutRFC3339, LayoutUnix, LayoutDateTime} {
		t.Run(layout.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, s, layout); err != nil {
				t.Fatal(err)
			}
			got, gotLayout, err := ReadLayout(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if gotLayout != layout || !slices.Equal(got.Times, s.Times) || !equalValues(got.Values, s.Values) {
				t.Errorf("read back %v %v %v, want %v %v %v", gotLayout, got.Times, got.Values, layout, s.Times, s.Values)
			}
		})
	}
}

func TestWriteDetection(t *testing.T) {
	s := series.Series{Times: []int64{1396310400000, 1396310700000, 1396311000000}, Values: []float64{1, nan, 100}}
	r := anomaly.Result{
		Baseline: []float64{1, 1.5, 2},
		Lower:    []float64{nan, 0.5, 1},
		Upper:    []float64{nan, 2.5, 3},
		Score:    []float64{0, nan, 98},
		Anomaly:  []int8{0, 0, 1},
	}
	var buf bytes.Buffer
	if err := WriteDetection(&buf, s, r, LayoutDateTime); err != nil {
		t.Fatal(err)
	}
	want := DetectionHeader + "\n" +
		"2014-04-01 00:00:00,1,1,,,0,0\n" +
		"2014-04-01 00:05:00,,1.5,0.5,2.5,,0\n" +
		"2014-04-01 00:10:00,100,2,1,3,98,1\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteForecast(t *testing.T) {
	r := forecast.Result{
		Mean: []float64{10, 11.5},
		Intervals: []forecast.Interval{
			{Level: 0.95, Lower: []float64{8, 9}, Upper: []float64{12, 14}},
			{Level: 0.8, Lower: []float64{9, 10}, Upper: []float64{11, nan}},
		},
	}
	var buf bytes.Buffer
	if err := WriteForecast(&buf, []int64{1396310400000, 1396310700000}, r, LayoutUnix); err != nil {
		t.Fatal(err)
	}
	want := ForecastHeader + "\n" +
		"1396310400,10,9,11,8,12\n" +
		"1396310700,11.5,10,,9,14\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteErrors(t *testing.T) {
	s := series.Series{Times: []int64{1, 2}, Values: []float64{1, 2}}
	only95 := forecast.Result{Mean: []float64{1}, Intervals: []forecast.Interval{{Level: 0.95, Lower: []float64{1}, Upper: []float64{1}}}}
	short := anomaly.Result{Baseline: []float64{1}, Lower: []float64{1}, Upper: []float64{1}, Score: []float64{1}, Anomaly: []int8{0}}
	tests := []struct {
		name  string
		write func() error
		want  string
	}{
		{"mismatched series", func() error {
			return Write(&bytes.Buffer{}, series.Series{Times: []int64{1}}, LayoutUnix)
		}, "1 timestamps but 0 values"},
		{"short result", func() error { return WriteDetection(&bytes.Buffer{}, s, short, LayoutUnix) }, "series of 2 points but result of 1"},
		{"writer fails", func() error { return Write(failingWriter{}, s, LayoutUnix) }, "disk full"},
		{"forecast length", func() error { return WriteForecast(&bytes.Buffer{}, []int64{1, 2}, only95, LayoutUnix) }, "2 timestamps but 1 forecast steps"},
		{"forecast without 80%", func() error { return WriteForecast(&bytes.Buffer{}, []int64{1}, only95, LayoutUnix) }, "no complete 80% interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
