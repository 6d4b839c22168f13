// Package groupeval measures alert grouping on the MicroSS fault-alert data set (GAIA
// MicroSS alerts keyed by injected fault, from boerste/rca-llm-reasoning): it turns each
// detected anomaly into the alert a real sender would post, replays the faults overlapped in
// time with unrelated background alerts mixed in, delivers them as Alertmanager would
// (batched per group, re-sent, sometimes retried), and scores the incidents against the
// fault ids with pairwise precision/recall/F1, the adjusted Rand index and compression.
package groupeval

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/topology"
)

// Where the files sit under the data set folder.
const (
	systemDir  = "fault-alerts/MicroSS"
	labelFile  = systemDir + "/label.csv"
	metricFile = systemDir + "/metric/metrics.json"
	traceFile  = systemDir + "/trace/traces.json"
	logFile    = systemDir + "/log/logs.json"
	kgFile     = "system-knowledge-graphs/original/MicroSS/MicroSS-KG.json"
)

// wallClock is the zone of label.csv's times and of the log lines: China Standard Time,
// where GAIA was recorded (the alert timestamps are Unix milliseconds and agree with it).
var wallClock = time.FixedZone("UTC+8", 8*3600)

// Signal is the telemetry an alert was detected on.
type Signal string

const (
	Metric Signal = "metric"
	Trace  Signal = "trace"
	Log    Signal = "log"
	// Noise marks a background alert that belongs to no fault.
	Noise Signal = "noise"
)

// Detection is one anomaly the data set's detectors reported, already as an alert's labels.
type Detection struct {
	At     time.Time
	Signal Signal
	Labels map[string]string
}

// Fault is one injected fault (one gold incident) and its detections in time order.
type Fault struct {
	ID         int
	Type       string // e.g. "[memory_anomalies]"
	Level      string // "service_instance" throughout MicroSS
	Entity     string // the root-cause component
	Start, End time.Time
	Detections []Detection
}

// Dataset is the MicroSS faults and the system's service graph.
type Dataset struct {
	Faults []Fault // by start time
	Graph  *topology.Graph
}

// Load reads the MicroSS part of the fault-alert data set at dir.
func Load(dir string) (*Dataset, error) {
	faults, err := loadFaults(filepath.Join(dir, labelFile))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Fault, len(faults))
	for i := range faults {
		byID[strconv.Itoa(faults[i].ID)] = &faults[i]
	}
	metric := func(row []*string, _ *Fault) (Detection, error) { return metricDetection(row) }
	trace := func(row []*string, _ *Fault) (Detection, error) { return traceDetection(row) }
	logs := func(row []json.RawMessage, ft *Fault) (Detection, error) { return logDetection(row, ft.Start) }
	if err := loadDetections(filepath.Join(dir, metricFile), "metric", byID, metric); err != nil {
		return nil, err
	}
	if err := loadDetections(filepath.Join(dir, traceFile), "trace", byID, trace); err != nil {
		return nil, err
	}
	if err := loadDetections(filepath.Join(dir, logFile), "log", byID, logs); err != nil {
		return nil, err
	}
	for i := range faults {
		slices.SortStableFunc(faults[i].Detections, func(a, b Detection) int { return a.At.Compare(b.At) })
	}
	slices.SortStableFunc(faults, func(a, b Fault) int { return a.Start.Compare(b.Start) })
	g, err := loadGraph(filepath.Join(dir, kgFile))
	if err != nil {
		return nil, err
	}
	return &Dataset{Faults: faults, Graph: g}, nil
}

func loadGraph(path string) (*topology.Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read MicroSS knowledge graph: %w", err)
	}
	defer f.Close()
	g, err := topology.FromKnowledgeGraph(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// labelColumns are the label.csv columns Load needs.
var labelColumns = []string{"fault_id", "fault_level", "fault_entity", "fault_type", "fault_st_time", "fault_ed_time"}

func loadFaults(path string) ([]Fault, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read MicroSS labels: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, c := range labelColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: no %s column", path, c)
		}
	}
	var faults []Fault
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ft, err := parseFault(rec, col)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, line, err)
		}
		faults = append(faults, ft)
	}
	if len(faults) == 0 {
		return nil, fmt.Errorf("%s: no faults", path)
	}
	return faults, nil
}

func parseFault(rec []string, col map[string]int) (Fault, error) {
	id, err := strconv.Atoi(rec[col["fault_id"]])
	if err != nil {
		return Fault{}, fmt.Errorf("fault_id: %w", err)
	}
	const layout = "2006-01-02 15:04:05.000"
	start, err := time.ParseInLocation(layout, rec[col["fault_st_time"]], wallClock)
	if err != nil {
		return Fault{}, fmt.Errorf("fault_st_time: %w", err)
	}
	end, err := time.ParseInLocation(layout, rec[col["fault_ed_time"]], wallClock)
	if err != nil {
		return Fault{}, fmt.Errorf("fault_ed_time: %w", err)
	}
	return Fault{
		ID: id, Type: rec[col["fault_type"]], Level: rec[col["fault_level"]], Entity: rec[col["fault_entity"]],
		Start: start, End: end,
	}, nil
}

// readJSON decodes a {fault_id: [row, ...]} file.
func readJSON(path, what string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read MicroSS %s alerts: %w", what, err)
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// faultOf finds the fault a file's key names.
func faultOf(byID map[string]*Fault, path, key string) (*Fault, error) {
	ft := byID[key]
	if ft == nil {
		return nil, fmt.Errorf("%s: fault %q is not in %s", path, key, filepath.Base(labelFile))
	}
	return ft, nil
}

// loadDetections reads a {fault_id: [row, ...]} file and adds each row's detection to
// its fault. Metric rows are [ts_ms, entity, host_or_null, metric, "up"|"down"], trace rows
// [ts_ms, caller, callee, operation, "PD"|"500"|"400"], log rows [entity, template_id,
// [example lines], count, first_error_or_null].
func loadDetections[R any](path, kind string, byID map[string]*Fault, detect func(R, *Fault) (Detection, error)) error {
	var raw map[string][]R
	if err := readJSON(path, kind, &raw); err != nil {
		return err
	}
	for key, rows := range raw {
		ft, err := faultOf(byID, path, key)
		if err != nil {
			return err
		}
		for i, row := range rows {
			d, err := detect(row, ft)
			if err != nil {
				return fmt.Errorf("%s: fault %s row %d: %w", path, key, i, err)
			}
			ft.Detections = append(ft.Detections, d)
		}
	}
	return nil
}

// fields checks a row's length and that the required fields are present.
func fields(row []*string, n int, required ...int) ([]string, error) {
	if len(row) != n {
		return nil, fmt.Errorf("%d fields, want %d", len(row), n)
	}
	out := make([]string, n)
	for i, p := range row {
		if p != nil {
			out[i] = strings.TrimSpace(*p)
		}
	}
	for _, i := range required {
		if out[i] == "" {
			return nil, fmt.Errorf("field %d is empty", i+1)
		}
	}
	return out, nil
}

func parseMillis(s string) (time.Time, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp: %w", err)
	}
	return time.UnixMilli(ms), nil
}
