# k8s-cluster-agent — the two commands of the README:
#   make run    create the virtualenv if needed, install, start the agent (on the bundled demo cluster
#               when no cluster is configured)
#   make test   create the virtualenv if needed, install, run every test tier
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
PORT ?= 8080
#: sizes of the cluster-index scale benchmark (pods; `make bench INDEX_SIZES=10000` for a quick run)
INDEX_SIZES ?= 10000,60000,150000

.DEFAULT_GOAL := help
.PHONY: help venv browser run test test-fast lint bench loadtest clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv and install the agent with its dev tools

# The dashboard's browser tests drive Debian's chromium through chromedriver (Selenium, from the dev extras).
# Installed with apt-get when missing and this runs as root (CI does); otherwise the tests say why they skip.
browser: ## Debian's chromium and chromium-driver for the dashboard's browser tests (apt-get, as root, when missing)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and chromium-driver (Debian) for the dashboard's browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver >/dev/null; \
	else \
		echo "chromium/chromedriver missing and not root: the dashboard's browser tests will be skipped"; \
	fi

run: $(STAMP) ## Start the agent (WORKERS, PORT... from the environment; demo cluster when no cluster is configured)
	@echo "k8s-agent: dashboard at http://localhost:$(PORT)/ (API under /api/v1, OpenAPI at /docs)"
	PORT=$(PORT) $(VENV)/bin/k8s-agent

test: $(STAMP) browser lint ## make lint, then every tier: unit, API, live-source, deploy checks, load smoke, real control plane
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) browser lint ## make lint, then everything but the real control-plane tier
	$(PY) -m pytest -m "not integration" $(PYTEST_ARGS)

lint: $(STAMP) ## ruff (check and format) over the sources, tests and scripts; mypy over src (pyproject.toml)
	$(VENV)/bin/ruff check src tests scripts
	$(VENV)/bin/ruff format --check src tests scripts
	$(VENV)/bin/mypy

bench: $(STAMP) ## Benchmarks: print figures and ratios (nothing asserted about time)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_conditional.py
	$(PY) scripts/bench_scheduling.py
	$(PY) scripts/bench_namespace.py
	$(PY) scripts/bench_workloads.py
	$(PY) scripts/bench_nodes.py
	$(PY) scripts/bench_memory.py
	$(PY) scripts/bench_index.py --sizes $(INDEX_SIZES)

loadtest: $(STAMP) ## Locust dashboard mix against the demo cluster (DURATION=60s USERS=50); CSV in out/load_*.csv
	VENV=$(VENV) scripts/loadtest.sh

clean: ## Remove the virtualenv and build output
	rm -rf $(VENV) build dist out .pytest_cache

-include mk/*.mk
