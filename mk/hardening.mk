# Abuse and fault figures, and the SIGTERM loop (included by the main Makefile via `include mk/*.mk`).

VENV ?= .venv
PY ?= $(VENV)/bin/python
RUNS ?= 50

.PHONY: chaos sigterm-loop

chaos: $(STAMP) ## Abuse/fault figures: RSS under 20,000 missing names, GC pause, API calls failing vs healthy, lost at SIGTERM, bystander p95
	$(PY) scripts/chaos.py

sigterm-loop: $(STAMP) ## The SIGTERM tests RUNS times (50) with two CPU burners running; prints how many passed
	$(PY) scripts/sigterm_loop.py --runs $(RUNS)
