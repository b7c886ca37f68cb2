"""The live ClusterSource: the Kubernetes API through kubernetes_asyncio, read as raw JSON, decoded by msgspec.

One ``ApiClient`` per worker process (opened in the worker's start hook, closed on stop). Every call:
* goes through ``ApiClient.call_api`` with ``_preload_content=False`` and an explicit ``_request_timeout``
  (kubernetes_asyncio has no timeout at all without one), so no model classes are built;
* maps the HTTP status itself: 404 -> NotFound, 401/403 -> UpstreamForbidden (naming the missing
  permission), 5xx/429/connection errors/timeouts -> ServiceUnavailable;
* counts itself in the request's stats (upstream calls per request are logged and measured).
Lists are paged (``limit`` + ``continue``) so a large namespace never arrives as one huge body; a continue token
that expired between two pages (410) restarts the list once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from k8s_agent.errors import NotFound, ServiceUnavailable, UpstreamForbidden
from k8s_agent.kube import lazy_client
from k8s_agent.kube import models as m
from k8s_agent.kube.cache import current_stats
from k8s_agent.kube.discovery import in_cluster, kubeconfig_path
from k8s_agent.kube.replies import (
    ContinueExpired,
    ObjectList,
    connection_failure,
    decode_reply,
    metrics_read,
    status_error,
)
from k8s_agent.tuning import CONNECTION_POOL_SIZE, PAGE_SIZE

lazy_client.install()  # before the first kubernetes_asyncio import: no generated model tree
from kubernetes_asyncio import client, config  # noqa: E402

USER_AGENT = "k8s-cluster-agent/0.1"
T = TypeVar("T")


class LiveSource:
    def __init__(self, api: client.ApiClient, *, timeout: float, description: str) -> None:
        self.api = api
        self.timeout = timeout
        self.description = description
        #: (what, outcome) hook for metrics; outcome is ok | not_found | forbidden | error | timeout
        self.observer = lambda what, outcome: None

    # ------------------------------------------------------------------------------------- lifecycle
    @classmethod
    async def connect(cls, *, kubeconfig: str = "", context: str = "", timeout: float = 30.0) -> LiveSource:
        cfg = client.Configuration()
        if in_cluster() and not kubeconfig:
            config.load_incluster_config(client_configuration=cfg)  # installs the token refresh hook
            where = "in-cluster"
        else:
            path = kubeconfig_path(kubeconfig)
            if path is None:
                raise ServiceUnavailable(
                    "No Kubernetes configuration", "not in a pod and no kubeconfig found"
                )
            await config.load_kube_config(
                config_file=str(path), context=context or None, client_configuration=cfg, persist_config=False
            )
            where = f"kubeconfig {path}"
        cfg.connection_pool_maxsize = CONNECTION_POOL_SIZE
        api = client.ApiClient(cfg)
        api.user_agent = USER_AGENT
        # aiohttp (3.9+) silently resends an idempotent request once when the connection dies under it; the
        # agent makes that one retry itself (_get_once), counted and bounded, so the library's is turned off
        # rather than stacked on top of it (which made up to 4 sends of one GET)
        session = api.rest_client.pool_manager
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        return cls(api, timeout=timeout, description=f"live {cfg.host} ({where})")

    async def close(self) -> None:
        await self.api.close()

    # ------------------------------------------------------------------------------------- transport
    async def _get(self, path: str, query: list[tuple[str, str]] | None = None, *, what: str) -> bytes:
        """GET ``path`` and return the body of a 2xx answer; raise the agent's errors otherwise."""
        try:
            body = await self._get_once(path, query, what=what)
        except NotFound:
            self.observer(what, "not_found")
            raise
        except UpstreamForbidden:
            self.observer(what, "forbidden")
            raise
        except ServiceUnavailable:
            self.observer(what, "error")
            raise
        self.observer(what, "ok")
        return body

    async def _get_once(self, path: str, query: list[tuple[str, str]] | None, *, what: str) -> bytes:
        stats = current_stats()
        stats.upstream_calls += 1
        for attempt in (1, 2):
            try:
                resp = await self.api.call_api(
                    path,
                    "GET",
                    query_params=query or [],
                    header_params={"Accept": "application/json"},
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _request_timeout=self.timeout,
                )
                try:
                    body = await resp.read()
                    status = resp.status
                finally:
                    resp.release()
            except aiohttp.ClientConnectorError as exc:  # could not connect at all: nothing to retry
                raise ServiceUnavailable(
                    "Kubernetes API unreachable", f"{what}: {connection_failure(exc)}"
                ) from None
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                # the connection closed or was reset under the request: typically a pooled keep-alive
                # connection the server (or a load balancer) had dropped; a GET is safe to send again, once
                if attempt == 1:
                    stats.upstream_calls += 1
                    continue
                raise ServiceUnavailable(
                    "Kubernetes API unavailable", f"{what}: the API server closed the connection"
                ) from None
            except TimeoutError:
                raise ServiceUnavailable(
                    "Kubernetes API did not answer in time", f"{what}: no answer within {self.timeout:g}s"
                ) from None
            except aiohttp.ClientError as exc:
                raise ServiceUnavailable(
                    "Kubernetes API unreachable", f"{what}: {connection_failure(exc)}"
                ) from None
            break
        if 200 <= status < 300:
            return body
        raise status_error(status, body, what)

    async def _list(
        self, path: str, list_type: type, *, what: str, selectors: dict[str, str] | None = None
    ) -> list:
        items: ObjectList = ObjectList()
        items.nbytes = 0
        query = [(k, v) for k, v in (selectors or {}).items() if v]
        token = ""
        restarted = False
        while True:
            q = [*query, ("limit", str(PAGE_SIZE))]
            if token:
                q.append(("continue", token))
            try:
                raw = await self._get(path, q, what=what)
            except ContinueExpired:
                # etcd compacted the list's resourceVersion between two pages (kube-apiserver compacts every
                # 5 minutes): start again for one consistent list, once; a second expiry is a 503
                if restarted:
                    raise
                restarted, token = True, ""
                items.clear()
                items.nbytes = 0
                continue
            items.nbytes += len(raw)
            page: Any = decode_reply(raw, list_type, what)
            items.extend(page.items)
            token = page.metadata.continue_
            if not token:
                return items

    async def _get_object(
        self, path: str, t: type[T], what: str, kind: str, name: str, namespace: str = ""
    ) -> T:
        """GET one object; a 404 names it (``Pod 'x' not found in namespace 'y'``)."""
        try:
            raw = await self._get(path, what=what)
        except NotFound:
            raise NotFound(kind, name, namespace) from None
        return decode_reply(raw, t, what)

    # ------------------------------------------------------------------------------------- the index's feed
    async def list_page(self, path: str, query: list[tuple[str, str]], *, what: str) -> bytes:
        """One page of a LIST for the cluster index (``kube.index``); 410 Gone raises ``index.Gone``."""
        from k8s_agent.kube.index import Gone

        try:
            return await self._get(path, query, what=what)
        except ServiceUnavailable as exc:
            if getattr(exc, "upstream_status", 0) == 410:
                raise Gone(exc.details) from None
            raise

    async def watch_lines(
        self, path: str, query: list[tuple[str, str]], *, what: str, read_timeout: float
    ) -> AsyncIterator[bytes]:
        """A WATCH for the cluster index: the stream's JSON lines, until the server ends it. No total
        timeout (the server ends the watch at its ``timeoutSeconds``); ``read_timeout`` bounds a silence."""
        from k8s_agent.kube.index import Gone

        timeout = aiohttp.ClientTimeout(
            connect=self.timeout, sock_connect=self.timeout, sock_read=read_timeout
        )
        try:
            resp = await self.api.call_api(
                path,
                "GET",
                query_params=query,
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout,
            )
        except TimeoutError:
            self.observer(what, "timeout")
            raise ServiceUnavailable("Kubernetes API did not answer in time", what) from None
        except aiohttp.ClientError as exc:
            self.observer(what, "error")
            raise ServiceUnavailable("Kubernetes API unreachable", f"{what}: {exc}") from None
        try:
            if resp.status != 200:
                body = await resp.read()
                self.observer(what, "forbidden" if resp.status in (401, 403) else "error")
                if resp.status == 410:
                    raise Gone(body[:200].decode("utf-8", "replace"))
                raise status_error(resp.status, body, what)
            self.observer(what, "ok")
            buf = bytearray()
            async for chunk in resp.content.iter_any():
                buf += chunk
                start = 0
                while (end := buf.find(b"\n", start)) >= 0:
                    if end > start:
                        yield bytes(buf[start:end])
                    start = end + 1
                if start:
                    del buf[:start]
            if buf.strip():
                yield bytes(buf)
        except TimeoutError:
            raise ServiceUnavailable(
                "Kubernetes API watch went silent", f"{what}: nothing for {read_timeout:g}s"
            ) from None
        except aiohttp.ClientError as exc:
            raise ServiceUnavailable("Kubernetes API watch broken", f"{what}: {exc!r}") from None
        finally:
            resp.close()  # a watch connection is never reused

    # ------------------------------------------------------------------------------------- reads
    async def get_pod(self, namespace: str, name: str) -> m.Pod:
        path = f"/api/v1/namespaces/{quote(namespace)}/pods/{quote(name)}"
        return await self._get_object(path, m.Pod, "get pods", "Pod", name, namespace)

    async def list_pods(
        self, namespace: str | None = None, *, field_selector: str = "", label_selector: str = ""
    ) -> list[m.Pod]:
        path = f"/api/v1/namespaces/{quote(namespace)}/pods" if namespace else "/api/v1/pods"
        return await self._list(
            path,
            m.PodList,
            what="list pods",
            selectors={"fieldSelector": field_selector, "labelSelector": label_selector},
        )

    async def list_events(self, namespace: str | None = None, *, field_selector: str = "") -> list[m.Event]:
        path = f"/api/v1/namespaces/{quote(namespace)}/events" if namespace else "/api/v1/events"
        return await self._list(
            path, m.EventList, what="list events", selectors={"fieldSelector": field_selector}
        )

    async def get_node(self, name: str) -> m.Node:
        return await self._get_object(f"/api/v1/nodes/{quote(name)}", m.Node, "get nodes", "Node", name)

    async def list_nodes(self) -> list[m.Node]:
        return await self._list("/api/v1/nodes", m.NodeList, what="list nodes")

    async def list_replicasets(self, namespace: str | None = None) -> list[m.ReplicaSet]:
        path = (
            f"/apis/apps/v1/namespaces/{quote(namespace)}/replicasets"
            if namespace
            else "/apis/apps/v1/replicasets"
        )
        return await self._list(path, m.ReplicaSetList, what="list replicasets.apps")

    async def get_workload(self, kind: str, namespace: str, name: str) -> m.Workload:
        k = m.WORKLOAD_KINDS[kind]
        path = f"{k.api_path}/namespaces/{quote(namespace)}/{k.plural}/{quote(name)}"
        return await self._get_object(path, k.type, f"get {k.plural}.{k.group}", kind, name, namespace)

    async def list_workloads(self, kind: str, namespace: str | None = None) -> list[m.Workload]:
        k = m.WORKLOAD_KINDS[kind]
        path = (
            f"{k.api_path}/namespaces/{quote(namespace)}/{k.plural}"
            if namespace
            else f"{k.api_path}/{k.plural}"
        )
        return await self._list(path, k.list_type, what=f"list {k.plural}.{k.group}")

    async def list_controllerrevisions(self, namespace: str) -> list[m.ControllerRevision]:
        path = f"/apis/apps/v1/namespaces/{quote(namespace)}/controllerrevisions"
        return await self._list(path, m.ControllerRevisionList, what="list controllerrevisions.apps")

    async def list_resourcequotas(self, namespace: str) -> list[m.ResourceQuota]:
        path = f"/api/v1/namespaces/{quote(namespace)}/resourcequotas"
        return await self._list(path, m.ResourceQuotaList, what="list resourcequotas")

    async def get_namespace(self, name: str) -> m.Namespace:
        path = f"/api/v1/namespaces/{quote(name)}"
        return await self._get_object(path, m.Namespace, "get namespaces", "Namespace", name)

    async def get_pvc(self, namespace: str, name: str) -> m.PersistentVolumeClaim:
        path = f"/api/v1/namespaces/{quote(namespace)}/persistentvolumeclaims/{quote(name)}"
        return await self._get_object(
            path,
            m.PersistentVolumeClaim,
            "get persistentvolumeclaims",
            "PersistentVolumeClaim",
            name,
            namespace,
        )

    async def get_pv(self, name: str) -> m.PersistentVolume:
        path = f"/api/v1/persistentvolumes/{quote(name)}"
        return await self._get_object(
            path, m.PersistentVolume, "get persistentvolumes", "PersistentVolume", name
        )

    async def list_pvs(self) -> list[m.PersistentVolume]:
        return await self._list(
            "/api/v1/persistentvolumes", m.PersistentVolumeList, what="list persistentvolumes"
        )

    async def list_pvcs(self) -> list[m.PersistentVolumeClaim]:
        return await self._list(
            "/api/v1/persistentvolumeclaims", m.PersistentVolumeClaimList, what="list persistentvolumeclaims"
        )

    async def list_csinodes(self) -> list[m.CSINode]:
        return await self._list(
            "/apis/storage.k8s.io/v1/csinodes", m.CSINodeList, what="list csinodes.storage.k8s.io"
        )

    async def list_volumeattachments(self) -> list[m.VolumeAttachment]:
        return await self._list(
            "/apis/storage.k8s.io/v1/volumeattachments",
            m.VolumeAttachmentList,
            what="list volumeattachments.storage.k8s.io",
        )

    async def list_resourceclaims(self) -> list[m.ResourceClaim]:
        return await self._list(
            "/apis/resource.k8s.io/v1/resourceclaims",
            m.ResourceClaimList,
            what="list resourceclaims.resource.k8s.io",
        )

    async def list_resourceslices(self) -> list[m.ResourceSlice]:
        return await self._list(
            "/apis/resource.k8s.io/v1/resourceslices",
            m.ResourceSliceList,
            what="list resourceslices.resource.k8s.io",
        )

    async def list_deviceclasses(self) -> list[m.DeviceClass]:
        return await self._list(
            "/apis/resource.k8s.io/v1/deviceclasses",
            m.DeviceClassList,
            what="list deviceclasses.resource.k8s.io",
        )

    async def get_csidriver(self, name: str) -> m.CSIDriver:
        path = f"/apis/storage.k8s.io/v1/csidrivers/{quote(name)}"
        return await self._get_object(path, m.CSIDriver, "get csidrivers.storage.k8s.io", "CSIDriver", name)

    async def list_csistoragecapacities(self) -> list[m.CSIStorageCapacity]:
        return await self._list(
            "/apis/storage.k8s.io/v1/csistoragecapacities",
            m.CSIStorageCapacityList,
            what="list csistoragecapacities.storage.k8s.io",
        )

    async def get_storage_class(self, name: str) -> m.StorageClass:
        path = f"/apis/storage.k8s.io/v1/storageclasses/{quote(name)}"
        return await self._get_object(
            path, m.StorageClass, "get storageclasses.storage.k8s.io", "StorageClass", name
        )

    async def list_node_metrics(self) -> list[m.NodeMetrics]:
        return await metrics_read(
            self._list(
                "/apis/metrics.k8s.io/v1beta1/nodes", m.NodeMetricsList, what="list nodes.metrics.k8s.io"
            )
        )

    async def get_node_metrics(self, name: str) -> m.NodeMetrics:
        raw = await metrics_read(
            self._get(f"/apis/metrics.k8s.io/v1beta1/nodes/{quote(name)}", what="get nodes.metrics.k8s.io"),
            node=name,
        )
        return decode_reply(raw, m.NodeMetrics, "get nodes.metrics.k8s.io")

    async def check_ready(self) -> None:
        # /version is readable by every authenticated identity (system:public-info-viewer)
        await asyncio.wait_for(self._get("/version", what="get /version"), timeout=max(self.timeout, 1.0))

    async def post_json(self, path: str, body: dict, *, what: str) -> bytes:
        """A POST of a JSON body (TokenReview / SubjectAccessReview); same error mapping as reads."""
        stats = current_stats()
        stats.upstream_calls += 1
        try:
            resp = await self.api.call_api(
                path,
                "POST",
                header_params={"Accept": "application/json", "Content-Type": "application/json"},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=self.timeout,
            )
            try:
                data, status = await resp.read(), resp.status
            finally:
                resp.release()
        except TimeoutError:
            raise ServiceUnavailable("Kubernetes API did not answer in time", what) from None
        except aiohttp.ClientError as exc:
            raise ServiceUnavailable(
                "Kubernetes API unreachable", f"{what}: {connection_failure(exc)}"
            ) from None
        if 200 <= status < 300:
            return data
        raise status_error(status, data, what)
