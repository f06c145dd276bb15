# newsclaims: `make run` builds the warehouse from seeds/, `make test` runs the suite.
# Needs only a Python 3.12 or 3.13 and the package registries; everything else lands in .venv.
SHELL := /bin/bash
# The first suitable interpreter: $PYTHON if given, else python3.12 on PATH or pyenv's 3.12 (the version
# the lock is tested on), else a 3.13 or python3 that is 3.12+.
PYTHON_OK := import sys; sys.exit(not (3, 12) <= sys.version_info[:2] < (3, 14))
ifndef PYTHON
PYTHON := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3 python3.13 python3 \
            $$HOME/.pyenv/versions/3.13*/bin/python3; do \
            command -v "$$p" >/dev/null 2>&1 && "$$p" -c '$(PYTHON_OK)' 2>/dev/null && { command -v "$$p"; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.newsclaims-setup
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
PORT ?= 3000
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_NO_PROGRESS := 1

.PHONY: setup run test lint lint-sql fix-sql ui validate check-defs list-defs docs benchmark quality train-mentions train-claims train-encoder clean

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock $(wildcard dbt_project/*.yml dbt_project/models/*/*.yml dbt_project/models/*/*.sql dbt_project/models/*/*/*.yml dbt_project/models/*/*/*.sql dbt_project/macros/*.sql dbt_project/seeds/*)
	@test -n "$(PYTHON)" || { echo "setup: no Python 3.12 or 3.13 found (PATH, ~/.pyenv/versions); install one (pyenv install 3.12, or uv python install 3.12) or set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@$(PYTHON) -c '$(PYTHON_OK)' 2>/dev/null || { echo "setup: $(PYTHON) is not Python 3.12 or 3.13 ($$($(PYTHON) --version 2>&1)); set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@$(BIN)/python -c '$(PYTHON_OK)' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "setup: '$(PYTHON) -m venv' failed; on Debian/Ubuntu install the venv module (sudo apt install python3-venv, or python3.12-venv) and run make again" >&2; exit 1; }; }
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet --compile-bytecode --python $(BIN)/python
	$(BIN)/python -m compileall -q pipeline
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt parse --quiet
	@touch $(STAMP)

run: setup
	$(BIN)/newsclaims run

test: setup
	$(BIN)/pytest -q

# ruff's rules, line length and format live in pyproject.toml ([tool.ruff]); `make format` rewrites
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: format
format: setup
	$(BIN)/ruff format .

# sqlfluff on the dbt models (dbt_project/.sqlfluff: dbt templater, DuckDB dialect). Compiling needs a
# DuckDB file: a scratch one, so no warehouse is opened or created. Not yet in .ci/run: the models
# are to be laid out once with fix-sql after the branches touching them have merged.
SQLFLUFF := cd dbt_project && NEWSCLAIMS_WAREHOUSE=$(CURDIR)/dbt_project/target/sqlfluff-scratch.duckdb DBT_PROFILES_DIR=. ../$(BIN)/sqlfluff
lint-sql: setup
	$(SQLFLUFF) lint models

fix-sql: setup
	$(SQLFLUFF) fix models

ui: setup
	@mkdir -p $(DAGSTER_HOME)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(PORT)

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

# Dagster's dg CLI on the same code location ([tool.dg] in pyproject.toml; definitions autoloaded from
# pipeline/defs/). `dg dev` works too: it is `make ui` without the fixed port and DAGSTER_HOME.
DG := VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg
check-defs: setup
	$(DG) check defs

list-defs: setup
	$(DG) list defs

# dbt's documentation site for the warehouse ($$NEWSCLAIMS_WAREHOUSE or the default; its catalog is read
# from the file, nothing is fetched): one self-contained page, dbt_project/target/static_index.html
docs: setup
	@warehouse=$$($(BIN)/python -c 'from pipeline.settings import Settings; print(Settings.from_env().warehouse)') && \
	  { test -f "$$warehouse" || { echo "docs: no warehouse at $$warehouse yet: make run" >&2; exit 1; }; } && \
	  cd dbt_project && NEWSCLAIMS_WAREHOUSE="$$warehouse" DBT_PROFILES_DIR=. ../$(BIN)/dbt docs generate --static --quiet
	@echo "dbt docs: dbt_project/target/static_index.html"

benchmark: setup
	$(BIN)/python benchmarks/throughput.py

quality: setup
	$(BIN)/python benchmarks/quality.py

# Rewrite the output tables of docs/cookbook.md from a warehouse built from seeds/ (about a minute)
.PHONY: cookbook
cookbook: setup
	$(BIN)/python docs/cookbook.py

# Retrain the CoNLL entity component (pipeline/models/conll_ner) from ../shared/data/conll2003/train.txt
# and print its figures on CoNLL valid; about an hour on two cores, not part of `make test` or CI.
train-mentions: setup
	$(BIN)/python training/mentions/train.py

# Retrain the claim tagger (pipeline/models/claims_tagger) from ../shared/data/polnear/train and print
# rules / learned / combined on the held-out tenth of train, then the dev figures through the pipeline;
# about 40 minutes on two shared cores, not part of `make test` or CI.
train-claims: setup
	$(BIN)/python training/claims/train.py

# Fine-tune all-MiniLM-L6-v2 as the claim tagger (pipeline/models/claims_encoder, the default tagger)
# from ../shared/data/polnear/train, then the same figures. Torch is a training tool only: TRAIN_PYTHON
# is a separate venv with it (training/encoder/README.md); 4 epochs, 80-100 min on one core.
TRAIN_PYTHON ?= $(HOME)/train311/bin/python
train-encoder: setup
	$(BIN)/python training/encoder/build.py --train-python $(TRAIN_PYTHON)

# Headless Chromium (Debian) and playwright-core (tests/ui/package-lock.json) for tests/ui's browser
# test; without them that test skips. Chromium is installed only where it is missing and apt-get exists.
# Redis (Debian's redis-server) for the Celery scale-out test (tests/scaleout); without it that test skips.
# Installed only where it is missing and apt-get exists.
.PHONY: redis-deps
redis-deps:
	@if command -v redis-server >/dev/null; then echo "redis-server: $$(redis-server --version)"; \
	elif command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null && \
	  echo "redis-server: installed $$(redis-server --version)"; \
	else echo "redis-deps: redis-server is missing and there is no apt-get to install it" >&2; exit 1; fi

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
