# VanThu — the two commands are `make dev` and `make test`; everything else they need is set up here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PROTO_OUT := libs/vanthu-proto/src
PROTO_FILES := $(shell find proto -name '*.proto' | sort)
PYTEST_ARGS ?=
#: pytest-xdist workers for `make test` and `make test-year-ahead` (0: one process). Whole test files go to a worker
#: (`--dist loadfile`: a module's fixtures stay in one process); each worker starts its own platform for e2e. The files
#: are handed out in the order vanthu_testing's plugin sorts them (the longest first), not xdist's by test count.
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)
#: libfaketime's offset for `make test-year-ahead` (nats-server, a Go binary, keeps the real clock).
YEAR_AHEAD ?= +365d
#: `make fuzz`: generated cases per REST operation and role (make test runs 5), and the seed (empty: a new one each
#: run, printed, so that `make fuzz FUZZ_SEED=n` repeats it).
FUZZ_EXAMPLES ?= 150
FUZZ_SEED ?=

WEB := services/web

#: The test targets keep Python's compiled bytecode (__pycache__/, ignored by git and by the images' build context)
#: even where the environment sets PYTHONDONTWRITEBYTECODE: without it every Python process of a test run compiled
#: all it imports from source again (each service of each platform the e2e tests start, every restart of one, each
#: xdist worker, and pytest rewrote every test module's asserts in each worker), in both runs of the CI.
test test-year-ahead test-fast fuzz chart-check: export PYTHONDONTWRITEBYTECODE :=

.PHONY: help uv sync system-deps proto proto-lint lint typecheck test test-fast test-year-ahead fuzz dev bench clean \
        web-deps web-lint web-test web-build web-api chart-golden chart-check

help: ## This list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

uv: ## Install uv (the Python workspace tool) if it is missing
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --quiet --disable-pip-version-check uv \
	  || (curl -LsSf https://astral.sh/uv/install.sh | sh)

sync: uv ## Create .venv with every package of the workspace (pinned by uv.lock)
	@$(UV) sync --all-packages --all-extras --quiet

system-deps: ## Debian packages the tests use (PostgreSQL, SoftHSM2, poppler, Node.js, chromium), when missing
	@bash scripts/system-deps.sh

proto: sync ## Generate the gRPC/protobuf stubs into libs/vanthu-proto (never edited by hand)
	@rm -rf $(PROTO_OUT)/vanthu
	@$(UV) run --no-sync python -m grpc_tools.protoc -Iproto --python_out=$(PROTO_OUT) --pyi_out=$(PROTO_OUT) \
	  --grpc_python_out=$(PROTO_OUT) $(PROTO_FILES)
	@echo "proto: generated $(words $(PROTO_FILES)) files into $(PROTO_OUT)/vanthu"

proto-lint: ## Style checks of the .proto files
	@python3 proto/lint.py

lint: proto proto-lint web-lint ## ruff and mypy over the whole workspace; eslint and tsc over the web app
	@$(UV) run --no-sync ruff check .
	@$(UV) run --no-sync mypy $$(ls -d libs/*/src services/*/src | grep -v -e vanthu-proto -e services/web)

test: system-deps lint web-test web-build ## Lint, type checks, unit, integration, e2e and browser tests
	@$(UV) run --no-sync pytest $(XDIST) --durations=25 --durations-min=10 $(PYTEST_ARGS)

test-year-ahead: system-deps proto ## Unit and integration tests again with the clock a year ahead (libfaketime)
	@lib=$$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n1); \
	  if [ -z "$$lib" ]; then echo "test-year-ahead: libfaketime is missing (apt-get install libfaketime)" >&2; exit 1; fi; \
	  export LD_PRELOAD=$$lib FAKETIME=$(YEAR_AHEAD); \
	  echo "test-year-ahead: the tests see $$(date -u +%Y-%m-%dT%H:%MZ) (FAKETIME=$(YEAR_AHEAD))"; \
	  $(UV) run --no-sync pytest $(XDIST) -m "unit or integration" libs services $(PYTEST_ARGS)

test-fast: proto ## Only the unit tests
	@$(UV) run --no-sync pytest -m unit $(PYTEST_ARGS)

fuzz: system-deps proto ## Fuzz every REST route from the OpenAPI document longer than make test (FUZZ_EXAMPLES, FUZZ_SEED)
	@seed="$(FUZZ_SEED)"; seed=$${seed:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	  echo "fuzz: $(FUZZ_EXAMPLES) cases per operation and role, seed $$seed (repeat: make fuzz FUZZ_SEED=$$seed)"; \
	  VANTHU_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) VANTHU_FUZZ_SEED=$$seed $(UV) run --no-sync pytest e2e/test_e2e_fuzz.py \
	  -p no:cacheprovider -s --timeout=0 $(PYTEST_ARGS)

dev: system-deps proto web-build ## Run the whole platform and the web app on this machine; Ctrl-C stops it
	@$(UV) run --no-sync python -m vanthu_devstack up

bench: proto web-build ## Benchmarks: each prints project vs baseline measured in the same run
	@rm -f bench/results.json
	@set -e; for b in $$(ls bench/*.py | grep -v '/_'); do echo "== $$b"; $(UV) run --no-sync python $$b; done
	@echo "results: bench/results.json"

web-deps: ## The web app's npm packages, exactly as package-lock.json pins them (npm ci, when the lock changed)
	@if [ ! -f $(WEB)/node_modules/.package-lock.json ] || [ $(WEB)/package-lock.json -nt $(WEB)/node_modules/.package-lock.json ]; \
	  then cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error; fi

web-lint: web-deps ## eslint and tsc --noEmit over the web app
	@cd $(WEB) && npx eslint . --max-warnings 0 && npx tsc --noEmit

web-test: web-deps ## The web app's component tests (vitest)
	@cd $(WEB) && npx vitest run

web-build: web-deps ## Build the web app into services/web/dist (served by the gateway at /)
	@cd $(WEB) && npx vite build --logLevel warn

web-api: proto web-deps ## Regenerate the web app's API types from the gateway's OpenAPI document (commit the result)
	@$(UV) run --no-sync python -m vanthu_gateway.export_openapi $(WEB)/openapi.json
	@cd $(WEB) && npx openapi-typescript openapi.json -o src/api/schema.d.ts

chart-golden: sync ## Render charts/vanthu over each values file into charts/tests/golden (commit the reviewed diff)
	@$(UV) run --no-sync python -m vanthu_testing.chart

chart-check: proto ## The chart's checks alone: renders, schemas, golden files, Dockerfiles, each image's environment
	@$(UV) run --no-sync pytest charts -p no:cacheprovider $(PYTEST_ARGS)

clean: ## Remove generated stubs, caches (keeps var/, the dev data)
	rm -rf $(PROTO_OUT)/vanthu .pytest_cache .mypy_cache .ruff_cache
