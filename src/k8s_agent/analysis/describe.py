"""``kubectl describe pod`` as data. Pure: objects in, response Structs out."""

from __future__ import annotations

import msgspec

from k8s_agent.analysis.kube import (
    controller,
    event_count,
    event_first_time,
    event_last_time,
    event_message,
    event_source,
    events_about,
    is_sidecar,
)
from k8s_agent.kube.models import Container, ContainerStatus, EnvVar, Event, Pod, Probe, Volume
from k8s_agent.schemas import describe as s
from k8s_agent.schemas.resources import ResourcesInfo

REDACTED = "<redacted: REDACT_ENV_VALUES=true>"
MAX_EVENTS = 50

#: annotations that carry credentials or whole object copies; never returned
OMITTED_ANNOTATIONS = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        "control-plane.alpha.kubernetes.io/leader",
    }
)

_VOLUME_TYPES = (
    ("empty_dir", "EmptyDir"),
    ("host_path", "HostPath"),
    ("secret", "Secret"),
    ("config_map", "ConfigMap"),
    ("persistent_volume_claim", "PersistentVolumeClaim"),
    ("downward_api", "DownwardAPI"),
    ("projected", "Projected"),
    ("csi", "CSI"),
    ("ephemeral", "Ephemeral"),
    ("nfs", "NFS"),
    ("gce_persistent_disk", "GCEPersistentDisk"),
    ("aws_elastic_block_store", "AWSElasticBlockStore"),
    ("azure_disk", "AzureDisk"),
)
_ENC = msgspec.json.Encoder()


def _is_set(value: object) -> bool:
    if isinstance(value, msgspec.Raw):
        return len(value) > 0
    return value is not None


def volume_info(v: Volume) -> s.VolumeInfo:
    for attr, label in _VOLUME_TYPES:
        value = getattr(v, attr)
        if _is_set(value):
            wire = msgspec.structs.fields(Volume)
            wire_name = next(f.encode_name for f in wire if f.name == attr)
            inner = bytes(value) if isinstance(value, msgspec.Raw) else _ENC.encode(value)
            # normalise pass-through JSON (it may carry the dump's indentation)
            inner = _ENC.encode(msgspec.json.decode(inner))
            return s.VolumeInfo(
                name=v.name, type=label, source=msgspec.Raw(b'{"%s":%s}' % (wire_name.encode(), inner))
            )
    return s.VolumeInfo(name=v.name, type="Unknown", source=msgspec.Raw(b"{}"))


def env_entry(e: EnvVar, *, redact: bool) -> s.EnvEntry:
    vf = e.value_from
    if vf is None:
        value = e.value if e.value is not None else ""
        return s.EnvEntry(name=e.name, value=REDACTED if redact and value else value)
    key_ref = vf.secret_key_ref or vf.config_map_key_ref
    if key_ref is not None:
        # kubectl's wording of a key reference (the value itself is never read)
        kind, where = (
            ("secretKeyRef", "in secret") if vf.secret_key_ref else ("configMapKeyRef", "of config map")
        )
        ref = s.EnvValueFrom(
            kind=kind,
            name=key_ref.name,
            key=key_ref.key,
            optional=key_ref.optional,
            description=f"<set to the key '{key_ref.key}' {where} '{key_ref.name}'>",
        )
    elif vf.field_ref is not None:
        f = vf.field_ref
        ref = s.EnvValueFrom(
            kind="fieldRef", field_path=f.field_path, description=f"({f.api_version or 'v1'}:{f.field_path})"
        )
    elif vf.resource_field_ref is not None:
        rf = vf.resource_field_ref
        ref = s.EnvValueFrom(
            kind="resourceFieldRef",
            name=rf.container_name,
            resource=rf.resource,
            description=f"{rf.resource} ({rf.container_name or 'this container'})"
            + (f" divisor {rf.divisor}" if rf.divisor else ""),
        )
    else:
        ref = s.EnvValueFrom(kind="unknown", description="<set from an unsupported source>")
    return s.EnvEntry(name=e.name, value_from=ref)


def probe_summary(p: Probe | None) -> str:
    """kubectl's one-line probe description."""
    if p is None:
        return ""
    if p.http_get is not None:
        h = p.http_get
        kind = f"http-get {(h.scheme or 'HTTP').lower()}://{h.host}:{h.port}{h.path}"
    elif p.tcp_socket is not None:
        kind = f"tcp-socket {p.tcp_socket.host}:{p.tcp_socket.port}"
    elif p.exec is not None:
        kind = "exec " + str(p.exec.command).replace("'", "")
    elif p.grpc is not None:
        kind = f"grpc <pod>:{p.grpc.port} {p.grpc.service or ''}".rstrip()
    else:
        kind = "unknown"
    return (
        f"{kind} delay={p.initial_delay_seconds or 0}s timeout={p.timeout_seconds or 1}s "
        f"period={p.period_seconds or 10}s #success={p.success_threshold or 1} #failure={p.failure_threshold or 3}"
    )


def container_info(
    c: Container, st: ContainerStatus | None, *, redact: bool, sidecar: bool = False
) -> s.ContainerInfo:
    st = st or ContainerStatus(name=c.name)
    env_from = []
    for ef in c.env_from:
        if ef.config_map_ref is not None:
            env_from.append(
                s.EnvFromEntry(
                    kind="ConfigMap",
                    name=ef.config_map_ref.name,
                    prefix=ef.prefix,
                    optional=ef.config_map_ref.optional,
                )
            )
        elif ef.secret_ref is not None:
            env_from.append(
                s.EnvFromEntry(
                    kind="Secret", name=ef.secret_ref.name, prefix=ef.prefix, optional=ef.secret_ref.optional
                )
            )
    return s.ContainerInfo(
        name=c.name,
        image=c.image,
        image_id=st.image_id,
        container_id=st.container_id,
        ready=st.ready,
        started=st.started,
        restart_count=st.restart_count,
        state=st.state,
        last_state=st.last_state,
        resources=ResourcesInfo(requests=dict(c.resources.requests), limits=dict(c.resources.limits)),
        command=list(c.command),
        args=list(c.args),
        ports=[
            s.PortInfo(
                container_port=p.container_port,
                protocol=p.protocol or "TCP",
                name=p.name,
                host_port=p.host_port,
            )
            for p in c.ports
        ],
        probes=s.ProbesInfo(
            liveness=probe_summary(c.liveness_probe),
            readiness=probe_summary(c.readiness_probe),
            startup=probe_summary(c.startup_probe),
        ),
        environment=[env_entry(e, redact=redact) for e in c.env],
        env_from=env_from,
        mounts=[
            s.MountInfo(
                name=vm.name, mount_path=vm.mount_path, read_only=bool(vm.read_only), sub_path=vm.sub_path
            )
            for vm in c.volume_mounts
        ],
        sidecar=sidecar,
    )


def event_info(ev: Event) -> s.DescribeEvent:
    return s.DescribeEvent(
        type=ev.type,
        reason=ev.reason,
        message=event_message(ev),
        first_timestamp=event_first_time(ev),
        last_timestamp=event_last_time(ev),
        count=event_count(ev),
        source=event_source(ev),
        field_path=ev.involved_object.field_path,
    )


def describe_pod(
    pod: Pod,
    events: list[Event],
    *,
    pod_status: str,
    ready: str = "",
    restarts: str = "",
    redact_env: bool = False,
) -> s.PodDescription:
    meta, spec, status = pod.metadata, pod.spec, pod.status
    statuses = {cs.name: cs for cs in status.container_statuses}
    init_statuses = {cs.name: cs for cs in status.init_container_statuses}
    infos = [event_info(e) for e in events_about(meta.uid, events)]
    infos.sort(key=lambda e: (e.last_timestamp is not None, e.last_timestamp), reverse=True)
    owner = controller(meta)
    annotations = {k: v for k, v in meta.annotations.items() if k not in OMITTED_ANNOTATIONS}
    return s.PodDescription(
        name=meta.name,
        namespace=meta.namespace,
        uid=meta.uid,
        creation_timestamp=meta.creation_timestamp,
        labels=dict(meta.labels),
        annotations=annotations,
        omitted_annotations=sorted(set(meta.annotations) - set(annotations)),
        status=s.PodStatusInfo(
            phase=status.phase,
            reason=status.reason,
            message=status.message,
            host_ip=status.host_ip,
            pod_ip=status.pod_ip,
            nominated_node_name=status.nominated_node_name,
        ),
        pod_status=pod_status,
        ready=ready,
        restarts=restarts,
        node=spec.node_name,
        start_time=status.start_time,
        containers=[container_info(c, statuses.get(c.name), redact=redact_env) for c in spec.containers],
        init_containers=[
            container_info(c, init_statuses.get(c.name), redact=redact_env, sidecar=is_sidecar(c))
            for c in spec.init_containers
        ],
        volumes=[volume_info(v) for v in spec.volumes],
        pod_ip=status.pod_ip,
        pod_ips=[ip.ip for ip in status.pod_ips],
        qos_class=status.qos_class,
        priority=spec.priority,
        priority_class_name=spec.priority_class_name,
        service_account=spec.service_account_name,
        scheduler_name=spec.scheduler_name,
        controlled_by=s.OwnerInfo(kind=owner.kind, name=owner.name) if owner else None,
        tolerations=list(spec.tolerations),
        node_selector=dict(spec.node_selector),
        affinity=spec.affinity,
        conditions=list(status.conditions),
        events=infos[:MAX_EVENTS],
        deletion_timestamp=meta.deletion_timestamp,
        termination_grace_period_seconds=spec.termination_grace_period_seconds,
    )
