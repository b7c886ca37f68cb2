"""The cluster index seen by a client: the whole app (CLUSTER_SOURCE=live) over HTTP against the fake API.

* the first cluster-wide request starts the index and is answered 503 SERVICE_UNAVAILABLE with the progress
  and a Retry-After header (not a 504 that threw a read away); /readyz does not wait for the index;
* once synced, /cluster/pod-issues, /nodes/utilization and a pending pod's /scheduling are answered from the
  index: polling them makes no cluster-wide LIST of pods, nodes, ReplicaSets, events or controllers
  (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs);
* a change reaches the answers through the watch: a pod's, and a controller's (a Deployment's state in the
  workload summary, a Job that completes and so retires its failed pod);
* /namespace/{ns}/error (its own LISTs) and /cluster/pod-issues (the index) agree on the same pods.
"""

from __future__ import annotations

import pytest
from _support import live_client, spin

from builders import api_event, api_pod, uid_for, workloads
from fakeapi import FakeKubeAPI, builtin_cluster
from k8s_agent.api.handler import default_answers

TTL = 0.2
RS_OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4cf56db6", "controller": True}
ISSUES = "/api/v1/cluster/pod-issues"
MEMORY_ORDER = "/api/v1/nodes/utilization?sort=memory"


@pytest.fixture(scope="module")
def fake():
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        f.bookmark_interval = 0.2
        yield f


def _client(fake, tmp_path_factory, name: str, deadline: str = "500ms"):
    return live_client(
        fake,
        tmp_path_factory.mktemp("kube"),
        name,
        CACHE_TTL=f"{TTL}s",
        REQUEST_DEADLINE=deadline,
        LOG_FORMAT="text",
    )


@pytest.fixture(scope="module")
def client(fake, tmp_path_factory):
    with _client(fake, tmp_path_factory, "k8s-agent-index-http") as c:
        yield c


@pytest.fixture
def fresh_client(fake, tmp_path_factory):
    """An agent of its own, whose index no other test has started."""
    with _client(fake, tmp_path_factory, "k8s-agent-index-first-sync") as c:
        yield c


@pytest.fixture
def patient_client(fake, tmp_path_factory):
    """A fresh agent with a 10 s deadline: a first sync of the small fake cluster fits its 5 s wait even on a
    loaded test machine."""
    with _client(fake, tmp_path_factory, "k8s-agent-index-patient", deadline="10s") as c:
        yield c


def poll_until(client, path: str, check, timeout: float = 5.0):
    """GET ``path`` until ``check(resp)`` holds (a bound on correctness, not a timing measurement)."""
    waited = 0.0
    while True:
        _, resp = client.get(path)
        if check(resp):
            return resp
        if waited > timeout:
            raise AssertionError(f"{path}: condition not reached within {timeout}s; last: {resp.text[:300]}")
        spin(client, 0.05)
        waited += 0.05


def listed(fake, *resources: str) -> int:
    """Cluster-wide LISTs of these resources (a pod's own events stay a short-TTL namespaced read)."""
    return sum(
        1
        for r in fake.requests
        if r.verb == "list"
        and r.resource in resources
        and r.group in ("", "apps", "batch")
        and not r.namespace
    )


#: the collections the index keeps: after its sync, none of them is LISTed again
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


def test_first_sync_is_a_503_with_progress_then_answers_come_from_the_index(fresh_client, fake):
    client = fresh_client
    fake.reset()
    poll_until(client, "/readyz", lambda r: r.status == 200)  # readiness is about the API, not the index
    # a first sync slower than the wait a request grants it (half the deadline): the pods' LIST is slow
    fake.delay(r"^/api/v1/pods$", 1.0)
    _, resp = client.get(ISSUES)
    assert resp.status == 503, resp.text
    err = resp.json["error"]
    assert err["code"] == "SERVICE_UNAVAILABLE" and err["message"] == "Cluster index is syncing"
    assert "listing pods:" in err["details"] and "so far" in err["details"]
    assert int(resp.headers["retry-after"]) >= 1

    _, other = client.get(ISSUES + "?namespace=demo")  # a key asked for during the sync
    assert other.status == 503 and other.json["error"]["message"] == "Cluster index is syncing"

    fake.reset_controls()
    ok = poll_until(client, ISSUES, lambda r: r.status == 200)
    assert ok.json["data"]["totalPods"] == len(fake.objects("pods"))
    # by the time the first answer is let out, the default answers of both refreshed routes and the key
    # asked for during the sync are complete: their first requests are answered from them, at once
    refresher = client.app.ctx.agent.refresher
    defaults = sorted(key for key, _ in default_answers(client.app.ctx.agent))
    assert [k[0] for k in defaults] == ["cluster_pod_issues", "nodes_utilization"]
    prepared = refresher.prepared()
    assert set(defaults) < set(prepared) and len(prepared) == 3 and all(prepared.values()), prepared
    nodes_payload = refresher.peek(defaults[1])
    _, nodes = client.get("/api/v1/nodes/utilization")
    assert nodes.status == 200 and nodes.headers["etag"] == nodes_payload.etag
    _, demo = client.get(ISSUES + "?namespace=demo")
    assert demo.status == 200, demo.text
    assert {p["namespace"] for p in demo.json["data"]["problematicPods"]} == {"demo"}

    # after the sync: polling every index-fed answer lists nothing
    fake.reset_log()
    for _ in range(5):
        for path in (
            ISSUES,
            "/api/v1/cluster/pod-issues?includeAll=true",
            "/api/v1/nodes/utilization",
            "/api/v1/pods/demo/batch-pending/scheduling",
        ):
            _, r = client.get(path)
            assert r.status == 200, r.text
        spin(client, TTL)
    assert fake.requests  # the log records (the watches' bookmarks, metrics), so its silence means something
    assert listed(fake, *INDEXED) == 0, [(r.verb, r.path) for r in fake.requests]


def test_a_first_sync_shorter_than_half_the_deadline_is_waited_for(patient_client, fake):
    fake.reset()
    poll_until(patient_client, "/readyz", lambda r: r.status == 200)
    _, resp = patient_client.get(ISSUES)  # the small cluster syncs within the wait: no 503 at all
    assert resp.status == 200, resp.text
    assert resp.json["data"]["totalPods"] == len(fake.objects("pods"))


def test_a_change_reaches_pod_issues_and_node_utilization(client, fake):
    poll_until(client, ISSUES, lambda r: r.status == 200)
    fake.add(api_pod("web-newcrash", "demo", node="node-b", owner=RS_OWNER, crash_loop=True, cpu="300m"))

    def crashing(r):
        return r.status == 200 and "web-newcrash" in [p["name"] for p in r.json["data"]["problematicPods"]]

    resp = poll_until(client, ISSUES + "?namespace=demo", crashing)
    [entry] = [p for p in resp.json["data"]["problematicPods"] if p["name"] == "web-newcrash"]
    assert [i["type"] for i in entry["issues"]] == ["CrashLoopBackOff"]

    def node_b_pods(r) -> int:
        nodes = {n["nodeName"]: n for n in r.json["data"]["nodes"]}
        return nodes["node-b"]["podCount"]

    def bound_to_node_b() -> int:  # what the fake holds: pods on node-b that still run
        return sum(
            1
            for p in fake.objects("pods")
            if p["spec"].get("nodeName") == "node-b"
            and p["status"].get("phase") not in ("Succeeded", "Failed")
        )

    # the answer that counts the new pod (one made before the watch brought it may still be served)
    count = bound_to_node_b()
    poll_until(client, "/api/v1/nodes/utilization", lambda r: node_b_pods(r) == count)
    fake.remove("Pod", "web-newcrash", "demo")
    poll_until(client, "/api/v1/nodes/utilization", lambda r: node_b_pods(r) == count - 1)
    poll_until(client, ISSUES + "?namespace=demo", lambda r: not crashing(r))


def test_namespace_errors_and_cluster_pod_issues_agree_on_the_same_pods(client, fake):
    poll_until(client, ISSUES, lambda r: r.status == 200)
    crash = api_pod("web-6d4cf56db6-c4ash", "demo", owner=RS_OWNER, crash_loop=True, restarts=9)
    fake.add(crash, api_event(crash, "BackOff", "Back-off restarting failed container app", type="Warning"))
    # the new pod with its event in the cluster answer (kept current in the background: a refresh after the
    # watch brought them), then both answers compared
    poll_until(
        client,
        ISSUES + "?namespace=demo",
        lambda r: any(
            p["name"] == crash["metadata"]["name"] and p["recentEvents"]
            for p in r.json["data"]["problematicPods"]
        ),
    )
    spin(client, TTL)
    _, ns = client.get("/api/v1/namespace/demo/error")
    _, cl = client.get(ISSUES + "?namespace=demo")
    assert ns.status == cl.status == 200
    a, b = ns.json["data"], cl.json["data"]

    def pods(entries):
        return {
            p["name"]: (p["ownerKind"], p["ownerName"], p["status"], p["restartCount"], p["issues"])
            for p in entries
        }

    assert pods(a["problematicPods"]) == pods(b["problematicPods"])
    assert pods(a["problematicPods"])  # the fixture has problems to agree on
    assert a["totalPodsAnalyzed"] == b["podsAnalyzed"]
    assert a["healthyPodsCount"] == b["healthyPods"]


def test_a_controller_change_reaches_the_workload_summary_through_the_watch(client, fake):
    """The controllers are indexed: a Deployment's new state and a Job's completion reach
    /cluster/pod-issues through their watches, and polling lists none of them."""
    poll_until(client, ISSUES, lambda r: r.status == 200)
    web = next(d for d in fake.objects("deployments", "apps") if d["metadata"]["name"] == "web")
    job_uid = uid_for("Job/demo/migrate")
    job_owner = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": "migrate",
        "uid": job_uid,
        "controller": True,
    }
    job = workloads.job("migrate", status={"active": 1, "failed": 1})
    job["metadata"].update(namespace="demo", uid=job_uid)
    fake.add(job, api_pod("migrate-f4il", "demo", phase="Failed", owner=job_owner))
    fake.add(api_pod("web-6d4cf56db6-cr4sh", "demo", owner=RS_OWNER, crash_loop=True, restarts=8))
    fake.reset_log()

    def row(r, kind: str, name: str) -> dict | None:
        rows = r.json["data"]["workloads"] if r.status == 200 else []
        return next((w for w in rows if (w["kind"], w["name"]) == (kind, name)), None)

    # the failed pod and its Job come through two watches: the answer (refreshed in the background) may
    # show the pod's row before the Job's state has arrived ("unknown"); wait for the Job's own state
    resp = poll_until(
        client,
        ISSUES + "?namespace=demo",
        lambda r: (row(r, "Job", "migrate") or {}).get("state") == "progressing",
    )
    assert row(resp, "Deployment", "web")["state"] == "complete"  # its controller says so, one pod fails

    try:
        paused = {**web, "spec": {**web["spec"], "paused": True}}
        fake.add(paused)
        poll_until(
            client,
            ISSUES + "?namespace=demo",
            lambda r: (row(r, "Deployment", "web") or {}).get("state") == "suspended",
        )
        done = workloads.job(
            "migrate",
            status={"succeeded": 1, "failed": 1},
            conditions=[workloads.cond("Complete", "True")],
        )
        done["metadata"].update(namespace="demo", uid=job_uid)
        fake.add(done)

        def retired(r) -> bool:  # a failed pod of a Job that then succeeded was retried: not an issue
            names = [p["name"] for p in r.json["data"]["problematicPods"]] if r.status == 200 else ["?"]
            return "migrate-f4il" not in names

        poll_until(client, ISSUES + "?namespace=demo", retired)
        assert listed(fake, *INDEXED) == 0, [(r.verb, r.path) for r in fake.requests if r.verb == "list"]
    finally:
        fake.add(web)
        fake.remove("Pod", "web-6d4cf56db6-cr4sh", "demo")
        fake.remove("Pod", "migrate-f4il", "demo")
        fake.remove("Job", "migrate", "demo", group="batch")


def test_a_snapshot_index_gives_the_workload_states_the_lists_give():
    """The demo snapshot's index holds the controllers too: /cluster/pod-issues from the index and with
    CLUSTER_INDEX=false (five controller LISTs) show the same workloads in the same states."""
    from _support import client_for

    from corpus import DEMO
    from k8s_agent.kube.snapshot import SnapshotSource

    answers = []
    for indexed in (True, False):
        c = client_for(SnapshotSource(DEMO), cluster_index=indexed)
        c.run()
        try:
            _, resp = c.get(ISSUES)
            assert resp.status == 200, resp.text
            assert (c.app.ctx.agent.index is not None) == indexed
            answers.append(resp.json["data"])
        finally:
            c.stop()
    indexed, listed_ = answers
    assert indexed["workloads"] == listed_["workloads"]
    states = {(w["kind"], w["state"]) for w in indexed["workloads"]}
    assert {"Deployment", "Job"} <= {k for k, _ in states}, states  # the demo's failing workloads
    assert all(s != "unknown" for k, s in states if k in ("Deployment", "StatefulSet", "DaemonSet", "Job")), (
        states
    )

    # the pods too (the demo's timestamps are shifted to each source's load time, so not the texts)
    def pods(d):
        return [(p["name"], p["ownerKind"], p["ownerName"], [i["type"] for i in p["issues"]]) for p in d]

    assert pods(indexed["problematicPods"]) == pods(listed_["problematicPods"])


def test_a_first_answer_slower_than_the_deadline_is_a_503_then_kept_current_and_no_task_outlives_the_worker(
    fake, tmp_path_factory
):
    """A cluster-wide answer is computed in the background: a first request that cannot wait for it gets a
    503 (never a 504) and the retry gets it; later polls are answered from the last complete answer while
    the refreshes run; stopping the worker leaves no refresh running."""
    try:
        with _client(fake, tmp_path_factory, "k8s-agent-index-refresh") as c:
            poll_until(c, ISSUES, lambda r: r.status == 200)  # the index synced
            # the nodes' answer needs the metrics list, now slow: once the background refresh of the default
            # nodes answer (prepared at the sync) is waiting for it, a first request for another order joins
            # that read, which outlasts its deadline
            fake.delay(r"^/apis/metrics.k8s.io/v1beta1/nodes$", 2.0)
            fake.reset_log()
            metrics = "/apis/metrics.k8s.io/v1beta1/nodes"
            while not any(r.path == metrics and r.status is None for r in fake.requests):
                spin(c, 0.02)
            _, first = c.get(MEMORY_ORDER)
            assert first.status == 503, first.text
            assert first.json["error"]["message"] == "Answer being prepared"
            assert first.headers["retry-after"] == "1"
            ok = poll_until(c, MEMORY_ORDER, lambda r: r.status == 200)
            assert ok.json["data"]["nodeCount"] == len(fake.objects("nodes"))
            # the slow metrics list is refreshed in the background: the polls meanwhile are answered at once,
            # with the last complete answer (and its ETag: a poller's If-None-Match is a 304)
            refresher = c.app.ctx.agent.refresher
            done = refresher.refreshes
            for _ in range(12):
                _, r = c.get(MEMORY_ORDER, headers={"If-None-Match": ok.headers["etag"]})
                assert r.status == 304
                spin(c, TTL)
            assert refresher.refreshes > done  # refreshed meanwhile (each waited ~1 s for its metrics list)
            fake.reset_controls()
    finally:
        fake.reset_controls()
    assert refresher.tasks == 0 and len(refresher) == 0
