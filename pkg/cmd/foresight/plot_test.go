package main

import (
	"bytes"
	"image/png"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
)

func TestWritePNGEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
	}{
		{"one point", []float64{1}},
		{"all gaps", []float64{nan, nan, nan}},
		{"flat", slices.Repeat([]float64{5}, 100)},
		{"gaps in the middle", append(append(slices.Repeat([]float64{1, 2}, 40), nan, nan), slices.Repeat([]float64{1, 9}, 40)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := series.Series{Values: tt.values}
			for i := range tt.values {
				s.Times = append(s.Times, int64(i)*60_000)
			}
			r, _, err := anomaly.Detect(s, anomaly.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := writePNG(&buf, tt.name, s, r); err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(&buf); err != nil {
				t.Errorf("not a PNG: %v", err)
			}
		})
	}
}

func TestFiniteRuns(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		a, b []float64
		want [][2]int
	}{
		{"all finite", []float64{1, 2, 3}, []float64{1, 2, 3}, [][2]int{{0, 3}}},
		{"none", []float64{nan, nan}, []float64{1, 2}, nil},
		{"warm-up then gap", []float64{nan, 1, 2, nan, 3}, []float64{nan, 1, 2, 2, 3}, [][2]int{{1, 3}, {4, 5}}},
		{"infinity breaks", []float64{1, math.Inf(1), 1}, []float64{1, 1, 1}, [][2]int{{0, 1}, {2, 3}}},
		{"empty", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := finiteRuns(tt.a, tt.b); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTimeTicks(t *testing.T) {
	start := time.Date(2024, 3, 4, 7, 13, 0, 0, time.UTC) // a Monday, at an odd minute
	tests := []struct {
		name   string
		span   time.Duration
		labels []string // the first major labels
		step   time.Duration
	}{
		{"an hour", time.Hour, []string{"Mar 4 07:15", "Mar 4 07:20"}, 5 * time.Minute},
		{"a day", 24 * time.Hour, []string{"Mar 4 09:00", "Mar 4 12:00"}, 3 * time.Hour},
		{"four days", 96 * time.Hour, []string{"Mar 4 12:00", "Mar 5 00:00"}, 12 * time.Hour},
		{"a week", 7 * 24 * time.Hour, []string{"Tue Mar 5", "Wed Mar 6"}, 24 * time.Hour},
		{"ten weeks", 70 * 24 * time.Hour, []string{"Mon Mar 11", "Mon Mar 18"}, 7 * 24 * time.Hour},
		{"two years", 2 * 365 * 24 * time.Hour, []string{"Apr 2024", "Jul 2024", "Oct 2024"}, 0},
		{"a year", 365 * 24 * time.Hour, []string{"Apr 2024", "May 2024", "Jun 2024"}, 0}, // months vary in length
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			min := float64(start.Unix())
			max := min + tt.span.Seconds()
			var majors []float64
			var labels []string
			for _, tick := range timeTicks(min, max).Ticks(min, max) {
				if tick.Value < min || tick.Value > max {
					t.Errorf("tick %v outside [%v, %v]", tick.Value, min, max)
				}
				if tick.Label != "" {
					majors = append(majors, tick.Value)
					labels = append(labels, tick.Label)
				}
			}
			if len(majors) < 2 || len(majors) > maxTicks {
				t.Fatalf("%d labelled ticks %v, want 2 to %d", len(majors), labels, maxTicks)
			}
			if len(tt.labels) > 0 && !slices.Equal(labels[:len(tt.labels)], tt.labels) {
				t.Errorf("labels start %v, want %v", labels, tt.labels)
			}
			if tt.step > 0 {
				for i := 1; i < len(majors); i++ {
					if d := time.Duration(majors[i]-majors[i-1]) * time.Second; d != tt.step {
						t.Errorf("ticks %v apart, want %v", d, tt.step)
					}
				}
			}
		})
	}
}
