package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"no arguments", nil, []string{"Usage:\n  foresight <command> [flags]", "detect"}},
		{"help", []string{"help"}, []string{"Commands:", "detect", "help"}},
		{"dash help", []string{"-h"}, []string{"Commands:"}},
		{"unknown command", []string{"bogus"}, []string{`unknown command "bogus"`, "Commands:"}},
		{"help for a command", []string{"help", "detect"}, []string{"Usage: foresight detect [flags]", "-sensitivity"}},
		{"help for forecast", []string{"help", "forecast"}, []string{"Usage: foresight forecast --horizon N [flags]", "-period"}},
		{"forecast listed", []string{"help"}, []string{"forecast   forecast a CSV series"}},
		{"help for an unknown command", []string{"help", "bogus"}, []string{"Commands:"}},
		{"detect -h", []string{"detect", "-h"}, []string{"-seasonality"}},
		{"unknown flag", []string{"detect", "--bogus"}, []string{"flag provided but not defined: -bogus"}},
		{"bad seasonality", []string{"detect", "--seasonality", "hourly"}, []string{"-seasonality: unknown seasonality"}},
		{"bad sensitivity", []string{"detect", "--sensitivity", "2"}, []string{"-sensitivity: sensitivity 2 is outside [0, 1]"}},
		{"stray argument", []string{"detect", "in.csv"}, []string{`unexpected argument "in.csv"`}},
		{"png to stdout", []string{"detect", "--png", "-"}, []string{"-png needs a file name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if stdout.Len() != 0 {
				t.Errorf("wrote %q to stdout, want nothing", stdout.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not contain %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}
