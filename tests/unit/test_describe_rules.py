"""Describe, rule by rule, on pod shapes as the API server returns them: every volume source named
the way kubectl names it with its source as sent, env values and references in kubectl's wording,
probes in kubectl's one line, container status and ports as reported, the newest 50 events first."""

import msgspec

from builders.status import status_event
from k8s_agent.analysis.describe import MAX_EVENTS, REDACTED, describe_pod, probe_summary
from k8s_agent.kube.models import Pod, Probe, convert

VOLUMES = [
    {"name": "scratch", "emptyDir": {"medium": "Memory"}},
    {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
    {"name": "tls", "secret": {"secretName": "web-tls"}},
    {"name": "conf", "configMap": {"name": "web-conf"}},
    {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
    {
        "name": "podinfo",
        "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
    },
    {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
    {"name": "store", "csi": {"driver": "secrets-store.csi.k8s.io"}},
    {"name": "cache", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}},
    {"name": "share", "nfs": {"server": "nfs.local", "path": "/exports"}},
    {"name": "gce", "gcePersistentDisk": {"pdName": "disk-1"}},
    {"name": "ebs", "awsElasticBlockStore": {"volumeID": "vol-1"}},
    {"name": "az", "azureDisk": {"diskName": "d1", "diskURI": "uri"}},
    {"name": "old", "cinder": {"volumeID": "c1"}},
]


def _pod(containers=None, **spec):
    return convert(
        {
            "metadata": {"name": "web", "namespace": "shop", "uid": "u-1"},
            "spec": {"containers": containers or [{"name": "web", "image": "nginx:1.27"}], **spec},
            "status": {
                "phase": "Running",
                "reason": "",
                "hostIP": "10.0.0.5",
                "podIP": "10.244.1.7",
                "podIPs": [{"ip": "10.244.1.7"}, {"ip": "fd00::7"}],
                "nominatedNodeName": "node-b",
                "qosClass": "Burstable",
                "containerStatuses": [
                    {
                        "name": "web",
                        "imageID": "docker.io/library/nginx@sha256:abc",
                        "containerID": "containerd://123",
                        "ready": True,
                        "started": True,
                        "restartCount": 4,
                        "state": {"running": {"startedAt": "2026-01-01T10:00:00Z"}},
                    }
                ],
            },
        },
        Pod,
    )


def test_every_volume_source_is_named_like_kubectl_and_carries_its_source_as_sent():
    d = describe_pod(_pod(volumes=VOLUMES), [], pod_status="Running")
    got = {v.name: (v.type, msgspec.json.decode(v.source)) for v in d.volumes}
    assert got["scratch"] == ("EmptyDir", {"emptyDir": {"medium": "Memory"}})
    assert got["logs"] == ("HostPath", {"hostPath": {"path": "/var/log", "type": "Directory"}})
    assert got["tls"][0] == "Secret" and got["tls"][1]["secret"]["secretName"] == "web-tls"
    assert got["conf"][0] == "ConfigMap" and got["conf"][1]["configMap"]["name"] == "web-conf"
    assert got["data"][0] == "PersistentVolumeClaim"
    assert got["data"][1]["persistentVolumeClaim"]["claimName"] == "web-data"
    assert got["podinfo"] == ("DownwardAPI", {"downwardAPI": VOLUMES[5]["downwardAPI"]})
    assert got["token"][0] == "Projected" and "projected" in got["token"][1]
    assert got["store"][0] == "CSI" and got["store"][1]["csi"]["driver"] == "secrets-store.csi.k8s.io"
    assert got["cache"][0] == "Ephemeral" and "ephemeral" in got["cache"][1]
    assert got["share"][0] == "NFS" and got["share"][1]["nfs"]["server"] == "nfs.local"
    assert got["gce"][0] == "GCEPersistentDisk" and "gcePersistentDisk" in got["gce"][1]
    assert got["ebs"][0] == "AWSElasticBlockStore" and "awsElasticBlockStore" in got["ebs"][1]
    assert got["az"][0] == "AzureDisk" and "azureDisk" in got["az"][1]
    # a source describe does not know is still listed, with no source to show
    assert got["old"] == ("Unknown", {})
    assert [v.name for v in d.volumes] == [v["name"] for v in VOLUMES]


def test_indented_pass_through_source_is_returned_compact():
    raw = b'{"name": "podinfo",\n  "downwardAPI": {\n    "items": []\n  }\n}'
    d = describe_pod(
        convert(
            {"metadata": {"uid": "u"}, "spec": {"containers": [], "volumes": [msgspec.json.decode(raw)]}}, Pod
        ),
        [],
        pod_status="Running",
    )
    assert bytes(d.volumes[0].source) == b'{"downwardAPI":{"items":[]}}'


def test_env_values_and_references_in_kubectl_wording():
    c = {
        "name": "web",
        "env": [
            {"name": "EMPTY", "value": ""},
            {"name": "NOVALUE"},
            {"name": "MODE", "value": "production"},
            {"name": "CFG", "valueFrom": {"configMapKeyRef": {"name": "ui", "key": "color"}}},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw", "optional": False}}},
            {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {
                "name": "MEM",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
            {
                "name": "CPU",
                "valueFrom": {"resourceFieldRef": {"containerName": "side", "resource": "requests.cpu"}},
            },
            {"name": "ODD", "valueFrom": {}},
        ],
        "envFrom": [
            {"configMapRef": {"name": "shared", "optional": True}, "prefix": "CFG_"},
            {"secretRef": {"name": "keys", "optional": False}},
            {"prefix": "NOTHING_"},
        ],
    }
    ci = describe_pod(_pod([c]), [], pod_status="Running").containers[0]
    env = {e.name: e for e in ci.environment}
    assert env["EMPTY"].value == "" and env["NOVALUE"].value == "" and env["MODE"].value == "production"
    assert env["CFG"].value_from.kind == "configMapKeyRef"
    assert env["CFG"].value_from.name == "ui" and env["CFG"].value_from.key == "color"
    assert env["CFG"].value_from.description == "<set to the key 'color' of config map 'ui'>"
    assert env["CFG"].value_from.optional is None
    assert env["TOKEN"].value_from.kind == "secretKeyRef" and env["TOKEN"].value_from.optional is False
    assert env["TOKEN"].value_from.name == "db" and env["TOKEN"].value_from.key == "pw"
    # a fieldRef without apiVersion is v1, as the API server defaults it
    assert env["NODE"].value_from.kind == "fieldRef" and env["NODE"].value_from.field_path == "spec.nodeName"
    assert env["NODE"].value_from.description == "(v1:spec.nodeName)"
    mem = env["MEM"].value_from
    assert (mem.kind, mem.name, mem.resource) == ("resourceFieldRef", "", "limits.memory")
    assert mem.description == "limits.memory (this container) divisor 1Mi"
    cpu = env["CPU"].value_from
    assert cpu.name == "side" and cpu.description == "requests.cpu (side)"
    assert env["ODD"].value is None
    assert env["ODD"].value_from.kind == "unknown"
    assert env["ODD"].value_from.description == "<set from an unsupported source>"
    assert [(f.kind, f.name, f.prefix, f.optional) for f in ci.env_from] == [
        ("ConfigMap", "shared", "CFG_", True),
        ("Secret", "keys", "", False),
    ]
    redacted = {
        e.name: e
        for e in describe_pod(_pod([c]), [], pod_status="Running", redact_env=True).containers[0].environment
    }
    # only a literal with something in it is redacted; references are never values
    assert (
        redacted["MODE"].value == REDACTED
        and redacted["EMPTY"].value == ""
        and redacted["NOVALUE"].value == ""
    )
    assert redacted["TOKEN"].value is None and redacted["TOKEN"].value_from.kind == "secretKeyRef"


def _probe(**p):
    return convert(p, Probe)


def test_probe_kinds_and_their_settings_like_kubectl():
    assert probe_summary(None) == ""
    assert (
        probe_summary(
            _probe(
                httpGet={"scheme": "HTTPS", "host": "10.0.0.1", "port": "https", "path": "/ready"},
                initialDelaySeconds=15,
                timeoutSeconds=3,
                periodSeconds=20,
                successThreshold=2,
                failureThreshold=6,
            )
        )
        == "http-get https://10.0.0.1:https/ready delay=15s timeout=3s period=20s #success=2 #failure=6"
    )
    assert probe_summary(_probe(tcpSocket={"port": 5432})) == (
        "tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3"
    )
    assert probe_summary(_probe(exec={"command": ["pg_isready", "-U", "app"]})) == (
        "exec [pg_isready, -U, app] delay=0s timeout=1s period=10s #success=1 #failure=3"
    )
    assert probe_summary(_probe(grpc={"port": 9090, "service": "health"})).startswith(
        "grpc <pod>:9090 health delay=0s"
    )
    assert probe_summary(_probe(grpc={"port": 9090})).startswith("grpc <pod>:9090 delay=0s")
    assert probe_summary(_probe(periodSeconds=7)) == (
        "unknown delay=0s timeout=1s period=7s #success=1 #failure=3"
    )


def test_container_status_ports_mounts_and_probes_as_reported():
    c = {
        "name": "web",
        "image": "nginx:1.27",
        "command": ["nginx"],
        "args": ["-g", "daemon off;"],
        "ports": [
            {"containerPort": 80, "name": "http"},
            {"containerPort": 53, "protocol": "UDP", "hostPort": 5353},
        ],
        "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}},
        "volumeMounts": [
            {"name": "conf", "mountPath": "/etc/nginx", "readOnly": True, "subPath": "nginx.conf"},
            {"name": "data", "mountPath": "/data"},
        ],
        "readinessProbe": {"tcpSocket": {"port": 80}},
        "startupProbe": {"exec": {"command": ["true"]}},
    }
    ci = describe_pod(_pod([c]), [], pod_status="Running").containers[0]
    assert (ci.name, ci.image, ci.image_id, ci.container_id) == (
        "web",
        "nginx:1.27",
        "docker.io/library/nginx@sha256:abc",
        "containerd://123",
    )
    assert ci.ready is True and ci.started is True and ci.restart_count == 4
    assert ci.state.running is not None
    assert ci.command == ["nginx"] and ci.args == ["-g", "daemon off;"]
    assert ci.resources.requests == {"cpu": "100m"} and ci.resources.limits == {"memory": "128Mi"}
    assert [(p.container_port, p.protocol, p.name, p.host_port) for p in ci.ports] == [
        (80, "TCP", "http", None),
        (53, "UDP", "", 5353),
    ]
    assert [(m.name, m.mount_path, m.read_only, m.sub_path) for m in ci.mounts] == [
        ("conf", "/etc/nginx", True, "nginx.conf"),
        ("data", "/data", False, ""),
    ]
    assert ci.probes.liveness == ""
    assert ci.probes.readiness.startswith("tcp-socket :80 ")
    assert ci.probes.startup.startswith("exec [true] ")
    assert ci.sidecar is False


def test_init_containers_use_their_own_statuses_and_a_restartable_one_is_a_sidecar():
    pod = convert(
        {
            "metadata": {"name": "web", "uid": "u-1"},
            "spec": {
                "initContainers": [
                    {"name": "migrate", "image": "app:1"},
                    {"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"},
                ],
                "containers": [{"name": "web", "image": "app:1"}],
            },
            "status": {
                "initContainerStatuses": [
                    {"name": "migrate", "restartCount": 2, "ready": False},
                    {"name": "proxy", "restartCount": 0, "ready": True, "started": True},
                ],
                "containerStatuses": [{"name": "migrate", "restartCount": 9}],
            },
        },
        Pod,
    )
    d = describe_pod(pod, [], pod_status="Init:0/2")
    migrate, proxy = d.init_containers
    assert (migrate.name, migrate.restart_count, migrate.sidecar) == ("migrate", 2, False)
    assert (proxy.name, proxy.ready, proxy.sidecar) == ("proxy", True, True)
    # a container with no status yet reads as not ready, never restarted
    web = d.containers[0]
    assert web.restart_count == 0 and web.ready is False and web.image_id == ""


def test_pod_level_fields_as_the_api_server_sent_them():
    pod = _pod(
        nodeName="node-a",
        priority=1000,
        priorityClassName="high",
        serviceAccountName="web-sa",
        schedulerName="default-scheduler",
        nodeSelector={"disk": "ssd"},
        tolerations=[{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}],
        terminationGracePeriodSeconds=45,
    )
    d = describe_pod(pod, [], pod_status="Running", ready="1/1", restarts="4")
    assert (d.name, d.namespace, d.uid) == ("web", "shop", "u-1")
    assert (d.pod_status, d.ready, d.restarts, d.node) == ("Running", "1/1", "4", "node-a")
    assert d.status.phase == "Running" and d.status.host_ip == "10.0.0.5" and d.status.pod_ip == "10.244.1.7"
    assert d.status.nominated_node_name == "node-b"
    assert d.pod_ip == "10.244.1.7" and d.pod_ips == ["10.244.1.7", "fd00::7"]
    assert d.qos_class == "Burstable" and d.priority == 1000 and d.priority_class_name == "high"
    assert d.service_account == "web-sa" and d.scheduler_name == "default-scheduler"
    assert d.node_selector == {"disk": "ssd"} and d.tolerations[0].key == "dedicated"
    assert d.termination_grace_period_seconds == 45
    assert d.controlled_by is None and d.omitted_annotations == []


def test_only_the_newest_events_are_kept_newest_first_and_undated_ones_last():
    events = [
        status_event(
            "Pulled", "pulled", type_="Normal", name="web", uid="u-1", last=f"2026-01-01T10:{m:02d}:00Z"
        )
        for m in range(MAX_EVENTS + 5)
    ]
    events.append(
        status_event(
            "Undated", "no time", type_="Normal", name="web", uid="u-1", field_path="spec.containers{web}"
        )
    )
    d = describe_pod(_pod(), events, pod_status="Running")
    assert len(d.events) == MAX_EVENTS
    assert d.events[0].last_timestamp.minute == MAX_EVENTS + 4
    assert d.events[-1].last_timestamp.minute == 5
    few = describe_pod(_pod(), events[:2] + events[-1:], pod_status="Running").events
    assert [e.reason for e in few] == ["Pulled", "Pulled", "Undated"]
    assert few[2].field_path == "spec.containers{web}" and few[2].type == "Normal"
    assert few[0].message == "pulled"


def test_metadata_dates_affinity_conditions_and_the_caller_defaults():
    pod = convert(
        {
            "metadata": {
                "name": "web",
                "namespace": "shop",
                "uid": "u-1",
                "creationTimestamp": "2026-01-01T09:00:00Z",
                "deletionTimestamp": "2026-01-01T11:00:00Z",
                "labels": {"app": "web"},
            },
            "spec": {
                "containers": [{"name": "web"}],
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                            ]
                        }
                    }
                },
            },
            "status": {
                "phase": "Running",
                "startTime": "2026-01-01T09:00:05Z",
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        },
        Pod,
    )
    d = describe_pod(pod, [], pod_status="Terminating")
    assert d.creation_timestamp.hour == 9 and d.deletion_timestamp.hour == 11 and d.start_time.second == 5
    assert d.labels == {"app": "web"}
    assert d.affinity.node_affinity is not None
    assert [(c.type, c.status) for c in d.conditions] == [("Ready", "True")]
    # ready and restarts are the caller's; without them, nothing is claimed
    assert d.ready == "" and d.restarts == ""
    assert d.status.phase == "Running" and d.status.message == ""


def test_an_evicted_pod_with_last_state_probes_and_init_env_redacted():
    pod = convert(
        {
            "metadata": {"name": "web", "uid": "u-1"},
            "spec": {
                "initContainers": [{"name": "setup", "env": [{"name": "TOKEN", "value": "abc"}]}],
                "containers": [
                    {
                        "name": "web",
                        "envFrom": [{"secretRef": {"name": "keys"}, "prefix": "K_"}],
                        "livenessProbe": {"tcpSocket": {"port": 8080}},
                    }
                ],
            },
            "status": {
                "phase": "Failed",
                "reason": "Evicted",
                "message": "The node was low on resource: memory.",
                "containerStatuses": [
                    {
                        "name": "web",
                        "restartCount": 1,
                        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                    }
                ],
            },
        },
        Pod,
    )
    d = describe_pod(pod, [], pod_status="Evicted", redact_env=True)
    assert (d.status.reason, d.status.message) == ("Evicted", "The node was low on resource: memory.")
    web = d.containers[0]
    assert web.last_state.terminated.reason == "OOMKilled" and web.last_state.terminated.exit_code == 137
    assert web.env_from[0].prefix == "K_"
    assert web.probes.liveness.startswith("tcp-socket :8080 ")
    assert d.init_containers[0].environment[0].value == REDACTED


def test_event_first_and_last_times_both_kept():
    ev = status_event(
        "BackOff",
        "Back-off restarting failed container",
        name="web",
        uid="u-1",
        count=7,
        first="2026-01-01T10:00:00Z",
        last="2026-01-01T10:30:00Z",
    )
    (e,) = describe_pod(_pod(), [ev], pod_status="CrashLoopBackOff").events
    assert (e.first_timestamp.minute, e.last_timestamp.minute, e.count, e.type) == (0, 30, 7, "Warning")
