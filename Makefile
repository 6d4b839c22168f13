# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go

.PHONY: run receiver demo test deps build build-frontend build-backend test-go test-frontend lint bench clean

## run: install what is missing, build the plugin into dist/ and run the whole system: a simulated
## shop with scheduled faults scraped by Prometheus, whose alert rules fire through Alertmanager
## into the receiver (embedded SQLite under ./data/demo); it prints incidents and their probable
## causes as they appear, and how to load dist/ and provisioning/ into a Grafana
run: deps build
	$(GO) run ./pkg/cmd/foresight run

## receiver: only the alert receiver (embedded SQLite under ./data), for your own Grafana
receiver: deps
	$(GO) run ./pkg/cmd/foresight receiver -dev

## demo: the anomaly demo (a Prometheus with injected faults, flagged by the detector)
demo: deps
	$(GO) run ./pkg/cmd/foresight demo

## test: every test, with the race detector, plus typecheck, lint and the production build
test: test-go test-frontend build

## deps: Prometheus and Alertmanager from Debian's packages and the npm packages, when missing
deps:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v prometheus-alertmanager >/dev/null || \
		{ echo "installing prometheus and prometheus-alertmanager (Debian packages)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager; }
	@[ -d node_modules ] || npm ci --no-audit --no-fund

test-go:
	$(GO) vet ./pkg/...
	@out=$$(gofmt -l pkg Magefile.go); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }
	FORESIGHT_REQUIRE_PROMETHEUS=1 FORESIGHT_REQUIRE_DATASETS=1 FORESIGHT_REQUIRE_POSTGRES=1 $(GO) test -race -count=1 ./pkg/...

test-frontend:
	npm run typecheck
	npm run lint
	npm run test:ci
	npm run test:browser

build: build-frontend build-backend

build-frontend:
	npm run build

## build-backend: the SDK build for this platform (Magefile's default builds all six)
build-backend:
	$(GO) tool mage -v build:linux

## bench: the benchmarks recorded in docs/BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./pkg/anomaly/ ./pkg/e2e/
	$(GO) run ./pkg/cmd/foresight eval nab --data ../shared/datasets/nab

clean:
	rm -rf dist coverage
