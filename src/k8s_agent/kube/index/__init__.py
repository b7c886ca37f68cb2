"""The per-worker cluster index: the cluster-wide collections kept current by watches.

What it holds: every pod (all namespaces), every node, every ReplicaSet (owner resolution) and the Warning
events about pods (a pod's recent events in the cluster report). Each collection is read the way controllers
read it: one paged LIST, then a WATCH from the list's ``resourceVersion`` with ``allowWatchBookmarks``. A watch
the server ends (its ``timeoutSeconds``) is renewed from the last resourceVersion seen (bookmarks keep that
fresh); a dropped connection or an API error is retried from there with exponential backoff (0.5 s doubling to
30 s, with jitter); ``410 Gone`` (the resourceVersion is too old: compacted) means LIST again, and the objects
the new list no longer has are deleted. The watch stream is read as raw JSON lines and decoded with msgspec
into the agent's own Structs, as the LIST pages are.

What each change does: a pod's new version recomputes its issue record (``analysis.pod_issues.PodIssueTable``),
its node's committed requests, limits and pod count (``analysis.node_utilization.NodeSums``) and its entry in
the scheduler's per-node view (``analysis.scheduling.index.ClusterIndex``): a cluster-wide answer then costs
what its result costs, not what the cluster's size costs. Only the fields those analyses read are kept
(``slim_pod``), and parts that many pods share (labels, owner references, container resources, affinity) are
stored once.

Life cycle (live source): nothing is read until a request needs the index (``require``); the first sync then runs in the
background, owned by the index, never by a request, so no deadline cancels it. Until every collection has
been listed, ``require`` raises :class:`IndexSyncing` (503 with the progress, ``Retry-After``); then
``on_synced`` runs, and an awaitable it returns (the app's preparation of the first answers) is awaited
before the index is ``synced`` (state ``warming`` meanwhile: the stores may be read, ``require(answers=True)``
still raises). Every change to the stores adds one to ``generation``, so an answer knows whether the index
changed since it was made. After
``idle_timeout`` seconds without a request needing it, the index stops its watches and drops everything it
holds. A snapshot source has no watches: its index is built once from the dump (the app does it when the
worker starts).

Modules, by concern: ``feed`` (the collections and the feed protocol), ``reflector`` (LIST + WATCH of one
collection, backoff, 410), ``slim`` (the slim records), ``stores`` (what is held and what a change does),
``facade`` (``ClusterIndex``: life cycle, statistics, warnings), ``gate`` (answers reading from a thread
hold the watches' changes back), ``memory`` (giving memory back).
"""

from k8s_agent.kube.index.facade import ClusterIndex, IndexStats, IndexSyncing, background
from k8s_agent.kube.index.feed import COLLECTIONS, EVENTS, NODES, PODS, REPLICASETS, Collection, Feed, Gone
from k8s_agent.kube.index.memory import release_memory
from k8s_agent.kube.index.reflector import Backoff, Reflector
from k8s_agent.kube.index.slim import Slimmer

__all__ = [
    "COLLECTIONS",
    "EVENTS",
    "NODES",
    "PODS",
    "REPLICASETS",
    "Backoff",
    "ClusterIndex",
    "Collection",
    "Feed",
    "Gone",
    "IndexStats",
    "IndexSyncing",
    "Reflector",
    "Slimmer",
    "background",
    "release_memory",
]
