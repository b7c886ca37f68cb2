"""Who owns a pod: a pure function over objects, so the same answer comes from a namespace list or a
watch-fed index.

Owner resolution (``workload_of``): the controller reference (``controller: true``) names the workload. A
ReplicaSet is looked up (by UID, else by name) and its own controller names the Deployment (or another
controller, such as an Argo Rollout); a bare ReplicaSet is its own workload; an unknown ReplicaSet falls back
to the Deployment named by ``-<pod-template-hash>`` (how the Deployment controller names ReplicaSets). A Job
is looked up the same way and its controller names the CronJob (an unknown Job stays a Job). StatefulSet and
DaemonSet pods name their controller directly; a static pod's mirror is owned by its ``Node``; a pod
without a controller is a bare pod: kind ``Pod``, named after itself.
"""

from __future__ import annotations

from k8s_agent.analysis.kube import controller
from k8s_agent.kube.models import Job, ObjectMeta, OwnerReference, Pod, ReplicaSet

#: the workload kinds pods are reported under
OWNER_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Node", "Pod")


class OwnerIndex:
    """ReplicaSets and Jobs of the pods' namespace(s), by UID and by (namespace, name)."""

    __slots__ = ("by_key", "by_uid")

    def __init__(self, replicasets: list[ReplicaSet], jobs: list[Job] = ()) -> None:  # type: ignore[assignment]
        self.by_uid: dict[str, ObjectMeta] = {}
        self.by_key: dict[tuple[str, str, str], ObjectMeta] = {}
        for kind, objs in (("ReplicaSet", replicasets), ("Job", jobs)):
            for o in objs:
                meta = o.metadata
                if meta.uid:
                    self.by_uid[meta.uid] = meta
                self.by_key[(kind, meta.namespace, meta.name)] = meta

    def get(self, kind: str, namespace: str, name: str, uid: str) -> ObjectMeta | None:
        if uid and uid in self.by_uid:
            return self.by_uid[uid]
        meta = self.by_key.get((kind, namespace, name))
        if meta is not None and uid and meta.uid and meta.uid != uid:
            return None  # a newer object of the same name: not this pod's
        return meta


def workload_of(pod: Pod, owners: OwnerIndex) -> tuple[str, str]:
    """``(kind, name)`` of the workload a pod belongs to (see the module docstring)."""
    meta = pod.metadata
    ref = controller(meta)
    return workload_of_controller(
        ref,
        meta.namespace,
        meta.name,
        meta.labels.get("pod-template-hash", "") if ref is not None else "",
        owners,
    )


def workload_of_controller(
    ref: OwnerReference | None, namespace: str, pod_name: str, template_hash: str, owners: OwnerIndex
) -> tuple[str, str]:
    """``workload_of`` from what a per-pod record keeps: the pod's controller reference, namespace, name and
    ``pod-template-hash`` label."""
    if ref is None:
        return "Pod", pod_name
    if ref.kind not in ("ReplicaSet", "Job"):
        return ref.kind, ref.name
    parent = owners.get(ref.kind, namespace, ref.name, ref.uid)
    if parent is not None:
        up = controller(parent)
        if up is None:
            return ref.kind, parent.name
        return up.kind, up.name
    if ref.kind == "ReplicaSet":
        suffix = f"-{template_hash}"
        if template_hash and ref.name.endswith(suffix) and len(ref.name) > len(suffix):
            return "Deployment", ref.name[: -len(suffix)]
    return ref.kind, ref.name
