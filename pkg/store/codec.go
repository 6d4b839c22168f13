package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// JSON columns. A nil map or slice is stored as "null" and comes back nil, an empty one
// as "{}"/"[]" and comes back empty, so a round trip keeps the difference.

func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func decodeJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	return json.Unmarshal([]byte(s), v)
}

// jsonFloat is a float64 that survives JSON even when it is NaN or ±Inf, which Grafana
// can report as an evaluated value and encoding/json refuses.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("value %q: %w", s, err)
		}
		*f = jsonFloat(v)
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

func encodeValues(m map[string]float64) (string, error) {
	if m == nil {
		return "null", nil
	}
	jm := make(map[string]jsonFloat, len(m))
	for k, v := range m {
		jm[k] = jsonFloat(v)
	}
	return encodeJSON(jm)
}

func decodeValues(s string) (map[string]float64, error) {
	var jm map[string]jsonFloat
	if err := decodeJSON(s, &jm); err != nil {
		return nil, err
	}
	if jm == nil {
		return nil, nil
	}
	m := make(map[string]float64, len(jm))
	for k, v := range jm {
		m[k] = float64(v)
	}
	return m, nil
}

// memberRow is a Member flattened to its columns, in memberColumns order.
func memberRow(tenant string, m incident.Member) ([]any, error) {
	labels, err := encodeJSON(m.Labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	annotations, err := encodeJSON(m.Annotations)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	values, err := encodeValues(m.Values)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	reason, err := encodeJSON(m.Reason)
	if err != nil {
		return nil, fmt.Errorf("reason: %w", err)
	}
	return []any{
		tenant, m.IncidentID, m.Fingerprint, string(m.Status), labels, annotations,
		ms(m.StartsAt), ms(m.EndsAt), m.GeneratorURL, values, m.Source,
		ms(m.FirstSeen), ms(m.LastSeen), m.FlapCount, m.Service, reason,
	}, nil
}

// incidentRow is an Incident flattened to its columns, in incidentColumns order.
func incidentRow(tenant string, in incident.Incident) ([]any, error) {
	services, err := encodeJSON(in.Services)
	if err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	return []any{
		tenant, in.ID, string(in.State), in.Title, in.Severity, services,
		ms(in.StartedAt), ms(in.UpdatedAt), ms(in.AckedAt), in.AckedBy, ms(in.ResolvedAt),
		ms(in.LastResolvedAlertAt), in.AlertCount, in.FiringCount, in.FlapCount,
		in.MergedInto, in.Revision,
	}, nil
}
