"""DRA objects (``resource.k8s.io/v1``) as kube-apiserver 1.36 serves them, decoded into the agent's models: a
DeviceClass, devices of one driver, ResourceSlices, ResourceClaims (by request, allocated or not), pods with
claims, and a run of the scheduling evaluation over them."""

from __future__ import annotations

from typing import Any

import msgspec

from k8s_agent.analysis.scheduling.evaluate import StorageObjects, evaluate_nodes
from k8s_agent.analysis.scheduling.filters.dynamic_resources import DeviceObjects, DynamicResources
from k8s_agent.analysis.scheduling.simulate import scheduler_view
from k8s_agent.kube.models import Device, DeviceClass, ResourceClaim, ResourceSlice

from .models import make_node, make_pod

DRIVER = "gpu.example.com"
GPU_CLASS: dict[str, Any] = {
    "apiVersion": "resource.k8s.io/v1",
    "kind": "DeviceClass",
    "metadata": {"name": "gpu.example.com"},
    "spec": {"selectors": [{"cel": {"expression": 'device.driver == "gpu.example.com"'}}]},
}


def device_class(body: dict[str, Any] = GPU_CLASS) -> DeviceClass:
    return msgspec.convert(body, DeviceClass)


def class_body(name: str, *selectors: str) -> dict[str, Any]:
    """A DeviceClass named ``name`` with these CEL selectors."""
    return {
        "apiVersion": "resource.k8s.io/v1",
        "kind": "DeviceClass",
        "metadata": {"name": name},
        "spec": {"selectors": [{"cel": {"expression": s}} for s in selectors]},
    }


def gpu(name: str, memory: str = "40Gi", model: str = "a100", **extra: Any) -> dict[str, Any]:
    """A device of a ResourceSlice (its name ends in its index digit)."""
    return {
        "name": name,
        "attributes": {"model": {"string": model}, "index": {"int": int(name[-1])}},
        "capacity": {"memory": {"value": memory}},
        **extra,
    }


def device(
    attributes: dict[str, Any] | None = None, capacity: dict[str, str] | None = None, name: str = "g0"
) -> Device:
    """One decoded device: ``attributes`` as the slice writes them ({"model": {"string": "a100"}}),
    ``capacity`` as name -> quantity."""
    body: dict[str, Any] = {"name": name, "attributes": attributes or {}}
    if capacity:
        body["capacity"] = {k: {"value": v} for k, v in capacity.items()}
    return msgspec.convert(body, Device)


def rslice(
    node: str,
    *devices: dict[str, Any],
    pool: str = "",
    gen: int = 0,
    count: int = 1,
    name: str = "",
    driver: str = DRIVER,
    **spec: Any,
) -> ResourceSlice:
    """A ResourceSlice of ``node`` (``nodeName``; ``node=""`` with ``allNodes``/``nodeSelector``/
    ``perDeviceNodeSelection`` in ``spec`` for the others)."""
    body: dict[str, Any] = {
        "driver": driver,
        "pool": {"name": pool or node, "generation": gen, "resourceSliceCount": count},
        "devices": list(devices),
        **spec,
    }
    if node:
        body["nodeName"] = node
    return msgspec.convert(
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "ResourceSlice",
            "metadata": {"name": name or f"{node or pool}-{driver}-{gen}"},
            "spec": body,
        },
        ResourceSlice,
    )


def name_selector(*nodes: str) -> dict[str, Any]:
    """A NodeSelector choosing nodes by name (``matchFields`` on ``metadata.name``)."""
    return {
        "nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": list(nodes)}]}
        ]
    }


def claim(
    name: str,
    *,
    count: int = 1,
    selectors: tuple[str, ...] = (),
    mode: str = "ExactCount",
    cls: str = "gpu.example.com",
    allocated: list[tuple[str, str]] | None = None,
    on_node: str = "",
    owner_uid: str = "",
    requests: list[dict[str, Any]] | None = None,
    constraints: list[dict[str, Any]] | None = None,
    ns: str = "default",
    **exact: Any,
) -> ResourceClaim:
    """A ResourceClaim with one ``exactly`` request ``gpu`` (or ``requests``), allocated to ``allocated``
    (pool, device) pairs of the driver when given (on the node ``on_node``)."""
    exactly: dict[str, Any] = {"deviceClassName": cls, "allocationMode": mode, **exact}
    if mode == "ExactCount":
        exactly["count"] = count
    if selectors:
        exactly["selectors"] = [{"cel": {"expression": s}} for s in selectors]
    body: dict[str, Any] = {
        "apiVersion": "resource.k8s.io/v1",
        "kind": "ResourceClaim",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}"},
        "spec": {"devices": {"requests": requests or [{"name": "gpu", "exactly": exactly}]}},
    }
    if constraints:
        body["spec"]["devices"]["constraints"] = constraints
    if owner_uid:
        body["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": owner_uid, "controller": True}
        ]
    if allocated is not None:
        alloc: dict[str, Any] = {
            "devices": {
                "results": [
                    {"request": "gpu", "driver": DRIVER, "pool": pool, "device": dev}
                    for pool, dev in allocated
                ]
            }
        }
        if on_node:
            alloc["nodeSelector"] = name_selector(on_node)
        body["status"] = {"allocation": alloc}
    return msgspec.convert(body, ResourceClaim)


def pod_with(*claim_names: str, uid: str = "pod-uid", status: dict[str, Any] | None = None):
    """A pod ``train-0`` with one ``resourceClaimName`` entry (``c0``, ``c1``...) per claim name."""
    return make_pod(
        "train-0",
        uid=uid,
        status=status,
        resourceClaims=[{"name": f"c{i}", "resourceClaimName": n} for i, n in enumerate(claim_names)],
    )


def run(pod, claims, slices, classes=(GPU_CLASS,), nodes=("n1", "n2")):
    """The evaluation report and the scheduler's view of ``pod`` over ``nodes`` with these DRA objects."""
    objs = DeviceObjects(list(claims), list(slices), [device_class(c) for c in classes])
    node_list = [make_node(n) if isinstance(n, str) else n for n in nodes]
    report = evaluate_nodes(pod, node_list, [], storage=StorageObjects(devices=objs))
    view = scheduler_view(pod, node_list, [], storage=StorageObjects(devices=objs))
    return report, view


def dra(report, node: str):
    """The DynamicResources outcome of ``node`` in ``report``."""
    v = next(v for v in report.verdicts if v.node_name == node)
    return v.outcome(DynamicResources.plugin)


def clear_cel_caches() -> None:
    """Forget every parsed selector, cached selector result and parsed quantity/version (the caches are
    module-wide: a test that states how a selector is evaluated must not read an earlier test's answer)."""
    from k8s_agent.analysis.scheduling.filters import device_cel, device_cel_values

    device_cel._CACHE.clear()
    device_cel._RESULTS.clear()
    device_cel_values.quantity_of.cache_clear()
    device_cel_values._version.cache_clear()
