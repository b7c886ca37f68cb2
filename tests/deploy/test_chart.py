"""Checks of the Helm chart in helm/k8s-cluster-agent.

helm comes from scripts/get-helm.sh (a pinned helm built from the Go module
proxy and cached under ${K8S_AGENT_CACHE:-~/.cache/k8s-agent}); set HELM=/path/to/helm
to use another binary. Rendered manifests are validated with kubernetes-validate
(strict, Kubernetes 1.33), then their security-relevant properties are asserted.
These tests need neither the app package nor a cluster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "k8s-cluster-agent"
GET_HELM = REPO / "scripts" / "get-helm.sh"
KUBE_VERSION = "1.33.0"
RELEASE = "k8s-cluster-agent"
NAMESPACE = "k8s-cluster-agent"

# Every environment variable the app reads that the chart must set
# (SNAPSHOT_PATH is for CLUSTER_SOURCE=snapshot, local development only).
APP_ENV = {
    "PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "K8S_TIMEOUT",
    "READ_TIMEOUT",
    "WRITE_TIMEOUT",
    "POD_RESTART_THRESHOLD",
    "WORKERS",
    "REQUEST_DEADLINE",
    "CACHE_TTL",
    "CACHE_MAX_ENTRIES",
    "CLUSTER_SOURCE",
    "AUTH_MODE",
    "REDACT_ENV_VALUES",
    "SHUTDOWN_TIMEOUT",
    "PROMETHEUS_MULTIPROC_DIR",
}

# The exact Kubernetes reads the code makes: (apiGroup, resource, verb).
EXPECTED_RBAC = {
    *(("", r, v) for r in ("pods", "events", "nodes") for v in ("get", "list", "watch")),
    ("", "namespaces", "get"),
    ("", "persistentvolumeclaims", "get"),
    ("", "persistentvolumes", "get"),
    ("", "persistentvolumes", "list"),  # static PVs for unbound WaitForFirstConsumer claims
    ("storage.k8s.io", "storageclasses", "get"),  # the classes of a pending pod's unbound claims
    ("", "persistentvolumeclaims", "list"),  # CSI attach limits: the volumes the pods of a node use
    ("storage.k8s.io", "csinodes", "list"),  # CSI attach limits per node
    ("storage.k8s.io", "volumeattachments", "list"),  # CSI volumes attached to a node
    ("storage.k8s.io", "csidrivers", "get"),  # does a provisioner track storage capacity
    ("storage.k8s.io", "csistoragecapacities", "list"),  # the capacity it publishes per topology
    ("resource.k8s.io", "resourceclaims", "list"),  # DRA: a pod's claims and the devices others hold
    ("resource.k8s.io", "resourceslices", "list"),  # DRA: the devices each node publishes
    ("resource.k8s.io", "deviceclasses", "list"),  # DRA: the device classes' selectors
    ("", "resourcequotas", "list"),
    ("apps", "replicasets", "list"),
    ("apps", "replicasets", "watch"),  # the cluster index (kube/index/) watches these, the three above
    ("apps", "controllerrevisions", "list"),
    # ... and the controllers (their states in the cluster summary)
    *(
        ("apps", r, v)
        for r in ("deployments", "statefulsets", "daemonsets")
        for v in ("get", "list", "watch")
    ),
    *(("batch", r, v) for r in ("jobs", "cronjobs") for v in ("get", "list", "watch")),
    *(("metrics.k8s.io", "nodes", v) for v in ("get", "list")),
}

# name -> (values files, extra helm args)
SCENARIOS: dict[str, tuple[list[str], list[str]]] = {
    "default": ([], []),
    "dev": (["values-dev.yaml"], []),
    "prod": (["values-prod.yaml"], ["--api-versions", "monitoring.coreos.com/v1"]),
    "daemonset": ([], ["--set", "mode=daemonset"]),
    "token": ([], ["--set", "auth.mode=token,auth.cacheTTL=30s"]),
    # every optional object on, non-default knobs, for schema validation
    "kitchen-sink": (
        [],
        [
            *(
                arg
                for setting in (
                    "networkPolicy.enabled=true",
                    "networkPolicy.kubeAPIServerCIDRs={10.0.0.1/32,fd00::1/128}",
                    "networkPolicy.ingressNSMatchLabels.team=observability",
                    "networkPolicy.ingressNSPodMatchLabels.app=prometheus",
                    "serviceMonitor.enabled=true,serviceMonitor.force=true",
                    "metrics.prometheusAnnotations=true",
                    "autoscaling.enabled=true",
                    "podDisruptionBudget.minAvailable=1",
                    "priorityClassName=system-cluster-critical",
                    "image.digest=sha256:" + "a" * 64,
                    "extraEnv[0].name=EXTRA",
                    "topologySpreadConstraints[0].maxSkew=1",
                    "topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname",
                    "topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway",
                )
                for arg in ("--set", setting)
            ),
            "--set-string",
            "extraEnv[0].value=1",  # env values must be strings
        ],
    ),
}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="session")
def helm() -> str:
    if os.environ.get("HELM"):
        return os.environ["HELM"]
    go = shutil.which("go") or (
        "/usr/local/go/bin/go" if os.access("/usr/local/go/bin/go", os.X_OK) else None
    )
    if go is None:
        if shutil.which("helm"):
            return shutil.which("helm")  # type: ignore[return-value]
        pytest.skip("no Go toolchain to build helm with scripts/get-helm.sh, and no helm on PATH")
    env = dict(os.environ, GO=go)
    proc = subprocess.run(
        ["bash", str(GET_HELM)], capture_output=True, text=True, env=env, timeout=1200, check=False
    )
    assert proc.returncode == 0, f"scripts/get-helm.sh failed:\n{proc.stderr[-4000:]}"
    path = proc.stdout.strip().splitlines()[-1]
    assert os.access(path, os.X_OK), path
    return path


def run_helm(helm: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([helm, *args], capture_output=True, text=True, timeout=120, check=False)
    if check:
        assert proc.returncode == 0, f"helm {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def template(
    helm: str, values: list[str] = (), extra: list[str] = (), kube: str = KUBE_VERSION
) -> list[dict]:
    args = ["template", RELEASE, str(CHART), "-n", NAMESPACE, "--kube-version", kube]
    for v in values:
        args += ["-f", str(CHART / v)]
    out = run_helm(helm, *args, *extra).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict], kind: str) -> dict:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def workload(docs: list[dict]) -> dict:
    found = of_kind(docs, "Deployment") + of_kind(docs, "DaemonSet")
    assert len(found) == 1, [d["kind"] for d in found]
    return found[0]


def container(docs: list[dict]) -> dict:
    containers = workload(docs)["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["agent"]
    return containers[0]


def env_of(docs: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in container(docs)["env"]}


def env_value(docs: list[dict], name: str) -> str:
    return env_of(docs)[name]["value"]


def seconds(duration: str) -> float:
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", duration)
    assert m, duration
    return int(m[1]) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m[2]]


@pytest.fixture(scope="session")
def rendered(helm: str) -> dict[str, list[dict]]:
    return {name: template(helm, values, extra) for name, (values, extra) in SCENARIOS.items()}


# --------------------------------------------------------------------------- helm itself


def test_get_helm_is_pinned_and_cached(helm: str) -> None:
    if os.environ.get("HELM"):
        pytest.skip("HELM set: not using scripts/get-helm.sh")
    pin = re.search(r'HELM_VERSION="\$\{HELM_VERSION:-(v\d+\.\d+\.\d+)\}"', GET_HELM.read_text())
    assert pin, "scripts/get-helm.sh must pin HELM_VERSION"
    version = run_helm(helm, "version", "--short").stdout.strip()
    if Path(helm).resolve().parent.name.startswith("helm-v"):
        assert version.startswith(pin[1]), (version, pin[1])
        # warm run: reuses the binary, no build
        warm = subprocess.run(["bash", str(GET_HELM)], capture_output=True, text=True, timeout=30, check=True)
        assert warm.stdout.strip() == helm
        assert "building" not in warm.stderr


def test_helm_defaults_to_a_current_kubernetes(helm: str) -> None:
    """Without --kube-version, rendering must not fall back to Kubernetes 1.20
    (what a helm built without the release ldflags assumes)."""
    docs = [d for d in yaml.safe_load_all(run_helm(helm, "template", "x", str(CHART)).stdout) if d]
    assert of_kind(docs, "Deployment")


@pytest.mark.parametrize(
    "values", [[], ["values-dev.yaml"], ["values-prod.yaml"]], ids=["default", "dev", "prod"]
)
def test_helm_lint_strict(helm: str, values: list[str]) -> None:
    args = ["lint", "--strict", "--kube-version", KUBE_VERSION, str(CHART)]
    for v in values:
        args += ["-f", str(CHART / v)]
    proc = run_helm(helm, *args)
    assert "0 chart(s) failed" in proc.stdout
    assert "[WARNING]" not in proc.stdout and "[ERROR]" not in proc.stdout, proc.stdout


@pytest.mark.parametrize(
    "extra", [["--set", "mode=daemonset"], ["--set", "auth.mode=token"]], ids=["daemonset", "token"]
)
def test_helm_lint_strict_modes(helm: str, extra: list[str]) -> None:
    proc = run_helm(helm, "lint", "--strict", "--kube-version", KUBE_VERSION, str(CHART), *extra)
    assert "0 chart(s) failed" in proc.stdout


# --------------------------------------------------------------------------- schema validation


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_manifests_validate_against_kubernetes_schemas(
    rendered: dict[str, list[dict]], scenario: str
) -> None:
    kv = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate not installed (it is in pyproject's dev extras)"
    )
    errors, unknown = [], []
    for doc in rendered[scenario]:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kv.validate(doc, KUBE_VERSION, strict=True)
        except kv.SchemaNotFoundError:
            unknown.append((doc["apiVersion"], doc["kind"]))
        except kv.ValidationError as e:
            errors.append(f"{name}: {'.'.join(map(str, e.path))}: {e.message}")
    assert not errors, "\n".join(errors)
    # only the Prometheus Operator CRD is allowed to lack a bundled schema
    assert set(unknown) <= {("monitoring.coreos.com/v1", "ServiceMonitor")}, unknown


def test_servicemonitor_shape(rendered: dict[str, list[dict]]) -> None:
    """No schema is bundled for the CRD, so check what Prometheus Operator needs."""
    sm = one(rendered["prod"], "ServiceMonitor")
    assert sm["spec"]["selector"]["matchLabels"] == one(rendered["prod"], "Service")["spec"]["selector"]
    assert sm["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (ep,) = sm["spec"]["endpoints"]
    assert ep["port"] == "http" and ep["path"] == "/metrics"
    assert seconds(ep["scrapeTimeout"]) <= seconds(ep["interval"])
    assert set(sm["spec"]) <= {"jobLabel", "namespaceSelector", "selector", "endpoints"}


def test_schema_rejects_bad_values(helm: str) -> None:
    bad = {
        "mode=statefulset": "mode",
        "config.logLevel=verbose": "logLevel",
        "config.logFormat=xml": "logFormat",
        "auth.mode=basic": "mode",
        "config.workers=0": "workers",
        "config.clusterSource=snapshot": "clusterSource",
        "config.k8sTimeout=30": "k8sTimeout",
        "config.cacheTTL=1m30s": "cacheTTL",  # the app takes one number + one unit
        "livenessProbe.tcpSocket.port=8080": "livenessProbe",
        "unknownKey=1": "unknownKey",
        "extraEnv[0].name=X,extraEnv[0].value=1": "extraEnv",
    }
    for setting, field in bad.items():
        proc = run_helm(helm, "template", "x", str(CHART), "--set", setting, check=False)
        assert proc.returncode != 0, f"--set {setting} was accepted"
        assert field in proc.stderr, (setting, proc.stderr)


def test_grace_period_too_short_fails(helm: str) -> None:
    proc = run_helm(
        helm, "template", "x", str(CHART), "--set", "terminationGracePeriodSeconds=10", check=False
    )
    assert proc.returncode != 0
    assert "terminationGracePeriodSeconds" in proc.stderr


# --------------------------------------------------------------------------- RBAC


def rbac_triples(role: dict) -> set[tuple[str, str, str]]:
    triples = set()
    for rule in role["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}, rule  # no resourceNames/nonResourceURLs
        for g in rule["apiGroups"]:
            for r in rule["resources"]:
                for v in rule["verbs"]:
                    triples.add((g, r, v))
    return triples


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_clusterrole_is_exactly_the_reads_the_code_makes(
    rendered: dict[str, list[dict]], scenario: str
) -> None:
    docs = rendered[scenario]
    role = one(docs, "ClusterRole")
    triples = rbac_triples(role)
    assert triples == EXPECTED_RBAC, {"extra": triples - EXPECTED_RBAC, "missing": EXPECTED_RBAC - triples}
    resources = {r for _, r, _ in triples}
    assert not resources & {"secrets", "configmaps", "*"}
    assert {v for *_, v in triples} <= {"get", "list", "watch"}
    assert not of_kind(docs, "Role") and not of_kind(docs, "RoleBinding")

    sa = one(docs, "ServiceAccount")
    assert sa["automountServiceAccountToken"] is True
    binding = next(
        b for b in of_kind(docs, "ClusterRoleBinding") if b["roleRef"]["name"] == role["metadata"]["name"]
    )
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": NAMESPACE}
    ]
    pod = workload(docs)["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == sa["metadata"]["name"]
    assert pod["automountServiceAccountToken"] is True


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_auth_delegator_only_in_token_mode(rendered: dict[str, list[dict]], scenario: str) -> None:
    docs = rendered[scenario]
    delegator = [
        b for b in of_kind(docs, "ClusterRoleBinding") if b["roleRef"]["name"] == "system:auth-delegator"
    ]
    token_mode = env_value(docs, "AUTH_MODE") == "token"
    assert token_mode == (scenario in {"prod", "token"})
    if token_mode:
        (b,) = delegator
        assert b["roleRef"]["kind"] == "ClusterRole"
        sa = one(docs, "ServiceAccount")["metadata"]["name"]
        assert b["subjects"] == [{"kind": "ServiceAccount", "name": sa, "namespace": NAMESPACE}]
    else:
        assert delegator == []
    # never any other ClusterRole binding
    assert len(of_kind(docs, "ClusterRoleBinding")) == 1 + len(delegator)


def test_auth_cache_ttl_only_when_set(rendered: dict[str, list[dict]]) -> None:
    assert env_value(rendered["token"], "AUTH_CACHE_TTL") == "30s"
    assert "AUTH_CACHE_TTL" not in env_of(rendered["default"])


def test_rbac_create_false_renders_no_rbac(helm: str) -> None:
    docs = template(helm, extra=["--set", "rbac.create=false", "--set", "auth.mode=token"])
    assert not of_kind(docs, "ClusterRole") and not of_kind(docs, "ClusterRoleBinding")


# --------------------------------------------------------------------------- pod spec


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_security_context(rendered: dict[str, list[dict]], scenario: str) -> None:
    docs = rendered[scenario]
    pod = workload(docs)["spec"]["template"]["spec"]
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] == psc["runAsGroup"] == psc["fsGroup"] == 65534
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
    csc = container(docs)["securityContext"]
    assert csc["allowPrivilegeEscalation"] is False
    assert csc["readOnlyRootFilesystem"] is True
    assert csc["privileged"] is False
    assert csc["capabilities"] == {"drop": ["ALL"]}
    assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_writable_dirs_are_emptydirs(rendered: dict[str, list[dict]], scenario: str) -> None:
    docs = rendered[scenario]
    pod = workload(docs)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container(docs)["volumeMounts"]}
    prom_dir = env_value(docs, "PROMETHEUS_MULTIPROC_DIR")
    assert prom_dir == "/var/run/k8s-agent/metrics"
    for path in ("/tmp", prom_dir):
        assert path in mounts, f"{path} not mounted"
        assert not mounts[path].get("readOnly")
        assert "emptyDir" in volumes[mounts[path]["name"]], path


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_probes_and_shutdown(rendered: dict[str, list[dict]], scenario: str) -> None:
    docs = rendered[scenario]
    c = container(docs)
    (port,) = c["ports"]
    assert port["name"] == "http" and port["containerPort"] == int(env_value(docs, "PORT"))
    for probe in ("startupProbe", "livenessProbe"):
        p = c[probe]
        assert p["httpGet"] == {"path": "/healthz", "port": "http"}, probe
        assert "tcpSocket" not in p and "exec" not in p
        assert p["timeoutSeconds"] == 2, probe  # values.yaml; no scenario overrides it
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}

    pre_stop = c["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pre_stop == (2 if scenario == "dev" else 5)
    grace = workload(docs)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace >= pre_stop + seconds(env_value(docs, "SHUTDOWN_TIMEOUT"))


def test_prestop_falls_back_to_exec_before_1_30(helm: str) -> None:
    docs = template(helm, kube="1.29.0")
    assert container(docs)["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "5"]}}
    docs = template(helm, extra=["--set", "lifecycle.preStopSleepSeconds=0"])
    assert "lifecycle" not in container(docs)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_app_env_var_is_set(rendered: dict[str, list[dict]], scenario: str) -> None:
    env = env_of(rendered[scenario])
    assert APP_ENV <= set(env), APP_ENV - set(env)
    for name in APP_ENV:
        assert isinstance(env[name].get("value"), str) and env[name]["value"] != "", name
    assert "SNAPSHOT_PATH" not in env
    assert env["CLUSTER_SOURCE"]["value"] == "live"
    assert env["REQUEST_DEADLINE"]["value"] == "500ms"
    names = [e["name"] for e in container(rendered[scenario])["env"]]
    assert len(names) == len(set(names)), "duplicate env var"


def test_default_resources_and_values(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["default"]
    assert container(docs)["resources"] == {
        "requests": {"cpu": "100m", "memory": "200Mi"},
        "limits": {"memory": "512Mi"},
    }
    env = {k: v["value"] for k, v in env_of(docs).items() if "value" in v}
    assert env["WORKERS"] == "2" and env["LOG_LEVEL"] == "info" and env["LOG_FORMAT"] == "json"
    assert env["AUTH_MODE"] == "none" and env["REDACT_ENV_VALUES"] == "false"
    assert container(docs)["image"] == "k8s-cluster-agent:0.1.0"
    assert workload(docs)["spec"]["template"]["spec"]["enableServiceLinks"] is False
    assert not of_kind(docs, "NetworkPolicy") and not of_kind(docs, "HorizontalPodAutoscaler")
    assert not of_kind(docs, "ServiceMonitor")


def test_extra_env_and_image_digest(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["kitchen-sink"]
    assert env_value(docs, "EXTRA") == "1"
    assert container(docs)["image"] == "k8s-cluster-agent@sha256:" + "a" * 64
    annotations = workload(docs)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/path"] == "/metrics"
    (tsc,) = workload(docs)["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert tsc["labelSelector"]["matchLabels"] == workload(docs)["spec"]["selector"]["matchLabels"]


# --------------------------------------------------------------------------- labels, Service


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_selectors_are_stable(rendered: dict[str, list[dict]], scenario: str) -> None:
    docs = rendered[scenario]
    expected = {"app.kubernetes.io/name": "k8s-cluster-agent", "app.kubernetes.io/instance": RELEASE}
    w = workload(docs)
    assert w["spec"]["selector"]["matchLabels"] == expected
    assert expected.items() <= w["spec"]["template"]["metadata"]["labels"].items()
    assert one(docs, "Service")["spec"]["selector"] == expected
    for pdb in of_kind(docs, "PodDisruptionBudget"):
        assert pdb["spec"]["selector"]["matchLabels"] == expected
    for np in of_kind(docs, "NetworkPolicy"):
        assert np["spec"]["podSelector"]["matchLabels"] == expected
    for doc in docs:
        assert doc["metadata"]["labels"]["app.kubernetes.io/version"] == "0.1.0"
        assert doc["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        if doc["kind"] not in {"ClusterRole", "ClusterRoleBinding"}:
            assert doc["metadata"]["namespace"] == NAMESPACE


def test_service(rendered: dict[str, list[dict]]) -> None:
    svc = one(rendered["default"], "Service")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


# --------------------------------------------------------------------------- modes and overlays


def test_deployment_mode_default(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["default"]
    dep = one(docs, "Deployment")
    assert not of_kind(docs, "DaemonSet")
    assert dep["spec"]["replicas"] == 2
    assert "NODE_NAME" not in env_of(docs)
    pdb = one(docs, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1 and pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_daemonset_mode(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["daemonset"]
    ds = one(docs, "DaemonSet")
    assert not of_kind(docs, "Deployment")
    assert not of_kind(docs, "HorizontalPodAutoscaler") and not of_kind(docs, "PodDisruptionBudget")
    assert "replicas" not in ds["spec"]
    assert env_of(docs)["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    tolerations = ds["spec"]["template"]["spec"]["tolerations"]
    for key in ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"):
        assert {"key": key, "operator": "Exists", "effect": "NoSchedule"} in tolerations


def test_daemonset_mode_ignores_hpa(helm: str) -> None:
    docs = template(helm, values=["values-prod.yaml"], extra=["--set", "mode=daemonset"])
    one(docs, "DaemonSet")
    assert not of_kind(docs, "HorizontalPodAutoscaler") and not of_kind(docs, "PodDisruptionBudget")


def test_dev_overlay(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["dev"]
    assert one(docs, "Deployment")["spec"]["replicas"] == 1
    assert env_value(docs, "LOG_LEVEL") == "debug"
    assert env_value(docs, "LOG_FORMAT") == "text"
    assert env_value(docs, "WORKERS") == "1"
    assert not of_kind(docs, "PodDisruptionBudget") and not of_kind(docs, "HorizontalPodAutoscaler")


def test_prod_overlay(rendered: dict[str, list[dict]]) -> None:
    docs = rendered["prod"]
    dep = one(docs, "Deployment")
    assert "replicas" not in dep["spec"], "replicas must be left to the HPA"
    hpa = one(docs, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": dep["metadata"]["name"],
    }
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    one(docs, "PodDisruptionBudget")
    one(docs, "NetworkPolicy")
    one(docs, "ServiceMonitor")
    assert env_value(docs, "AUTH_MODE") == "token"
    assert env_value(docs, "REDACT_ENV_VALUES") == "true"
    assert env_value(docs, "LOG_FORMAT") == "json"


def test_pdb_rules(helm: str) -> None:
    assert not of_kind(template(helm, extra=["--set", "replicas=1"]), "PodDisruptionBudget")
    assert of_kind(
        template(helm, extra=["--set", "replicas=1,autoscaling.enabled=true"]), "PodDisruptionBudget"
    )
    assert not of_kind(
        template(helm, extra=["--set", "podDisruptionBudget.enabled=false"]), "PodDisruptionBudget"
    )
    old = one(template(helm, kube="1.26.0"), "PodDisruptionBudget")
    assert "unhealthyPodEvictionPolicy" not in old["spec"]


def test_servicemonitor_gating(helm: str) -> None:
    assert not of_kind(template(helm, values=["values-prod.yaml"]), "ServiceMonitor"), (
        "rendered without the CRD API"
    )
    assert of_kind(
        template(helm, values=["values-prod.yaml"], extra=["--set", "serviceMonitor.force=true"]),
        "ServiceMonitor",
    )
    assert not of_kind(
        template(helm, extra=["--api-versions", "monitoring.coreos.com/v1"]), "ServiceMonitor"
    ), "rendered while disabled"


# --------------------------------------------------------------------------- NetworkPolicy


def _ports(rule: dict) -> set[tuple[object, str]]:
    return {(p["port"], p.get("protocol", "TCP")) for p in rule.get("ports", [])}


def test_networkpolicy_prod(rendered: dict[str, list[dict]]) -> None:
    np = one(rendered["prod"], "NetworkPolicy")
    spec = np["spec"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}

    (ingress,) = spec["ingress"]
    assert _ports(ingress) == {("http", "TCP")}
    peers = ingress["from"]
    assert {"podSelector": {}} in peers, "same-namespace clients must always be allowed"
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} in peers

    egress = spec["egress"]
    assert {} not in egress, "prod must not allow all egress"
    dns = [r for r in egress if _ports(r) == {(53, "UDP"), (53, "TCP")}]
    assert len(dns) == 1
    (peer,) = dns[0]["to"]
    assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    api = [r for r in egress if _ports(r) == {(443, "TCP"), (6443, "TCP")}]
    assert len(api) == 1 and "to" not in api[0]
    assert len(egress) == 2


def test_networkpolicy_options(rendered: dict[str, list[dict]], helm: str) -> None:
    spec = one(rendered["kitchen-sink"], "NetworkPolicy")["spec"]
    (api,) = [r for r in spec["egress"] if (443, "TCP") in _ports(r)]
    assert api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}, {"ipBlock": {"cidr": "fd00::1/128"}}]
    assert {
        "namespaceSelector": {"matchLabels": {"team": "observability"}},
        "podSelector": {"matchLabels": {"app": "prometheus"}},
    } in spec["ingress"][0]["from"]

    spec = one(
        template(
            helm,
            extra=[
                "--set",
                "networkPolicy.enabled=true,networkPolicy.allowExternalEgress=true,networkPolicy.allowExternal=true",
            ],
        ),
        "NetworkPolicy",
    )["spec"]
    assert spec["egress"] == [{}]
    assert "from" not in spec["ingress"][0]


def test_workers_and_resources_follow_the_mode(rendered: dict[str, list[dict]], helm: str) -> None:
    # deployment: 2 workers under a supervisor, sized for them
    assert env_value(rendered["default"], "WORKERS") == "2"
    assert container(rendered["default"])["resources"]["requests"]["memory"] == "200Mi"
    # daemonset: one process on every node, and the small budget that goes with it
    assert env_value(rendered["daemonset"], "WORKERS") == "1"
    ds_resources = container(rendered["daemonset"])["resources"]
    assert ds_resources == {"requests": {"cpu": "50m", "memory": "96Mi"}, "limits": {"memory": "256Mi"}}
    # an explicit value wins in either mode
    docs = template(helm, extra=["--set", "mode=daemonset,config.workers=3"])
    assert env_value(docs, "WORKERS") == "3"
    assert env_value(rendered["dev"], "WORKERS") == "1"
    assert env_value(rendered["prod"], "WORKERS") == "2"
