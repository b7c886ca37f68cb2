"""The differential test's case generator (tests/integration/diffgen.py): reproducible by seed, valid shapes,
and it really draws the classes it claims to draw."""

from __future__ import annotations

import diffgen
import pytest


def test_same_seed_same_case_and_batches_share_a_cluster():
    a, b = diffgen.gen_case(1234), diffgen.gen_case(1234)
    assert diffgen.case_yaml(a) == diffgen.case_yaml(b)
    assert diffgen.gen_case(1230).cluster is diffgen.gen_case(1239).cluster
    assert diffgen.gen_case(1239).cluster is not diffgen.gen_case(1240).cluster
    assert diffgen.case_yaml(diffgen.gen_case(1235)) != diffgen.case_yaml(a)


def test_cluster_sizes_and_names():
    for cid in range(40):
        c = diffgen.gen_cluster(cid)
        assert 3 <= len(c.nodes) <= 30
        names = {n["metadata"]["name"] for n in c.nodes}
        bound = [p for p in c.pods if "schedulerName" not in p["spec"]]
        assert all(p["spec"]["nodeName"] in names for p in bound)
        assert all("nodeName" not in p["spec"] for p in c.pods if p not in bound)
        assert all(n["metadata"]["labels"][diffgen.BATCH_LABEL] == f"d{cid}" for n in c.nodes)
        for ns in diffgen.namespaces_of(cid):
            assert ns in {x["metadata"]["name"] for x in c.namespaces}


def _walk(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield f"{path}.{k}", v
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v, path)


def test_every_default_class_is_drawn_in_200_cases():
    seen: set[str] = set()
    ops: set[str] = set()
    for seed in range(200):
        case = diffgen.gen_case(seed)
        for path, v in _walk(case.pod):
            seen.add(path)
            if path.endswith("nodeSelectorTerms.matchExpressions.operator"):
                ops.add(v)
        for n in case.cluster.nodes:
            spec = n["spec"]
            if spec.get("unschedulable"):
                seen.add("node.cordoned")
            for t in spec.get("taints", []):
                seen.add(f"node.taint.{t['effect']}")
                if t["key"] == diffgen.NOT_READY:
                    seen.add("node.notready")
        if case.cluster.terminated:
            seen.add("pod.terminated")
        if case.cluster.terminating:
            seen.add("pod.terminating")
        for p in case.cluster.pods:
            seen.update(f"existing{path}" for path, _ in _walk(p))
    assert ops == {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}
    for want in (
        ".spec.nodeSelector",
        ".spec.tolerations",
        ".spec.initContainers.restartPolicy",
        ".spec.containers.ports.hostPort",
        ".spec.affinity.podAffinity",
        ".spec.affinity.podAntiAffinity",
        ".spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.matchFields",
        "node.cordoned",
        "node.notready",
        "node.taint.NoSchedule",
        "node.taint.NoExecute",
        "node.taint.PreferNoSchedule",
        "pod.terminated",
        "pod.terminating",
        ".spec.runtimeClassName",
        ".spec.hostNetwork",
        "existing.spec.schedulerName",
        "existing.spec.affinity.podAntiAffinity",
        "existing.spec.initContainers.restartPolicy",
        "existing.spec.containers.ports.hostPort",
    ):
        assert want in seen, want
    assert ".spec.topologySpreadConstraints" in seen  # drawn by default since the agent evaluates it
    assert ".spec.resources.requests" in seen  # pod-level resources


def test_switches_add_and_remove_classes():
    without = diffgen.Classes.parse("-topology_spread")
    assert not any(
        "topologySpreadConstraints" in diffgen.gen_case(s, without).pod["spec"] for s in range(100)
    )
    assert any("topologySpreadConstraints" in diffgen.gen_case(s).pod["spec"] for s in range(100))
    assert not any(
        "resources" in p["spec"]
        for p in (diffgen.gen_case(s, diffgen.Classes.parse("-pod_level_resources")).pod for s in range(100))
    )
    assert (
        diffgen.Classes.parse("all").match_fields
        and diffgen.Classes.parse("-match_fields").match_fields is False
    )
    with pytest.raises(ValueError, match="unknown generator class"):
        diffgen.Classes.parse("+gpus")


def _claims(case):
    ns = case.pod["metadata"]["namespace"]
    names = [v["persistentVolumeClaim"]["claimName"] for v in case.pod["spec"].get("volumes", [])]
    by_name = {c["metadata"]["name"]: c for c in case.cluster.pvcs if c["metadata"]["namespace"] == ns}
    return [by_name.get(n) for n in names]


def test_regression_seeds_still_draw_their_case():
    """The differential test's regression seeds (tests/integration/test_differential.py) are about a class of
    case each; a generator change that moved them elsewhere would hollow the regression out silently."""
    claims = _claims(diffgen.gen_case(1026))
    assert any(c is not None and not c["spec"].get("volumeName") for c in claims)  # unbound, no class
    assert any(
        c is not None and c["spec"].get("volumeName") and "annotations" not in c["metadata"]
        for c in _claims(diffgen.gen_case(1053))
    )  # pre-bound
    pvs = {p["metadata"]["name"] for p in diffgen.gen_case(1046).cluster.pvs}
    assert any(
        c is not None and c["spec"].get("volumeName", "") not in pvs | {""}
        for c in _claims(diffgen.gen_case(1046))
    )
    assert any(
        c is not None and c.get("status", {}).get("phase") == "Lost" for c in _claims(diffgen.gen_case(1063))
    )
    assert any(
        c is not None
        and c["spec"].get("volumeName")
        and "nodeAffinity" in str(diffgen.gen_case(1000).cluster.pvs)
        for c in _claims(diffgen.gen_case(1000))
    )
    case = diffgen.gen_case(1276)
    rwop = [c for c in _claims(case) if c is not None and c["spec"]["accessModes"] == ["ReadWriteOncePod"]]
    assert rwop
    users = [
        p
        for p in case.cluster.pods
        if any(
            v.get("persistentVolumeClaim", {}).get("claimName") == rwop[0]["metadata"]["name"]
            for v in p["spec"].get("volumes", [])
        )
        and p["metadata"]["namespace"] == case.pod["metadata"]["namespace"]
    ]
    assert users and all(not p["spec"].get("nodeName") for p in users)
