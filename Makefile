# newsclaims: `make run` builds the warehouse from seeds/, `make test` runs the suite.
# Needs only python3 (3.11+) and the package registries; everything else lands in .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.newsclaims-setup
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
PORT ?= 3000
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_NO_PROGRESS := 1

.PHONY: setup run test lint ui validate benchmark quality clean

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock $(wildcard dbt_project/*.yml dbt_project/models/*/*.yml dbt_project/models/*/*.sql dbt_project/macros/*.sql)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet --python $(BIN)/python
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt parse --quiet
	@touch $(STAMP)

run: setup
	$(BIN)/newsclaims run

test: setup
	$(BIN)/pytest -q

# ruff's rules and line length live in pyproject.toml ([tool.ruff]); formatting is not enforced yet
lint: setup
	$(BIN)/ruff check .

ui: setup
	@mkdir -p $(DAGSTER_HOME)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(PORT)

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

benchmark: setup
	$(BIN)/python benchmarks/throughput.py

quality: setup
	$(BIN)/python benchmarks/quality.py

# Headless Chromium (Debian) and playwright-core (tests/ui/package-lock.json) for tests/ui's browser
# test; without them that test skips. Chromium is installed only where it is missing and apt-get exists.
.PHONY: browser-deps
browser-deps:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && \
	  echo "chromium: installed $$(/usr/bin/chromium --version 2>/dev/null)"; \
	else echo "browser-deps: /usr/bin/chromium is missing and there is no apt-get to install it" >&2; exit 1; fi
	@command -v npm >/dev/null || { echo "browser-deps: npm (node) is missing" >&2; exit 1; }
	npm ci --prefix tests/ui --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse.duckdb warehouse.duckdb.* .pytest_cache
