# Mutation testing of the pure analysis modules (issue 21): slow, not part of `make test`.
#   make mutation                          every module, smallest first
#   make mutation MUTATION_MODULES="text quantity scheduling.selectors"
#   make mutation MUTATION_ARGS=--report   the score of the results already in mutants/, no run
MUTATION_MODULES ?=
MUTATION_ARGS ?=
.PHONY: mutation

mutation: $(STAMP) ## Mutation testing (mutmut) of analysis/: score and survivors per module, last line `mutation score: K/T`
	$(PY) scripts/mutation.py $(MUTATION_ARGS) $(MUTATION_MODULES)
