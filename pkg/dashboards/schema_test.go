package dashboards

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL names the vendored schema inside the compiler; nothing is fetched.
const schemaURL = "https://grafana.com/schemas/dashboard.jsonschema.json"

// relaxedSchema is Grafana's dashboard schema (vendored from grafana-foundation-sdk, see
// testdata/README.md) with the generated strictness removed where Grafana's own CUE kind is
// open, compiled by a full draft-07 validator.
func relaxedSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "dashboard.jsonschema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("dashboard schema: %v", err)
	}
	if err := relax(doc); err != nil {
		t.Fatalf("relax the dashboard schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("compile the dashboard schema: %v", err)
	}
	return s
}

// relax reopens exactly the four places where the generated schema is stricter than the
// CUE kind it was generated from; each edit quotes the kind's own comment.
func relax(doc any) error {
	defs, err := object(doc, "definitions")
	if err != nil {
		return err
	}
	def := func(name string) (map[string]any, error) { return object(defs, name) }
	open := func(name string) (map[string]any, error) {
		d, err := def(name)
		if err == nil {
			delete(d, "additionalProperties")
		}
		return d, err
	}
	// "datasource will stick their raw DataQuery here"; limit, matchAny, tags and type are
	// "only required/valid for the grafana datasource".
	target, err := open("AnnotationTarget")
	if err != nil {
		return err
	}
	delete(target, "required")
	// "unless datasources have migrated to the target+mapping, they just spread their query
	// into the base object".
	if _, err := open("AnnotationQuery"); err != nil {
		return err
	}
	// #VariableModel is open, and query is string | {...}: a data source's query object.
	vm, err := open("VariableModel")
	if err != nil {
		return err
	}
	props, err := object(vm, "properties")
	if err != nil {
		return err
	}
	props["query"] = map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "object"}}}
	// #DynamicConfigValue's value is `_` (anything): an override's unit is a string, its
	// links an array.
	dcv, err := def("DynamicConfigValue")
	if err != nil {
		return err
	}
	if props, err = object(dcv, "properties"); err != nil {
		return err
	}
	props["value"] = map[string]any{}
	// Grafana writes null for the first threshold (-Infinity), as the schema itself notes.
	th, err := def("Threshold")
	if err != nil {
		return err
	}
	if props, err = object(th, "properties"); err != nil {
		return err
	}
	props["value"] = map[string]any{"type": []any{"number", "null"}}
	return nil
}

// object is doc[key] as a JSON object, or an error naming the key when the schema's shape
// has changed under the relaxations.
func object(doc any, key string) (map[string]any, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q: parent is not an object", key)
	}
	v, ok := m[key].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q is missing or not an object", key)
	}
	return v, nil
}
