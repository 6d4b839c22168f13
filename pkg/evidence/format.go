package evidence

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit says how a signal's values read in a sentence.
type Unit string

// The units a MetricQuery may declare.
const (
	UnitNone      Unit = ""           // a plain number
	UnitSeconds   Unit = "seconds"    // 0.12 → "120 ms"
	UnitRatio     Unit = "ratio"      // 0.05 → "5%"
	UnitBytes     Unit = "bytes"      // 1.5e9 → "1.4 GiB"
	UnitCores     Unit = "cores"      // 0.5 → "0.5 cores"
	UnitPerSecond Unit = "per_second" // 12 → "12/s"
	UnitCount     Unit = "count"      // 3 → "3"
)

func (u Unit) valid() bool {
	switch u {
	case UnitNone, UnitSeconds, UnitRatio, UnitBytes, UnitCores, UnitPerSecond, UnitCount:
		return true
	}
	return false
}

// format writes v in unit u with three significant digits.
func (u Unit) format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	switch u {
	case UnitSeconds:
		return fmtSeconds(v)
	case UnitRatio:
		return sig(v*100) + "%"
	case UnitBytes:
		return fmtBytes(v)
	case UnitCores:
		return sig(v) + " cores"
	case UnitPerSecond:
		return sig(v) + "/s"
	}
	return sig(v)
}

func fmtSeconds(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0 s"
	case a < 1e-3:
		return sig(v*1e6) + " µs"
	case a < 1:
		return sig(v*1e3) + " ms"
	case a < 120:
		return sig(v) + " s"
	}
	return sig(v/60) + " min"
}

func fmtBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return sig(v) + " " + units[i]
}

// sig writes v with three significant digits and no exponent: 0.000123, 12.3, 1230.
func sig(v float64) string {
	if v == 0 {
		return "0"
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	s := strconv.FormatFloat(v, 'f', min(decimals, 9), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// quoteText quotes a template or annotation for a sentence, shortened to max characters.
func quoteText(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
