"""Which cluster to serve, decided without importing the API client: in a pod, the in-cluster
ServiceAccount; outside one, ``$KUBECONFIG`` or ``~/.kube/config``; with neither, the bundled demo snapshot.

Kept apart from ``kube.live`` so that the supervising process of a multi-worker agent can decide (and log)
it without loading aiohttp and kubernetes_asyncio, which only the workers use.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from k8s_agent.config import Settings
from k8s_agent.demo import demo_cluster_path

SA_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


def in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and SA_TOKEN.exists()


def kubeconfig_path(explicit: str = "") -> Path | None:
    """The kubeconfig that would be used outside a cluster, or None when there is none."""
    candidates = (
        [explicit] if explicit else [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    )
    candidates.append(str(Path.home() / ".kube" / "config"))
    for c in candidates:
        if c and Path(c).expanduser().is_file():
            return Path(c).expanduser()
    return None


def resolve_source(settings: Settings) -> Settings:
    """Turn CLUSTER_SOURCE=auto into live or snapshot; ``source_note`` says how, for the first log line.
    Called through ``config.load_settings(resolve=True)``, which checks the result."""
    replace = msgspec.structs.replace
    if settings.cluster_source == "live":
        return replace(settings, source_note="cluster source: live Kubernetes API")
    if settings.cluster_source == "snapshot":
        return replace(settings, source_note=f"cluster source: snapshot {settings.snapshot_path}")
    if in_cluster():
        return replace(settings, cluster_source="live", source_note="cluster source: live, in-cluster")
    kc = kubeconfig_path(settings.kubeconfig)
    if kc is not None:
        return replace(
            settings,
            cluster_source="live",
            kubeconfig=str(kc),
            source_note=f"cluster source: live, kubeconfig {kc}",
        )
    path = settings.snapshot_path or str(demo_cluster_path())
    return replace(
        settings,
        cluster_source="snapshot",
        snapshot_path=path,
        source_note="no cluster configured (not in a pod, no kubeconfig): serving the bundled demo cluster "
        f"snapshot {path}",
    )
