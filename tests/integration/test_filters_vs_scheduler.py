"""The filters of issue 18 against the real kube-scheduler (1.36): a pending pod per filter, created on
nodes of its own, and our per-node verdicts (``simulate.scheduler_view`` on the cluster as the API server
holds it) must give exactly the counts the scheduler wrote in its FailedScheduling message.

The whole cluster is read (other tests of the session may have left nodes behind): the scheduler counts
every node, so the comparison does too; each pod's nodeSelector keeps it off the others."""

from __future__ import annotations

import time
import uuid
from typing import Any

from apiread import cleanup, decode, failed_scheduling, read_cluster, read_pod
from controlplane import requires_control_plane, wait_for

from builders import pod_manifest, pvc_manifest, request_container
from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects
from k8s_agent.analysis.scheduling.message import parse_scheduling_message
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import (
    CSINodeList,
    CSIStorageCapacityList,
    DeviceClassList,
    PersistentVolumeClaim,
    PersistentVolumeClaimList,
    PersistentVolumeList,
    Pod,
    ResourceClaimList,
    ResourceSliceList,
    StorageClass,
    VolumeAttachmentList,
)

pytestmark = requires_control_plane
ZONE = "topology.kubernetes.io/zone"
GROUP = "example.com/group"


def _pod(
    name: str, ns: str, group: str, memory: str = "256Mi", labels: dict | None = None, **spec: Any
) -> dict:
    """A pod of the test's own nodes (its nodeSelector), asking 100m CPU and ``memory``."""
    containers = [request_container(cpu="100m", memory=memory)]
    return pod_manifest(
        name, ns, containers=containers, labels=labels or {"app": "web"}, nodeSelector={GROUP: group}, **spec
    )


def _verdicts_agree(cp, ns: str, name: str, mine: list[str]) -> tuple[Any, Any]:
    """The scheduler's message for the pod against ours: the same per-reason counts, the same text up to
    the preemption suffix. Returns (our view, the parsed real message)."""
    ev = failed_scheduling(cp, ns, name)
    pod = read_pod(cp, ns, name)
    nodes, pods = read_cluster(cp)
    real = parse_scheduling_message(ev.message or "")
    view = scheduler_view(pod, nodes, pods)
    assert real.total_nodes == len(nodes)
    assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
    assert (ev.message or "").startswith(view.message[:-1]), (view.message, ev.message)
    assert {n.node_name for n in view.nodes} >= set(mine)
    return view, real


def test_topology_spread_on_zones_matches_the_schedulers_verdict(control_plane):
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"spread-{sfx}"
    a = [f"spread-a{i}-{sfx}" for i in (1, 2)]
    b = [f"spread-b{i}-{sfx}" for i in (1, 2)]
    bare = f"spread-nolabel-{sfx}"
    cp.create_namespace(ns)
    for n in a:
        cp.create_node(n, memory="4Gi", labels={GROUP: group, ZONE: f"a-{sfx}"})
    for n in b:  # zone b is full: 512Mi, the pod asks 1Gi
        cp.create_node(n, memory="512Mi", labels={GROUP: group, ZONE: f"b-{sfx}"})
    cp.create_node(bare, memory="4Gi", labels={GROUP: group})
    try:
        # zone a already holds two replicas (bound like the scheduler binds them), zone b none
        for i, n in enumerate(a):
            cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod(f"web-{i}", ns, group, nodeName=n))
        constraint = {
            "maxSkew": 1,
            "topologyKey": ZONE,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "web"}},
        }
        manifest = _pod("web-new", ns, group, memory="1Gi", topologySpreadConstraints=[constraint])
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", manifest)
        view, real = _verdicts_agree(cp, ns, "web-new", [*a, *b, bare])
        counts = real.per_node_counts() or {}
        assert counts.get("node(s) didn't match pod topology spread constraints") == 2, real.raw
        assert (
            counts.get("node(s) didn't match pod topology spread constraints (missing required label)") == 1
        )
        assert counts.get("Insufficient memory") == 2, real.raw
        ours = {n.node_name: n.plugin for n in view.nodes if n.node_name in [*a, *b, bare]}
        assert ours == {
            **dict.fromkeys(a, "PodTopologySpread"),
            **dict.fromkeys(b, "NodeResourcesFit"),
            bare: "PodTopologySpread",
        }
        # the agent's own words for a zone-a node: the counts per domain
        pod = read_pod(cp, ns, "web-new")
        nodes, pods = read_cluster(cp)
        report = evaluate_nodes(pod, nodes, pods)
        a1 = next(v for v in report.verdicts if v.node_name == a[0])
        assert a1.reasons[0].startswith(f"topology spread: {ZONE}=a-{sfx} already has 2 matching pods")

        # the same pod with maxSkew 3 fits zone a: the real scheduler binds it there
        relaxed = _pod(
            "web-relaxed", ns, group, memory="1Gi", topologySpreadConstraints=[{**constraint, "maxSkew": 3}]
        )
        relaxed["spec"]["affinity"] = {  # off the unlabelled node, which the spread rejects anyway
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "Exists"}]}]
                }
            }
        }
        assert scheduler_view(decode(relaxed, Pod), nodes, pods).feasible_nodes == sorted(a)
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", relaxed)
        bound = wait_for(
            lambda: read_pod(cp, ns, "web-relaxed").spec.node_name, timeout=30, interval=0.2, what="bound"
        )
        assert bound in a
    finally:
        cleanup(cp, ns, [*a, *b, bare])


def _storage(cp, classes: list[str]) -> StorageObjects:
    """The StorageClasses and PVs the agent's service reads for unbound claims, as the API returns them."""
    found = {}
    for name in classes:
        found[name] = decode(cp.api("GET", f"/apis/storage.k8s.io/v1/storageclasses/{name}"), StorageClass)
    pvs = decode(cp.api("GET", "/api/v1/persistentvolumes"), PersistentVolumeList).items
    return StorageObjects(found, frozenset(), pvs)


def _claims(cp, ns: str) -> dict[str, PersistentVolumeClaim]:
    body = cp.api("GET", f"/api/v1/namespaces/{ns}/persistentvolumeclaims")
    return {c["metadata"]["name"]: decode(c, PersistentVolumeClaim) for c in body["items"]}


def test_wait_for_first_consumer_claims_match_the_schedulers_verdict(control_plane):
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"wffc-{sfx}"
    n1, n2 = f"wffc-1-{sfx}", f"wffc-2-{sfx}"
    zonal, static = f"zonal-{sfx}", f"static-{sfx}"
    cp.create_namespace(ns)
    cp.create_node(n1, memory="1Gi", labels={GROUP: group, ZONE: f"z1-{sfx}"})
    cp.create_node(n2, memory="4Gi", labels={GROUP: group, ZONE: f"z2-{sfx}"})
    wffc = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    cp.api(
        "POST",
        "/apis/storage.k8s.io/v1/storageclasses",
        {
            **wffc,
            "metadata": {"name": zonal},
            "provisioner": "example.com/fake-csi",
            # a zone no node is in
            "allowedTopologies": [{"matchLabelExpressions": [{"key": ZONE, "values": [f"nowhere-{sfx}"]}]}],
        },
    )
    cp.api(
        "POST",
        "/apis/storage.k8s.io/v1/storageclasses",
        {**wffc, "metadata": {"name": static}, "provisioner": "kubernetes.io/no-provisioner"},
    )
    pv_name = f"local-{sfx}"
    cp.api(
        "POST",
        "/api/v1/persistentvolumes",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": pv_name},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": static,
                "local": {"path": "/mnt/disk"},
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {"key": "kubernetes.io/hostname", "operator": "In", "values": [n1]}
                                ]
                            }
                        ]
                    }
                },
            },
        },
    )
    # the PV controller would mark it Available (this tier runs no controller-manager)
    cp.api("PATCH", f"/api/v1/persistentvolumes/{pv_name}/status", {"status": {"phase": "Available"}})
    try:
        for claim, cls in (("zonal", zonal), ("static", static)):
            cp.api("POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", pvc_manifest(claim, ns, cls))
        # 1. provisioning allowed nowhere: every node of the group fails VolumeBinding
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "zonal"}}]
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod("zonal", ns, group, volumes=volumes))
        ev = failed_scheduling(cp, ns, "zonal")
        nodes, pods = read_cluster(cp)
        view = scheduler_view(
            read_pod(cp, ns, "zonal"), nodes, pods, _claims(cp, ns), {}, _storage(cp, [zonal])
        )
        real = parse_scheduling_message(ev.message or "")
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert (real.per_node_counts() or {}).get(
            "node(s) didn't find available persistent volumes to bind"
        ) == 2
        assert {n.node_name: n.plugin for n in view.nodes if n.node_name in (n1, n2)} == {
            n1: "VolumeBinding",
            n2: "VolumeBinding",
        }
        # 2. the only static PV is on n1, which lacks memory (NodeResourcesFit comes first); n2 has no PV
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "static"}}]
        cp.api(
            "POST", f"/api/v1/namespaces/{ns}/pods", _pod("static", ns, group, memory="2Gi", volumes=volumes)
        )
        ev = failed_scheduling(cp, ns, "static")
        nodes, pods = read_cluster(cp)
        view = scheduler_view(
            read_pod(cp, ns, "static"), nodes, pods, _claims(cp, ns), {}, _storage(cp, [static])
        )
        real = parse_scheduling_message(ev.message or "")
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert {n.node_name: n.plugin for n in view.nodes if n.node_name in (n1, n2)} == {
            n1: "NodeResourcesFit",
            n2: "VolumeBinding",
        }
    finally:
        cleanup(cp, ns, [n1, n2])
        cp.api("DELETE", f"/api/v1/persistentvolumes/{pv_name}")
        for c in (zonal, static):
            cp.api("DELETE", f"/apis/storage.k8s.io/v1/storageclasses/{c}")


def test_a_csi_attach_limit_matches_the_schedulers_verdict(control_plane):
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"csilimit-{sfx}"
    n1, n2 = f"csilimit-1-{sfx}", f"csilimit-2-{sfx}"
    driver, cls = f"csi-{sfx}.example.com", f"csi-{sfx}"
    cp.create_namespace(ns)
    cp.create_node(n1, memory="4Gi", labels={GROUP: group})
    cp.create_node(n2, memory="512Mi", labels={GROUP: group})
    for node, count in ((n1, 1), (n2, 5)):  # the attach limits a CSI node plugin would publish
        cp.api(
            "POST",
            "/apis/storage.k8s.io/v1/csinodes",
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "CSINode",
                "metadata": {"name": node},
                "spec": {"drivers": [{"name": driver, "nodeID": node, "allocatable": {"count": count}}]},
            },
        )
    cp.api(
        "POST",
        "/apis/storage.k8s.io/v1/storageclasses",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": cls},
            "provisioner": driver,
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    try:
        for claim in ("old", "new"):
            cp.api("POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", pvc_manifest(claim, ns, cls))
        # n1 already holds one volume of the driver (its limit); n2 lacks memory for the new pod
        old = _pod("old", ns, group, volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "old"}}])
        old["spec"]["nodeName"] = n1
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", old)
        new = _pod(
            "new",
            ns,
            group,
            memory="1Gi",
            volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "new"}}],
        )
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", new)
        ev = failed_scheduling(cp, ns, "new")
        nodes, pods = read_cluster(cp)
        csinodes = decode(cp.api("GET", "/apis/storage.k8s.io/v1/csinodes"), CSINodeList).items
        limits = {
            c.metadata.name: {
                d.name: d.allocatable.count
                for d in c.spec.drivers
                if d.allocatable and d.allocatable.count is not None
            }
            for c in csinodes
        }
        all_pvcs = decode(cp.api("GET", "/api/v1/persistentvolumeclaims"), PersistentVolumeClaimList).items
        attachments = decode(
            cp.api("GET", "/apis/storage.k8s.io/v1/volumeattachments"), VolumeAttachmentList
        ).items
        base = _storage(cp, [cls])
        storage = StorageObjects(
            base.classes,
            frozenset(),
            base.pvs,
            limits,
            {(c.metadata.namespace, c.metadata.name): c for c in all_pvcs},
            attachments,
        )
        view = scheduler_view(read_pod(cp, ns, "new"), nodes, pods, _claims(cp, ns), {}, storage)
        real = parse_scheduling_message(ev.message or "")
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert (real.per_node_counts() or {}).get("node(s) exceed max volume count") == 1, ev.message
        assert {n.node_name: n.plugin for n in view.nodes if n.node_name in (n1, n2)} == {
            n1: "NodeVolumeLimits",
            n2: "NodeResourcesFit",
        }
    finally:
        for n in (n1, n2):
            cp.api("DELETE", f"/apis/storage.k8s.io/v1/csinodes/{n}")
        cleanup(cp, ns, [n1, n2])
        cp.api("DELETE", f"/apis/storage.k8s.io/v1/storageclasses/{cls}")


def _devices(cp) -> StorageObjects:
    """The resource.k8s.io objects the agent's service reads for a pod with DRA claims."""
    return StorageObjects(
        devices=DeviceObjects(
            decode(cp.api("GET", "/apis/resource.k8s.io/v1/resourceclaims"), ResourceClaimList).items,
            decode(cp.api("GET", "/apis/resource.k8s.io/v1/resourceslices"), ResourceSliceList).items,
            decode(cp.api("GET", "/apis/resource.k8s.io/v1/deviceclasses"), DeviceClassList).items,
        )
    )


def test_dra_claims_match_the_schedulers_verdict(control_plane):
    """DeviceClass and ResourceSlices written by hand (what a DRA driver would publish; the scheduler needs
    no driver to allocate), a claim allocated to one node's device, and two pods: one whose claim wants
    two large GPUs (no node has two free), one that shares the allocated claim (it can run only there)."""
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"dra-{sfx}"
    d1, d2, d3 = (f"dra-{i}-{sfx}" for i in (1, 2, 3))
    driver = cls = f"gpu-{sfx}.example.com"
    cp.create_namespace(ns)
    cp.create_node(d1, memory="4Gi", labels={GROUP: group})
    cp.create_node(d2, memory="4Gi", labels={GROUP: group})
    cp.create_node(d3, memory="512Mi", labels={GROUP: group})
    base = "/apis/resource.k8s.io/v1"
    cp.api(
        "POST",
        f"{base}/deviceclasses",
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "DeviceClass",
            "metadata": {"name": cls},
            "spec": {"selectors": [{"cel": {"expression": f'device.driver == "{driver}"'}}]},
        },
    )

    def gpu(name: str, memory: str) -> dict:
        return {
            "name": name,
            "attributes": {"model": {"string": "x1"}},
            "capacity": {"memory": {"value": memory}},
        }

    for node, devices in (
        (d1, [gpu("gpu-0", "40Gi")]),
        (d2, [gpu("gpu-0", "80Gi"), gpu("gpu-1", "80Gi")]),
        (d3, [gpu("gpu-0", "80Gi")]),
    ):
        cp.api(
            "POST",
            f"{base}/resourceslices",
            {
                "apiVersion": "resource.k8s.io/v1",
                "kind": "ResourceSlice",
                "metadata": {"name": f"{node}-gpu"},
                "spec": {
                    "driver": driver,
                    "nodeName": node,
                    "pool": {"name": node, "generation": 1, "resourceSliceCount": 1},
                    "devices": devices,
                },
            },
        )

    def claim(name: str, count: int, selectors: list[str]) -> dict:
        exactly: dict[str, Any] = {"deviceClassName": cls, "count": count}
        if selectors:
            exactly["selectors"] = [{"cel": {"expression": s}} for s in selectors]
        return {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "ResourceClaim",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"devices": {"requests": [{"name": "gpu", "exactly": exactly}]}},
        }

    large = f'device.capacity["{driver}"].memory.compareTo(quantity("60Gi")) >= 0'
    try:
        cp.api("POST", f"{base}/namespaces/{ns}/resourceclaims", claim("held", 1, []))
        # allocated the way the scheduler records it: d2's gpu-0, usable on d2 only
        allocation = {  # with its timestamp, which the scheduler would otherwise add when it reserves the claim
            "allocationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "devices": {"results": [{"request": "gpu", "driver": driver, "pool": d2, "device": "gpu-0"}]},
            "nodeSelector": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [d2]}]}
                ]
            },
        }
        cp.api(
            "PATCH",
            f"{base}/namespaces/{ns}/resourceclaims/held/status",
            {"status": {"allocation": allocation}},
        )
        cp.api("POST", f"{base}/namespaces/{ns}/resourceclaims", claim("big", 2, [large]))

        # 1. two large GPUs: d1's is too small, d2 has one free, d3 lacks memory before DRA is asked
        big = _pod(
            "big", ns, group, memory="1Gi", resourceClaims=[{"name": "gpu", "resourceClaimName": "big"}]
        )
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", big)
        ev = failed_scheduling(cp, ns, "big")
        nodes, pods = read_cluster(cp)
        pod = read_pod(cp, ns, "big")
        storage = _devices(cp)
        view = scheduler_view(pod, nodes, pods, storage=storage)
        real = parse_scheduling_message(ev.message or "")
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert (real.per_node_counts() or {}).get("cannot allocate all claims") == 2, ev.message
        assert {n.node_name: n.plugin for n in view.nodes if n.node_name in (d1, d2, d3)} == {
            d1: "DynamicResources",
            d2: "DynamicResources",
            d3: "NodeResourcesFit",
        }
        report = evaluate_nodes(pod, nodes, pods, storage=storage)
        reasons = {v.node_name: v.reasons for v in report.verdicts}
        assert reasons[d2] == [
            f"cannot allocate the devices of claim(s) {ns}/big on this node: request gpu wants 2 devices of class "
            f"{cls}: 2 device(s) of the node match, 1 free (allocated to {ns}/held)"
        ]
        assert reasons[d1][0].endswith(
            f'no device of the node matching device.driver == "{driver}" && {large}'
        )

        # 2. a pod sharing the allocated claim can run on d2 only: the real scheduler binds it there
        shared = _pod("shared", ns, group, resourceClaims=[{"name": "gpu", "resourceClaimName": "held"}])
        mine = scheduler_view(decode(shared, Pod), nodes, pods, storage=storage)
        assert [n for n in mine.feasible_nodes if n in (d1, d2, d3)] == [d2]
        assert {n.node_name: n.reasons for n in mine.nodes if n.node_name in (d1, d3)} == {
            d1: ("resourceclaim not available on the node",),
            d3: ("resourceclaim not available on the node",),
        }
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", shared)
        bound = wait_for(
            lambda: read_pod(cp, ns, "shared").spec.node_name, timeout=30, interval=0.2, what="bound"
        )
        assert bound == d2
    finally:
        for n in (d1, d2, d3):
            cp.api("DELETE", f"{base}/resourceslices/{n}-gpu")
        cleanup(cp, ns, [d1, d2, d3])
        cp.api("DELETE", f"{base}/deviceclasses/{cls}")


def test_storage_capacity_tracking_matches_the_schedulers_verdict(control_plane):
    """A CSIDriver that asks the scheduler to check capacity, a WaitForFirstConsumer class of it, and the
    CSIStorageCapacity objects its external-provisioner would publish: zone z1 has 5Gi, zone z2 nothing."""
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"capacity-{sfx}"
    n1, n2, n3 = (f"capacity-{i}-{sfx}" for i in (1, 2, 3))
    driver = cls = f"capacity-{sfx}.csi.example.com"
    cp.create_namespace(ns)
    cp.create_node(n1, memory="4Gi", labels={GROUP: group, ZONE: f"z1-{sfx}"})
    cp.create_node(n2, memory="4Gi", labels={GROUP: group, ZONE: f"z2-{sfx}"})
    cp.create_node(n3, memory="512Mi", labels={GROUP: group, ZONE: f"z1-{sfx}"})
    cp.api(
        "POST",
        "/apis/storage.k8s.io/v1/csidrivers",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIDriver",
            "metadata": {"name": driver},
            "spec": {"storageCapacity": True, "attachRequired": False},
        },
    )
    cp.api(
        "POST",
        "/apis/storage.k8s.io/v1/storageclasses",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": cls},
            "provisioner": driver,
            "volumeBindingMode": "WaitForFirstConsumer",
        },
    )
    cp.api(
        "POST",
        f"/apis/storage.k8s.io/v1/namespaces/{ns}/csistoragecapacities",
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIStorageCapacity",
            "metadata": {"name": "z1", "namespace": ns},
            "storageClassName": cls,
            "nodeTopology": {"matchLabels": {ZONE: f"z1-{sfx}"}},
            "capacity": "5Gi",
        },
    )
    try:
        for claim, size in (("big", "10Gi"), ("small", "1Gi")):
            cp.api(
                "POST", f"/api/v1/namespaces/{ns}/persistentvolumeclaims", pvc_manifest(claim, ns, cls, size)
            )
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "big"}}]
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", _pod("big", ns, group, memory="1Gi", volumes=volumes))
        ev = failed_scheduling(cp, ns, "big")
        nodes, pods = read_cluster(cp)
        base = _storage(cp, [cls])
        capacities = decode(
            cp.api("GET", "/apis/storage.k8s.io/v1/csistoragecapacities"), CSIStorageCapacityList
        ).items
        storage = StorageObjects(
            base.classes, frozenset(), base.pvs, csi_drivers={driver: True}, capacities=capacities
        )
        view = scheduler_view(read_pod(cp, ns, "big"), nodes, pods, _claims(cp, ns), {}, storage)
        real = parse_scheduling_message(ev.message or "")
        assert view.reason_counts == real.per_node_counts(), (view.message, ev.message)
        assert (real.per_node_counts() or {}).get("node(s) did not have enough free storage") == 2, ev.message
        assert {n.node_name: n.plugin for n in view.nodes if n.node_name in (n1, n2, n3)} == {
            n1: "VolumeBinding",
            n2: "VolumeBinding",
            n3: "NodeResourcesFit",
        }
        # a 1Gi claim fits z1's capacity: only n1 (n3 lacks memory) could take such a pod
        small = decode(
            _pod(
                "small",
                ns,
                group,
                memory="1Gi",
                volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "small"}}],
            ),
            Pod,
        )
        mine = scheduler_view(small, nodes, pods, _claims(cp, ns), {}, storage)
        assert [n for n in mine.feasible_nodes if n in (n1, n2, n3)] == [n1]
    finally:
        cleanup(cp, ns, [n1, n2, n3])
        cp.api("DELETE", f"/apis/storage.k8s.io/v1/storageclasses/{cls}")
        cp.api("DELETE", f"/apis/storage.k8s.io/v1/csidrivers/{driver}")


def test_conflicting_node_name_lists_are_the_schedulers_prefilter_rejection(control_plane):
    """NodeAffinity's PreFilter: a term whose ANDed metadata.name In lists share no name leaves no candidate,
    and the scheduler rejects the pod as a whole; a second term naming a real node narrows to that node."""
    cp = control_plane
    sfx = uuid.uuid4().hex[:6]
    ns = group = f"names-{sfx}"
    nodes = [f"names-{i}-{sfx}" for i in (1, 2)]
    cp.create_namespace(ns)
    for n in nodes:
        cp.create_node(n, memory="4Gi", labels={GROUP: group})

    def named(*terms: list[str]) -> dict:
        return {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchFields": [
                                {"key": "metadata.name", "operator": "In", "values": [v]} for v in t
                            ]
                        }
                        for t in terms
                    ]
                }
            }
        }

    try:
        conflict = _pod("conflict", ns, group, affinity=named(nodes))
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", conflict)
        ev = failed_scheduling(cp, ns, "conflict")
        cluster_nodes, pods = read_cluster(cp)
        view = scheduler_view(read_pod(cp, ns, "conflict"), cluster_nodes, pods)
        assert view.prefilter == "pod affinity terms conflict"
        assert view.message == f"0/{len(cluster_nodes)} nodes are available: pod affinity terms conflict."
        assert (ev.message or "").startswith(view.message), ev.message
        # the same conflicting term ORed with one naming nodes[1]: the pod is narrowed to that node and bound
        narrowed = _pod("narrowed", ns, group, affinity=named(nodes, [nodes[1]]))
        assert scheduler_view(decode(narrowed, Pod), cluster_nodes, pods).feasible_nodes == [nodes[1]]
        cp.api("POST", f"/api/v1/namespaces/{ns}/pods", narrowed)
        bound = wait_for(
            lambda: read_pod(cp, ns, "narrowed").spec.node_name, timeout=30, interval=0.2, what="bound"
        )
        assert bound == nodes[1]
    finally:
        cleanup(cp, ns, nodes)
