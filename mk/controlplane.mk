# Real control plane for the integration tier (tests/integration).
# Included by the main Makefile (`include mk/*.mk`).
#
#   make controlplane-bins   build (or reuse from cache) kube-apiserver, kube-scheduler and etcd
#                            versions: scripts/controlplane/versions.env
#                            cache:    $K8S_AGENT_CACHE or ~/.cache/k8s-agent (bin/<component>-v<version>)
#                            cold: ~6-7 min on 2 cores (~3.3 GB of GOMODCACHE+GOCACHE); warm: ~0.01 s
#
# The pytest fixture (tests/integration/conftest.py) runs the same script itself
# when the binaries are missing, so this target is only a way to pre-warm the cache.

CONTROLPLANE_BUILD ?= scripts/controlplane/build.sh

.PHONY: controlplane-bins

controlplane-bins:
	bash $(CONTROLPLANE_BUILD)
