// Package datasets finds the public benchmark data sets (../shared/datasets next to the
// repository) for tests. The data are never copied into the repository.
package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

// fallback is where the workplace machines keep the data sets.
const fallback = "/work/shared/datasets"

// Locate returns the directory of data set name, looking in $FORESIGHT_DATASETS, then in a
// shared/datasets folder beside any parent of the working directory, then in /work/shared/datasets.
// It returns "" when the data set is nowhere.
func Locate(name string) string {
	var roots []string
	if env := os.Getenv("FORESIGHT_DATASETS"); env != "" {
		roots = append(roots, env)
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			roots = append(roots, filepath.Join(dir, "shared", "datasets"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	roots = append(roots, fallback)
	for _, r := range roots {
		d := filepath.Join(r, name)
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// Dir returns the directory of data set name for a test. When it is missing the test is
// skipped, or fails when FORESIGHT_REQUIRE_DATASETS=1 (as `make test` sets), so a machine
// without the data cannot silently pass.
func Dir(tb testing.TB, name string) string {
	tb.Helper()
	d := Locate(name)
	if d == "" {
		msg := "data set " + name + " not found (set FORESIGHT_DATASETS to the folder holding it)"
		if os.Getenv("FORESIGHT_REQUIRE_DATASETS") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return d
}
