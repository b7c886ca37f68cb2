"""The pod template diff's rules (``analysis/workloads/template.py``) on templates as the API serves them:
what each field reads like, literal environment values never shown, containers matched by name, the order of
the changes, and the one-line sentence of a change."""

from __future__ import annotations

from builders.workloads import container
from k8s_agent.analysis.workloads.template import change_sentence, diff_templates, probe_text, volume_text
from k8s_agent.kube import models as m
from k8s_agent.schemas.workloads import TemplateChange


def _spec(containers: list[dict], **spec) -> m.PodSpec:
    return m.convert({"containers": containers, **spec}, m.PodSpec)


def _diff(before: dict, after: dict, **kw) -> list[tuple[str, str, str | None, str | None]]:
    """The changes of one container ``app`` from ``before`` to ``after`` (its fields)."""
    a = _spec([{"name": "app", "image": "web:1", **before}], **kw.get("a", {}))
    b = _spec([{"name": "app", "image": "web:1", **after}], **kw.get("b", {}))
    return [(c.container, c.field, c.before, c.after) for c in diff_templates(a, b)]


def _probe(d: dict) -> str | None:
    return probe_text(m.convert(d, m.Probe))


def test_probes_in_one_line():
    http = {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTPS"}}
    assert _probe(http) == "http-get https://:8080/healthz"
    assert _probe({"httpGet": {"path": "/healthz", "port": "http"}}) == "http-get :http/healthz"
    assert _probe({"tcpSocket": {"port": 5432}}) == "tcp-socket :5432"
    assert _probe({"exec": {"command": ["pg_isready", "-U", "app"]}}) == "exec pg_isready -U app"
    assert _probe({"grpc": {"port": 9090}}) == "grpc :9090"
    assert _probe({}) == "no handler"
    full = {
        **http,
        "initialDelaySeconds": 5,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert _probe(full) == "http-get https://:8080/healthz delay=5s timeout=1s period=10s success=1 failure=3"
    assert _probe({"tcpSocket": {"port": 53}, "periodSeconds": 0}) == "tcp-socket :53 period=0s"
    assert probe_text(None) is None


def test_volumes_in_one_line():
    cases = {
        "cfg: configmap web-v2": {"name": "cfg", "configMap": {"name": "web-v2"}},
        "tls: secret web-tls": {"name": "tls", "secret": {"secretName": "web-tls"}},
        "data: pvc data-web-0": {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}},
        "tmp: emptyDir": {"name": "tmp", "emptyDir": {}},
        "logs: hostPath /var/log": {"name": "logs", "hostPath": {"path": "/var/log"}},
        "token: projected": {"name": "token", "projected": {"sources": []}},
        "store: csi secrets-store.csi.k8s.io": {
            "name": "store",
            "csi": {"driver": "secrets-store.csi.k8s.io"},
        },
        "share: nfs 10.0.0.5:/exports/web": {
            "name": "share",
            "nfs": {"server": "10.0.0.5", "path": "/exports/web"},
        },
        "scratch: other": {"name": "scratch", "ephemeral": {}},
    }
    for text, vol in cases.items():
        assert volume_text(m.convert(vol, m.Volume)) == text


def test_environment_shows_names_and_references_never_literal_values():
    before = {
        "env": [
            {"name": "A_SAME", "value": "1"},
            {"name": "B_LITERAL", "value": "hunter2"},
            {"name": "C_TO_SECRET", "value": "plain"},
            {"name": "D_GONE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "d"}}},
            {"name": "F_SAME_REF", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ]
    }
    after = {
        "env": [
            {"name": "A_SAME", "value": "1"},
            {"name": "B_LITERAL", "value": "hunter3"},
            {"name": "C_TO_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "E_NEW_FIELD", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "F_SAME_REF", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
            {"name": "G_CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {"name": "H_FILE", "valueFrom": {}},
            {"name": "I_NEW", "value": "x"},
        ]
    }
    changes = _diff(before, after)
    assert changes == [
        ("app", "env", "B_LITERAL (value)", "B_LITERAL (value changed)"),
        ("app", "env", "C_TO_SECRET (value)", "C_TO_SECRET from secret db/password"),
        ("app", "env", "D_GONE from configmap cfg/d", None),
        ("app", "env", None, "E_NEW_FIELD from field status.podIP"),
        ("app", "env", None, "G_CPU from resource limits.cpu"),
        ("app", "env", None, "H_FILE (valueFrom)"),
        ("app", "env", None, "I_NEW (value)"),
    ]
    assert "hunter" not in repr(changes) and "plain" not in repr(changes)


def test_env_from_sources_with_their_prefixes():
    before = {"envFrom": [{"configMapRef": {"name": "web"}}]}
    after = {
        "envFrom": [
            {"configMapRef": {"name": "web"}},
            {"secretRef": {"name": "web-secrets"}, "prefix": "S_"},
            {"prefix": "X_"},
        ]
    }
    assert _diff(before, after) == [
        ("app", "envFrom", "configmap web", "configmap web, secret web-secrets (prefix S_), unknown source")
    ]
    assert _diff(before, {}) == [("app", "envFrom", "configmap web", None)]
    two = {"envFrom": [{"configMapRef": {"name": "web"}}, {"secretRef": {"name": "old"}}]}
    assert _diff(two, before) == [("app", "envFrom", "configmap web, secret old", "configmap web")]
    prefixed = {"envFrom": [{"configMapRef": {"name": "web"}, "prefix": "W_"}]}
    assert _diff(before, prefixed) == [("app", "envFrom", "configmap web", "configmap web (prefix W_)")]


def test_every_compared_container_field_in_order():
    before = {
        "image": "web:1.4.2",
        "command": ["/bin/web"],
        "args": ["--port=8080"],
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "resources": {"requests": {"memory": "256Mi", "cpu": "250m"}, "limits": {"memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "startupProbe": {"tcpSocket": {"port": 8080}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "cfg", "mountPath": "/etc/web"}],
    }
    after = {
        "image": "web:1.5.0",
        "command": ["/bin/web", "serve"],
        "args": ["--port=8080", "--debug"],
        "env": [{"name": "LOG_LEVEL", "value": "debug"}],
        "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}, "failureThreshold": 5},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8081}},
        "startupProbe": {"tcpSocket": {"port": 8081}},
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "cfg", "mountPath": "/etc/web", "readOnly": True},
        ],
    }
    assert _diff(before, after) == [
        ("app", "image", "web:1.4.2", "web:1.5.0"),
        ("app", "command", "/bin/web", "/bin/web serve"),
        ("app", "args", "--port=8080", "--port=8080 --debug"),
        ("app", "env", "LOG_LEVEL (value)", "LOG_LEVEL (value changed)"),
        (
            "app",
            "resources",
            "requests cpu=250m, memory=256Mi; limits memory=256Mi",
            "requests cpu=500m, memory=256Mi",
        ),
        ("app", "livenessProbe", "http-get :8080/live", "http-get :8080/live failure=5"),
        ("app", "readinessProbe", "http-get :8080/ready", "http-get :8081/ready"),
        ("app", "startupProbe", "tcp-socket :8080", "tcp-socket :8081"),
        ("app", "volumeMounts", "cfg:/etc/web, tmp:/tmp", "cfg:/etc/web (ro), tmp:/tmp"),
    ]
    # the same fields unchanged: nothing; fields dropped: shown as removed
    assert _diff(before, before) == []
    assert _diff(before, {"image": ""}) == [
        ("app", "image", "web:1.4.2", None),
        ("app", "command", "/bin/web", None),
        ("app", "args", "--port=8080", None),
        ("app", "env", "LOG_LEVEL (value)", None),
        ("app", "resources", "requests cpu=250m, memory=256Mi; limits memory=256Mi", None),
        ("app", "livenessProbe", "http-get :8080/live", None),
        ("app", "readinessProbe", "http-get :8080/ready", None),
        ("app", "startupProbe", "tcp-socket :8080", None),
        ("app", "volumeMounts", "cfg:/etc/web, tmp:/tmp", None),
    ]
    assert _diff({}, {"resources": {"limits": {"nvidia.com/gpu": "1"}}}) == [
        ("app", "resources", None, "limits nvidia.com/gpu=1")
    ]


def test_containers_are_matched_by_name_init_containers_first_then_pod_fields():
    before = _spec(
        [container("web:1", name="app"), container("envoy:1.30", name="proxy")],
        initContainers=[container("migrate:1", name="migrate")],
        volumes=[{"name": "cfg", "configMap": {"name": "web-v1"}}, {"name": "old", "emptyDir": {}}],
        serviceAccountName="web",
        nodeSelector={"pool": "general"},
    )
    after = _spec(
        [container("fluent-bit:3", name="logs"), container("web:1", name="app")],
        initContainers=[container("migrate:2", name="migrate")],
        volumes=[{"name": "cfg", "configMap": {"name": "web-v2"}}, {"name": "cache", "emptyDir": {}}],
        serviceAccountName="web-v2",
        nodeSelector={"pool": "general", "zone": "a"},
    )
    changes = [(c.container, c.field, c.before, c.after) for c in diff_templates(before, after)]
    assert changes == [
        ("migrate", "image", "migrate:1", "migrate:2"),
        ("logs", "container", None, "fluent-bit:3"),
        ("proxy", "container", "envoy:1.30", None),
        ("", "volumes", None, "cache: emptyDir"),
        ("", "volumes", "cfg: configmap web-v1", "cfg: configmap web-v2"),
        ("", "volumes", "old: emptyDir", None),
        ("", "serviceAccountName", "web", "web-v2"),
        ("", "nodeSelector", "pool=general", "pool=general, zone=a"),
    ]
    added_init = _spec([container("web:1")], initContainers=[container("migrate:1", name="migrate")])
    changes = [
        (c.container, c.field, c.before, c.after)
        for c in diff_templates(_spec([container("web:1")]), added_init)
    ]
    assert changes == [("migrate", "initContainer", None, "migrate:1")]
    plain = _spec([container("web:1")])
    assert diff_templates(plain, _spec([container("web:1")], serviceAccountName="")) == []
    assert [(c.field, c.before, c.after) for c in diff_templates(before, plain)][-2:] == [
        ("serviceAccountName", "web", None),
        ("nodeSelector", "pool=general", None),
    ]


def test_the_sentence_of_a_change():
    assert change_sentence(TemplateChange(container="app", field="image", before="web:1", after="web:2")) == (
        "app: image changed from web:1 to web:2"
    )
    assert change_sentence(TemplateChange(field="volumes", after="cache: emptyDir")) == (
        "volumes added (cache: emptyDir)"
    )
    assert change_sentence(TemplateChange(container="proxy", field="container", before="envoy:1.30")) == (
        "proxy: container removed (envoy:1.30)"
    )
