# Differential testing against the real kube-scheduler (issue 19). Included by the main Makefile.
#
#   make fuzz                 N=1000 random cases from seed START=1000, against the integration tier's
#                             kube-scheduler (scripts/controlplane/versions.env); prints every disagreement
#                             with its seed and YAML, disagreements by plugin, cases/s, and last
#                             `agreement: A/T cases`. Fails when any case disagrees.
#   make fuzz SEEDS=1,2,3     exactly these cases
#   make fuzz CLASSES=+topology_spread,-volumes   switch generator classes (tests/integration/diffgen.py Classes)
# `make test` runs the short differential run (tests/integration/test_differential.py).

N ?= 1000
START ?= 1000
SEEDS ?=
CLASSES ?=

.PHONY: fuzz

fuzz: $(STAMP) ## Differential run vs the real kube-scheduler (N=1000 START=1000 SEEDS= CLASSES=)
	$(PY) scripts/fuzz_scheduler.py -n $(N) --start $(START) $(if $(SEEDS),--seeds $(SEEDS)) $(if $(CLASSES),--classes=$(CLASSES))
