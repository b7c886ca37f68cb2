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


def _env_changes(name: str, a: Container, b: Container) -> list[TemplateChange]:
    before = {e.name: e for e in a.env}
    after = {e.name: e for e in b.env}
    out: list[TemplateChange] = []
    for key in sorted(before.keys() | after.keys()):
        x, y = before.get(key), after.get(key)
        if x is not None and y is not None:
            if x.value_from is None and y.value_from is None:
                if x.value != y.value:
                    out.append(
                        TemplateChange(
                            container=name,
                            field="env",
                            before=f"{key} (value)",
                            after=f"{key} (value changed)",
                        )
                    )
                continue
            if _env_ref(x) != _env_ref(y):
                out.append(TemplateChange(container=name, field="env", before=_env_ref(x), after=_env_ref(y)))
            continue
        out.append(
            TemplateChange(
                container=name,
                field="env",
                before=_env_ref(x) if x is not None else None,
                after=_env_ref(y) if y is not None else None,
            )
        )
    refs_a = [_env_from(s) for s in a.env_from]
    refs_b = [_env_from(s) for s in b.env_from]
    if refs_a != refs_b:
        out.append(
            TemplateChange(
                container=name,
                field="envFrom",
                before=", ".join(refs_a) or None,
                after=", ".join(refs_b) or None,
            )
        )
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

    def cmp(field: str, x: str | None, y: str | None) -> None:
        if x != y:
            out.append(TemplateChange(container=name, field=field, before=x, after=y))

    cmp("image", a.image or None, b.image or None)
    cmp("command", _words(a.command), _words(b.command))
    cmp("args", _words(a.args), _words(b.args))
    out.extend(_env_changes(name, a, b))
    cmp("resources", _resources(a), _resources(b))
    cmp("livenessProbe", probe_text(a.liveness_probe), probe_text(b.liveness_probe))
    cmp("readinessProbe", probe_text(a.readiness_probe), probe_text(b.readiness_probe))
    cmp("startupProbe", probe_text(a.startup_probe), probe_text(b.startup_probe))
    cmp("volumeMounts", _mounts(a), _mounts(b))
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
            if x is None and y is not None:
                out.append(TemplateChange(container=name, field=label, before=None, after=y.image))
            elif y is None and x is not None:
                out.append(TemplateChange(container=name, field=label, before=x.image, after=None))
            elif x is not None and y is not None:
                out.extend(_container_changes(name, x, y))
    vols_a = {v.name: volume_text(v) for v in before.volumes}
    vols_b = {v.name: volume_text(v) for v in after.volumes}
    for name in sorted(vols_a.keys() | vols_b.keys()):
        if vols_a.get(name) != vols_b.get(name):
            out.append(TemplateChange(field="volumes", before=vols_a.get(name), after=vols_b.get(name)))
    if before.service_account_name != after.service_account_name:
        out.append(
            TemplateChange(
                field="serviceAccountName",
                before=before.service_account_name or None,
                after=after.service_account_name or None,
            )
        )
    if before.node_selector != after.node_selector:
        out.append(
            TemplateChange(
                field="nodeSelector",
                before=", ".join(f"{k}={v}" for k, v in sorted(before.node_selector.items())) or None,
                after=", ".join(f"{k}={v}" for k, v in sorted(after.node_selector.items())) or None,
            )
        )
    return out


def change_sentence(c: TemplateChange) -> str:
    where = f"{c.container}: " if c.container else ""
    if c.before is None:
        return f"{where}{c.field} added ({c.after})"
    if c.after is None:
        return f"{where}{c.field} removed ({c.before})"
    return f"{where}{c.field} changed from {c.before} to {c.after}"
