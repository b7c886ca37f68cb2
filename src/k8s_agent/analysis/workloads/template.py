"""What changed between two pod templates: images, command and args, environment (names and references,
never values), resources, probes, volume mounts and volumes, for every container (init containers too).

Environment: an entry with a literal value shows as ``NAME (value)`` and a changed literal as
``NAME (value changed)``, so a secret pasted into a literal never reaches the answer; references show
what they point at (``NAME from secret db/password``).
"""

from __future__ import annotations

from k8s_agent.kube.models import Container, EnvFromSource, EnvVar, PodSpec, Probe, Volume
from k8s_agent.schemas.workloads import TemplateChange


def _env_ref(e: EnvVar) -> str:
    vf = e.value_from
    if vf is None:
        return f"{e.name} (value)"
    if vf.secret_key_ref is not None:
        return f"{e.name} from secret {vf.secret_key_ref.name}/{vf.secret_key_ref.key}"
    if vf.config_map_key_ref is not None:
        return f"{e.name} from configmap {vf.config_map_key_ref.name}/{vf.config_map_key_ref.key}"
    if vf.field_ref is not None:
        return f"{e.name} from field {vf.field_ref.field_path}"
    if vf.resource_field_ref is not None:
        return f"{e.name} from resource {vf.resource_field_ref.resource}"
    return f"{e.name} (valueFrom)"


def _compare(out: list[TemplateChange], container: str, field: str, x: str | None, y: str | None) -> None:
    """Records a change of ``field`` (of ``container``, "" for the pod) when its two texts differ."""
    if x != y:
        out.append(TemplateChange(container=container, field=field, before=x, after=y))


def _env_changes(name: str, a: Container, b: Container) -> list[TemplateChange]:
    before = {e.name: e for e in a.env}
    after = {e.name: e for e in b.env}
    out: list[TemplateChange] = []
    for key in sorted(before.keys() | after.keys()):
        x, y = before.get(key), after.get(key)
        if x is not None and y is not None and x.value_from is None and y.value_from is None:
            if x.value != y.value:  # a literal's value is never shown, only that it changed
                _compare(out, name, "env", f"{key} (value)", f"{key} (value changed)")
        else:
            _compare(
                out,
                name,
                "env",
                _env_ref(x) if x is not None else None,
                _env_ref(y) if y is not None else None,
            )
    refs_a = ", ".join(_env_from(s) for s in a.env_from)
    refs_b = ", ".join(_env_from(s) for s in b.env_from)
    _compare(out, name, "envFrom", refs_a or None, refs_b or None)
    return out


def _env_from(s: EnvFromSource) -> str:
    prefix = f" (prefix {s.prefix})" if s.prefix else ""
    if s.secret_ref is not None:
        return f"secret {s.secret_ref.name}{prefix}"
    if s.config_map_ref is not None:
        return f"configmap {s.config_map_ref.name}{prefix}"
    return "unknown source"


def _resources(c: Container) -> str | None:
    parts = []
    for label, values in (("requests", c.resources.requests), ("limits", c.resources.limits)):
        if values:
            parts.append(f"{label} " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return "; ".join(parts) or None


def probe_text(p: Probe | None) -> str | None:
    """A probe in one line: ``http-get :8080/healthz delay=5s timeout=1s period=10s failure=3``."""
    if p is None:
        return None
    if p.http_get is not None:
        what = f"http-get {p.http_get.scheme.lower() + '://' if p.http_get.scheme else ''}:{p.http_get.port}{p.http_get.path}"
    elif p.tcp_socket is not None:
        what = f"tcp-socket :{p.tcp_socket.port}"
    elif p.exec is not None:
        what = "exec " + " ".join(p.exec.command)
    elif p.grpc is not None:
        what = f"grpc :{p.grpc.port}"
    else:
        what = "no handler"
    opts = []
    for label, v in (
        ("delay", p.initial_delay_seconds),
        ("timeout", p.timeout_seconds),
        ("period", p.period_seconds),
    ):
        if v is not None:
            opts.append(f"{label}={v}s")
    if p.success_threshold is not None:
        opts.append(f"success={p.success_threshold}")
    if p.failure_threshold is not None:
        opts.append(f"failure={p.failure_threshold}")
    return " ".join([what, *opts])


def _mounts(c: Container) -> str | None:
    return (
        ", ".join(
            f"{m.name}:{m.mount_path}{' (ro)' if m.read_only else ''}"
            for m in sorted(c.volume_mounts, key=lambda m: m.mount_path)
        )
        or None
    )


def _words(items: list[str]) -> str | None:
    return " ".join(items) if items else None


def _container_changes(name: str, a: Container, b: Container) -> list[TemplateChange]:
    out: list[TemplateChange] = []
    _compare(out, name, "image", a.image or None, b.image or None)
    _compare(out, name, "command", _words(a.command), _words(b.command))
    _compare(out, name, "args", _words(a.args), _words(b.args))
    out.extend(_env_changes(name, a, b))
    _compare(out, name, "resources", _resources(a), _resources(b))
    _compare(out, name, "livenessProbe", probe_text(a.liveness_probe), probe_text(b.liveness_probe))
    _compare(out, name, "readinessProbe", probe_text(a.readiness_probe), probe_text(b.readiness_probe))
    _compare(out, name, "startupProbe", probe_text(a.startup_probe), probe_text(b.startup_probe))
    _compare(out, name, "volumeMounts", _mounts(a), _mounts(b))
    return out


def volume_text(v: Volume) -> str:
    if v.config_map is not None:
        return f"{v.name}: configmap {v.config_map.name}"
    if v.secret is not None:
        return f"{v.name}: secret {v.secret.secret_name}"
    if v.persistent_volume_claim is not None:
        return f"{v.name}: pvc {v.persistent_volume_claim.claim_name}"
    if v.empty_dir is not None:
        return f"{v.name}: emptyDir"
    if v.host_path is not None:
        return f"{v.name}: hostPath {v.host_path.path}"
    if v.projected is not None:
        return f"{v.name}: projected"
    if v.csi is not None:
        return f"{v.name}: csi {v.csi.driver}"
    if v.nfs is not None:
        return f"{v.name}: nfs {v.nfs.server}:{v.nfs.path}"
    return f"{v.name}: other"


def diff_templates(before: PodSpec, after: PodSpec) -> list[TemplateChange]:
    """Every difference we show, containers matched by name (added and removed containers included)."""
    out: list[TemplateChange] = []
    for label, xs, ys in (
        ("initContainer", before.init_containers, after.init_containers),
        ("container", before.containers, after.containers),
    ):
        a = {c.name: c for c in xs}
        b = {c.name: c for c in ys}
        for name in [c.name for c in ys] + [n for n in a if n not in b]:
            x, y = a.get(name), b.get(name)
            if x is not None and y is not None:
                out.extend(_container_changes(name, x, y))
            else:  # added or removed
                _compare(
                    out, name, label, x.image if x is not None else None, y.image if y is not None else None
                )
    vols_a = {v.name: volume_text(v) for v in before.volumes}
    vols_b = {v.name: volume_text(v) for v in after.volumes}
    for name in sorted(vols_a.keys() | vols_b.keys()):
        _compare(out, "", "volumes", vols_a.get(name), vols_b.get(name))
    _compare(
        out, "", "serviceAccountName", before.service_account_name or None, after.service_account_name or None
    )
    _compare(out, "", "nodeSelector", _labels(before.node_selector), _labels(after.node_selector))
    return out


def _labels(labels: dict[str, str]) -> str | None:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) or None


def change_sentence(c: TemplateChange) -> str:
    where = f"{c.container}: " if c.container else ""
    if c.before is None:
        return f"{where}{c.field} added ({c.after})"
    if c.after is None:
        return f"{where}{c.field} removed ({c.before})"
    return f"{where}{c.field} changed from {c.before} to {c.after}"
