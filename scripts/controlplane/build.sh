#!/usr/bin/env bash
# Build the real control-plane binaries used by the integration tier
# (tests/integration): kube-apiserver, kube-scheduler and etcd, from the Go
# module proxy, at the versions pinned in scripts/controlplane/versions.env.
#
#   scripts/controlplane/build.sh          build what is missing, print the paths
#   KUBERNETES_VERSION=1.36.1 scripts/controlplane/build.sh   (override a pin)
#
# Output (stdout, eval-able):   KUBE_APISERVER=<path> KUBE_SCHEDULER=<path> ETCD=<path>
# Progress and timings go to stderr.
#
# Cache layout (K8S_AGENT_CACHE, default ~/.cache/k8s-agent):
#   bin/kube-apiserver-v<ver>  bin/kube-scheduler-v<ver>  bin/etcd-v<ver>
#   go/mod    GOMODCACHE         go/cache   GOCACHE
#   build/kubernetes-v<ver>/ and build/etcd-v<ver>/   throwaway go.mod per component set
# A warm run (binaries present) does no network or compile work.
#
# How the modules are made to build outside their repos:
#   k8s.io/kubernetes requires its staging modules (k8s.io/api, client-go, ...)
#   at v0.0.0 and `replace`s them with ./staging/src/... paths, which only work
#   inside the kubernetes repo. Replace directives of a dependency are ignored,
#   so the throwaway module re-pins each of them to the published
#   k8s.io/<name> v0.<minor>.<patch>. The list is derived from the go.mod the
#   proxy serves for that exact k8s.io/kubernetes version (its local-path
#   replaces that are also required), never kept by hand. Non-local replaces in
#   that go.mod (forks) are copied verbatim. etcd's server module gets the same
#   treatment for its sibling modules (api, client/pkg, client/v3, pkg), pinned
#   to the etcd version itself.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T0=$(date +%s)

log() { printf 'controlplane/build: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Pins: environment wins over versions.env.
_env_k8s="${KUBERNETES_VERSION:-}"
_env_etcd="${ETCD_VERSION:-}"
# shellcheck source=versions.env
source "${SCRIPT_DIR}/versions.env"
KUBERNETES_VERSION="${_env_k8s:-${KUBERNETES_VERSION}}"
ETCD_VERSION="${_env_etcd:-${ETCD_VERSION}}"
KUBERNETES_VERSION="v${KUBERNETES_VERSION#v}"
ETCD_VERSION="v${ETCD_VERSION#v}"

CACHE_DIR="${K8S_AGENT_CACHE:-${HOME}/.cache/k8s-agent}"
BIN_DIR="${CACHE_DIR}/bin"
APISERVER="${BIN_DIR}/kube-apiserver-${KUBERNETES_VERSION}"
SCHEDULER="${BIN_DIR}/kube-scheduler-${KUBERNETES_VERSION}"
ETCD_BIN="${BIN_DIR}/etcd-${ETCD_VERSION}"

print_paths() {
    printf 'KUBE_APISERVER=%s\nKUBE_SCHEDULER=%s\nETCD=%s\n' "${APISERVER}" "${SCHEDULER}" "${ETCD_BIN}"
}

all_present() { [[ -x "${APISERVER}" && -x "${SCHEDULER}" && -x "${ETCD_BIN}" ]]; }

if all_present; then
    log "cached: kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION} (in $(( $(date +%s) - T0 ))s)"
    print_paths
    exit 0
fi

GO="${GO:-}"
if [[ -z "${GO}" ]]; then
    if command -v go >/dev/null 2>&1; then GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go
    else die "no Go toolchain found (set GO=/path/to/go or put go on PATH); need Go >= the go directive of k8s.io/kubernetes ${KUBERNETES_VERSION}"
    fi
fi

mkdir -p "${BIN_DIR}" "${CACHE_DIR}/build"

# One build at a time per cache dir (pytest fixture and make may race).
if command -v flock >/dev/null 2>&1; then
    exec 9>"${CACHE_DIR}/build/.lock"
    if ! flock -n 9; then
        log "another build holds ${CACHE_DIR}/build/.lock; waiting"
        flock 9
    fi
    if all_present; then print_paths; exit 0; fi
fi

export GOMODCACHE="${CACHE_DIR}/go/mod"
export GOCACHE="${CACHE_DIR}/go/cache"
export GOPATH="${CACHE_DIR}/go/path"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local
export GOWORK=off
export CGO_ENABLED="${CGO_ENABLED:-0}"
log "using $("${GO}" version) (GOMODCACHE=${GOMODCACHE})"

# parse_gomod FILE -> lines "LOCAL <mod>" (replace to a filesystem path),
# "REMOTE <old[@ver]> <new@ver>" and "REQ <mod> <ver>".
parse_gomod() {
    awk '
        { sub(/\/\/.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
        $0 == "" { next }
        /^replace[ \t]*\($/ { blk = "rep"; next }
        /^require[ \t]*\($/ { blk = "req"; next }
        /^\)$/ { blk = ""; next }
        {
            kind = blk
            if ($1 == "replace") { kind = "rep"; $1 = ""; $0 = $0 }
            else if ($1 == "require") { kind = "req"; $1 = ""; $0 = $0 }
            if (kind == "req") { print "REQ", $1, $2; next }
            if (kind != "rep") next
            if ($2 == "=>") { old = $1; newp = $3; newv = $4 }
            else { old = $1 "@" $2; newp = $4; newv = $5 }
            if (newp ~ /^(\.\/|\.\.\/|\/)/ || newv == "") print "LOCAL", old
            else print "REMOTE", old, newp "@" newv
        }
    ' "$1"
}

# prepare_module DIR MAIN_MODULE VERSION SIBLING_VERSION
# Writes DIR/go.mod requiring MAIN_MODULE@VERSION with its local replaces
# re-pinned to SIBLING_VERSION.
prepare_module() {
    local dir="$1" main="$2" ver="$3" sibver="$4"
    mkdir -p "${dir}"
    cd "${dir}"
    rm -f go.mod go.sum
    "${GO}" mod init "k8s-agent.local/controlplane-build" >/dev/null 2>&1
    local modfile
    modfile="$(GOFLAGS= "${GO}" mod download -json "${main}@${ver}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -f "${modfile}" ]] || die "could not download ${main}@${ver} from the module proxy"
    local parsed args=() n=0
    parsed="$(parse_gomod "${modfile}")"
    args+=("-require=${main}@${ver}")
    local kind a b
    while read -r kind a b; do
        case "${kind}" in
            LOCAL)
                # Only modules the main module actually requires are in the graph.
                if awk -v m="${a}" '$1 == "REQ" && $2 == m { f = 1 } END { exit !f }' <<<"${parsed}"; then
                    args+=("-require=${a}@${sibver}" "-replace=${a}=${a}@${sibver}")
                    n=$((n + 1))
                fi
                ;;
            REMOTE)
                args+=("-replace=${a}=${b}")
                ;;
        esac
    done <<<"${parsed}"
    "${GO}" mod edit "${args[@]}"
    log "${main}@${ver}: re-pinned ${n} local-replaced sibling modules to ${sibver} (derived from ${modfile##*/})"
}

build_into() {  # build_into DEST PKG LDFLAGS
    local dest="$1" pkg="$2" ldflags="$3" t=$(date +%s)
    log "go build ${pkg} -> ${dest}"
    "${GO}" build -trimpath -ldflags "${ldflags}" -o "${dest}.tmp.$$" "${pkg}"
    mv -f "${dest}.tmp.$$" "${dest}"
    log "built $(basename "${dest}") in $(( $(date +%s) - t ))s ($(du -h "${dest}" | cut -f1))"
}

# --- kubernetes -------------------------------------------------------------
if [[ ! -x "${APISERVER}" || ! -x "${SCHEDULER}" ]]; then
    t=$(date +%s)
    k8s_minor_patch="${KUBERNETES_VERSION#v1.}"          # 36.3
    staging_version="v0.${k8s_minor_patch}"              # v0.36.3
    prepare_module "${CACHE_DIR}/build/kubernetes-${KUBERNETES_VERSION}" \
        k8s.io/kubernetes "${KUBERNETES_VERSION}" "${staging_version}"
    # What hack/lib/version.sh would stamp, so /version reports the real release.
    major="${KUBERNETES_VERSION#v}"; major="${major%%.*}"
    minor="${k8s_minor_patch%%.*}"
    vflags=""
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        vflags+=" -X ${p}.gitVersion=${KUBERNETES_VERSION} -X ${p}.gitMajor=${major} -X ${p}.gitMinor=${minor}"
        vflags+=" -X ${p}.gitTreeState=clean -X ${p}.buildDate=1970-01-01T00:00:00Z"
    done
    ldflags="-s -w${vflags}"
    log "resolving module graph for k8s.io/kubernetes ${KUBERNETES_VERSION} (first run downloads ~1 GB of modules)"
    [[ -x "${APISERVER}" ]] || build_into "${APISERVER}" k8s.io/kubernetes/cmd/kube-apiserver "${ldflags}"
    [[ -x "${SCHEDULER}" ]] || build_into "${SCHEDULER}" k8s.io/kubernetes/cmd/kube-scheduler "${ldflags}"
    log "kubernetes ${KUBERNETES_VERSION} done in $(( $(date +%s) - t ))s"
fi

# --- etcd -------------------------------------------------------------------
if [[ ! -x "${ETCD_BIN}" ]]; then
    t=$(date +%s)
    # The `etcd` binary is the main package at the root of go.etcd.io/etcd/server/v3.
    prepare_module "${CACHE_DIR}/build/etcd-${ETCD_VERSION}" \
        go.etcd.io/etcd/server/v3 "${ETCD_VERSION}" "${ETCD_VERSION}"
    build_into "${ETCD_BIN}" go.etcd.io/etcd/server/v3 "-s -w"
    log "etcd ${ETCD_VERSION} done in $(( $(date +%s) - t ))s"
fi

log "all done in $(( $(date +%s) - T0 ))s"
print_paths
