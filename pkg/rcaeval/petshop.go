// Package rcaeval measures root-cause ranking on public benchmarks: PetShop (metrics of an
// AWS microservice application around 68 injected performance issues, with its call graph)
// and the MicroSS fault alerts (alerts and a knowledge graph around 152 injected faults).
// Both feed the same engine, pkg/rca, with one configuration: the benchmark files stand in
// for the live sources, nothing else changes.
package rcaeval

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/topology"
)

// PetShop scenarios, in the order reports list them.
var petshopScenarios = []string{"low_traffic", "high_traffic", "temporal_traffic1", "temporal_traffic2"}

// Column is one metric of one component: its values at the table's timestamps, NaN where
// the source had no datapoint.
type Column struct {
	Node, Metric, Stat string
	Values             []float64
}

// Table is a PetShop metrics.csv: 5-minute timestamps and one column per (node, metric,
// statistic).
type Table struct {
	Times   []time.Time
	Columns []Column
}

// PetIssue is one injected performance issue.
type PetIssue struct {
	Scenario, Name string // Name is "train/issue_3"
	// TargetNode and TargetMetric are the SLO that was violated (always PetSite here) and
	// At when the violation was observed: the alert that opens the incident.
	TargetNode, TargetMetric string
	At                       time.Time
	Root                     string // the component where the fault was injected
	Metrics                  Table
}

// PetScenario is one traffic scenario: its call graph, its normal-operation metrics (nil
// where the snapshot lacks them) and its issues.
type PetScenario struct {
	Name   string
	Graph  *topology.Graph
	Normal *Table
	Issues []PetIssue
}

// LoadPetShop reads the PetShop data set at dir (the folder holding dataset/).
func LoadPetShop(dir string) ([]PetScenario, error) {
	var out []PetScenario
	for _, name := range petshopScenarios {
		sc, err := loadScenario(filepath.Join(dir, "dataset", name), name)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

func loadScenario(dir, name string) (PetScenario, error) {
	sc := PetScenario{Name: name}
	var err error
	if sc.Graph, err = readAdjacency(filepath.Join(dir, "graph.csv")); err != nil {
		return sc, err
	}
	normal, err := readTable(filepath.Join(dir, "noissue", "metrics.csv"))
	switch {
	case err == nil:
		sc.Normal = &normal
	case !errors.Is(err, fs.ErrNotExist):
		return sc, err
	}
	for _, split := range []string{"train", "test"} {
		dirs, err := filepath.Glob(filepath.Join(dir, split, "issue_*"))
		if err != nil {
			return sc, err
		}
		slices.SortFunc(dirs, byIssueNumber)
		for _, d := range dirs {
			is, err := loadIssue(d)
			if err != nil {
				return sc, err
			}
			is.Scenario, is.Name = name, split+"/"+filepath.Base(d)
			sc.Issues = append(sc.Issues, is)
		}
	}
	if len(sc.Issues) == 0 {
		return sc, fmt.Errorf("petshop %s: no issues under %s", name, dir)
	}
	return sc, nil
}

func byIssueNumber(a, b string) int {
	na, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(a), "issue_"))
	nb, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(b), "issue_"))
	return na - nb
}

// target.json, as the data set's README describes it.
type petTarget struct {
	Target struct {
		Node      string  `json:"node"`
		Metric    string  `json:"metric"`
		Timestamp float64 `json:"timestamp"`
	} `json:"target"`
	RootCause struct {
		Node string `json:"node"`
	} `json:"root_cause"`
}

func loadIssue(dir string) (PetIssue, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "target.json"))
	if err != nil {
		return PetIssue{}, err
	}
	var t petTarget
	if err := json.Unmarshal(raw, &t); err != nil {
		return PetIssue{}, fmt.Errorf("%s/target.json: %w", dir, err)
	}
	if t.Target.Node == "" || t.RootCause.Node == "" || t.Target.Timestamp <= 0 {
		return PetIssue{}, fmt.Errorf("%s/target.json: target node, timestamp and root cause are required", dir)
	}
	tab, err := readTable(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		return PetIssue{}, err
	}
	return PetIssue{TargetNode: t.Target.Node, TargetMetric: t.Target.Metric, At: unixSeconds(t.Target.Timestamp),
		Root: t.RootCause.Node, Metrics: tab}, nil
}

func unixSeconds(s float64) time.Time {
	return time.Unix(0, int64(s*1e9)).UTC()
}

// readTable reads a metrics.csv: three header rows (microservice, metric, statistic), a
// "unix_timestamp" row, then one row per timestamp with empty cells for no datapoint.
func readTable(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return Table{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return Table{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 5 || len(rows[0]) < 2 || rows[0][0] != "microservice" || rows[1][0] != "metric" || rows[2][0] != "statistic" {
		return Table{}, fmt.Errorf("%s: want the 3-row header microservice/metric/statistic and data rows", path)
	}
	n := len(rows[0]) - 1
	tab := Table{Columns: make([]Column, n)}
	for j := range n {
		tab.Columns[j] = Column{Node: rows[0][j+1], Metric: rows[1][j+1], Stat: rows[2][j+1]}
	}
	for i, row := range rows[4:] {
		if len(row) != n+1 {
			return Table{}, fmt.Errorf("%s: data row %d has %d cells, want %d", path, i+1, len(row), n+1)
		}
		ts, err := strconv.ParseFloat(row[0], 64)
		if err != nil {
			return Table{}, fmt.Errorf("%s: data row %d: timestamp %q: %w", path, i+1, row[0], err)
		}
		tab.Times = append(tab.Times, unixSeconds(ts))
		for j := range n {
			v := math.NaN()
			if c := row[j+1]; c != "" {
				if v, err = strconv.ParseFloat(c, 64); err != nil {
					return Table{}, fmt.Errorf("%s: data row %d, column %d: %w", path, i+1, j+2, err)
				}
			}
			tab.Columns[j].Values = append(tab.Columns[j].Values, v)
		}
	}
	return tab, nil
}

// readAdjacency reads graph.csv: a square adjacency matrix, row calls column where 1.
func readAdjacency(path string) (*topology.Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: empty adjacency matrix", path)
	}
	names := rows[0][1:]
	var edges []topology.Edge
	for _, row := range rows[1:] {
		for j, cell := range row[1:] {
			if v, err := strconv.ParseFloat(cell, 64); err == nil && v == 1 && j < len(names) {
				edges = append(edges, topology.Edge{Client: row[0], Server: names[j]})
			}
		}
	}
	g, err := topology.New(edges, topology.ResolveVirtual(edges, xrayRemote))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// column finds a column by node, metric and statistic.
func (t *Table) column(node, metric, stat string) ([]float64, bool) {
	for _, c := range t.Columns {
		if c.Node == node && c.Metric == metric && c.Stat == stat {
			return c.Values, true
		}
	}
	return nil, false
}

// xrayRemote reports an X-Ray "remote" node: a peer seen only from its callers' side.
func xrayRemote(name string) bool { return strings.HasSuffix(name, "_remote") }
