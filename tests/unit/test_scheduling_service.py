"""The scheduling services over a tiny in-memory ClusterSource: reads made together, NotFound of the pod
propagated, optional reads turned into warnings, events of an earlier pod with the same name dropped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from builders import make_node, make_pod, make_pv, make_pvc, pvc_volume, scheduler_event
from k8s_agent.errors import NotFound, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube.models import (
    CSIDriver,
    CSINode,
    CSIStorageCapacity,
    DeviceClass,
    Event,
    Node,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    ResourceClaim,
    ResourceSlice,
    StorageClass,
    convert,
)
from k8s_agent.kube.source import ClusterSource
from k8s_agent.services.scheduling import pod_scheduling, pod_scheduling_explain

NOW = datetime(2024, 5, 1, 10, 5, tzinfo=UTC)


class FakeSource:
    """Just enough of ClusterSource; ``fail`` maps a read name to the exception it raises."""

    description = "fake"

    def __init__(
        self, pods: list[Pod], nodes: list[Node], events: list[Event], pvcs=(), pvs=(), fail=None, classes=()
    ):
        self.pods, self.nodes, self.events = pods, nodes, events
        self.classes = {c.metadata.name: c for c in classes}
        self.csinodes: list[CSINode] = []
        self.csidrivers: dict[str, CSIDriver] = {}
        self.capacities: list[CSIStorageCapacity] = []
        self.dra: tuple[list, list, list] = ([], [], [])  # ResourceClaims, ResourceSlices, DeviceClasses
        self.pvcs = {(p.metadata.namespace, p.metadata.name): p for p in pvcs}
        self.pvs = {p.metadata.name: p for p in pvs}
        self.fail: dict[str, Exception] = fail or {}
        self.calls: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def _enter(self, what: str) -> None:
        self.calls.append(what)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if what.split(":")[0] in self.fail:
                raise self.fail[what.split(":")[0]]
        finally:
            self.in_flight -= 1

    async def get_pod(self, namespace: str, name: str) -> Pod:
        await self._enter("get_pod")
        for p in self.pods:
            if (p.metadata.namespace, p.metadata.name) == (namespace, name):
                return p
        raise NotFound("Pod", name, namespace)

    async def list_pods(self, namespace=None, *, field_selector="", label_selector="") -> list[Pod]:
        await self._enter("list_pods")
        return [p for p in self.pods if namespace is None or p.metadata.namespace == namespace]

    async def list_events(self, namespace=None, *, field_selector="") -> list[Event]:
        await self._enter("list_events")
        name = dict(kv.split("=", 1) for kv in field_selector.split(","))["involvedObject.name"]
        return [e for e in self.events if e.involved_object.name == name]

    async def list_nodes(self) -> list[Node]:
        await self._enter("list_nodes")
        return self.nodes

    async def get_pvc(self, namespace: str, name: str) -> PersistentVolumeClaim:
        await self._enter(f"get_pvc:{name}")
        try:
            return self.pvcs[(namespace, name)]
        except KeyError:
            raise NotFound("PersistentVolumeClaim", name, namespace) from None

    async def get_pv(self, name: str) -> PersistentVolume:
        await self._enter(f"get_pv:{name}")
        try:
            return self.pvs[name]
        except KeyError:
            raise NotFound("PersistentVolume", name) from None

    async def list_pvs(self) -> list[PersistentVolume]:
        await self._enter("list_pvs")
        return list(self.pvs.values())

    async def list_pvcs(self) -> list[PersistentVolumeClaim]:
        await self._enter("list_pvcs")
        return list(self.pvcs.values())

    async def list_csinodes(self) -> list[CSINode]:
        await self._enter("list_csinodes")
        return self.csinodes

    async def list_volumeattachments(self) -> list:
        await self._enter("list_volumeattachments")
        return []

    async def list_resourceclaims(self) -> list:
        await self._enter("list_resourceclaims")
        return list(self.dra[0])

    async def list_resourceslices(self) -> list:
        await self._enter("list_resourceslices")
        return list(self.dra[1])

    async def list_deviceclasses(self) -> list:
        await self._enter("list_deviceclasses")
        return list(self.dra[2])

    async def get_csidriver(self, name: str) -> CSIDriver:
        await self._enter(f"get_csidriver:{name}")
        try:
            return self.csidrivers[name]
        except KeyError:
            raise NotFound("CSIDriver", name) from None

    async def list_csistoragecapacities(self) -> list[CSIStorageCapacity]:
        await self._enter("list_csistoragecapacities")
        return list(self.capacities)

    async def get_storage_class(self, name: str) -> StorageClass:
        await self._enter(f"get_storage_class:{name}")
        try:
            return self.classes[name]
        except KeyError:
            raise NotFound("StorageClass", name) from None

    async def get_node(self, name):  # pragma: no cover - not used
        raise NotImplementedError

    async def list_replicasets(self, namespace=None):  # pragma: no cover
        return []

    async def get_workload(self, kind, namespace, name):  # pragma: no cover
        raise NotImplementedError

    async def list_workloads(self, kind, namespace=None):  # pragma: no cover
        return []

    async def list_controllerrevisions(self, namespace):  # pragma: no cover
        return []

    async def list_resourcequotas(self, namespace):  # pragma: no cover
        return []

    async def get_namespace(self, name):  # pragma: no cover
        raise NotImplementedError

    async def list_node_metrics(self):  # pragma: no cover
        return []

    async def get_node_metrics(self, name):  # pragma: no cover
        raise NotImplementedError

    async def check_ready(self):  # pragma: no cover
        return None

    async def close(self):  # pragma: no cover
        return None


def _setup(**kw) -> FakeSource:
    nodes = [make_node("node-1", zone="eu-1a"), make_node("node-2", zone="eu-1b", memory="2Gi")]
    pod = make_pod("db-0", "shop", cpu="500m", memory="3Gi", volumes=[pvc_volume("data-db-0")])
    running = [make_pod("cache-1", "shop", node="node-1", memory="1Gi")]
    events = [
        scheduler_event(
            pod,
            "0/2 nodes are available: 1 Insufficient memory, 1 node(s) had volume node affinity conflict.",
        ),
        scheduler_event(
            pod,
            "0/2 nodes are available: 2 Insufficient cpu.",
            uid="uid-of-the-previous-db-0",
            time="2024-05-01T10:02:00Z",
        ),
    ]
    pvc = make_pvc("data-db-0", "shop", volume_name="pv-db-0")
    pv = make_pv("pv-db-0", zone="eu-1a")
    return FakeSource([pod, *running], nodes, events, [pvc], [pv], **kw)


def test_fake_source_satisfies_the_protocol():
    assert isinstance(_setup(), ClusterSource)


def test_pending_pod_reads_concurrently_and_drops_other_uids():
    src = _setup()
    r = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert r.status == "Pending" and r.warnings == []
    assert set(src.calls[:4]) == {"get_pod", "list_events", "list_nodes", "list_pods"}
    assert src.max_in_flight == 4  # the four first reads ran together
    # then its claim and PV, then the CSINodes: none gives an attach limit, so nothing more is read
    assert src.calls[4:] == ["get_pvc:data-db-0", "get_pv:pv-db-0", "list_csinodes"]
    # the newer event belongs to an earlier pod with the same name: dropped
    assert [e.message for e in r.scheduling_events] == [
        "0/2 nodes are available: 1 Insufficient memory, 1 node(s) had volume node affinity conflict."
    ]
    assert {n.node_name: n.categories for n in r.unschedulable_nodes} == {
        "node-2": ["InsufficientMemory", "VolumeNodeAffinityConflict"],
    }


def test_pod_not_found_propagates():
    src = _setup()
    with pytest.raises(NotFound) as exc:
        asyncio.run(pod_scheduling(src, "shop", "missing", now=NOW))
    assert exc.value.details == "Pod 'missing' not found in namespace 'shop'"
    with pytest.raises(NotFound):
        asyncio.run(pod_scheduling_explain(src, "shop", "missing", now=NOW))


def test_pv_read_refused_is_a_warning_not_a_failure():
    src = _setup(fail={"get_pv": UpstreamForbidden(details='persistentvolumes "pv-db-0" is forbidden')})
    r = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert r.warnings == [
        "PV pv-db-0 could not be read: Kubernetes API refused the agent's request "
        '(persistentvolumes "pv-db-0" is forbidden)'
    ]
    assert "PV pv-db-0 (claim data-db-0) could not be read; its node affinity was not checked" in r.notes
    # without the PV nothing is said about volume affinity per node, and the PVC is not called missing
    assert all("VolumeNodeAffinityConflict" not in n.categories for n in r.unschedulable_nodes)
    assert all(s.source != "pod" for s in r.failure_summary)
    # the scheduler's own report of the conflict still shows
    assert "VolumeNodeAffinityConflict" in r.failure_categories


def test_pvc_not_found_is_a_finding_and_optional_list_failures_are_warnings():
    src = _setup(
        fail={
            "get_pvc": NotFound("PersistentVolumeClaim", "data-db-0", "shop"),
            "list_pods": ServiceUnavailable(details="timeout"),
        }
    )
    x = asyncio.run(pod_scheduling_explain(src, "shop", "db-0", now=NOW))
    assert x.warnings == ["pods of the cluster could not be read: Kubernetes API unavailable (timeout)"]
    assert any(
        s.startswith('persistentvolumeclaim "data-db-0" not found: create PVC data-db-0')
        for s in x.suggestions
    )
    assert "get_pv:pv-db-0" not in src.calls


def test_events_unavailable_still_answers():
    src = _setup(fail={"list_events": ServiceUnavailable()})
    r = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert r.scheduling_events == [] and r.warnings == [
        "events of the pod could not be read: Kubernetes API unavailable"
    ]
    assert r.unschedulable_nodes


def test_scheduled_pod():
    src = _setup()
    r = asyncio.run(pod_scheduling(src, "shop", "cache-1", now=NOW))
    assert r.status == "Scheduled" and r.node_name == "node-1" and r.scheduling_reasons


def _wffc(name: str = "local", **extra) -> StorageClass:
    body = {"metadata": {"name": name}, "provisioner": "kubernetes.io/no-provisioner"}
    return convert({**body, "volumeBindingMode": "WaitForFirstConsumer", **extra}, StorageClass)


def _unbound_setup(**kw) -> FakeSource:
    nodes = [make_node("node-1", zone="eu-1a"), make_node("node-2", zone="eu-1b")]
    pod = make_pod("db-0", "shop", volumes=[pvc_volume("data-db-0")])
    pvc = make_pvc("data-db-0", "shop", phase="Pending", storage_class="local")
    free = convert(
        {
            "metadata": {"name": "pv-local-1"},
            "spec": {
                "capacity": {"storage": "20Gi"},
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "local",
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "topology.kubernetes.io/zone",
                                        "operator": "In",
                                        "values": ["eu-1b"],
                                    }
                                ]
                            }
                        ]
                    }
                },
            },
            "status": {"phase": "Available"},
        },
        PersistentVolume,
    )
    return FakeSource([pod], nodes, [], [pvc], [free], **kw)


def test_an_unbound_wait_for_first_consumer_claim_reads_its_class_and_the_pvs_and_is_judged_per_node():
    src = _unbound_setup(classes=[_wffc()])
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert "get_storage_class:local" in src.calls and "list_pvs" in src.calls
    assert out.warnings == []
    # the only free PV of class "local" is in eu-1b: node-1 can't bind the claim, node-2 can
    [n1] = out.unschedulable_nodes
    assert n1.node_name == "node-1" and n1.reasons == [
        "unbound claim data-db-0 (storage class local): no free PV of storage class local fits it on this "
        "node, and the class has no provisioner (kubernetes.io/no-provisioner)"
    ]


def test_an_unreadable_class_or_pv_list_is_a_warning_and_the_claim_is_only_noted():
    src = _unbound_setup(classes=[_wffc()], fail={"get_storage_class": ServiceUnavailable("API down")})
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert "list_pvs" not in src.calls
    assert [w.split(":")[0] for w in out.warnings] == ["StorageClass local could not be read"]
    assert out.unschedulable_nodes == [] and any(
        "storage class local (it could not be read)" in n for n in out.notes
    )
    src = _unbound_setup(classes=[_wffc()], fail={"list_pvs": ServiceUnavailable("API down")})
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert [w.split(":")[0] for w in out.warnings] == ["PersistentVolumes could not be read"]
    assert out.unschedulable_nodes == []
    assert any(
        "the unbound WaitForFirstConsumer claims (data-db-0) were not evaluated" in n for n in out.notes
    )


def test_a_claim_of_a_missing_or_immediate_class_stops_the_pod_as_the_schedulers_prefilter_does():
    for classes in (
        [],
        [
            convert(
                {"metadata": {"name": "local"}, "provisioner": "x", "volumeBindingMode": "Immediate"},
                StorageClass,
            )
        ],
    ):
        src = _unbound_setup(classes=classes)
        out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
        assert "list_pvs" not in src.calls  # no class waits for the first consumer: no PV list
        assert out.warnings == []
        assert out.notes[0].startswith("PVC data-db-0 is not bound and its storage class local ")


def test_a_csi_attach_limit_reads_what_the_nodes_have_attached_and_is_judged_per_node():
    src = _setup()
    src.pvs["pv-db-0"] = convert(
        {
            "metadata": {"name": "pv-db-0"},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"},
            },
        },
        PersistentVolume,
    )
    src.csinodes = [
        convert(
            {
                "metadata": {"name": n},
                "spec": {
                    "drivers": [{"name": "ebs.csi.aws.com", "nodeID": n, "allocatable": {"count": limit}}]
                },
            },
            CSINode,
        )
        for n, limit in (("node-1", 0), ("node-2", 5))
    ]
    r = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert set(src.calls[-3:]) == {"list_pvcs", "list_pvs", "list_volumeattachments"}
    node1 = next(n for n in r.unschedulable_nodes if n.node_name == "node-1")
    assert node1.reasons[0] == (
        "CSI driver ebs.csi.aws.com may attach 0 volumes on this node (CSINode); 0 already attached and the pod "
        "adds 1"
    )
    src.fail = {"list_csinodes": ServiceUnavailable("API down")}
    r = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert [w.split(":")[0] for w in r.warnings] == ["CSINodes could not be read"]
    assert all("CSI driver" not in x for n in r.unschedulable_nodes for x in n.reasons)


def test_a_pod_with_dra_claims_reads_the_resource_objects_and_is_judged_per_node():
    pod = make_pod("train-0", "shop", resourceClaims=[{"name": "gpu", "resourceClaimName": "gpu-claim"}])
    src = FakeSource([pod], [make_node("node-1"), make_node("node-2")], [])
    req = {"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}}
    claim = {"metadata": {"name": "gpu-claim", "namespace": "shop"}, "spec": {"devices": {"requests": [req]}}}
    slice_ = {
        "metadata": {"name": "node-2-gpu"},
        "spec": {
            "driver": "gpu.example.com",
            "nodeName": "node-2",
            "pool": {"name": "node-2", "generation": 1, "resourceSliceCount": 1},
            "devices": [{"name": "gpu-0"}],
        },
    }
    cls = {"metadata": {"name": "gpu.example.com"}, "spec": {}}
    src.dra = ([convert(claim, ResourceClaim)], [convert(slice_, ResourceSlice)], [convert(cls, DeviceClass)])
    r = asyncio.run(pod_scheduling(src, "shop", "train-0", now=NOW))
    assert {"list_resourceclaims", "list_resourceslices", "list_deviceclasses"} <= set(src.calls)
    assert [(n.node_name, n.reasons) for n in r.unschedulable_nodes] == [
        (
            "node-1",
            [
                "cannot allocate the devices of claim(s) shop/gpu-claim on this node: no ResourceSlice publishes "
                "devices for this node"
            ],
        )
    ]
    # resource.k8s.io not served (or refused): a warning, and a note instead of a verdict
    src.fail = {"list_resourceslices": NotFound("resourceslices", "")}
    r = asyncio.run(pod_scheduling(src, "shop", "train-0", now=NOW))
    assert [w.split(":")[0] for w in r.warnings] == ["ResourceSlices could not be read"]
    assert [n.node_name for n in r.unschedulable_nodes] == ["node-1", "node-2"]
    assert all(
        x.startswith("not determined whether this node can allocate the pod's DRA claims: the ResourceSlices")
        for n in r.unschedulable_nodes
        for x in n.reasons
    )
    # a pod without claims reads none of them
    plain = _setup()
    asyncio.run(pod_scheduling(plain, "shop", "db-0", now=NOW))
    assert "list_pods" in plain.calls
    assert not {"list_resourceclaims", "list_resourceslices", "list_deviceclasses"} & set(plain.calls)


def test_a_provisioner_tracking_storage_capacity_reads_its_csidriver_and_the_capacities():
    cls = _wffc("fast", provisioner="csi.example.com")
    src = _unbound_setup(classes=[cls])
    src.pvcs[("shop", "data-db-0")].spec.storage_class_name = "fast"
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert "get_csidriver:csi.example.com" in src.calls and "list_csistoragecapacities" not in src.calls
    assert out.unschedulable_nodes == []  # no CSIDriver object: no capacity check
    src.csidrivers["csi.example.com"] = convert(
        {"metadata": {"name": "csi.example.com"}, "spec": {"storageCapacity": True}}, CSIDriver
    )
    src.capacities = [
        convert(
            {
                "metadata": {"name": "eu-1b", "namespace": "kube-system"},
                "storageClassName": "fast",
                "nodeTopology": {"matchLabels": {"topology.kubernetes.io/zone": "eu-1b"}},
                "capacity": "1Ti",
            },
            CSIStorageCapacity,
        )
    ]
    src.calls.clear()
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert "list_csistoragecapacities" in src.calls
    assert [(n.node_name, n.categories) for n in out.unschedulable_nodes] == [
        ("node-1", ["InsufficientStorage"])
    ]
    src.fail = {"list_csistoragecapacities": ServiceUnavailable("API down")}
    out = asyncio.run(pod_scheduling(src, "shop", "db-0", now=NOW))
    assert [w.split(":")[0] for w in out.warnings] == ["CSIStorageCapacities could not be read"]
    assert out.unschedulable_nodes == []


def test_the_explanation_of_a_dra_pod_names_the_class_and_the_claims_holding_its_devices():
    pod = make_pod("train-0", "shop", resourceClaims=[{"name": "gpu", "resourceClaimName": "mine"}])
    src = FakeSource([pod], [make_node("node-1")], [])
    req = {"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com", "count": 1}}
    mine = {"metadata": {"name": "mine", "namespace": "shop"}, "spec": {"devices": {"requests": [req]}}}
    result = {"request": "gpu", "driver": "gpu.example.com", "pool": "node-1", "device": "gpu-0"}
    held = {**mine, "metadata": {"name": "other", "namespace": "ml"}}
    held["status"] = {"allocation": {"devices": {"results": [result]}}}
    slice_ = {
        "metadata": {"name": "node-1-gpu"},
        "spec": {
            "driver": "gpu.example.com",
            "nodeName": "node-1",
            "pool": {"name": "node-1", "generation": 1, "resourceSliceCount": 1},
            "devices": [{"name": "gpu-0"}],
        },
    }
    cls = {"metadata": {"name": "gpu.example.com"}, "spec": {}}
    src.dra = (
        [convert(mine, ResourceClaim), convert(held, ResourceClaim)],
        [convert(slice_, ResourceSlice)],
        [convert(cls, DeviceClass)],
    )
    out = asyncio.run(pod_scheduling_explain(src, "shop", "train-0", now=NOW))
    assert out.summary.schedulable_nodes == 0
    assert (
        "1 node publishes devices of class gpu.example.com but the only one is allocated to claim ml/other: "
        "free one (delete the pod and claim that hold it) or add devices"
    ) in out.suggestions
    assert "1 cannot allocate the pod's DRA devices" in out.explanation
