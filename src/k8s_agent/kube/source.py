"""The ClusterSource protocol: every read the agent makes, whatever the cluster is (live API, snapshot).

Implementations raise ``k8s_agent.errors`` types only: ``NotFound`` for a missing object,
``ServiceUnavailable`` (or ``UpstreamForbidden`` / ``MetricsUnavailable``) when the cluster cannot answer.
Lists are complete (paged internally). Field selectors use the API server's syntax
(``involvedObject.name=x,involvedObject.kind=Pod``) and are evaluated by the server (live) or by the
snapshot's small evaluator.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from k8s_agent.kube.models import (
    ControllerRevision,
    CSIDriver,
    CSINode,
    CSIStorageCapacity,
    DeviceClass,
    Event,
    LabelSelector,
    Namespace,
    Node,
    NodeMetrics,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    ReplicaSet,
    ResourceClaim,
    ResourceQuota,
    ResourceSlice,
    StorageClass,
    VolumeAttachment,
    Workload,
)


@runtime_checkable
class ClusterSource(Protocol):
    #: a short human description for logs ("live https://10.0.0.1:443", "snapshot /path/to/dump")
    description: str

    async def get_pod(self, namespace: str, name: str) -> Pod: ...

    async def list_pods(
        self, namespace: str | None = None, *, field_selector: str = "", label_selector: str = ""
    ) -> list[Pod]:
        """Pods of one namespace, or of all namespaces when ``namespace`` is None."""
        ...

    async def list_events(self, namespace: str | None = None, *, field_selector: str = "") -> list[Event]: ...

    async def get_node(self, name: str) -> Node: ...

    async def list_nodes(self) -> list[Node]: ...

    async def list_replicasets(self, namespace: str | None = None) -> list[ReplicaSet]: ...

    async def get_workload(self, kind: str, namespace: str, name: str) -> Workload:
        """One controller (``kind`` a key of ``models.WORKLOAD_KINDS``: Deployment, StatefulSet,
        DaemonSet, Job, CronJob); NotFound names it."""
        ...

    async def list_workloads(self, kind: str, namespace: str | None = None) -> list[Workload]:
        """Controllers of one kind in a namespace, or in all namespaces when ``namespace`` is None."""
        ...

    async def list_controllerrevisions(self, namespace: str) -> list[ControllerRevision]: ...

    async def list_resourcequotas(self, namespace: str) -> list[ResourceQuota]: ...

    async def get_namespace(self, name: str) -> Namespace: ...

    async def get_pvc(self, namespace: str, name: str) -> PersistentVolumeClaim: ...

    async def get_pv(self, name: str) -> PersistentVolume: ...

    async def list_pvs(self) -> list[PersistentVolume]:
        """Every PersistentVolume (the static volumes an unbound WaitForFirstConsumer claim could bind)."""
        ...

    async def get_storage_class(self, name: str) -> StorageClass: ...

    async def list_pvcs(self) -> list[PersistentVolumeClaim]:
        """Every PVC of the cluster (the volumes the pods of a node have attached, for CSI limits)."""
        ...

    async def list_csinodes(self) -> list[CSINode]: ...

    async def list_volumeattachments(self) -> list[VolumeAttachment]: ...

    async def list_resourceclaims(self) -> list[ResourceClaim]:
        """Every DRA ResourceClaim (resource.k8s.io/v1): the pod's claims and the devices others hold."""
        ...

    async def list_resourceslices(self) -> list[ResourceSlice]: ...

    async def list_deviceclasses(self) -> list[DeviceClass]: ...

    async def get_csidriver(self, name: str) -> CSIDriver:
        """The CSIDriver of a provisioner (NotFound when there is none: no capacity tracking)."""
        ...

    async def list_csistoragecapacities(self) -> list[CSIStorageCapacity]: ...

    async def list_node_metrics(self) -> list[NodeMetrics]:
        """metrics.k8s.io NodeMetrics of every node; raises MetricsUnavailable when the API is absent."""
        ...

    async def get_node_metrics(self, name: str) -> NodeMetrics:
        """NodeMetrics of one node; NotFound when the node has no sample yet; MetricsUnavailable when the
        metrics API is absent."""
        ...

    async def check_ready(self) -> None:
        """Raise ServiceUnavailable when the cluster cannot be reached (used by /readyz in the background)."""
        ...

    async def close(self) -> None: ...


def label_selector_text(sel: LabelSelector | None) -> str | None:
    """A metav1.LabelSelector in the API server's ``labelSelector`` syntax (``app=web,tier in (a,b),!old``);
    ``""`` for an empty selector (everything), None for none at all or one with an unknown operator."""
    if sel is None:
        return None
    terms = [f"{k}={v}" for k, v in sorted(sel.match_labels.items())]
    for r in sel.match_expressions:
        if r.operator == "In" and r.values:
            terms.append(f"{r.key} in ({','.join(r.values)})")
        elif r.operator == "NotIn" and r.values:
            terms.append(f"{r.key} notin ({','.join(r.values)})")
        elif r.operator == "Exists":
            terms.append(r.key)
        elif r.operator == "DoesNotExist":
            terms.append(f"!{r.key}")
        else:
            return None
    return ",".join(terms)


#: Warning events about pods: the events the namespace and cluster reports show with a pod
POD_WARNINGS_SELECTOR = "involvedObject.kind=Pod,type=Warning"


def pod_events_selector(name: str, kind: str = "Pod") -> str:
    """Field selector for the events of one object, by kind and name (the UID is checked after the read,
    so the read can start together with the GET of the object)."""
    return f"involvedObject.kind={kind},involvedObject.name={name}"
