//go:build mage

package main

import (
	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
)

// Default builds the backend for linux, darwin and windows on amd64 and arm64 (the SDK's
// BuildAll). CI builds only build:linux, the platform it runs on.
var Default = build.BuildAll
