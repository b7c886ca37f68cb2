#!/usr/bin/env bash
# Build a pinned Helm CLI from the Go module proxy and print its path.
#
# On this project's machines the only reachable sources are package registries,
# so helm comes from `go install` (module helm.sh/helm/v3) instead of a release
# download. Elsewhere just install helm the usual way (package manager or the
# official release) and put it on PATH: `make helm-lint HELM=helm` works too.
#
#   scripts/get-helm.sh          -> prints e.g. ~/.cache/k8s-agent/bin/helm
#   HELM_VERSION=v3.x.y scripts/get-helm.sh   (override the pin)
#
# Cache layout (K8S_AGENT_CACHE, default ~/.cache/k8s-agent):
#   bin/helm-<version>/helm   the binary for that version (reused when present)
#   bin/helm                  stable symlink to the last requested version
# A warm run does no network or compile work and returns immediately.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
HELM_MODULE="helm.sh/helm/v3/cmd/helm"
CACHE_DIR="${K8S_AGENT_CACHE:-${HOME}/.cache/k8s-agent}"
BIN_DIR="${CACHE_DIR}/bin"
DEST_DIR="${BIN_DIR}/helm-${HELM_VERSION}"
LINK="${BIN_DIR}/helm"

log() { printf 'get-helm: %s\n' "$*" >&2; }

link_and_print() {
    ln -sfn "helm-${HELM_VERSION}/helm" "${LINK}.tmp.$$"
    mv -fT "${LINK}.tmp.$$" "${LINK}"
    printf '%s\n' "${LINK}"
}

if [[ -x "${DEST_DIR}/helm" ]]; then
    link_and_print
    exit 0
fi

GO="${GO:-}"
if [[ -z "${GO}" ]]; then
    if command -v go >/dev/null 2>&1; then
        GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then
        GO=/usr/local/go/bin/go
    else
        log "go toolchain not found; install Go >= 1.24 or install helm from your package manager"
        exit 127
    fi
fi

mkdir -p "${BIN_DIR}"
# Build into a private temp dir then rename, so a concurrent or interrupted
# run never leaves a half-written binary at the final path.
TMP_DIR="$(mktemp -d "${BIN_DIR}/.helm-build.XXXXXX")"
trap 'rm -rf "${TMP_DIR}"' EXIT

export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

log "building ${HELM_MODULE}@${HELM_VERSION} with $("${GO}" version) (cold: 1.5-3 min on 2 cores)"
start=$(date +%s)

# Helm's release Makefile stamps the Kubernetes version of its client-go into
# the binary; without it `helm template`/`lint` default to Kubernetes v1.20 and
# charts with a kubeVersion constraint fail to render. Read it from the
# module's own go.mod (k8s.io/client-go v0.MINOR.x -> 1.MINOR).
gomod="$("${GO}" mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "${gomod}" | head -n1)"
if [[ -z "${k8s_minor}" ]]; then
    log "cannot read the client-go version from ${gomod}"
    exit 1
fi
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
for pkg in pkg/chartutil pkg/lint/rules; do
    ldflags+=" -X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1 -X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${k8s_minor}"
done

GOBIN="${TMP_DIR}" "${GO}" install -trimpath -ldflags "${ldflags}" "${HELM_MODULE}@${HELM_VERSION}"
log "built in $(( $(date +%s) - start ))s"

mkdir -p "${DEST_DIR}.new.$$"
mv "${TMP_DIR}/helm" "${DEST_DIR}.new.$$/helm"
if ! mv -T "${DEST_DIR}.new.$$" "${DEST_DIR}" 2>/dev/null; then
    # another run finished first; keep its binary
    rm -rf "${DEST_DIR}.new.$$"
fi
"${DEST_DIR}/helm" version --short >&2
link_and_print
