package prometheus

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	jsoniter "github.com/json-iterator/go"

	"github.com/foresight-aiops/foresight/pkg/series"
)

// matrix is one decoded query_range answer.
type matrix struct {
	series   []series.Series
	warnings []string
}

// decodeMatrix reads a query_range answer as it streams in, without holding the body: the
// values go straight into the series' slices.
//
// pointsHint is the most points a series can have in this answer. Each series' slices are
// sized from the previous series' length, since the series of one query tend to be alike:
// that avoids both append's doubling and reserving the maximum for sparse series.
func decodeMatrix(r io.Reader, maxSeries, pointsHint int) (*matrix, error) {
	it := jsoniter.Parse(jsoniter.ConfigDefault, r, 32<<10)
	m := &matrix{}
	var status, resultType, errType, errMsg string
	var limitErr error
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		switch field {
		case "status":
			status = it.ReadString()
		case "errorType":
			errType = it.ReadString()
		case "error":
			errMsg = it.ReadString()
		case "warnings", "infos":
			it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
				m.warnings = append(m.warnings, it.ReadString())
				return true
			})
		case "data":
			it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
				switch field {
				case "resultType":
					resultType = it.ReadString()
				case "result":
					limitErr = m.readResult(it, maxSeries, pointsHint)
					return limitErr == nil
				default:
					it.Skip()
				}
				return true
			})
			return limitErr == nil
		default:
			it.Skip()
		}
		return true
	})
	switch {
	case limitErr != nil:
		return nil, limitErr
	case it.Error != nil && it.Error != io.EOF:
		return nil, fmt.Errorf("%w: decode response: %v", ErrNotPrometheus, it.Error)
	case status == "error":
		return nil, &APIError{Status: 200, ErrorType: errType, Msg: errMsg}
	case status != "success":
		return nil, fmt.Errorf("%w: response has no \"status\": \"success\"", ErrNotPrometheus)
	case resultType != "matrix" && resultType != "":
		return nil, fmt.Errorf("%w: query_range answered a %q, want a matrix", ErrNotPrometheus, resultType)
	}
	return m, nil
}

func (m *matrix) readResult(it *jsoniter.Iterator, maxSeries, pointsHint int) error {
	var err error
	size := min(pointsHint, 1024)
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		if maxSeries > 0 && len(m.series) == maxSeries {
			err = &LimitError{What: "series", Got: maxSeries + 1, Limit: maxSeries}
			return false
		}
		s := series.Series{Labels: map[string]string{}, Times: make([]int64, 0, size), Values: make([]float64, 0, size)}
		it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
			switch field {
			case "metric":
				it.ReadObjectCB(func(it *jsoniter.Iterator, name string) bool {
					s.Labels[name] = it.ReadString()
					return true
				})
			case "values":
				it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
					t, v, ok := readSample(it)
					if ok {
						s.Times = append(s.Times, t)
						s.Values = append(s.Values, v)
					}
					return ok
				})
			default: // "histograms" (native histograms) and future fields are not modelled yet
				it.Skip()
			}
			return true
		})
		m.series = append(m.series, s)
		size = min(max(len(s.Times), 1), pointsHint)
		return it.Error == nil
	})
	return err
}

// readSample reads one [unix_seconds, "value"] pair as (Unix ms, value).
func readSample(it *jsoniter.Iterator) (int64, float64, bool) {
	var t int64
	var v float64
	i := 0
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		switch i {
		case 0:
			t = int64(math.Round(it.ReadFloat64() * 1000))
		case 1:
			b := it.ReadStringAsSlice()
			var err error
			// The slice is only borrowed from the iterator's buffer; ParseFloat does not keep it.
			v, err = strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
			if err != nil {
				it.ReportError("read sample", fmt.Sprintf("value %q is not a number", b))
				return false
			}
		default:
			it.Skip()
		}
		i++
		return true
	})
	return t, v, it.Error == nil && i >= 2
}

type apiErrorBody struct{ errorType, msg string }

// decodeError reads the Prometheus error envelope {"status":"error","errorType":..,"error":..}.
func decodeError(raw []byte) (apiErrorBody, bool) {
	var e struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if err := jsoniter.ConfigDefault.Unmarshal(raw, &e); err != nil || e.Status != "error" {
		return apiErrorBody{}, false
	}
	return apiErrorBody{e.ErrorType, e.Error}, true
}
