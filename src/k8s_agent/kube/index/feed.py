"""What the index reads: the collections it holds (pods, nodes, ReplicaSets, Warning events about pods and
the five controller kinds), and the feed that serves their LIST pages and watch
streams (the live source; tests use the fake API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from k8s_agent.kube import models as m
from k8s_agent.kube.source import POD_WARNINGS_SELECTOR


class Gone(Exception):
    """410 Gone: the resourceVersion asked for is older than the server keeps (list again)."""


class Feed(Protocol):
    """Where the collections come from: a LIST page, and a watch stream read as JSON lines."""

    async def list_page(self, path: str, query: list[tuple[str, str]], *, what: str) -> bytes: ...

    def watch_lines(
        self, path: str, query: list[tuple[str, str]], *, what: str, read_timeout: float
    ) -> AsyncIterator[bytes]: ...


@dataclass(frozen=True)
class Collection:
    resource: str  # pods, nodes, replicasets.apps, events (as the RBAC and the metrics name them)
    path: str
    list_type: type
    item_type: type
    field_selector: str = ""
    #: the answers can do without it (a warning says so) when the agent may not read it
    optional: bool = False
    #: a controller collection (Deployment, StatefulSet, DaemonSet, Job, CronJob): its kind
    workload_kind: str = ""


PODS = Collection("pods", "/api/v1/pods", m.PodList, m.Pod)
NODES = Collection("nodes", "/api/v1/nodes", m.NodeList, m.Node)
REPLICASETS = Collection(
    "replicasets.apps", "/apis/apps/v1/replicasets", m.ReplicaSetList, m.ReplicaSet, optional=True
)
EVENTS = Collection(
    "events", "/api/v1/events", m.EventList, m.Event, field_selector=POD_WARNINGS_SELECTOR, optional=True
)
#: the controllers, whose states the per-workload summary of ``/cluster/pod-issues`` shows (and whose Jobs
#: resolve CronJobs and retried pods): deployments.apps, statefulsets.apps, daemonsets.apps, jobs.batch,
#: cronjobs.batch
WORKLOADS = tuple(
    Collection(
        f"{k.plural}.{k.group}",
        f"{k.api_path}/{k.plural}",
        k.list_type,
        k.type,
        optional=True,
        workload_kind=k.kind,
    )
    for k in m.WORKLOAD_KINDS.values()
)
COLLECTIONS = (PODS, NODES, REPLICASETS, EVENTS, *WORKLOADS)
#: resource name -> controller kind
WORKLOAD_RESOURCES = {c.resource: c.workload_kind for c in WORKLOADS}
