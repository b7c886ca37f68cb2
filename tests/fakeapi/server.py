"""The fake Kubernetes API server: objects per resource, lists with paging and selectors, Status errors,
forced failures and delays, delegated auth reviews, and the request log (see the package docstring)."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from builders import micro_ts, ts, uid_for
from fakeapi.selectors import (
    BadRequest,
    match_fields,
    match_labels,
    parse_field_selector,
    parse_label_selector,
)
from k8s_agent.demo import demo_cluster_path

DEFAULT_TOKEN = "fake-agent-token"
DEFAULT_USER = "system:serviceaccount:agent:agent"

# (group, plural) -> (kind, version, namespaced)
RESOURCES: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("", "pods"): ("Pod", "v1", True),
    ("", "events"): ("Event", "v1", True),
    ("", "nodes"): ("Node", "v1", False),
    ("", "namespaces"): ("Namespace", "v1", False),
    ("", "persistentvolumeclaims"): ("PersistentVolumeClaim", "v1", True),
    ("", "persistentvolumes"): ("PersistentVolume", "v1", False),
    ("storage.k8s.io", "storageclasses"): ("StorageClass", "v1", False),
    ("storage.k8s.io", "csinodes"): ("CSINode", "v1", False),
    ("storage.k8s.io", "volumeattachments"): ("VolumeAttachment", "v1", False),
    ("storage.k8s.io", "csidrivers"): ("CSIDriver", "v1", False),
    ("storage.k8s.io", "csistoragecapacities"): ("CSIStorageCapacity", "v1", True),
    ("resource.k8s.io", "resourceclaims"): ("ResourceClaim", "v1", True),
    ("resource.k8s.io", "resourceslices"): ("ResourceSlice", "v1", False),
    ("resource.k8s.io", "deviceclasses"): ("DeviceClass", "v1", False),
    ("", "services"): ("Service", "v1", True),
    ("", "configmaps"): ("ConfigMap", "v1", True),
    ("", "resourcequotas"): ("ResourceQuota", "v1", True),
    ("", "limitranges"): ("LimitRange", "v1", True),
    ("policy", "poddisruptionbudgets"): ("PodDisruptionBudget", "v1", True),
    ("apps", "replicasets"): ("ReplicaSet", "v1", True),
    ("apps", "deployments"): ("Deployment", "v1", True),
    ("apps", "statefulsets"): ("StatefulSet", "v1", True),
    ("apps", "daemonsets"): ("DaemonSet", "v1", True),
    ("apps", "controllerrevisions"): ("ControllerRevision", "v1", True),
    ("batch", "jobs"): ("Job", "v1", True),
    ("batch", "cronjobs"): ("CronJob", "v1", True),
    ("metrics.k8s.io", "nodes"): ("NodeMetrics", "v1beta1", False),
    ("metrics.k8s.io", "pods"): ("PodMetrics", "v1beta1", True),
}
_BY_KIND: dict[tuple[str, str], tuple[str, str]] = {
    (kind, group): (group, plural) for (group, plural), (kind, _v, _n) in RESOURCES.items()
}

# field selectors the real API server accepts, per resource (metadata.name/namespace work everywhere)
_FIELDS: dict[tuple[str, str], set[str]] = {
    ("", "pods"): {
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    },
    ("", "events"): {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    },
    ("", "nodes"): {"spec.unschedulable"},
    ("", "namespaces"): {"status.phase"},
    ("", "persistentvolumeclaims"): {"status.phase"},
    ("", "persistentvolumes"): {"status.phase"},
    ("apps", "replicasets"): {"status.replicas"},
}

_REASONS = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    409: ("Conflict", "conflict"),
    410: ("Expired", "The provided continue parameter is too old to display a consistent list result."),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    500: ("InternalError", "Internal error occurred: injected failure"),
    502: ("", "bad gateway"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted"),
}


# ------------------------------------------------------------------------------------------ records
TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
ACCESS_REVIEW_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


@dataclass
class RequestRecord:
    """One request the fake received (appended when it arrives; ``status`` is set when it is answered)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    verb: str = ""  # get | list | version | other
    group: str = ""
    resource: str = ""  # plural, e.g. "pods"; "" for non-resource paths
    namespace: str = ""
    name: str = ""
    status: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def authorization(self) -> str:
        return self.headers.get("Authorization", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "verb": self.verb,
            "group": self.group,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "status": self.status,
        }


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    method: str | None
    seconds: float = 0.0
    status: int = 0
    message: str | None = None
    times: int | None = None  # None = every matching request

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.times is not None and self.times <= 0:
            return False
        return self.pattern.search(path) is not None


# ------------------------------------------------------------------------------------------ the server
class FakeKubeAPI:
    def __init__(
        self,
        *,
        token: str | None = DEFAULT_TOKEN,
        user: str = DEFAULT_USER,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        #: bearer token required from clients (None: any or no Authorization header is accepted)
        self.token = token
        #: the identity named in 403 messages
        self.user = user
        #: False: every metrics.k8s.io path answers 404 like a cluster without metrics-server
        self.metrics_api = True
        #: delegated auth: bearer token -> user info (TokenReview), and the grants SubjectAccessReview allows
        self.users: dict[str, dict] = {}
        self.grants: set[tuple[str, str, str, str, str]] = set()
        #: cap every page at this many items, below the client's limit (None: honour limit only)
        self.page_size: int | None = None
        self.host = host
        self._port = port
        self._lock = threading.RLock()
        self._objects: dict[tuple[str, str], dict[tuple[str, str], dict]] = {}
        self._rv = 1000
        self._compacted_rv = 0  # continue tokens of an older resourceVersion are 410 Expired
        #: called with each list request after its page is answered (e.g. to :meth:`compact` between pages)
        self.on_list: Callable[[RequestRecord], None] | None = None
        self._delays: list[_Rule] = []
        self._failures: list[_Rule] = []
        self._log: list[RequestRecord] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopped = threading.Event()
        # watches: every change as (resourceVersion, type, (group, plural), object); a watch from a
        # resourceVersion below ``_compacted`` is answered 410 Gone (an ERROR event), like etcd after
        # compaction; ``close_watches`` ends the open watches cleanly, ``drop_watches`` cuts their connections
        self._changes: list[tuple[int, str, tuple[str, str], dict]] = []
        self._compacted = 0
        self._watch_generation = 0
        self._drop_generation = 0
        #: seconds between BOOKMARK events on a watch that asked for them
        self.bookmark_interval = 0.5
        self.open_watches = 0

    # ------------------------------------------------------------------------------ lifecycle
    def start(self) -> FakeKubeAPI:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port))
        sock.listen(512)
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                errors.append(exc)
                ready.set()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                if self._runner is not None:
                    loop.run_until_complete(self._runner.cleanup())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()
                self._stopped.set()

        self._thread = threading.Thread(target=run, name=f"fake-kube-api:{self._port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeKubeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeKubeAPI:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._port}"

    def write_kubeconfig(
        self, path: str | Path, *, token: str | None = None, namespace: str = "default"
    ) -> Path:
        """A kubeconfig whose current context points at this server with a bearer-token user."""
        path = Path(path)
        tok = token if token is not None else (self.token or DEFAULT_TOKEN)
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "agent", "user": {"token": tok}}],
            "contexts": [
                {"name": "fake", "context": {"cluster": "fake", "user": "agent", "namespace": namespace}}
            ],
            "current-context": "fake",
            "preferences": {},
        }
        path.write_text(json.dumps(doc, indent=2))  # JSON is YAML
        return path

    # ------------------------------------------------------------------------------ objects
    def add(self, *objects: dict) -> None:
        """Store raw objects (each needs ``kind`` and ``apiVersion``; ``metadata.name``): created, or
        replaced (a watch sees ADDED or MODIFIED, with a new resourceVersion)."""
        with self._lock:
            for obj in objects:
                key = _resource_of(obj)
                md = obj.setdefault("metadata", {})
                self._rv += 1
                md["resourceVersion"] = str(self._rv)
                md.setdefault("uid", uid_for(f"{obj['kind']}/{md.get('namespace', '')}/{md['name']}"))
                ns = md.get("namespace", "") if RESOURCES[key][2] else ""
                store = self._objects.setdefault(key, {})
                typ = "MODIFIED" if (ns, md["name"]) in store else "ADDED"
                store[(ns, md["name"])] = obj
                self._changes.append((self._rv, typ, key, obj))

    def remove(self, kind: str, name: str, namespace: str = "", group: str | None = None) -> None:
        with self._lock:
            for (g, plural), objs in self._objects.items():
                if RESOURCES[(g, plural)][0] == kind and (group is None or g == group):
                    obj = objs.pop((namespace if RESOURCES[(g, plural)][2] else "", name), None)
                    if obj is not None:
                        self._rv += 1
                        gone = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(self._rv)}}
                        self._changes.append((self._rv, "DELETED", (g, plural), gone))

    # ------------------------------------------------------------------------------ watches
    def compact(self) -> None:
        """Compact the history like etcd (kube-apiserver asks for it every 5 minutes): a watch from an older
        resourceVersion gets 410 Gone, and every continue token issued so far is 410 Expired (the revision
        moves on, so a list started after the compaction pages normally)."""
        with self._lock:
            self._compacted = self._rv
            self._changes.clear()
            self._rv += 1
            self._compacted_rv = self._rv

    def close_watches(self) -> None:
        """End every open watch as the server does at its timeoutSeconds (a clean end of the stream)."""
        with self._lock:
            self._watch_generation += 1

    def drop_watches(self) -> None:
        """Cut every open watch's connection (no clean end: the client sees a broken stream)."""
        with self._lock:
            self._drop_generation += 1

    async def _watch(
        self, request: web.Request, rec: RequestRecord, generations: tuple[int, int]
    ) -> web.StreamResponse:
        key = (rec.group, rec.resource)
        try:
            fsel = parse_field_selector(rec.query.get("fieldSelector", ""), _FIELDS.get(key, set()))
            lsel = parse_label_selector(rec.query.get("labelSelector", ""))
            since = int(rec.query.get("resourceVersion") or 0)
            timeout = float(rec.query.get("timeoutSeconds") or 1800)
        except (BadRequest, ValueError) as exc:
            return self._status(400, str(exc))
        bookmarks = rec.query.get("allowWatchBookmarks") in ("true", "1")
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        loop = asyncio.get_running_loop()
        gen, drop = generations
        with self._lock:
            too_old = bool(since) and since < self._compacted
        if too_old:
            status = json.loads(
                self._status(410, f"too old resource version: {since} ({self._compacted})").body
            )
            await resp.write(json.dumps({"type": "ERROR", "object": status}).encode() + b"\n")
            await resp.write_eof()
            return resp
        end = loop.time() + timeout
        last_bookmark = loop.time()
        sent = since
        self.open_watches += 1
        try:
            while True:
                with self._lock:
                    changes = [c for c in self._changes if c[0] > sent]
                    closing = self._watch_generation != gen
                    dropping = self._drop_generation != drop
                    rv = self._rv
                if dropping:
                    if request.transport is not None:
                        request.transport.abort()
                    return resp
                for crv, typ, ckey, obj in changes:
                    sent = crv
                    if ckey != key:
                        continue
                    if rec.namespace and obj["metadata"].get("namespace") != rec.namespace:
                        continue
                    if not (match_fields(obj, fsel) and match_labels(obj, lsel)):
                        continue
                    await resp.write(json.dumps({"type": typ, "object": obj}).encode() + b"\n")
                sent = max(sent, rv)
                now = loop.time()
                if closing or now >= end:
                    break
                if bookmarks and now - last_bookmark >= self.bookmark_interval:
                    last_bookmark = now
                    mark = {"kind": RESOURCES[key][0], "metadata": {"resourceVersion": str(rv)}}
                    await resp.write(json.dumps({"type": "BOOKMARK", "object": mark}).encode() + b"\n")
                await asyncio.sleep(0.02)
        finally:
            self.open_watches -= 1
        await resp.write_eof()
        return resp

    def clear_objects(self) -> None:
        with self._lock:
            self._objects.clear()
            self._changes.clear()
            self._compacted = self._rv

    def objects(self, resource: str, group: str = "") -> list[dict]:
        """Copies of the stored objects, in the order a list serves them (etcd key order)."""
        with self._lock:
            objs = self._objects.get((group, resource), {})
            return [copy.deepcopy(objs[k]) for k in sorted(objs, key=lambda k: f"{k[0]}/{k[1]}".encode())]

    def load_dump(self, path: str | Path, *, shift: bool = True) -> int:
        """Load kubectl ``List`` files, typed lists (``PodList`` from ``cluster-info dump``) and single
        objects from a JSON file or a directory of ``*.json`` files. Returns the number of objects added.

        With ``shift`` and a ``meta.json`` holding ``capturedAt`` (the bundled demo), every timestamp is
        moved by ``now - capturedAt``, as the snapshot source does, so the cluster looks captured just now."""
        path = Path(path)
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        delta = None
        meta = (path if path.is_dir() else path.parent) / "meta.json"
        if shift and meta.is_file():
            info = json.loads(meta.read_text())
            if info.get("capturedAt") and info.get("shiftTimestamps", True):
                delta = datetime.now(UTC) - datetime.fromisoformat(info["capturedAt"].replace("Z", "+00:00"))
        n = 0
        for f in files:
            for doc in _json_documents(f.read_text(encoding="utf-8")):
                objs = [_shift(o, delta) if delta is not None else o for o in _objects_of(doc)]
                self.add(*objs)
                n += len(objs)
        return n

    def load_demo(self) -> int:
        """Load the bundled demo cluster (the agent's package data); returns the number of objects."""
        return self.load_dump(demo_cluster_path())

    # ------------------------------------------------------------------------------ controls
    def delay(
        self, pattern: str, seconds: float, *, method: str | None = "GET", times: int | None = None
    ) -> None:
        """Answer requests whose path matches ``pattern`` (``re.search``) ``seconds`` later."""
        with self._lock:
            self._delays.append(_Rule(re.compile(pattern), method, seconds=seconds, times=times))

    def fail(
        self,
        pattern: str,
        status: int,
        *,
        message: str | None = None,
        method: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer requests whose path matches ``pattern`` with ``status`` and a real-looking Status body."""
        with self._lock:
            self._failures.append(
                _Rule(re.compile(pattern), method, status=status, message=message, times=times)
            )

    def reset_controls(self) -> None:
        with self._lock:
            self._delays.clear()
            self._failures.clear()
            self.metrics_api = True
            self.page_size = None
            self.on_list = None

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def reset(self) -> None:
        self.reset_controls()
        self.reset_log()

    def settle(self, quiet: float = 0.1, timeout: float = 2.0) -> None:
        """Wait until no request has arrived for ``quiet`` seconds: a read an earlier test's request started
        and then cancelled (its sibling failed) may reach this server after that test's answer."""
        end = time.monotonic() + timeout
        seen = len(self.requests)
        while time.monotonic() < end:
            time.sleep(quiet)
            now = len(self.requests)
            if now == seen:
                return
            seen = now

    # ------------------------------------------------------------------------------ request log
    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def requests_for(
        self,
        verb: str | None = None,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        group: str | None = None,
    ) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if (verb is None or r.verb == verb)
            and (resource is None or r.resource == resource)
            and (namespace is None or r.namespace == namespace)
            and (name is None or r.name == name)
            and (group is None or r.group == group)
        ]

    @property
    def caused_requests(self) -> list[RequestRecord]:
        """The log without the agent's background traffic: the readiness loop's /version reads, the
        cluster index's watch streams, which reconnect on their own schedule (a server-side timeout, a
        bookmark gap) whatever a test's client is doing, and the metrics.k8s.io lists of the refresher, which
        re-reads them every CACHE_TTL for the all-nodes answer it prepares when the index has synced (and keeps
        30 s unasked)."""
        return [
            r
            for r in self.requests
            if r.verb not in ("version", "watch") and not (r.group == "metrics.k8s.io" and r.verb == "list")
        ]

    def count(self, verb: str | None = None, resource: str | None = None, **kw: str) -> int:
        return len(self.requests_for(verb, resource, **kw))

    @property
    def counters(self) -> Counter[str]:
        """Requests per ``"<verb> <resource>"`` (``"get pods"``, ``"list events"``, ``"version "``)."""
        c: Counter[str] = Counter()
        for r in self.requests:
            res = f"{r.resource}.{r.group}" if r.group else r.resource
            c[f"{r.verb} {res}".strip()] += 1
        return c

    # ------------------------------------------------------------------------------ HTTP
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_fake/"):
            return await self._control(request)
        rec = RequestRecord(
            method=request.method,
            path=path,
            query={k: v for k, v in request.query.items()},
            headers={k: v for k, v in request.headers.items()},
        )
        _classify(rec)
        with self._lock:
            self._log.append(rec)
            # a watch belongs to the close/drop generation of its arrival: one seen in the log before
            # close_watches()/drop_watches() is ended by it, even if its handler had not started streaming
            generations = (self._watch_generation, self._drop_generation)
            delay = 0.0
            for rule in self._delays:
                if rule.matches(rec.method, path):
                    delay = max(delay, rule.seconds)
                    if rule.times is not None:
                        rule.times -= 1
        try:
            if delay:
                await asyncio.sleep(delay)
            if rec.method == "POST" and rec.path in (TOKEN_REVIEW_PATH, ACCESS_REVIEW_PATH):
                resp = self._review(rec, await request.json())
            elif rec.verb == "watch" and rec.method == "GET" and (rec.group, rec.resource) in RESOURCES:
                resp = self._respond(request, rec)  # auth and injected failures first
                if resp.status == 299:
                    resp = await self._watch(request, rec, generations)
            else:
                resp = self._respond(request, rec)
        except asyncio.CancelledError:
            rec.status = 499  # the client went away (nginx's "client closed request")
            rec.finished = time.monotonic()
            raise
        rec.status = resp.status
        rec.finished = time.monotonic()
        return resp

    # ------------------------------------------------------------------------------ delegated auth
    def add_user(self, token: str, username: str, groups: tuple[str, ...] = (), uid: str = "") -> None:
        """A bearer token the TokenReview endpoint authenticates as ``username``."""
        with self._lock:
            self.users[token] = {
                "username": username,
                "uid": uid or uid_for(username),
                "groups": list(groups),
            }

    def allow(self, username: str, verb: str, resource: str, namespace: str = "", group: str = "") -> None:
        """Let SubjectAccessReview allow ``verb resource`` in ``namespace`` ("" = cluster-wide) for ``username``."""
        with self._lock:
            self.grants.add((username, verb, group, resource, namespace))

    def _review(self, rec: RequestRecord, body: dict) -> web.Response:
        if self.token is not None and rec.authorization != f"Bearer {self.token}":
            return self._status(401, "Unauthorized")
        with self._lock:
            for rule in self._failures:
                if rule.matches(rec.method, rec.path):
                    return self._forced(rule, rec)
            spec = body.get("spec", {})
            if rec.path == TOKEN_REVIEW_PATH:
                user = self.users.get(spec.get("token", ""))
                status = {"authenticated": True, "user": user} if user else {"error": "invalid bearer token"}
            else:
                a = spec.get("resourceAttributes", {})
                grant = (spec.get("user", ""), a.get("verb", ""), a.get("group", ""), a.get("resource", ""))
                ns = a.get("namespace", "")
                allowed = (*grant, ns) in self.grants or (*grant, "") in self.grants
                status = {"allowed": allowed} | ({} if allowed else {"reason": "no RBAC policy matched"})
        return _json(
            {"apiVersion": body.get("apiVersion"), "kind": body.get("kind"), "spec": spec, "status": status},
            201,
        )

    def _respond(self, request: web.Request, rec: RequestRecord) -> web.Response:
        if self.token is not None and rec.authorization != f"Bearer {self.token}":
            return self._status(401, "Unauthorized")
        with self._lock:
            for rule in self._failures:
                if rule.matches(rec.method, rec.path):
                    if rule.times is not None:
                        rule.times -= 1
                    return self._forced(rule, rec)
        if rec.verb == "version":
            return _json(
                {
                    "major": "1",
                    "minor": "33",
                    "gitVersion": "v1.33.0-fake",
                    "gitCommit": "0000000000000000000000000000000000000000",
                    "gitTreeState": "clean",
                    "buildDate": "2025-01-01T00:00:00Z",
                    "goVersion": "go1.24.0",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                }
            )
        if rec.group == "metrics.k8s.io" and not self.metrics_api:
            return self._not_served()
        if not rec.resource or (rec.group, rec.resource) not in RESOURCES:
            return self._not_served()
        kind, version, namespaced = RESOURCES[(rec.group, rec.resource)]
        if rec.namespace and not namespaced:
            return self._not_served()
        if rec.method != "GET":
            return self._status(405)
        if rec.query.get("watch") in ("true", "1"):
            return web.Response(status=299)  # to be served by _watch
        if rec.verb == "get":
            if namespaced and not rec.namespace:
                return self._not_served()
            with self._lock:
                obj = self._objects.get((rec.group, rec.resource), {}).get((rec.namespace, rec.name))
                body = json.dumps(obj).encode() if obj is not None else None
            if body is None:
                return self._status(
                    404,
                    f'{_qualified(rec.group, rec.resource)} "{rec.name}" not found',
                    details={
                        "name": rec.name,
                        "kind": rec.resource,
                        **({"group": rec.group} if rec.group else {}),
                    },
                )
            return web.Response(body=body, content_type="application/json")
        return self._list(rec, kind, version)

    def _list(self, rec: RequestRecord, kind: str, version: str) -> web.Response:
        """A list in kube-apiserver's order, etcd key order (``<namespace>/<name>`` compared as bytes, so
        ``kube-system/x`` comes before ``kube/x``), paged with continue tokens that resume right after the
        last key served. A token older than the last :meth:`compact` is 410 Expired, as after an etcd
        compaction."""
        key = (rec.group, rec.resource)
        try:
            fsel = parse_field_selector(rec.query.get("fieldSelector", ""), _FIELDS.get(key, set()))
            lsel = parse_label_selector(rec.query.get("labelSelector", ""))
            limit = int(rec.query.get("limit") or 0)
            start, token_rv = _decode_continue(rec.query.get("continue", ""))
        except BadRequest as exc:
            return self._status(400, str(exc))
        except ValueError:
            return self._status(400, f"invalid limit: {rec.query.get('limit')!r}")
        # the key under the list's prefix: "<ns>/<name>" across namespaces, "<name>" in one or cluster-wide
        rel = (lambda k: k[1]) if rec.namespace or not RESOURCES[key][2] else (lambda k: f"{k[0]}/{k[1]}")
        with self._lock:
            if start is not None and 0 < token_rv < self._compacted_rv:
                return self._expired(start)
            rv = str(token_rv if start is not None and token_rv > 0 else self._rv)
            items = sorted(
                (
                    (rel(k), o)
                    for k, o in self._objects.get(key, {}).items()
                    if not rec.namespace or k[0] == rec.namespace
                ),
                key=lambda ko: ko[0].encode(),
            )
            items = [(k, o) for k, o in items if match_fields(o, fsel) and match_labels(o, lsel)]
            if start is not None:
                items = [(k, o) for k, o in items if k.encode() > start.encode()]
            cap = limit if limit > 0 else None
            if self.page_size is not None:
                cap = self.page_size if cap is None else min(cap, self.page_size)
            page, rest = (items[:cap], items[cap:]) if cap is not None else (items, [])
            out = []
            for _, obj in page:
                item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
                out.append(item)
            body_items = json.dumps(out)
        meta: dict[str, Any] = {"resourceVersion": rv}
        if rest:
            meta["continue"] = _encode_continue(page[-1][0], int(rv))
            if not rec.query.get("fieldSelector") and not rec.query.get("labelSelector"):
                meta["remainingItemCount"] = len(rest)
        api_version = f"{rec.group}/{version}" if rec.group else version
        head = json.dumps({"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta})
        body = head[:-1] + ',"items":' + body_items + "}"
        if self.on_list is not None:
            self.on_list(rec)
        return web.Response(body=body.encode(), content_type="application/json")

    def _expired(self, start: str) -> web.Response:
        """kube-apiserver's answer to a continue token whose resourceVersion etcd has compacted away: 410
        Expired, with a token that continues at the latest version (rv -1) if the client accepts that."""
        resp = self._status(410, _CONTINUE_EXPIRED)
        doc = json.loads(resp.body)
        doc["metadata"] = {"continue": _encode_continue(start, -1)}
        resp.body = json.dumps(doc).encode()
        return resp

    def _forced(self, rule: _Rule, rec: RequestRecord) -> web.Response:
        status = rule.status
        if status == 403 and rule.message is None:
            return self._status(403, _forbidden_message(self.user, rec), details=_details(rec))
        if status == 404 and rule.message is None and rec.name:
            return self._status(
                404, f'{_qualified(rec.group, rec.resource)} "{rec.name}" not found', details=_details(rec)
            )
        if status == 404 and rule.message is None:
            return self._not_served()
        if status == 200:  # a 2xx whose body is not the Kubernetes shape (a captive proxy's page, a cut body)
            return web.Response(
                status=200, text=rule.message or "<html>sign in</html>", content_type="text/html"
            )
        if status == 502 and rule.message is None:  # a proxy in front of the API server: not a Status body
            return web.Response(
                status=502,
                text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                content_type="text/html",
            )
        return self._status(status, rule.message)

    @staticmethod
    def _status(code: int, message: str | None = None, *, details: dict | None = None) -> web.Response:
        reason, default = _REASONS.get(code, ("", f"HTTP {code}"))
        doc: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message if message is not None else default,
            "reason": reason,
        }
        if details:
            doc["details"] = details
        elif code == 500:
            doc["details"] = {"causes": [{"message": "injected failure"}]}
        doc["code"] = code
        headers = {"Retry-After": "1"} if code in (429, 503) else None
        return web.Response(
            status=code, body=json.dumps(doc).encode(), content_type="application/json", headers=headers
        )

    def _not_served(self) -> web.Response:
        return self._status(
            404,
            "the server could not find the requested resource",
            details={"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]},
        )

    # ------------------------------------------------------------------------------ /_fake/ controls (HTTP)
    async def _control(self, request: web.Request) -> web.Response:
        what = request.path[len("/_fake/") :]
        if what == "stats":
            return _json({"requests": len(self.requests), "counters": dict(self.counters)})
        if what == "log":
            return _json([r.to_dict() for r in self.requests])
        body = await request.json() if request.can_read_body else {}
        if what == "reset":
            self.reset_log() if body.get("log_only") else self.reset()
            return _json({"ok": True})
        if what == "delay":
            self.delay(body["pattern"], float(body["seconds"]), method=body.get("method", "GET"))
            return _json({"ok": True})
        if what == "fail":
            self.fail(body["pattern"], int(body["status"]), message=body.get("message"))
            return _json({"ok": True})
        if what == "add":
            self.add(*body["objects"])
            return _json({"ok": True})
        return web.Response(status=404, text="unknown control")


# ------------------------------------------------------------------------------------------ helpers
def _json(doc: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(doc).encode(), content_type="application/json")


def _qualified(group: str, plural: str) -> str:
    return f"{plural}.{group}" if group else plural


def _details(rec: RequestRecord) -> dict:
    d: dict[str, str] = {"kind": rec.resource}
    if rec.name:
        d["name"] = rec.name
    if rec.group:
        d["group"] = rec.group
    return d


def _forbidden_message(user: str, rec: RequestRecord) -> str:
    what = _qualified(rec.group, rec.resource) if rec.resource else rec.path
    subject = f'{what} "{rec.name}"' if rec.name else what
    if not rec.resource:
        return f'forbidden: User "{user}" cannot get path "{rec.path}"'
    where = f'in the namespace "{rec.namespace}"' if rec.namespace else "at the cluster scope"
    return (
        f'{subject} is forbidden: User "{user}" cannot {rec.verb or "get"} resource "{rec.resource}" '
        f'in API group "{rec.group}" {where}'
    )


def _resource_of(obj: dict) -> tuple[str, str]:
    api_version = obj.get("apiVersion", "v1")
    group = api_version.split("/")[0] if "/" in api_version else ""
    key = _BY_KIND.get((obj["kind"], group))
    if key is None:
        raise KeyError(f"the fake API does not serve kind {obj['kind']!r} ({api_version})")
    return key


_PATH_RE = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+)(?=/[^/]+))?(?:/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?)?/?$"
)


def _classify(rec: RequestRecord) -> None:
    """Fill verb/group/resource/namespace/name from the path (like the API server's RequestInfo)."""
    if rec.path == "/version":
        rec.verb = "version"
        return
    m = _PATH_RE.match(rec.path)
    if not m or not m["plural"]:
        rec.verb = "other"
        return
    rec.group = m["group"] or ""
    rec.resource, rec.name, rec.namespace = m["plural"], m["name"] or "", m["ns"] or ""
    rec.verb = "get" if rec.name else "list"
    if rec.query.get("watch") in ("true", "1"):
        rec.verb = "watch"


def _json_documents(text: str) -> list[Any]:
    docs, dec, i = [], json.JSONDecoder(), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)


_TS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$")


def _shift(obj: Any, delta: timedelta) -> Any:
    """Every RFC3339 UTC timestamp in ``obj`` moved by ``delta`` (the epoch placeholder is kept)."""
    if isinstance(obj, dict):
        return {k: _shift(v, delta) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shift(v, delta) for v in obj]
    if isinstance(obj, str):
        m = _TS_RE.match(obj)
        if m and not obj.startswith("1970-01-01"):
            t = datetime.fromisoformat(obj.replace("Z", "+00:00")) + delta
            return micro_ts(t) if m[2] else ts(t)
    return obj


def _objects_of(doc: Any) -> Iterable[dict]:
    if not isinstance(doc, dict) or "kind" not in doc:
        return  # e.g. meta.json
    kind = doc["kind"]
    if kind == "List" or (kind.endswith("List") and "items" in doc):
        item_kind = kind[: -len("List")] if kind != "List" else None
        for item in doc.get("items") or []:
            item = dict(item)
            if item_kind is not None:
                item.setdefault("kind", item_kind)
                item.setdefault("apiVersion", doc.get("apiVersion", "v1"))
            if (
                item.get("kind"),
                (item.get("apiVersion", "v1").split("/")[0] if "/" in item.get("apiVersion", "v1") else ""),
            ) in _BY_KIND:
                yield item
        return
    group = doc.get("apiVersion", "v1").split("/")[0] if "/" in doc.get("apiVersion", "v1") else ""
    if (kind, group) in _BY_KIND:
        yield doc


# ---- continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"} like the real server
_CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
    "that were created, modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list."
)


def _encode_continue(last_key: str, rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": last_key + "\x00"})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[str | None, int]:
    """(the last key served, the token's resourceVersion); (None, 0) without a token."""
    if not token:
        return None, 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
        if doc.get("v") != "meta.k8s.io/v1" or not isinstance(doc.get("rv"), int):
            raise ValueError
        return doc["start"].rstrip("\x00"), doc["rv"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        ) from None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for servers that need a port up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
