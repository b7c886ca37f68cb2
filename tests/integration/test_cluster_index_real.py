"""The cluster index against a real kube-apiserver (+ etcd + kube-scheduler).

The agent (one worker, the chart's identity and environment) reaches the API server through a counting
proxy in this process, which records every request (so LISTs can be counted) and can end the open watch
streams cleanly, as the API server does when a watch's ``timeoutSeconds`` is up.

* the first cluster-wide request is a 503 with the progress, then answers come from the index;
* nodes and pods created, changed and deleted show in ``/cluster/pod-issues``, ``/nodes/utilization`` and a
  pending pod's ``/scheduling`` within 2 s (polled until then: a bound on correctness, not a measurement);
* 30 s of polling after the sync makes no LIST of the indexed collections (pods, nodes, ReplicaSets, events
  and the five controller kinds; the issue's duration);
* watches the server ends are renewed from their resourceVersion, without a LIST, and changes keep coming.

``CACHE_TTL`` is 500 ms here (the chart's 2 s response cache would by itself use up the 2 s bound).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass

import pytest
from aiohttp import ClientSession, ClientTimeout, web
from cluster_builder import AgentProcess
from controlplane import requires_control_plane, wait_for

pytestmark = requires_control_plane

NS = "index-e2e"
NODE = "index-node-1"
BOUND = 2.0  # seconds: every change must be visible within this (polled, never slept)
API = "/api/v1"


# ------------------------------------------------------------------------------------------ the proxy
@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]


class CountingProxy:
    """HTTP in, HTTPS to the API server; streams answers through (watches included)."""

    def __init__(self, upstream: str, ssl_context) -> None:
        self.upstream = upstream
        self.ssl = ssl_context
        self.seen: list[Seen] = []
        #: path -> seconds to hold that path's requests (a slow LIST)
        self.delays: dict[str, float] = {}
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._close: asyncio.Event | None = None
        self._ready = threading.Event()

    def start(self) -> CountingProxy:
        threading.Thread(target=self._run, daemon=True, name="counting-proxy").start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        loop.run_until_complete(self._serve())
        self._ready.set()
        loop.run_forever()

    async def _serve(self) -> None:
        self._close = asyncio.Event()
        self.session = ClientSession(timeout=ClientTimeout(total=None, sock_connect=10))
        app = web.Application(client_max_size=16 << 20)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close_watches(self) -> None:
        """End every open stream cleanly (the chunked body's end, as at a watch's timeoutSeconds)."""
        assert self._loop is not None

        def close() -> None:
            assert self._close is not None
            self._close.set()
            self._close = asyncio.Event()

        self._loop.call_soon_threadsafe(close)

    def lists(self, *resources: str) -> list[Seen]:
        """Cluster-wide LISTs (no watch) of the given plural resources."""
        return [
            s
            for s in self.seen
            if s.method == "GET"
            and s.query.get("watch") not in ("1", "true")
            and s.path.rsplit("/", 1)[-1] in resources
            and s.path.startswith(("/api/v1/", "/apis/apps/v1/", "/apis/batch/v1/"))  # not metrics.k8s.io
            and "/namespaces/" not in s.path
        ]

    def watches(self, resource: str) -> list[Seen]:
        return [
            s for s in self.seen if s.query.get("watch") in ("1", "true") and s.path.endswith("/" + resource)
        ]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path, dict(request.query)))
        if request.path in self.delays and request.query.get("watch") not in ("1", "true"):
            await asyncio.sleep(self.delays[request.path])
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "accept", "content-type", "user-agent")
        }
        body = await request.read()
        closing = self._close
        assert closing is not None
        async with self.session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=body or None,
            ssl=self.ssl,
        ) as up:
            resp = web.StreamResponse(
                status=up.status, headers={"Content-Type": up.headers.get("Content-Type", "application/json")}
            )
            await resp.prepare(request)
            closed = asyncio.ensure_future(closing.wait())
            try:
                while True:
                    read = asyncio.ensure_future(up.content.readany())
                    read.add_done_callback(lambda t: t.cancelled() or t.exception())
                    done, _ = await asyncio.wait({read, closed}, return_when=asyncio.FIRST_COMPLETED)
                    if read not in done:
                        read.cancel()
                        break
                    chunk = read.result()
                    if not chunk:
                        break
                    await resp.write(chunk)
            finally:
                closed.cancel()
            await resp.write_eof()
            return resp


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def proxy(control_plane):
    return CountingProxy(control_plane.server, control_plane.ssl_context()).start()


def _agent(agent_identity, proxy, tmp_path_factory, name: str) -> AgentProcess:
    kubeconfig = tmp_path_factory.mktemp(name) / "config"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "p", "cluster": {"server": proxy.url}}],
                "users": [{"name": "agent", "user": {"token": agent_identity.token}}],
                "contexts": [{"name": "p", "context": {"cluster": "p", "user": "agent"}}],
                "current-context": "p",
            }
        )
    )
    env = {**agent_identity.chart_env(), "REQUEST_DEADLINE": "5s", "CACHE_TTL": "500ms"}
    return AgentProcess(str(kubeconfig), workers=1, env=env, name=name).start()


@pytest.fixture(scope="module")
def agent(control_plane, agent_identity, proxy, tmp_path_factory):
    control_plane.create_namespace(NS)
    control_plane.create_node(NODE, cpu="2", memory="4Gi")
    # a pending pod no scheduler picks up (its node evaluation is what /scheduling shows)
    control_plane.api(
        "POST",
        f"/api/v1/namespaces/{NS}/pods",
        pod_manifest("waiting", cpu="1500m", scheduler="no-such-scheduler"),
    )
    proc = _agent(agent_identity, proxy, tmp_path_factory, "index")
    yield proc
    proc.cleanup()


@pytest.fixture
def fresh_agent(control_plane, agent_identity, proxy, tmp_path_factory):
    """An agent whose index nothing has started yet."""
    proc = _agent(agent_identity, proxy, tmp_path_factory, "index-first")
    yield proc
    proc.cleanup()


def data(agent: AgentProcess, path: str) -> dict:
    r = agent.get(path)
    assert r.status == 200, (path, r.status, r.body)
    return r.body["data"]


def within_bound(agent: AgentProcess, path: str, check, what: str):
    """Poll ``path`` until ``check(data)`` holds; fail if that takes longer than BOUND seconds."""
    start = time.monotonic()
    while True:
        r = agent.get(path)
        if r.status == 200 and check(r.body["data"]):
            return r.body["data"]
        if time.monotonic() - start > BOUND:
            raise AssertionError(f"{what}: not visible within {BOUND}s; last {r.status}: {str(r.body)[:400]}")
        time.sleep(0.05)


def pod_manifest(
    name: str, *, node: str = "", cpu: str = "100m", scheduler: str = "default-scheduler"
) -> dict:
    spec: dict = {
        "schedulerName": scheduler,
        "containers": [
            {"name": "app", "image": "registry.k8s.io/pause:3.10", "resources": {"requests": {"cpu": cpu}}}
        ],
    }
    if node:
        spec["nodeName"] = node
    else:
        spec["nodeSelector"] = {"kubernetes.io/hostname": NODE}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "labels": {"app": name, "pod-template-hash": "5d8f7c9b6"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{name}-5d8f7c9b6",
                    "controller": True,
                    "uid": "00000000-0000-0000-0000-000000000001",
                }
            ],
        },
        "spec": spec,
    }


def set_status(cp, name: str, *, crash: bool) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    state = (
        {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}}
        if crash
        else {"running": {"startedAt": now}}
    )
    status = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "False" if crash else "True", "lastTransitionTime": now}],
        "containerStatuses": [
            {
                "name": "app",
                "ready": not crash,
                "restartCount": 3 if crash else 0,
                "image": "registry.k8s.io/pause:3.10",
                "imageID": "",
                "state": state,
                "lastState": {},
            }
        ],
    }
    cp.api("PATCH", f"/api/v1/namespaces/{NS}/pods/{name}/status", {"status": status})


# ------------------------------------------------------------------------------------------ tests
def test_first_request_is_503_with_progress_then_the_index_answers(fresh_agent, proxy):
    agent = fresh_agent
    # a pods LIST slower than the wait a request grants a first sync (half its 5 s deadline here)
    proxy.delays["/api/v1/pods"] = 4.0
    try:
        r = agent.get(f"{API}/cluster/pod-issues")  # starts the sync, waits 2.5 s for it, then answers
    finally:
        proxy.delays.clear()
    assert r.status == 503, r.body
    err = r.body["error"]
    assert err["code"] == "SERVICE_UNAVAILABLE" and err["message"] == "Cluster index is syncing"
    assert "pods:" in err["details"] and "nodes:" in err["details"]
    assert int(r.headers.get("Retry-After", "0")) >= 1
    assert agent.get("/readyz").status == 200  # readiness does not wait for the index
    wait_for(lambda: agent.get(f"{API}/cluster/pod-issues").status == 200, 30, 0.1, "first sync")


def test_changes_show_within_two_seconds(agent, control_plane):
    cp = control_plane
    wait_for(lambda: agent.get(f"{API}/nodes/utilization").status == 200, 30, 0.1, "first sync")

    def node_entry(d: dict, name: str = NODE) -> dict | None:
        return next((n for n in d["nodes"] if n["nodeName"] == name), None)

    # a node created, then deleted
    cp.create_node("index-node-2", cpu="4", memory="8Gi")
    within_bound(agent, f"{API}/nodes/utilization", lambda d: node_entry(d, "index-node-2"), "new node")
    cp.api("DELETE", "/api/v1/nodes/index-node-2")
    within_bound(
        agent, f"{API}/nodes/utilization", lambda d: node_entry(d, "index-node-2") is None, "node deleted"
    )

    # the pending pod's node evaluation follows the pods bound to the node
    sched = f"{API}/pods/{NS}/waiting/scheduling"

    def fits(d: dict) -> bool | None:
        """Whether NODE can take the pending pod (None: the answer has no node evaluation)."""
        if any("could not be read" in w for w in d["warnings"]):
            return None
        return all(n["nodeName"] != NODE for n in d["unschedulableNodes"])

    within_bound(agent, sched, lambda d: fits(d) is True, "node fits the pending pod")

    # a pod bound to the node: podCount and requests, then the pending pod no longer fits there
    base = node_entry(data(agent, f"{API}/nodes/utilization"))
    assert base is not None
    cp.api("POST", f"/api/v1/namespaces/{NS}/pods", pod_manifest("busy", node=NODE, cpu="1"))
    within_bound(
        agent,
        f"{API}/nodes/utilization",
        lambda d: (
            node_entry(d)["podCount"] == base["podCount"] + 1
            and node_entry(d)["allocated"]["cpu"]["requestsValue"]
            == base["allocated"]["cpu"]["requestsValue"] + 1000
        ),
        "bound pod counted on its node",
    )
    within_bound(agent, sched, lambda d: fits(d) is False, "node full for the pending pod")
    [full] = [n for n in data(agent, sched)["unschedulableNodes"] if n["nodeName"] == NODE]
    assert any("cpu" in r for r in full["insufficientResources"]), full

    # the bound pod crash-loops: a pod issue; then recovers: gone from the issues
    def issue_types(d: dict) -> list[str]:
        return [i["type"] for p in d["problematicPods"] if p["name"] == "busy" for i in p["issues"]]

    issues = f"{API}/cluster/pod-issues?namespace={NS}"
    set_status(cp, "busy", crash=True)
    within_bound(agent, issues, lambda d: "CrashLoopBackOff" in issue_types(d), "CrashLoopBackOff")
    set_status(cp, "busy", crash=False)
    within_bound(agent, issues, lambda d: issue_types(d) == [], "recovered")

    # deleted: its node is free again for the pending pod
    cp.api("DELETE", f"/api/v1/namespaces/{NS}/pods/busy", query={"gracePeriodSeconds": 0})
    within_bound(
        agent,
        f"{API}/nodes/utilization",
        lambda d: node_entry(d)["podCount"] == base["podCount"],
        "pod deleted",
    )
    within_bound(agent, sched, lambda d: fits(d) is True, "node free again")


#: what the index keeps, so what polling must never LIST (the controllers: the cluster summary's states)
INDEXED = (
    "pods",
    "nodes",
    "replicasets",
    "events",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
)


def test_thirty_seconds_of_polling_after_the_sync_make_no_list(agent, proxy):
    wait_for(lambda: agent.get(f"{API}/cluster/pod-issues").status == 200, 30, 0.1, "first sync")
    # every collection was readable with the chart's role (an unreadable one would be named in warnings)
    # and is watched
    assert data(agent, f"{API}/cluster/pod-issues")["warnings"] == []
    for resource in INDEXED:
        assert proxy.watches(resource), f"no watch of {resource}"
    mark = len(proxy.seen)
    end = time.monotonic() + 30
    polls = 0
    while time.monotonic() < end:
        for path in (
            f"{API}/cluster/pod-issues",
            f"{API}/nodes/utilization",
            f"{API}/pods/{NS}/waiting/scheduling",
        ):
            assert agent.get(path).status == 200, path
            polls += 1
        time.sleep(1)
    after = proxy.seen[mark:]
    lists = CountingProxy.lists(_Log(after), *INDEXED)
    assert polls >= 60 and lists == [], lists


def test_a_watch_the_server_ends_is_renewed_without_a_list(agent, proxy, control_plane):
    wait_for(lambda: agent.get(f"{API}/cluster/pod-issues").status == 200, 30, 0.1, "first sync")
    before = len(proxy.watches("pods"))
    mark = len(proxy.seen)
    proxy.close_watches()
    wait_for(lambda: len(proxy.watches("pods")) > before, 10, 0.05, "a renewed pods watch")
    renewed = proxy.watches("pods")[-1]
    assert int(renewed.query["resourceVersion"]) > 0 and renewed.query["allowWatchBookmarks"] == "true"
    control_plane.api("POST", f"/api/v1/namespaces/{NS}/pods", pod_manifest("after-renewal", node=NODE))
    within_bound(
        agent,
        f"{API}/cluster/pod-issues?namespace={NS}&includeAll=true",
        lambda d: d["totalPods"] >= 2,
        "a pod created after the renewal",
    )
    assert CountingProxy.lists(_Log(proxy.seen[mark:]), *INDEXED) == []


class _Log:
    """A slice of the proxy's log, for its ``lists`` filter."""

    def __init__(self, seen: list[Seen]) -> None:
        self.seen = seen
