"""The snapshot ClusterSource: the same reads over a cluster dump.

Accepted input, a file or a directory searched recursively:
* ``kubectl get <kind> [-A] -o json|yaml`` output (``kind: List`` with typed items, or a single object);
* ``kubectl cluster-info dump`` output: typed lists (``PodList``, ``EventList``...) whose items carry no
  ``kind``, either as ``--output-directory`` files or as the concatenated JSON documents it prints to stdout;
* metrics.k8s.io ``NodeMetricsList`` documents (``kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes``);
* an optional ``meta.json`` with ``capturedAt``: every timestamp of the dump is then shifted by
  ``now - capturedAt`` at load time, so a bundled demo always looks as if it was captured a moment ago.
  Real post-mortem dumps have no meta.json and keep their real times.

Field and label selectors are evaluated here the way the API server would for the fields we use.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from k8s_agent.errors import MetricsUnavailable, NotFound
from k8s_agent.kube import models as m

_TS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$")

_LIST_ITEM_KIND = {
    "PodList": "Pod",
    "EventList": "Event",
    "NodeList": "Node",
    "ReplicaSetList": "ReplicaSet",
    "NamespaceList": "Namespace",
    "PersistentVolumeClaimList": "PersistentVolumeClaim",
    "PersistentVolumeList": "PersistentVolume",
    "StorageClassList": "StorageClass",
    "CSINodeList": "CSINode",
    "VolumeAttachmentList": "VolumeAttachment",
    "CSIDriverList": "CSIDriver",
    "CSIStorageCapacityList": "CSIStorageCapacity",
    "ResourceClaimList": "ResourceClaim",
    "ResourceSliceList": "ResourceSlice",
    "DeviceClassList": "DeviceClass",
    "NodeMetricsList": "NodeMetrics",
    "DeploymentList": "Deployment",
    "StatefulSetList": "StatefulSet",
    "DaemonSetList": "DaemonSet",
    "JobList": "Job",
    "CronJobList": "CronJob",
    "ControllerRevisionList": "ControllerRevision",
    "ResourceQuotaList": "ResourceQuota",
}
_TYPES: dict[str, type[Any]] = {
    "Pod": m.Pod,
    "Event": m.Event,
    "Node": m.Node,
    "ReplicaSet": m.ReplicaSet,
    "Namespace": m.Namespace,
    "PersistentVolumeClaim": m.PersistentVolumeClaim,
    "PersistentVolume": m.PersistentVolume,
    "StorageClass": m.StorageClass,
    "CSINode": m.CSINode,
    "VolumeAttachment": m.VolumeAttachment,
    "CSIDriver": m.CSIDriver,
    "CSIStorageCapacity": m.CSIStorageCapacity,
    "ResourceClaim": m.ResourceClaim,
    "ResourceSlice": m.ResourceSlice,
    "DeviceClass": m.DeviceClass,
    "NodeMetrics": m.NodeMetrics,
    **{kind: k.type for kind, k in m.WORKLOAD_KINDS.items()},
    "ControllerRevision": m.ControllerRevision,
    "ResourceQuota": m.ResourceQuota,
}


class SnapshotError(ValueError):
    """The dump cannot be read (named file, what is wrong)."""


def _iter_documents(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        try:
            return [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            raise SnapshotError(f"{path}: invalid YAML: {exc}") from None
    # JSON, possibly several documents one after another (cluster-info dump to stdout)
    docs: list[Any] = []
    dec, i = json.JSONDecoder(), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        try:
            doc, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{path}: invalid JSON: {exc}") from None
        docs.append(doc)


def _shift(obj: Any, delta: timedelta) -> Any:
    """Shift every RFC3339 timestamp string in a parsed document by ``delta``."""
    if isinstance(obj, dict):
        return {k: _shift(v, delta) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shift(v, delta) for v in obj]
    if isinstance(obj, str):
        mt = _TS_RE.match(obj)
        if mt and not obj.startswith("1970-01-01"):  # the epoch is a placeholder (StartError startedAt)
            ts = datetime.fromisoformat(obj.replace("Z", "+00:00")) + delta
            if mt[2]:
                return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    return obj


# ------------------------------------------------------------------------------------------- selectors
def _parse_field_selector(selector: str) -> list[tuple[str, str, str]]:
    terms = []
    for part in filter(None, (p.strip() for p in selector.split(","))):
        for op in ("!=", "==", "="):
            if op in part:
                k, v = part.split(op, 1)
                terms.append((k.strip(), "!=" if op == "!=" else "=", v.strip()))
                break
        else:
            raise ValueError(f"invalid field selector term {part!r}")
    return terms


def _event_field(ev: m.Event, key: str) -> str | None:
    io = ev.involved_object
    return {
        "involvedObject.kind": io.kind,
        "involvedObject.name": io.name,
        "involvedObject.namespace": io.namespace,
        "involvedObject.uid": io.uid,
        "involvedObject.apiVersion": io.api_version,
        "involvedObject.fieldPath": io.field_path,
        "reason": ev.reason,
        "type": ev.type,
        "source": ev.source.component,
        "reportingComponent": ev.reporting_component,
        "metadata.name": ev.metadata.name,
        "metadata.namespace": ev.metadata.namespace,
    }.get(key)


def _pod_field(pod: m.Pod, key: str) -> str | None:
    return {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "spec.nodeName": pod.spec.node_name,
        "spec.schedulerName": pod.spec.scheduler_name,
        "status.phase": pod.status.phase,
        "status.podIP": pod.status.pod_ip,
    }.get(key)


def _match_fields(obj: Any, terms: list[tuple[str, str, str]], getter: Callable[[Any, str], Any]) -> bool:
    for key, op, value in terms:
        actual = getter(obj, key)
        if actual is None:
            raise ValueError(f'field label not supported: "{key}"')
        if (actual == value) != (op == "="):
            return False
    return True


_SET_RE = re.compile(r"^\s*(!?)([^\s!=,()]+)\s*(?:(in|notin)\s*\(([^)]*)\)|(==|=|!=)\s*([^\s,]*))?\s*$")


def _split_label_selector(selector: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _match_labels(labels: dict[str, str], selector: str) -> bool:
    for term in _split_label_selector(selector):
        mt = _SET_RE.match(term)
        if not mt:
            raise ValueError(f"invalid label selector term {term!r}")
        neg, key, setop, values, op, value = mt.groups()
        if setop:
            vals = {v.strip() for v in values.split(",") if v.strip()}
            ok = labels.get(key) in vals if setop == "in" else labels.get(key) not in vals
        elif op:
            ok = labels.get(key) == value if op in ("=", "==") else labels.get(key) != value
        else:
            ok = (key in labels) != bool(neg)
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------------------- the source
K = TypeVar("K")
V = TypeVar("V")


def _found(table: Mapping[K, V], key: K, kind: str, name: str, namespace: str = "") -> V:
    """The object stored under ``key``, or NotFound naming it."""
    try:
        return table[key]
    except KeyError:
        raise NotFound(kind, name, namespace) from None


class SnapshotSource:
    def __init__(self, path: str | Path, *, now: datetime | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise SnapshotError(f"snapshot path {self.path} does not exist")
        self.captured_at: datetime | None = None
        self.description = f"snapshot {self.path}"
        self.pods: dict[tuple[str, str], m.Pod] = {}
        self.events: list[m.Event] = []
        self.nodes: dict[str, m.Node] = {}
        self.replicasets: list[m.ReplicaSet] = []
        self.namespaces: dict[str, m.Namespace] = {}
        self.pvcs: dict[tuple[str, str], m.PersistentVolumeClaim] = {}
        self.pvs: dict[str, m.PersistentVolume] = {}
        self.storage_classes: dict[str, m.StorageClass] = {}
        self.csinodes: list[m.CSINode] = []
        self.volumeattachments: list[m.VolumeAttachment] = []
        self.csidrivers: dict[str, m.CSIDriver] = {}
        self.csistoragecapacities: list[m.CSIStorageCapacity] = []
        self.resourceclaims: list[m.ResourceClaim] = []
        self.resourceslices: list[m.ResourceSlice] = []
        self.deviceclasses: list[m.DeviceClass] = []
        self.node_metrics: dict[str, m.NodeMetrics] | None = None
        self.workloads: dict[str, list] = {kind: [] for kind in m.WORKLOAD_KINDS}
        self.controllerrevisions: list[m.ControllerRevision] = []
        self.resourcequotas: list[m.ResourceQuota] = []
        self._load(now or datetime.now(UTC))

    def _files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return sorted(
            p for p in self.path.rglob("*") if p.is_file() and p.suffix in (".json", ".yaml", ".yml")
        )

    def _load(self, now: datetime) -> None:
        files = self._files()
        delta = timedelta(0)
        meta = [f for f in files if f.name == "meta.json"]
        if meta:
            info = json.loads(meta[0].read_text())
            if info.get("capturedAt") and info.get("shiftTimestamps", True):
                self.captured_at = datetime.fromisoformat(info["capturedAt"].replace("Z", "+00:00"))
                delta = now - self.captured_at
                self.description += f" (captured {info['capturedAt']}, timestamps shifted to now)"
        by_kind: dict[str, list[Any]] = defaultdict(list)
        for f in files:
            if f.name == "meta.json":
                continue
            for doc in _iter_documents(f):
                if not isinstance(doc, dict):
                    continue
                kind = doc.get("kind", "")
                if "items" in doc and isinstance(doc["items"], list):
                    default = _LIST_ITEM_KIND.get(kind, "")
                    for item in doc["items"]:
                        if isinstance(item, dict):
                            by_kind[item.get("kind") or default].append(item)
                else:
                    by_kind[kind].append(doc)
        if delta:
            by_kind = {k: _shift(v, delta) for k, v in by_kind.items()}
        for kind, t in _TYPES.items():
            try:
                objs: list[Any] = [m.convert(o, t) for o in by_kind.get(kind, [])]
            except Exception as exc:  # msgspec.ValidationError names the field
                raise SnapshotError(
                    f"{self.path}: a {kind} object does not have the Kubernetes shape: {exc}"
                ) from None
            self._index(kind, objs)
        if not self.namespaces:
            seen = {ns for ns, _ in self.pods} | {e.metadata.namespace for e in self.events}
            seen |= {r.metadata.namespace for r in self.replicasets}
            self.namespaces = {ns: m.Namespace(metadata=m.ObjectMeta(name=ns)) for ns in seen if ns}

    def _index(self, kind: str, objs: list) -> None:
        if kind == "Pod":
            self.pods = {(p.metadata.namespace, p.metadata.name): p for p in objs}
        elif kind == "Event":
            self.events = objs
        elif kind == "Node":
            self.nodes = {n.metadata.name: n for n in objs}
        elif kind == "ReplicaSet":
            self.replicasets = objs
        elif kind == "Namespace":
            self.namespaces = {n.metadata.name: n for n in objs}
        elif kind == "PersistentVolumeClaim":
            self.pvcs = {(c.metadata.namespace, c.metadata.name): c for c in objs}
        elif kind == "PersistentVolume":
            self.pvs = {v.metadata.name: v for v in objs}
        elif kind == "StorageClass":
            self.storage_classes = {v.metadata.name: v for v in objs}
        elif kind == "CSINode":
            self.csinodes = objs
        elif kind == "VolumeAttachment":
            self.volumeattachments = objs
        elif kind == "CSIDriver":
            self.csidrivers = {v.metadata.name: v for v in objs}
        elif kind == "CSIStorageCapacity":
            self.csistoragecapacities = objs
        elif kind == "ResourceClaim":
            self.resourceclaims = objs
        elif kind == "ResourceSlice":
            self.resourceslices = objs
        elif kind == "DeviceClass":
            self.deviceclasses = objs
        elif kind in m.WORKLOAD_KINDS:
            self.workloads[kind] = objs
        elif kind == "ControllerRevision":
            self.controllerrevisions = objs
        elif kind == "ResourceQuota":
            self.resourcequotas = objs
        elif kind == "NodeMetrics" and objs:
            self.node_metrics = {x.metadata.name: x for x in objs}

    # ------------------------------------------------------------------------------------- reads
    async def get_pod(self, namespace: str, name: str) -> m.Pod:
        return _found(self.pods, (namespace, name), "Pod", name, namespace)

    async def list_pods(
        self, namespace: str | None = None, *, field_selector: str = "", label_selector: str = ""
    ) -> list[m.Pod]:
        terms = _parse_field_selector(field_selector)
        return [
            p
            for (ns, _), p in self.pods.items()
            if (namespace is None or ns == namespace)
            and _match_fields(p, terms, _pod_field)
            and (not label_selector or _match_labels(p.metadata.labels, label_selector))
        ]

    async def list_events(self, namespace: str | None = None, *, field_selector: str = "") -> list[m.Event]:
        terms = _parse_field_selector(field_selector)
        return [
            e
            for e in self.events
            if (namespace is None or e.metadata.namespace == namespace)
            and _match_fields(e, terms, _event_field)
        ]

    async def index_lists(self) -> dict[str, list]:
        """The collections of the cluster index (``kube.index``), which a snapshot builds once."""
        from k8s_agent.kube.source import POD_WARNINGS_SELECTOR

        return {
            "pods": await self.list_pods(None),
            "nodes": await self.list_nodes(),
            "replicasets.apps": await self.list_replicasets(None),
            "events": await self.list_events(None, field_selector=POD_WARNINGS_SELECTOR),
            **{
                f"{k.plural}.{k.group}": await self.list_workloads(kind)
                for kind, k in m.WORKLOAD_KINDS.items()
            },
        }

    async def get_node(self, name: str) -> m.Node:
        return _found(self.nodes, name, "Node", name)

    async def list_nodes(self) -> list[m.Node]:
        return list(self.nodes.values())

    async def list_replicasets(self, namespace: str | None = None) -> list[m.ReplicaSet]:
        return [r for r in self.replicasets if namespace is None or r.metadata.namespace == namespace]

    async def get_workload(self, kind: str, namespace: str, name: str) -> m.Workload:
        for w in self.workloads[kind]:
            if w.metadata.namespace == namespace and w.metadata.name == name:
                return w
        raise NotFound(kind, name, namespace)

    async def list_workloads(self, kind: str, namespace: str | None = None) -> list[m.Workload]:
        return [w for w in self.workloads[kind] if namespace is None or w.metadata.namespace == namespace]

    async def list_controllerrevisions(self, namespace: str) -> list[m.ControllerRevision]:
        return [r for r in self.controllerrevisions if r.metadata.namespace == namespace]

    async def list_resourcequotas(self, namespace: str) -> list[m.ResourceQuota]:
        return [q for q in self.resourcequotas if q.metadata.namespace == namespace]

    async def get_namespace(self, name: str) -> m.Namespace:
        return _found(self.namespaces, name, "Namespace", name)

    async def get_pvc(self, namespace: str, name: str) -> m.PersistentVolumeClaim:
        return _found(self.pvcs, (namespace, name), "PersistentVolumeClaim", name, namespace)

    async def get_pv(self, name: str) -> m.PersistentVolume:
        return _found(self.pvs, name, "PersistentVolume", name)

    async def list_pvs(self) -> list[m.PersistentVolume]:
        return list(self.pvs.values())

    async def list_pvcs(self) -> list[m.PersistentVolumeClaim]:
        return list(self.pvcs.values())

    async def list_csinodes(self) -> list[m.CSINode]:
        return list(self.csinodes)

    async def list_volumeattachments(self) -> list[m.VolumeAttachment]:
        return list(self.volumeattachments)

    async def list_resourceclaims(self) -> list[m.ResourceClaim]:
        return list(self.resourceclaims)

    async def list_resourceslices(self) -> list[m.ResourceSlice]:
        return list(self.resourceslices)

    async def list_deviceclasses(self) -> list[m.DeviceClass]:
        return list(self.deviceclasses)

    async def get_csidriver(self, name: str) -> m.CSIDriver:
        try:
            return self.csidrivers[name]
        except KeyError:
            raise NotFound("CSIDriver", name) from None

    async def list_csistoragecapacities(self) -> list[m.CSIStorageCapacity]:
        return list(self.csistoragecapacities)

    async def get_storage_class(self, name: str) -> m.StorageClass:
        return _found(self.storage_classes, name, "StorageClass", name)

    async def list_node_metrics(self) -> list[m.NodeMetrics]:
        if self.node_metrics is None:
            raise MetricsUnavailable(details="the snapshot holds no metrics.k8s.io NodeMetrics")
        return list(self.node_metrics.values())

    async def get_node_metrics(self, name: str) -> m.NodeMetrics:
        if self.node_metrics is None:
            raise MetricsUnavailable(details="the snapshot holds no metrics.k8s.io NodeMetrics")
        try:
            return self.node_metrics[name]
        except KeyError:
            raise NotFound(
                "NodeMetrics", name, details=f"no metrics sample for node '{name}' in the snapshot"
            ) from None

    async def check_ready(self) -> None:
        return None

    async def close(self) -> None:
        return None
