# oc-cnv — see README.md. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

MODULE   := github.com/oc-cnv/oc-cnv
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(MODULE)/pkg/version.version=$(VERSION) -X $(MODULE)/pkg/version.commit=$(COMMIT) -X $(MODULE)/pkg/version.date=$(DATE)
PREFIX   ?= /usr/local
GOBIN    ?= $(shell go env GOBIN)
BINDIR   := $(if $(GOBIN),$(GOBIN),$(PREFIX)/bin)
E2E_TIMEOUT ?= 40m
# Every test run of `make test` is copied here, for hack/test-failures.sh to sum up at the end.
TEST_LOG ?= bin/test.log

export CGO_ENABLED := 0
# Every build, test and tool run with -trimpath, as the binaries are: the Go build cache keys
# compiled packages by their flags, so tests built without it would compile every dependency a
# second time (minutes on a cold CI machine).
export GOFLAGS += -trimpath

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build bin/oc-cnv (and the bin/kubectl-cnv link)
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/oc-cnv ./cmd/oc-cnv
	ln -sf oc-cnv bin/kubectl-cnv

.PHONY: install
install: build ## Install oc-cnv and kubectl-cnv into GOBIN, else PREFIX/bin
	install -d "$(BINDIR)"
	install -m 0755 bin/oc-cnv "$(BINDIR)/oc-cnv"
	ln -sf oc-cnv "$(BINDIR)/kubectl-cnv"
	@echo "installed $(BINDIR)/oc-cnv and $(BINDIR)/kubectl-cnv: run 'oc cnv --help' or 'kubectl cnv --help'"

.PHONY: test
test: test-log verify unit e2e e2e-apis e2e-restart ## Checks, unit tests, then end-to-end tests on the local cluster (brought up if needed)

.PHONY: verify
verify: verify-generated lint release-check install-check fuzz-short ## Everything CI checks besides the tests

.PHONY: install-check
install-check: ## make install into a scratch PREFIX puts a working oc-cnv and kubectl-cnv there
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory install GOBIN= PREFIX="$$tmp" >/dev/null; \
	"$$tmp/bin/oc-cnv" --help | grep -q '^  oc cnv \[command\]' && "$$tmp/bin/kubectl-cnv" --help | grep -q '^  kubectl cnv \[command\]' \
		&& echo "make install: oc-cnv and kubectl-cnv work from $$tmp/bin"

.PHONY: generate
generate: ## Regenerate docs/reference, docs/man and completions/ from the command tree
	go run ./cmd/gen-docs .

.PHONY: verify-generated
verify-generated: ## Fail when generated docs or completions differ from the committed ones
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; go run ./cmd/gen-docs "$$tmp"; \
	for d in docs/reference docs/man completions; do \
		diff -r "$$d" "$$tmp/$$d" >/dev/null || { diff -ru "$$d" "$$tmp/$$d" | head -40; echo "$$d is out of date: run 'make generate' and commit the result"; exit 1; }; \
	done; echo "generated docs and completions are up to date"

GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := $(or $(OC_CNV_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/oc-cnv)/bin/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml), and gofmt over the test world's tool modules
	$(GOLANGCI_LINT) run ./...
	@# hack/tools/* are modules of their own, outside ./...; hack/cluster.sh compiles them.
	@unformatted=$$(gofmt -l hack/tools); [ -z "$$unformatted" ] || { echo "not gofmt-ed: $$unformatted"; exit 1; }

.PHONY: fuzz-short
fuzz-short: ## Every fuzz target briefly (CI)
	hack/fuzz.sh 1000x

.PHONY: fuzz
fuzz: ## Every fuzz target for a minute each
	hack/fuzz.sh $(or $(FUZZTIME),60s)

.PHONY: bench
bench: build ## Benchmarks beside kubectl and the rotate-certs.sh call sequence, on a cluster of their own (~11 min); see docs/performance.md
	OC_CNV_CLUSTER=bench VIRT_API_PORT=9454 NODES=3 hack/cluster.sh up --nm-api=medik8s-crd
	rc=0; OC_CNV_CLUSTER=bench OC_CNV_BENCH_KUBECONFIG="$$(OC_CNV_CLUSTER=bench hack/cluster.sh kubeconfig)" \
		OC_CNV_BIN="$(CURDIR)/bin/oc-cnv" OC_CNV_KUBECTL="$$(hack/cluster.sh kubectl)" \
		go test -tags bench -count=1 -v -timeout 60m ./test/bench/ || rc=$$?; \
		OC_CNV_CLUSTER=bench hack/cluster.sh down; exit $$rc

.PHONY: release-check
release-check: ## goreleaser check and snapshot build, krew manifest validation and install
	hack/release-check.sh

.PHONY: test-log
test-log:
	@mkdir -p $(dir $(TEST_LOG)) && : > $(TEST_LOG)

.PHONY: unit
unit: ## Unit tests (no cluster; the e2e and bench suites build only with -tags e2e / -tags bench)
	go test -count=1 ./... 2>&1 | tee -a $(TEST_LOG)

.PHONY: e2e
e2e: build cluster-up ## End-to-end tests of the real binary on the local cluster
	OC_CNV_E2E_KUBECONFIG="$$(hack/cluster.sh kubeconfig)" OC_CNV_BIN="$(CURDIR)/bin/oc-cnv" OC_CNV_KUBECTL="$$(hack/cluster.sh kubectl)" \
		go test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) ./test/e2e/... 2>&1 | tee -a $(TEST_LOG)

# The NodeMaintenance APIs older operators served, and none at all: each on a small cluster of
# its own (CRD only; the real operator serves only the medik8s API), running the tests that
# skip on the main cluster, and those whose behaviour differs without an operator.
LEGACY_API_TESTS := TestMaintenanceOlderAPIGroups|TestMaintenanceWithoutAnyAPI|TestMaintenanceNoOperatorWarnsAfterGrace|TestMaintenanceListWatchFollowsDrainMethod

.PHONY: e2e-apis
e2e-apis: build ## End-to-end tests of the older NodeMaintenance APIs and of no API
	@port=9464; for api in kubevirt v1alpha1 none; do \
		export OC_CNV_CLUSTER=nm-$$api VIRT_API_PORT=$$port NODES=2; port=$$((port + 1)); \
		hack/cluster.sh up --nm-api=$$api; \
		OC_CNV_E2E_KUBECONFIG="$$(hack/cluster.sh kubeconfig)" OC_CNV_BIN="$(CURDIR)/bin/oc-cnv" OC_CNV_KUBECTL="$$(hack/cluster.sh kubectl)" \
			go test -tags e2e -count=1 -timeout 10m -run '$(LEGACY_API_TESTS)' ./test/e2e/ 2>&1 | tee -a $(TEST_LOG) || { hack/cluster.sh logs 80; hack/cluster.sh down; exit 1; }; \
		hack/cluster.sh down; \
	done

# The API server restarted in the middle of a command: this restarts a whole control plane, so
# it runs on a small cluster of its own. The tests skip, saying why, on any other cluster.
.PHONY: e2e-restart
e2e-restart: build ## End-to-end tests of commands across an API server restart, on a cluster of their own
	OC_CNV_CLUSTER=restart VIRT_API_PORT=9468 NODES=3 hack/cluster.sh up --nm-api=medik8s-crd
	rc=0; OC_CNV_CLUSTER=restart OC_CNV_E2E_KUBECONFIG="$$(OC_CNV_CLUSTER=restart hack/cluster.sh kubeconfig)" OC_CNV_E2E_RESTARTABLE=1 \
		OC_CNV_BIN="$(CURDIR)/bin/oc-cnv" OC_CNV_KUBECTL="$$(hack/cluster.sh kubectl)" \
		go test -tags e2e -count=1 -v -timeout 20m -run '^TestFaultAPIServerRestart' ./test/e2e/ 2>&1 | tee -a $(TEST_LOG) || { rc=$$?; OC_CNV_CLUSTER=restart hack/cluster.sh logs 80; }; \
		OC_CNV_CLUSTER=restart hack/cluster.sh down; exit $$rc

.PHONY: cluster-up
cluster-up: ## Start the local cluster (builds its components the first time)
	hack/cluster.sh up

.PHONY: cluster-down
cluster-down: ## Stop the local cluster
	hack/cluster.sh down

.PHONY: demo
demo: build cluster-up ## Walk through the product on the local cluster
	hack/demo.sh

.PHONY: clean
clean: ## Remove build output (the component cache is kept; see hack/cluster.sh)
	rm -rf bin dist
