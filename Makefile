# Kequn: `make` lists the targets. Everything a user runs goes through here.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.SECONDARY:
MAKEFLAGS += --no-builtin-rules

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kequn-setup
KQ := $(BIN)/python -m kequn.run.cli

DEMO_DIR := data/demo
DEMO_N ?= 20000
SEED ?= 7
DATA ?= $(DEMO_DIR)
CONFIG ?= config/default.yaml
PROCESSED ?= data/processed
REPORTS ?= reports
RUN ?=
# Paths and the run name reach kequn.run.cli through the environment, never through make's word
# lists: a folder or run name with spaces (or quotes) is passed as it is. kequn.run.cli decides
# what is stale (config, column map, data files, library, notebooks), names the run
# (<data folder>-<yyyymmdd> unless RUN is given) and checks the name.
export KQ_DATA = $(DATA)
export KQ_CONFIG = $(CONFIG)
export KQ_PROCESSED = $(PROCESSED)
export KQ_REPORTS = $(REPORTS)
export KQ_RUN = $(RUN)
STAGES := 01_profiling 02_clustering 03_value 04_needs 05_feedback 06_summary
NOTEBOOKS := $(STAGES:%=notebooks/%.ipynb)

## help: list the targets
help:
	@echo "Kequn (客群) — customer segmentation workbench"
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'
	@echo "  variables: DATA=folder (or postgresql://user@host:port/db) CONFIG=config/x.yaml RUN=name DEMO_N=$(DEMO_N) SEED=$(SEED)"

## setup: .venv with the pinned requirements, kequn (editable), the Jupyter kernel 'kequn', the default sentiment model
setup: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored" >&2)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e . 2> >(grep -v "is ignored" >&2)
	$(BIN)/python -m ipykernel install --sys-prefix --name kequn --display-name "Python (kequn)" > /dev/null
	$(BIN)/python -m kequn.models.sentiment > /dev/null  # trains the shipped sentiment model once (~20 s), cached in $(VENV)
	touch $@

## data: generate the demo company into data/demo (DEMO_N customers, SEED)
data: $(DEMO_DIR)/.stamp
$(DEMO_DIR)/.stamp: $(STAMP) $(wildcard lib/kequn/demo/*.py)
	$(BIN)/python -m kequn.demo.synth --out $(DEMO_DIR) --customers $(DEMO_N) --seed $(SEED)
	touch $@

## data-messy: a demo export with the faults real exports have, in data/demo-messy
data-messy: $(STAMP)
	$(BIN)/python -m kequn.demo.synth --out data/demo-messy --customers $(DEMO_N) --seed $(SEED) --messy

## report: run every stage on DATA with CONFIG and write reports/<run>/ (moves reports/latest)
# Intake runs when the config, column map, data files or library changed; then the stale stages
# on one kernel (kequn.run.runner), rendered into a staging folder that replaces reports/<run> only
# when every stage succeeded.
report: $(STAMP) $(if $(filter $(DEMO_DIR),$(DATA)),$(DEMO_DIR)/.stamp)
	$(KQ) report $(NOTEBOOKS) --config="$$KQ_CONFIG" --data="$$KQ_DATA" --run="$$KQ_RUN" \
	  --processed="$$KQ_PROCESSED" --reports="$$KQ_REPORTS" 2> >(grep -v "KeyboardInterrupt caught in kernel" >&2)

## actions: the run's action lists with CRM ids, CSV and .xlsx, in reports/<run>/actions (ACTIONS_ARGS=--machine: English column names)
actions: report
	$(KQ) actions --data="$$KQ_DATA" --run="$$KQ_RUN" --processed="$$KQ_PROCESSED" --reports="$$KQ_REPORTS" $(ACTIONS_ARGS)

## test: set up and run every test (unit, bad input, notebooks, end to end, Spark, reports in a real browser, real PostgreSQL and MariaDB)
# On one pytest-xdist worker per core (TEST_WORKERS=0: in this process): the notebooks, the Spark
# tests, the database tests, each whole run's tests and each other module stay together on one
# worker, the costliest groups first (tests/conftest.py orders them; xdist keeps that order).
# The tests' own `make report` runs use one kernel (KEQUN_KERNELS=1): the parallel tests already
# keep the cores busy; the tests of stages side by side ask for two themselves.
TEST_WORKERS ?= auto
test: $(STAMP) $(DEMO_DIR)/.stamp browser java postgres mariadb
	KEQUN_KERNELS=1 KEQUN_REQUIRE_POSTGRES=1 KEQUN_REQUIRE_MARIADB=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests \
	  -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
	  --nbval-lax --nbval-kernel-name kequn --nbval-cell-timeout 600 $(PYTEST_ARGS) $(wildcard notebooks/*.ipynb)

## lint: ruff (lint and format check; settings in pyproject.toml); .ci/run runs it before the tests
lint: $(STAMP)
	$(BIN)/ruff check lib tests bench notebooks tools
	$(BIN)/ruff format --check lib tests bench notebooks tools

## format: ruff format and the safe lint fixes, in place
format: $(STAMP)
	$(BIN)/ruff check --fix lib tests bench notebooks tools
	$(BIN)/ruff format lib tests bench notebooks tools

## test-fast: the tests that are neither end to end nor in the browser nor Spark (about a minute)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not e2e and not browser and not spark" tests $(PYTEST_ARGS)

## test-spark: the Spark engine's tests (local[2] against DuckDB on a small demo, about a minute)
test-spark: $(STAMP) java
	$(BIN)/python -m pytest -q -p no:cacheprovider -m spark tests $(PYTEST_ARGS)

## browser: Debian's chromium and CJK fonts for the browser test (installed with apt when missing)
# fonts-noto-cjk: without a CJK font the screenshots show Chinese as empty boxes.
browser:
	@{ command -v chromium > /dev/null 2>&1 && fc-list 2> /dev/null | grep -qi "Noto Sans CJK"; } || { \
	  echo "installing Debian's chromium and CJK fonts for the browser test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium fonts-noto-cjk > /dev/null; }

## postgres: Debian's PostgreSQL server programs for the database tests (installed with apt when missing)
# The tests run their own throwaway server (tests/pg_server.py: initdb in a temporary folder,
# 127.0.0.1 on a free port); Debian's packaged cluster is not used.
postgres:
	@{ command -v initdb > /dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; } || { \
	  echo "installing Debian's postgresql for the database tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends postgresql > /dev/null; }

## mariadb: the programs of Debian's mariadb-server (mariadbd, mariadb-install-db) for the MySQL tests (apt, when missing)
# Only the -core packages: the tests start their own server (tests/mariadb_server.py); no service.
mariadb:
	@{ command -v mariadbd > /dev/null 2>&1 || test -x /usr/sbin/mariadbd; } && command -v mariadb-install-db > /dev/null 2>&1 || { \
	  echo "installing Debian's mariadb-server-core for the MySQL tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends mariadb-server-core mariadb-client-core > /dev/null; }

## java: Debian's Java 17 runtime for the Spark engine and its tests (installed with apt when missing)
# Spark 4 runs on Java 17 or newer; an older java on PATH counts as missing.
java:
	@{ command -v java > /dev/null 2>&1 && \
	  java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; } || { \
	  echo "installing Debian's openjdk-17-jre-headless for Spark"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends openjdk-17-jre-headless > /dev/null; }

## lab: JupyterLab on the kequn kernel
lab: $(STAMP) $(DEMO_DIR)/.stamp
	$(BIN)/jupyter lab --notebook-dir=. $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

## bench: time and peak memory per stage on 20k, 200k and 1M generated customers
bench: $(STAMP)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

## clean: remove processed data, reports and the demo data (never data/raw)
clean:
	rm -rf "$$KQ_PROCESSED" "$$KQ_REPORTS" $(DEMO_DIR) data/demo-messy

## distclean: clean, and remove the virtual environment
distclean: clean
	rm -rf $(VENV)

.PHONY: help setup data data-messy report actions test test-fast test-spark lint format browser java postgres mariadb lab bench clean distclean
