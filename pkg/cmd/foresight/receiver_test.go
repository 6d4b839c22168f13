package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// TestDevDefaults checks what `make run` relies on: with no configuration, -dev gives a
// SQLite file under ./data (created) and one tenant with a fresh token.
func TestDevDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	var cfg receiver.Config
	if err := receiver.Load(&cfg, nil, flag.NewFlagSet("t", flag.ContinueOnError)); err != nil {
		t.Fatal(err)
	}
	if err := devDefaults(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Store.Path != filepath.Join("data", "foresight.db") {
		t.Errorf("store path %q", cfg.Store.Path)
	}
	if st, err := os.Stat("data"); err != nil || !st.IsDir() {
		t.Errorf("data folder not made: %v", err)
	}
	tenants := cfg.TenantList()
	if len(tenants) != 1 || len(tenants[0].Token) != 32 {
		t.Fatalf("tenants %+v", tenants)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("dev config does not validate: %v", err)
	}

	// A configured tenant is kept as it is.
	cfg.Tenant.Token = "mine"
	if err := devDefaults(&cfg); err != nil || cfg.Tenant.Token != "mine" {
		t.Errorf("configured token replaced: %q, %v", cfg.Tenant.Token, err)
	}
}
