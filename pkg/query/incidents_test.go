package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseReceiverKinds(t *testing.T) {
	tests := []struct {
		name string
		json string
		want any
	}{
		{"incidents defaults, no expr needed", `{"refId":"A","kind":"incidents"}`,
			Incidents{States: []string{"open", "acknowledged"}, Limit: 100}},
		{"incidents values, states put in lifecycle order and deduplicated", `{"kind":"incidents","states":["resolved","open","resolved"],"service":" checkout ","limit":500}`,
			Incidents{States: []string{"open", "resolved"}, Service: "checkout", Limit: 500}},
		{"expr of another kind is ignored", `{"kind":"incidents","expr":"sum(","limit":1}`,
			Incidents{States: []string{"open", "acknowledged"}, Limit: 1}},
		{"annotations share the incidents fields", `{"kind":"annotations","states":["merged"]}`,
			Incidents{States: []string{"merged"}, Limit: 100}},
		{"hypotheses of one incident", `{"kind":"hypotheses","incidentId":"01J9X"}`,
			Hypotheses{IncidentID: "01J9X", Limit: 100}},
		{"hypotheses of every open incident", `{"kind":"hypotheses","limit":20,"service":"db"}`,
			Hypotheses{Service: "db", Limit: 20}},
		{"services variable", `{"kind":"variables","variable":"services"}`,
			VariableQuery{Variable: VariableServices, Limit: 100}},
		{"incidents variable", `{"kind":"variables","variable":"incidents","limit":7}`,
			VariableQuery{Variable: VariableIncidents, Limit: 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.json), Env{})
			if err != nil {
				t.Fatal(err)
			}
			if !m.Kind.ReadsReceiver() {
				t.Errorf("kind %q does not read the receiver", m.Kind)
			}
			var got any
			switch m.Kind {
			case KindIncidents, KindAnnotations:
				got, err = m.Incidents()
			case KindHypotheses:
				got, err = m.Hypotheses()
			case KindVariables:
				got, err = m.Variables()
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseReceiverKindErrors(t *testing.T) {
	tests := []struct {
		json, field, want string
	}{
		{`{"kind":"incidents","states":["open","firing"]}`, "states", `"firing" is not an incident state: want open, acknowledged, resolved, merged`},
		{`{"kind":"annotations","states":["Open"]}`, "states", `"Open" is not an incident state`},
		{`{"kind":"incidents","limit":0}`, "limit", "0 is outside 1 to 500"},
		{`{"kind":"annotations","limit":501}`, "limit", "501 is outside 1 to 500"},
		{`{"kind":"hypotheses","limit":-1}`, "limit", "outside 1 to 500"},
		{`{"kind":"variables","variable":"services","limit":1000}`, "limit", "outside 1 to 500"},
		{`{"kind":"incidents","service":"a\nb"}`, "service", "control character at byte 1"},
		{`{"kind":"hypotheses","incidentId":"` + strings.Repeat("x", 300) + `"}`, "incidentId", "longer than 256 bytes"},
		{`{"kind":"variables"}`, "variable", `"" is not a variable query: want services or incidents`},
		{`{"kind":"variables","variable":"hosts"}`, "variable", `"hosts" is not a variable query`},
		{`{"kind":"incident"}`, "kind", "supported: anomaly, forecast, patterns, incidents, hypotheses, annotations, variables"},
	}
	for _, tc := range tests {
		t.Run(tc.field+" "+tc.json, func(t *testing.T) {
			_, err := Parse([]byte(tc.json), Env{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want field %q mentioning %q", err, tc.field, tc.want)
			}
		})
	}
	for _, bad := range []string{`{"kind":"incidents","states":"open"}`, `{"kind":"incidents","limit":"10"}`} {
		if _, err := Parse([]byte(bad), Env{}); err == nil || !strings.Contains(err.Error(), "decode query JSON") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
