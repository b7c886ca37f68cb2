# syntax=docker/dockerfile:1
# k8s-cluster-agent image: a venv with the app and its runtime dependencies on
# python:3.11-slim, tini as PID 1, non-root (65534), read-only-root friendly.
#   docker build -t k8s-cluster-agent:0.1.0 .        (BuildKit, Docker >= 23)
# Runs with readOnlyRootFilesystem: the Helm chart mounts emptyDirs at /tmp
# (Sanic's multiprocessing Manager) and at PROMETHEUS_MULTIPROC_DIR.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- stage 1: wheels for the project and every runtime dependency ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# .dockerignore lets in only pyproject.toml, README/LICENSE and src/
COPY . .
RUN pip wheel --wheel-dir /wheels .

# ---- stage 2: runtime (no compilers, no pip) ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="k8s-cluster-agent" \
      org.opencontainers.image.description="Read-only in-cluster Kubernetes diagnosis REST service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/sumandas0/k8s-cluster-agent"

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PROMETHEUS_MULTIPROC_DIR=/var/run/k8s-agent/metrics

# tini: PID 1 that forwards SIGTERM to the Sanic main process and reaps zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.* \
    && rm -rf /var/lib/apt/lists/*

# Install the wheels into a pip-less venv (wheels are bind-mounted, not copied
# into a layer), precompile all bytecode (the root FS is read-only at runtime
# and PYTHONDONTWRITEBYTECODE=1; the base image ships the stdlib without .pyc),
# then drop pip/setuptools/wheel from the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    /usr/local/bin/python -m venv --without-pip "${VIRTUAL_ENV}" \
    && /usr/local/bin/python -m pip --python "${VIRTUAL_ENV}/bin/python" \
        install --no-index --no-compile /wheels/*.whl \
    && /usr/local/bin/python -m pip uninstall -y setuptools wheel \
    && /usr/local/bin/python -m pip uninstall -y pip \
    && /usr/local/bin/python -m compileall -q -j 0 --invalidation-mode unchecked-hash \
        /usr/local/lib/python3.11 "${VIRTUAL_ENV}" \
    && "${VIRTUAL_ENV}/bin/python" -c "import k8s_agent" \
    && mkdir -p "${PROMETHEUS_MULTIPROC_DIR}" \
    && chown 65534:65534 "${PROMETHEUS_MULTIPROC_DIR}"

USER 65534:65534
EXPOSE 8080
ENTRYPOINT ["tini", "--", "k8s-agent"]
