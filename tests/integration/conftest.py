"""Integration tier: a real etcd + kube-apiserver + kube-scheduler (see controlplane.py).

Fixtures:
  control_plane  (session)  a started :class:`controlplane.ControlPlane`.

Tests that use ``control_plane`` are auto-marked ``integration`` and skipped (with
the reason in pytest's summary) when the binaries are not cached and no Go
toolchain is available to build them.  Test modules should also set
``pytestmark = controlplane.requires_control_plane`` so the skip is visible at module level.

When a test that uses the fixture fails, the tails of the component logs are
attached to its report ("control plane logs" section).

Usage::

    from controlplane import ApiError, requires_control_plane, wait_for

    pytestmark = requires_control_plane

    def test_something(control_plane):
        cp = control_plane
        cp.create_namespace("demo")                 # + its `default` ServiceAccount
        cp.create_node("n1", cpu="2", memory="4Gi")  # Node + kubelet-like status
        cp.api("POST", "/api/v1/namespaces/demo/pods", pod_manifest)
        cp.api("GET", "/api/v1/namespaces/demo/events", query={"fieldSelector": "involvedObject.name=x"})
        cp.kubectl("get", "pods", "-A", "-o", "json").stdout
        token = cp.service_account_token("demo", "agent")   # RBAC-limited identity
        kubeconfig = cp.kubeconfig_path(token)              # for the agent under test
        cp.server, cp.ca_file, cp.admin_token, cp.log_paths

Environment: K8S_AGENT_CACHE (binary cache), KUBERNETES_VERSION / ETCD_VERSION
(override versions.env), K8S_AGENT_KEEP_CONTROLPLANE=1 (keep PKI/logs/kubeconfigs
after the session), K8S_AGENT_LOG_TAIL (lines per component in failure reports),
K8S_AGENT_BUILD_TIMEOUT (seconds, default 3600), KUBECTL (path).
"""

from __future__ import annotations

import os

import controlplane
import pytest

_REASON = controlplane.UNAVAILABLE_REASON


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "control_plane" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)
            if _REASON is not None:
                item.add_marker(pytest.mark.skipif(True, reason=f"control plane unavailable: {_REASON}"))


@pytest.fixture(scope="session")
def control_plane(request):
    if _REASON is not None:
        pytest.skip(f"control plane unavailable: {_REASON}")
    capman = request.config.pluginmanager.getplugin("capturemanager")
    tr = request.config.pluginmanager.getplugin("terminalreporter")

    def note(msg: str) -> None:
        if tr is None:
            return
        with capman.global_and_fixture_disabled() if capman else _null():
            tr.write_line(msg)

    cp = controlplane.start_control_plane(note)
    if os.environ.get("K8S_AGENT_CONTROLPLANE_VERBOSE"):
        note(f"control plane up: {cp.server} timings={cp.timings}")
    yield cp
    controlplane.cleanup(cp)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or "control_plane" not in getattr(item, "fixturenames", ()):
        return
    cp = controlplane.ACTIVE or controlplane.FAILED_START
    if cp is None or not cp.log_paths:
        return
    lines = int(os.environ.get("K8S_AGENT_LOG_TAIL", "80"))
    report.sections.append((f"control plane logs (last {lines} lines each)", cp.tail_logs(lines)))


# --------------------------------------------------------------------------- e2e fixtures (cluster_builder.py)
# Appended for the agent end-to-end tests: the realistic cluster and the chart's identity are built once
# per session on the shared control plane; each test module starts its own agent subprocess.


@pytest.fixture(scope="session")
def helm_path():
    """helm (scripts/get-helm.sh, cached); the tests that need it are skipped when it cannot be built."""
    import cluster_builder

    return cluster_builder.find_helm()


@pytest.fixture(scope="session")
def cluster(control_plane):
    """The realistic cluster of cluster_builder.ClusterBuilder (nodes, workloads, events, pods the real
    scheduler rejects), built once per session."""
    import cluster_builder

    return cluster_builder.ClusterBuilder(control_plane).build()


@pytest.fixture(scope="session")
def agent_identity(control_plane, helm_path):
    """The chart's ServiceAccount/ClusterRole/ClusterRoleBinding applied (release k8s-cluster-agent in
    namespace k8s-cluster-agent), with a TokenRequest token and a kubeconfig holding only that token."""
    import cluster_builder

    return cluster_builder.apply_chart_identity(
        control_plane, helm_path, "k8s-cluster-agent", "k8s-cluster-agent"
    )
