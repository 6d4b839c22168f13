// Package dashboards holds the tests of the bundled Grafana dashboards (dashboards/*.json)
// and the provisioning files (provisioning/): every dashboard is checked against Grafana's
// dashboard JSON schema, its layout and data source references are checked, and every
// Foresight query in it goes through the backend's own validation. The package has no
// code of its own; the files it checks ship with the plugin.
package dashboards
