"""LiveSource against a server that speaks the Kubernetes REST API (tests/fakeapi.py).

Proves the transport the agent uses in a cluster: kubeconfig loading and the bearer token, raw GETs decoded
by msgspec, the query parameters sent (field selectors, limit/continue paging), and the mapping of every
upstream failure (404, 401/403, 5xx, a non-Status error page, connection refused, a server that never
answers) onto the agent's error family.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time

import pytest

from builders import api_pod
from corpus import DEMO
from fakeapi import DEFAULT_TOKEN, DEFAULT_USER, FakeKubeAPI, builtin_cluster, free_port
from k8s_agent.errors import (
    MetricsUnavailable,
    NotFound,
    ServiceUnavailable,
    UpstreamForbidden,
)
from k8s_agent.kube.live import PAGE_SIZE, USER_AGENT, LiveSource
from k8s_agent.kube.source import pod_events_selector

CRASH = "api-crashloop"


@pytest.fixture(scope="module")
def fake():
    with FakeKubeAPI() as f:
        f.add(*builtin_cluster())
        yield f


@pytest.fixture(autouse=True)
def _clean(fake):
    fake.reset()
    yield
    fake.reset()


@pytest.fixture(scope="module")
def kubeconfig(fake, tmp_path_factory):
    return str(fake.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config"))


def run(kubeconfig: str, body, *, timeout: float = 5.0):
    """Connect a LiveSource, run ``body(source)``, close it; all in a fresh event loop."""

    async def main():
        src = await LiveSource.connect(kubeconfig=kubeconfig, timeout=timeout)
        try:
            return await body(src)
        finally:
            await src.close()

    return asyncio.run(main())


def expect(kubeconfig: str, body, exc_type, *, timeout: float = 5.0):
    async def call(src):
        with pytest.raises(exc_type) as info:
            await body(src)
        return info.value

    return run(kubeconfig, call, timeout=timeout)


# ------------------------------------------------------------------------------------------ reads
def test_connect_and_get_pod_decodes_the_raw_object(fake, kubeconfig):
    pod = run(kubeconfig, lambda s: s.get_pod("demo", CRASH))
    assert pod.metadata.name == CRASH and pod.metadata.namespace == "demo"
    assert pod.spec.node_name == "node-a"
    assert pod.status.pod_ip.startswith("10.244.")  # podIP: an explicitly named acronym field
    cs = pod.status.container_statuses[0]
    assert cs.restart_count == 7 and cs.state.waiting.reason == "CrashLoopBackOff"
    assert cs.last_state.terminated.exit_code == 1
    assert cs.image_id.startswith("docker.io/library/example/api@sha256:")
    [req] = fake.requests_for("get", "pods")
    assert req.path == f"/api/v1/namespaces/demo/pods/{CRASH}"
    assert req.authorization == f"Bearer {DEFAULT_TOKEN}"
    assert req.headers.get("User-Agent") == USER_AGENT
    assert req.headers.get("Accept") == "application/json"


def test_description_names_the_server(fake, kubeconfig):
    desc = run(kubeconfig, lambda s: asyncio.sleep(0, s.description))
    assert fake.url in desc and "kubeconfig" in desc


def test_events_read_sends_the_involved_object_field_selector(fake, kubeconfig):
    events = run(kubeconfig, lambda s: s.list_events("demo", field_selector=pod_events_selector(CRASH)))
    [req] = fake.requests_for("list", "events")
    assert req.path == "/api/v1/namespaces/demo/events"
    assert req.query["fieldSelector"] == f"involvedObject.kind=Pod,involvedObject.name={CRASH}"
    assert req.query["limit"] == str(PAGE_SIZE)
    assert req.authorization == f"Bearer {DEFAULT_TOKEN}"
    # only the crash-looping pod's events, evaluated by the server; both event shapes decode
    assert events and {e.involved_object.name for e in events} == {CRASH}
    by_reason = {e.reason: e for e in events}
    backoff = by_reason["BackOff"]  # classic shape
    assert backoff.count == 42 and backoff.last_timestamp is not None and backoff.event_time is None
    unhealthy = by_reason["Unhealthy"]  # events.k8s.io shape: series, no count, null lastTimestamp
    assert unhealthy.count is None and unhealthy.last_timestamp is None
    assert unhealthy.series is not None and unhealthy.series.count == 15 and unhealthy.event_time is not None
    scheduled = by_reason["Scheduled"]
    assert scheduled.reporting_component == "default-scheduler" and scheduled.series is None


def test_all_namespaces_event_list_uses_the_cluster_path(fake, kubeconfig):
    events = run(kubeconfig, lambda s: s.list_events(None, field_selector="type=Warning"))
    [req] = fake.requests_for("list", "events")
    assert req.path == "/api/v1/events" and req.query["fieldSelector"] == "type=Warning"
    assert events and all(e.type == "Warning" for e in events)


def test_other_reads_decode(fake, kubeconfig):
    async def body(s):
        return (
            await s.get_node("node-b"),
            await s.list_nodes(),
            await s.get_namespace("demo"),
            await s.list_replicasets("demo"),
            await s.list_replicasets(None),
            await s.get_pvc("demo", "web-data"),
            await s.get_pv("pvc-0a1b2c3d"),
            await s.list_pods("demo", label_selector="app=web"),
            await s.list_pods(None, field_selector="spec.nodeName=node-b"),
        )

    node, nodes, ns, rss, all_rss, pvc, pv, web, on_b = run(kubeconfig, body)
    assert node.status.allocatable["cpu"] == "2" and node.spec.pod_cidr == "10.244.0.0/24"
    assert {n.metadata.name for n in nodes} == {"node-a", "node-b"}
    assert ns.metadata.name == "demo"
    assert [r.metadata.name for r in rss] == ["web-6d4cf56db6"] and len(all_rss) == 1
    assert rss[0].metadata.owner_references[0].kind == "Deployment"
    assert pvc.spec.volume_name == "pvc-0a1b2c3d" and pv.spec.claim_ref.name == "web-data"
    assert len(web) == 2 and all(p.metadata.labels["app"] == "web" for p in web)
    assert [p.metadata.name for p in on_b] == ["web-6d4cf56db6-q9w4z"]
    paths = [r.path for r in fake.requests]
    assert "/apis/apps/v1/namespaces/demo/replicasets" in paths and "/apis/apps/v1/replicasets" in paths
    assert "/api/v1/persistentvolumes/pvc-0a1b2c3d" in paths
    assert "/api/v1/namespaces/demo/persistentvolumeclaims/web-data" in paths


def test_storage_reads_of_the_scheduling_filters_decode(fake, kubeconfig):
    fake.add(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "local-wffc"},
            "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowedTopologies": [{"matchLabelExpressions": [{"key": "zone", "values": ["a"]}]}],
        },
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSINode",
            "metadata": {"name": "node-a"},
            "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": "i-1", "allocatable": {"count": 25}}]},
        },
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "VolumeAttachment",
            "metadata": {"name": "csi-1"},
            "spec": {
                "attacher": "ebs.csi.aws.com",
                "nodeName": "node-a",
                "source": {"persistentVolumeName": "pv-1"},
            },
        },
    )

    async def body(s):
        return (
            await s.get_storage_class("local-wffc"),
            await s.list_pvs(),
            await s.list_pvcs(),
            await s.list_csinodes(),
            await s.list_volumeattachments(),
        )

    sc, pvs, pvcs, csinodes, vas = run(kubeconfig, body)
    assert sc.volume_binding_mode == "WaitForFirstConsumer" and sc.allowed_topologies[
        0
    ].match_label_expressions[0].values == ["a"]
    assert "pvc-0a1b2c3d" in {p.metadata.name for p in pvs}
    assert ("demo", "web-data") in {(c.metadata.namespace, c.metadata.name) for c in pvcs}
    assert [(d.name, d.node_id, d.allocatable.count) for d in csinodes[0].spec.drivers] == [
        ("ebs.csi.aws.com", "i-1", 25)
    ]
    assert (vas[0].spec.node_name, vas[0].spec.source.persistent_volume_name) == ("node-a", "pv-1")
    paths = [r.path for r in fake.requests]
    assert "/apis/storage.k8s.io/v1/storageclasses/local-wffc" in paths
    assert (
        "/apis/storage.k8s.io/v1/csinodes" in paths and "/apis/storage.k8s.io/v1/volumeattachments" in paths
    )


def test_dra_and_storage_capacity_reads_decode(fake, kubeconfig):
    fake.add(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIDriver",
            "metadata": {"name": "ebs.csi.aws.com"},
            "spec": {"attachRequired": True, "storageCapacity": True},
        },
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIStorageCapacity",
            "metadata": {"name": "csisc-1", "namespace": "kube-system"},
            "storageClassName": "gp3",
            "nodeTopology": {"matchLabels": {"topology.kubernetes.io/zone": "a"}},
            "capacity": "100Gi",
            "maximumVolumeSize": "16Ti",
        },
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "DeviceClass",
            "metadata": {"name": "gpu.example.com"},
            "spec": {"selectors": [{"cel": {"expression": 'device.driver == "gpu.example.com"'}}]},
        },
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "ResourceSlice",
            "metadata": {"name": "node-a-gpu"},
            "spec": {
                "driver": "gpu.example.com",
                "nodeName": "node-a",
                "pool": {"name": "node-a", "generation": 3, "resourceSliceCount": 1},
                "devices": [
                    {
                        "name": "gpu-0",
                        "attributes": {"model": {"string": "a100"}},
                        "capacity": {"memory": {"value": "40Gi"}},
                    }
                ],
            },
        },
        {
            "apiVersion": "resource.k8s.io/v1",
            "kind": "ResourceClaim",
            "metadata": {"name": "gpu", "namespace": "demo"},
            "spec": {
                "devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu.example.com"}}]}
            },
            "status": {
                "allocation": {
                    "devices": {
                        "results": [
                            {
                                "request": "gpu",
                                "driver": "gpu.example.com",
                                "pool": "node-a",
                                "device": "gpu-0",
                            }
                        ]
                    }
                }
            },
        },
    )

    async def body(s):
        return (
            await s.get_csidriver("ebs.csi.aws.com"),
            await s.list_csistoragecapacities(),
            await s.list_deviceclasses(),
            await s.list_resourceslices(),
            await s.list_resourceclaims(),
        )

    driver, caps, classes, slices, claims = run(kubeconfig, body)
    assert driver.spec.storage_capacity is True
    assert (caps[0].storage_class_name, caps[0].capacity, caps[0].maximum_volume_size) == (
        "gp3",
        "100Gi",
        "16Ti",
    )
    assert caps[0].node_topology.match_labels == {"topology.kubernetes.io/zone": "a"}
    assert classes[0].spec.selectors[0].cel.expression == 'device.driver == "gpu.example.com"'
    s0 = slices[0].spec
    assert (s0.node_name, s0.pool.generation, s0.devices[0].capacity["memory"].value) == ("node-a", 3, "40Gi")
    assert s0.devices[0].attributes["model"].string_value == "a100"
    assert claims[0].status.allocation.devices.results[0].device == "gpu-0"
    paths = [r.path for r in fake.requests]
    for path in (
        "/apis/storage.k8s.io/v1/csidrivers/ebs.csi.aws.com",
        "/apis/storage.k8s.io/v1/csistoragecapacities",
        "/apis/resource.k8s.io/v1/deviceclasses",
        "/apis/resource.k8s.io/v1/resourceslices",
        "/apis/resource.k8s.io/v1/resourceclaims",
    ):
        assert path in paths


def test_check_ready_reads_version(fake, kubeconfig):
    run(kubeconfig, lambda s: s.check_ready())
    assert [r.verb for r in fake.requests] == ["version"]


# ------------------------------------------------------------------------------------------ paging
@pytest.fixture(scope="module")
def many_pods(fake):
    n = 1234
    fake.add(*(api_pod(f"p-{i:05d}", "many", node="node-a") for i in range(n)))
    yield n
    for i in range(n):
        fake.remove("Pod", f"p-{i:05d}", "many")


def test_paging_follows_continue_across_limit_sized_pages(fake, kubeconfig, many_pods):
    pods = run(kubeconfig, lambda s: s.list_pods("many"))
    names = [p.metadata.name for p in pods]
    assert len(names) == many_pods and len(set(names)) == many_pods
    reqs = fake.requests_for("list", "pods")
    assert len(reqs) == -(-many_pods // PAGE_SIZE)  # 3 pages of at most 500
    assert all(r.query["limit"] == str(PAGE_SIZE) for r in reqs)
    assert "continue" not in reqs[0].query and all(r.query.get("continue") for r in reqs[1:])


def test_paging_with_a_server_that_returns_small_pages(fake, kubeconfig, many_pods):
    fake.page_size = 100  # the server may return fewer items than limit, with a continue token
    pods = run(kubeconfig, lambda s: s.list_pods("many"))
    assert sorted(p.metadata.name for p in pods) == [f"p-{i:05d}" for i in range(many_pods)]
    assert fake.count("list", "pods") == -(-many_pods // 100)


def test_paging_keeps_the_selector_on_every_page(fake, kubeconfig):
    fake.page_size = 1
    events = run(kubeconfig, lambda s: s.list_events("demo", field_selector=pod_events_selector(CRASH)))
    reqs = fake.requests_for("list", "events")
    assert len(events) == 5 and len(reqs) == 5
    assert all(r.query["fieldSelector"] == pod_events_selector(CRASH) for r in reqs)


# namespaces whose names share a prefix: etcd orders keys "<ns>/<name>" as bytes, so "kube-public/…" and
# "kube-system/…" come before "kube/…" ('-' < '/'), and "kubeflow/…" after it ('/' < 'f')
PREFIX_NAMESPACES = ("kube", "kube-system", "kube-public", "kubeflow")


@pytest.fixture
def prefix_fake(tmp_path):
    """A fake of its own holding 7 pods in each of the namespaces sharing the ``kube`` prefix."""
    with FakeKubeAPI() as f:
        f.add(*(api_pod(f"p-{i}", ns, node="node-a") for ns in PREFIX_NAMESPACES for i in range(7)))
        yield f, str(f.write_kubeconfig(tmp_path / "config"))


def _wire_order(fake) -> list[tuple[str, str]]:
    return [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in fake.objects("pods")]


def test_paging_across_namespaces_that_share_a_prefix_returns_every_pod_once_in_etcd_order(prefix_fake):
    fake, kubeconfig = prefix_fake
    fake.page_size = 3  # page boundaries fall inside and between the namespaces
    pods = run(kubeconfig, lambda s: s.list_pods(None))
    got = [(p.metadata.namespace, p.metadata.name) for p in pods]
    expected = sorted(
        ((ns, f"p-{i}") for ns in PREFIX_NAMESPACES for i in range(7)), key=lambda k: "/".join(k)
    )
    assert got == expected  # each pod once, in kube-apiserver's order
    assert [ns for ns, _ in got[::7]] == ["kube-public", "kube-system", "kube", "kubeflow"]
    assert fake.count("list", "pods") == -(-len(expected) // 3)


def test_a_namespaced_list_pages_by_name_within_the_namespace(prefix_fake):
    fake, kubeconfig = prefix_fake
    fake.page_size = 2
    pods = run(kubeconfig, lambda s: s.list_pods("kube"))
    assert [p.metadata.name for p in pods] == [f"p-{i}" for i in range(7)]
    assert fake.count("list", "pods") == 4


def test_an_expired_continue_token_is_410_expired_like_kube_apiserver(prefix_fake):
    import base64
    import json
    import urllib.error
    import urllib.request

    fake, _ = prefix_fake
    fake.page_size = 5
    auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    url = f"{fake.url}/api/v1/pods?limit=5"
    with urllib.request.urlopen(urllib.request.Request(url, headers=auth)) as r:
        token = json.loads(r.read())["metadata"]["continue"]
    fake.compact()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(urllib.request.Request(f"{url}&continue={token}", headers=auth))
    status = json.loads(err.value.read())
    assert err.value.code == 410
    assert (status["kind"], status["status"], status["reason"], status["code"]) == (
        "Status",
        "Failure",
        "Expired",
        410,
    )
    assert status["message"].startswith(
        "The provided continue parameter is too old to display a consistent list"
    )
    # a token that goes on at the latest version (rv -1), as the real server sends (tests/integration/test_paging_real.py)
    token = status["metadata"]["continue"]
    assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["rv"] == -1


def test_a_continue_token_that_expires_between_pages_restarts_the_list_once(prefix_fake):
    fake, kubeconfig = prefix_fake
    fake.page_size = 10
    compacted = []

    def compact_after_the_first_page(rec):
        if not compacted and "continue" not in rec.query:
            compacted.append(rec)
            fake.compact()

    fake.on_list = compact_after_the_first_page
    pods = run(kubeconfig, lambda s: s.list_pods(None))
    assert [(p.metadata.namespace, p.metadata.name) for p in pods] == _wire_order(fake)
    statuses = [(r.status, "continue" in r.query) for r in fake.requests_for("list", "pods")]
    assert statuses == [(200, False), (410, True), (200, False), (200, True), (200, True)]


def test_a_list_that_expires_again_after_its_restart_is_service_unavailable(prefix_fake):
    fake, kubeconfig = prefix_fake
    fake.page_size = 10
    fake.on_list = lambda rec: (
        fake.compact() if "continue" not in rec.query else None
    )  # after every first page
    with pytest.raises(ServiceUnavailable) as err:
        run(kubeconfig, lambda s: s.list_pods(None))
    assert "HTTP 410" in err.value.details and "too old" in err.value.details
    assert [r.status for r in fake.requests_for("list", "pods")] == [200, 410, 200, 410]


# ------------------------------------------------------------------------------------------ errors
def test_404_is_not_found_naming_the_pod(fake, kubeconfig):
    err = expect(kubeconfig, lambda s: s.get_pod("demo", "no-such-pod"), NotFound)
    assert err.status == 404 and err.code == "RESOURCE_NOT_FOUND"
    assert (err.kind, err.name, err.namespace) == ("Pod", "no-such-pod", "demo")
    assert "no-such-pod" in err.details and "demo" in err.details
    [req] = fake.requests_for("get", "pods")
    assert req.status == 404


def test_404_for_other_kinds_names_them(fake, kubeconfig):
    assert expect(kubeconfig, lambda s: s.get_node("nope"), NotFound).kind == "Node"
    assert expect(kubeconfig, lambda s: s.get_namespace("nope"), NotFound).kind == "Namespace"
    assert expect(kubeconfig, lambda s: s.get_pvc("demo", "nope"), NotFound).kind == "PersistentVolumeClaim"


def test_403_is_upstream_forbidden_naming_the_missing_permission(fake, kubeconfig):
    fake.fail(rf"/pods/{CRASH}$", 403)
    err = expect(kubeconfig, lambda s: s.get_pod("demo", CRASH), UpstreamForbidden)
    assert err.status == 503 and err.code == "SERVICE_UNAVAILABLE"
    assert 'cannot get resource "pods"' in err.details
    assert 'in the namespace "demo"' in err.details and DEFAULT_USER in err.details
    assert "403" in err.details


def test_403_on_a_list_names_the_list_permission(fake, kubeconfig):
    fake.fail(r"/events$", 403)
    err = expect(
        kubeconfig, lambda s: s.list_events("demo", field_selector="type=Warning"), UpstreamForbidden
    )
    assert 'cannot list resource "events"' in err.details and "list events" in err.details


def test_401_wrong_token_is_upstream_forbidden(fake, tmp_path):
    kc = str(fake.write_kubeconfig(tmp_path / "bad", token="not-the-token"))
    err = expect(kc, lambda s: s.get_pod("demo", CRASH), UpstreamForbidden)
    assert "401" in err.details
    assert fake.requests[-1].authorization == "Bearer not-the-token"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_5xx_and_throttling_are_service_unavailable(fake, kubeconfig, status):
    fake.fail(rf"/pods/{CRASH}$", status)
    err = expect(kubeconfig, lambda s: s.get_pod("demo", CRASH), ServiceUnavailable)
    assert type(err) is ServiceUnavailable  # neither NotFound nor UpstreamForbidden
    assert err.status == 503 and f"HTTP {status}" in err.details


def test_non_status_error_page_is_service_unavailable(fake, kubeconfig):
    fake.fail(rf"/pods/{CRASH}$", 502)  # an HTML page from a proxy, not a metav1.Status
    err = expect(kubeconfig, lambda s: s.get_pod("demo", CRASH), ServiceUnavailable)
    assert "HTTP 502" in err.details and "Bad Gateway" in err.details


def test_addresses_in_an_api_error_are_not_passed_on(fake, kubeconfig):
    fake.fail(
        rf"/pods/{CRASH}$",
        500,
        message="rpc error: code = Unavailable desc = dial tcp 10.96.0.12:2379: connect: connection refused "
        "(https://etcd-0.etcd.kube-system.svc:2379/health)",
    )
    err = expect(kubeconfig, lambda s: s.get_pod("demo", CRASH), ServiceUnavailable)
    assert "HTTP 500" in err.details and "connection refused" in err.details
    assert "10.96.0.12" not in err.details and "etcd-0" not in err.details and "2379" not in err.details


def test_connection_refused_is_service_unavailable(tmp_path):
    dead = FakeKubeAPI(port=free_port())
    kc = str(dead.write_kubeconfig(tmp_path / "dead"))  # nothing listens there
    t0 = time.monotonic()
    err = expect(kc, lambda s: s.get_pod("demo", CRASH), ServiceUnavailable)
    assert time.monotonic() - t0 < 5
    assert err.status == 503 and "unreachable" in err.message.lower()
    # what failed, in words; not the API server's address nor the library's raw message
    assert err.details == "get pods: cannot connect to the API server"
    assert "127.0.0.1" not in str(err) and str(dead.port) not in str(err)


def test_hanging_server_is_cut_by_the_per_call_timeout(fake, kubeconfig):
    fake.delay(rf"/pods/{CRASH}$", 10.0)
    t0 = time.monotonic()
    err = expect(kubeconfig, lambda s: s.get_pod("demo", CRASH), ServiceUnavailable, timeout=0.3)
    elapsed = time.monotonic() - t0
    assert elapsed < 3.0, elapsed  # bounded by K8S_TIMEOUT (0.3 s), not by the 10 s the server takes
    assert "0.3" in err.details


def test_hanging_list_body_is_cut_too(fake, kubeconfig):
    fake.delay(r"/events$", 10.0)
    t0 = time.monotonic()
    expect(kubeconfig, lambda s: s.list_events("demo"), ServiceUnavailable, timeout=0.3)
    assert time.monotonic() - t0 < 3.0


def test_metrics_api_present_absent_and_missing_sample(fake, kubeconfig):
    metrics = run(kubeconfig, lambda s: s.list_node_metrics())
    assert {m.metadata.name: m.usage["cpu"] for m in metrics} == {"node-a": "812345678n", "node-b": "1500m"}
    assert run(kubeconfig, lambda s: s.get_node_metrics("node-b")).usage["memory"] == "7000Mi"
    err = expect(kubeconfig, lambda s: s.get_node_metrics("node-zz"), NotFound)
    assert "node-zz" in err.details  # the API exists, this node has no sample
    fake.metrics_api = False
    err = expect(kubeconfig, lambda s: s.list_node_metrics(), MetricsUnavailable)
    assert "metrics-server" in err.details
    err = expect(kubeconfig, lambda s: s.get_node_metrics("node-a"), MetricsUnavailable)
    assert "metrics-server" in err.details


# ------------------------------------------------------------------------------------------ the fake itself
def test_fake_rejects_unsupported_field_selectors_like_the_api_server(fake):
    import httpx

    r = httpx.get(
        f"{fake.url}/api/v1/namespaces/demo/pods",
        params={"fieldSelector": "spec.bogus=1"},
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
    )
    assert r.status_code == 400
    assert r.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "field label not supported: spec.bogus",
        "reason": "BadRequest",
        "code": 400,
    }
    r = httpx.get(
        f"{fake.url}/api/v1/namespaces/demo/pods", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    )
    doc = r.json()
    assert doc["kind"] == "PodList" and doc["apiVersion"] == "v1" and "kind" not in doc["items"][0]
    r = httpx.get(
        f"{fake.url}/api/v1/namespaces/demo/pods/x", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    )
    assert (
        r.status_code == 404
        and r.json()["message"] == 'pods "x" not found'
        and r.json()["reason"] == "NotFound"
    )


# ------------------------------------------------------------------------------------------ the demo dump
def test_demo_dump_served_live_reads_like_the_snapshot_source(tmp_path):
    """The bundled dump served by the fake API and read through LiveSource gives the same pods, statuses,
    per-pod events (server-side field selector) and nodes as the SnapshotSource reading the files."""
    from k8s_agent.analysis.podstatus import kubectl_status
    from k8s_agent.kube.snapshot import SnapshotSource

    with FakeKubeAPI() as demo:
        assert demo.load_demo() > 0
        kc = str(demo.write_kubeconfig(tmp_path / "demo"))
        snap = SnapshotSource(DEMO)

        async def compare(live):
            live_pods = await live.list_pods(None)
            snap_pods = await snap.list_pods(None)
            key = lambda p: (p.metadata.namespace, p.metadata.name)  # noqa: E731
            assert sorted(map(key, live_pods)) == sorted(map(key, snap_pods))
            snap_by = {key(p): p for p in snap_pods}
            for p in live_pods:
                assert kubectl_status(p) == kubectl_status(snap_by[key(p)]), key(p)
                sel = pod_events_selector(p.metadata.name)
                live_ev = await live.list_events(p.metadata.namespace, field_selector=sel)
                snap_ev = await snap.list_events(p.metadata.namespace, field_selector=sel)
                assert sorted((e.reason, e.type, e.message) for e in live_ev) == sorted(
                    (e.reason, e.type, e.message) for e in snap_ev
                ), key(p)
            assert sorted(n.metadata.name for n in await live.list_nodes()) == sorted(
                n.metadata.name for n in await snap.list_nodes()
            )
            return len(live_pods)

        assert run(kc, compare) > 0


def test_node_metrics_404_from_the_api_server_itself_means_no_metrics_api(fake, kubeconfig):
    """A real kube-apiserver without the metrics APIService answers a plain-text '404 page not found'; only
    metrics-server's own NotFound Status means "no sample for this node"."""
    import asyncio as _asyncio

    from k8s_agent.errors import MetricsUnavailable, NotFound
    from k8s_agent.kube.live import LiveSource

    async def main():
        src = await LiveSource.connect(kubeconfig=str(kubeconfig), timeout=5)
        try:
            fake.fail(r"/apis/metrics.k8s.io/v1beta1/nodes/node-a$", 404, message="404 page not found")
            try:
                await src.get_node_metrics("node-a")
            except MetricsUnavailable as exc:
                unavailable = exc
            fake.reset_controls()
            fake.fail(
                r"/apis/metrics.k8s.io/v1beta1/nodes/node-a$",
                404,
                message='nodemetrics.metrics.k8s.io "node-a" not found',
            )
            try:
                await src.get_node_metrics("node-a")
            except NotFound as exc:
                missing = exc
            return unavailable, missing
        finally:
            fake.reset_controls()
            await src.close()

    unavailable, missing = _asyncio.run(main())
    assert "metrics-server" in unavailable.details
    assert "no sample" in missing.details


def test_an_answer_that_is_not_the_kubernetes_shape_is_service_unavailable(fake, kubeconfig):
    import asyncio as _asyncio

    from k8s_agent.errors import ServiceUnavailable
    from k8s_agent.kube.live import LiveSource

    async def main():
        src = await LiveSource.connect(kubeconfig=str(kubeconfig), timeout=5)
        errors = []
        try:
            fake.fail(r"/pods/api-crashloop$", 200)
            fake.fail(r"/api/v1/nodes$", 200, message='{"items": [{"metadata": {"name": 42}}]}')
            for call in (src.get_pod("demo", "api-crashloop"), src.list_nodes()):
                try:
                    await call
                except ServiceUnavailable as exc:
                    errors.append(exc)
        finally:
            fake.reset_controls()
            await src.close()
        return errors

    errors = _asyncio.run(main())
    assert len(errors) == 2
    assert all(e.message == "Kubernetes API sent an unreadable answer" for e in errors)
    assert errors[0].details.startswith("get pods:") and errors[1].details.startswith("list nodes:")


# ------------------------------------------------------------------------------------------ stale keep-alive
class DroppingServer:
    """A bare HTTP/1.1 server that answers the first ``answered`` requests of each connection (keeping it alive)
    and closes the connection on the next one without a word: what a pooled keep-alive connection looks like
    after the API server or a load balancer in front of it dropped it. ``answered=0`` drops every request."""

    def __init__(self, answered: int) -> None:
        self.answered = answered
        self.requests: list[tuple[int, int]] = []  # (connection number, request number on it)
        self.body = json.dumps(api_pod(CRASH, "demo")).encode()
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        conns = itertools.count(1)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = next(conns)
            for n in itertools.count(1):
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                self.requests.append((conn, n))
                if n > self.answered:
                    writer.transport.abort()  # reset, no answer
                    return
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                    + f"Content-Length: {len(self.body)}\r\n\r\n".encode()
                    + self.body
                )
                await writer.drain()

        async def main() -> None:
            self._server = await asyncio.start_server(handle, "127.0.0.1", self.port)
            self._ready.set()

        self._loop.run_until_complete(main())
        self._loop.run_forever()

    def __enter__(self) -> DroppingServer:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def kubeconfig(self, path) -> str:
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
            "users": [{"name": "u", "user": {"token": DEFAULT_TOKEN}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "c",
        }
        path.write_text(json.dumps(doc))
        return str(path)


def test_a_stale_keep_alive_connection_is_retried_once_on_a_new_connection(tmp_path):
    with DroppingServer(answered=1) as server:

        async def twice(src):
            first = await src.get_pod("demo", CRASH)
            second = await src.get_pod("demo", CRASH)  # sent on the pooled connection, which dies
            return first, second

        first, second = run(server.kubeconfig(tmp_path / "config"), twice)
    assert first.metadata.name == second.metadata.name == CRASH
    # connection 1 served the first GET and dropped the second; the retry went out on connection 2
    assert server.requests == [(1, 1), (1, 2), (2, 1)]


def test_a_connection_that_dies_again_on_the_retry_is_503_after_exactly_two_sends(tmp_path):
    with DroppingServer(answered=0) as server:
        with pytest.raises(ServiceUnavailable) as err:
            run(server.kubeconfig(tmp_path / "config"), lambda s: s.get_pod("demo", CRASH))
    assert "the API server closed the connection" in err.value.details
    assert server.requests == [(1, 1), (2, 1)]  # one retry, neither the library's nor a second one of ours
