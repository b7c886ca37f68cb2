"""The workload diagnosis's reads through the live source against the fake Kubernetes API: a controller of
each kind by GET (a 404 names it), lists of controllers in one namespace or all, ControllerRevisions and
ResourceQuotas, decoded from the API's JSON into the agent's Structs; and the diagnosis answered end to end
over them (the Deployment's pods read by its own label selector)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from builders.workloads import (
    controller_revision,
    cronjob,
    daemonset,
    deployment,
    job,
    quota,
    replicaset,
    rs_pod,
    statefulset,
)
from fakeapi import FakeKubeAPI
from k8s_agent.errors import NotFound
from k8s_agent.kube import models as m
from k8s_agent.kube.live import LiveSource
from k8s_agent.services.workloads import diagnosis


def _objects() -> list[dict]:
    good = replicaset("web", "6d4cf56db6", 1, "web:1", replicas=2)
    bad = replicaset("web", "7b9f8c5d4f", 2, "web:2", replicas=1, ready=0)
    sts = statefulset("db", "postgres:16", replicas=1, status={"replicas": 1, "readyReplicas": 1})
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        deployment("web", "web:2", status={"updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2}),
        good,
        bad,
        rs_pod(good, "aaaaa"),
        rs_pod(good, "bbbbb"),
        rs_pod(bad, "ccccc", state="imagepull"),
        # another Deployment's pod in the namespace: not read by the web diagnosis (label selector)
        rs_pod(replicaset("api", "5c5c5c5c5c", 1, "api:1", replicas=1), "ddddd"),
        sts,
        controller_revision("StatefulSet", "db", "7d9f6c5b48", 1, sts["spec"]["template"]),
        daemonset("agent", "agent:1", status={"desiredNumberScheduled": 0}, ns="shop"),
        job("migrate", status={"succeeded": 1}, conditions=[{"type": "Complete", "status": "True"}]),
        cronjob("report", "0 * * * *", status={}),
        quota("compute", {"requests.cpu": "10"}, {"requests.cpu": "4"}),
    ]


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory):
    with FakeKubeAPI() as fake:
        fake.add(*_objects())
        yield str(fake.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")), fake


def run(kubeconfig: str, body):
    async def main():
        src = await LiveSource.connect(kubeconfig=kubeconfig, timeout=5)
        try:
            return await body(src)
        finally:
            await src.close()

    return asyncio.run(main())


def test_every_controller_kind_by_get_and_list(kubeconfig):
    kc, _ = kubeconfig

    async def body(src: LiveSource):
        got = {kind: await src.get_workload(kind, "shop", name) for kind, name in (
            ("Deployment", "web"), ("StatefulSet", "db"), ("DaemonSet", "agent"), ("Job", "migrate"), ("CronJob", "report"))}  # fmt: skip
        listed = {kind: await src.list_workloads(kind, "shop") for kind in m.WORKLOAD_KINDS}
        everywhere = await src.list_workloads("Deployment")
        return got, listed, everywhere

    got, listed, everywhere = run(kc, body)
    assert isinstance(got["Deployment"], m.Deployment) and got["Deployment"].metadata.generation == 2
    assert got["Deployment"].spec.template.spec.containers[0].image == "web:2"
    assert isinstance(got["StatefulSet"], m.StatefulSet) and got["StatefulSet"].status.ready_replicas == 1
    assert isinstance(got["DaemonSet"], m.DaemonSet)
    assert isinstance(got["Job"], m.Job) and got["Job"].status.conditions[0].type == "Complete"
    assert isinstance(got["CronJob"], m.CronJob) and got["CronJob"].spec.schedule == "0 * * * *"
    assert {k: [o.metadata.name for o in v] for k, v in listed.items()} == {
        "Deployment": ["web"],
        "StatefulSet": ["db"],
        "DaemonSet": ["agent"],
        "Job": ["migrate"],
        "CronJob": ["report"],
    }
    assert [d.metadata.name for d in everywhere] == ["web"]


def test_revisions_quotas_and_a_missing_controller(kubeconfig):
    kc, _ = kubeconfig

    async def body(src: LiveSource):
        revs = await src.list_controllerrevisions("shop")
        quotas = await src.list_resourcequotas("shop")
        with pytest.raises(NotFound) as missing:
            await src.get_workload("StatefulSet", "shop", "nope")
        return revs, quotas, missing.value

    revs, quotas, missing = run(kc, body)
    (rev,) = revs
    assert (rev.metadata.name, rev.revision) == ("db-7d9f6c5b48", 1)
    assert rev.data.spec.template.spec.containers[0].image == "postgres:16"
    assert quotas[0].status.used == {"requests.cpu": "4"}
    assert (missing.kind, missing.name, missing.namespace) == ("StatefulSet", "nope", "shop")


def test_diagnosis_over_the_live_source_reads_the_deployments_pods_by_its_selector(kubeconfig):
    kc, fake = kubeconfig
    fake.reset_log()
    now = datetime.now(UTC)
    d = run(kc, lambda src: diagnosis(src, "shop", "Deployment", "web", now=now, restart_threshold=5))
    assert d.warnings == []
    assert [(r.revision, r.pods, r.failing_pods) for r in d.revisions] == [(2, 1, 1), (1, 2, 0)]
    assert d.what_changed.changes[0].before == "web:1" and d.what_changed.changes[0].after == "web:2"
    pod_lists = [r for r in fake.requests if r.resource == "pods" and r.verb == "list"]
    assert len(pod_lists) == 1 and ("labelSelector", "app=web") in list(pod_lists[0].query.items())
