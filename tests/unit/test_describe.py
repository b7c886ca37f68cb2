"""Describe on real and constructed pods: env references shown the way kubectl shows them and never
resolved, literal values redacted on request, credential-carrying annotations omitted, events in order."""

from datetime import UTC, datetime

from builders.status import status_event
from k8s_agent.analysis.describe import REDACTED, describe_pod, probe_summary
from k8s_agent.kube.models import Pod, convert

POD = {
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "uid": "u-1",
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"spec":{"containers":[{"env":[{"value":"s3cr3t"}]}]}}',
            "team": "web",
        },
        "ownerReferences": [
            {
                "kind": "ReplicaSet",
                "name": "web-5d8f",
                "uid": "rs",
                "controller": True,
                "apiVersion": "apps/v1",
            }
        ],
    },
    "spec": {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "env": [
                    {"name": "MODE", "value": "production"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {
                        "name": "COLOR",
                        "valueFrom": {"configMapKeyRef": {"name": "ui", "key": "color", "optional": True}},
                    },
                    {
                        "name": "POD_NAME",
                        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                    },
                ],
                "envFrom": [{"secretRef": {"name": "api-keys"}}],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
            }
        ]
    },
}


def _events():
    def ev(reason, uid="u-1", **times):
        return status_event(reason, reason, type_="Normal", name="web", uid=uid, **times)

    return [
        ev("Old", lastTimestamp="2026-01-01T10:00:00Z", count=2),
        ev("Scheduled", eventTime="2026-01-01T10:05:00.123456Z", reportingComponent="default-scheduler"),
        ev("Started", lastTimestamp="2026-01-01T10:06:00Z"),
        ev("FromAnEarlierPod", lastTimestamp="2026-01-01T10:07:00Z", uid="u-0"),
    ]


def test_env_references_are_shown_not_resolved_and_literals_redacted_on_request():
    pod = convert(POD, Pod)
    env = {e.name: e for e in describe_pod(pod, [], pod_status="Running").containers[0].environment}
    assert env["MODE"].value == "production"
    assert env["DB_PASSWORD"].value is None
    assert env["DB_PASSWORD"].value_from.description == "<set to the key 'password' in secret 'db'>"
    assert env["COLOR"].value_from.kind == "configMapKeyRef" and env["COLOR"].value_from.optional is True
    assert env["POD_NAME"].value_from.description == "(v1:metadata.name)"
    redacted = describe_pod(pod, [], pod_status="Running", redact_env=True).containers[0]
    assert {e.name: e.value for e in redacted.environment}["MODE"] == REDACTED
    assert redacted.env_from[0].kind == "Secret" and redacted.env_from[0].name == "api-keys"


def test_last_applied_configuration_is_omitted_and_named():
    d = describe_pod(convert(POD, Pod), [], pod_status="Running")
    assert d.annotations == {"team": "web"}
    assert d.omitted_annotations == ["kubectl.kubernetes.io/last-applied-configuration"]
    assert d.controlled_by.kind == "ReplicaSet" and d.controlled_by.name == "web-5d8f"


def test_events_sorted_by_their_real_time_in_both_shapes_and_other_uids_dropped():
    d = describe_pod(convert(POD, Pod), _events(), pod_status="Running")
    assert [e.reason for e in d.events] == ["Started", "Scheduled", "Old"]
    scheduled = d.events[1]
    assert scheduled.count == 1  # a null count means once
    assert scheduled.last_timestamp == datetime(2026, 1, 1, 10, 5, 0, 123456, tzinfo=UTC)
    assert scheduled.source == "default-scheduler"


def test_probe_summary_like_kubectl():
    pod = convert(POD, Pod)
    assert probe_summary(pod.spec.containers[0].liveness_probe) == (
        "http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3"
    )
