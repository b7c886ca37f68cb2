"""Settings from the environment (and CLI flags that mirror it), validated once at start-up.

``load_settings`` is the one place that validates: each value (a malformed one stops start-up with one line
naming the variable and what it accepts) and every combination of values; with ``resolve=True`` it also
decides, once, which cluster is served (``CLUSTER_SOURCE=auto`` becomes live or snapshot).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

N = TypeVar("N", int, float)


class ConfigError(ValueError):
    """One clear line: which variable, what was given, what is accepted."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "0.0.0.0"
    port: int = 8080
    log_level: str = "info"
    log_format: str = "json"
    k8s_timeout: float = 30.0  # cap of one upstream call (seconds); the request deadline bounds it further
    read_timeout: float = 10.0
    write_timeout: float = 10.0
    shutdown_timeout: float = 10.0
    shutdown_drain: float = 3.0  # after SIGTERM: keep serving (readiness 503, Connection: close) this long
    pod_restart_threshold: int = 5
    workers: int = 1
    request_deadline: float = 0.5
    cache_ttl: float = 2.0
    cache_max_entries: int = 1024
    cache_max_bytes: int = 64 * 1024 * 1024  # per cache level and process
    cluster_source: str = "auto"  # auto | live | snapshot
    snapshot_path: str = ""
    kubeconfig: str = ""
    kube_context: str = ""
    auth_mode: str = "none"  # none | token
    auth_cache_ttl: float = 10.0
    redact_env_values: bool = False
    prometheus_multiproc_dir: str = ""
    node_name: str = ""
    #: how the cluster source was decided, for the first log line (set when it is resolved)
    source_note: str = ""
    cluster_index: bool = True  # cluster-wide answers from a watch-fed index (False: LIST per CACHE_TTL)
    index_idle_timeout: float = 600.0  # the cluster index stops after this long without a request needing it


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(text: str) -> float:
    """Go-style durations as the spec uses them (``500ms``, ``30s``, ``1.5s``, ``2m``, ``1h``); a bare number
    is seconds. Returns seconds."""
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError
    value = float(m[1])
    unit = m[2] or "s"
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def _ranged(
    name: str, lo: N, hi: N, convert: Callable[[str], N], invalid: str, accepted: str
) -> Callable[[str], N]:
    """A parser of ``name``'s value: ``convert`` it (a ValueError: "<invalid>"), then check it is within
    ``lo``..``hi`` (else "out of range; accepted: <accepted>")."""

    def parse(text: str) -> N:
        try:
            v = convert(text)
        except ValueError:
            raise ConfigError(f"{name}={text!r} {invalid}") from None
        if not lo <= v <= hi:
            raise ConfigError(f"{name}={text!r} is out of range; accepted: {accepted}")
        return v

    return parse


def _duration(name: str, lo: float, hi: float) -> Callable[[str], float]:
    return _ranged(
        name, lo, hi, parse_duration, "is not a duration; use e.g. 500ms, 2s, 1.5s, 1m", f"{lo:g}s to {hi:g}s"
    )


def _int(name: str, lo: int, hi: int) -> Callable[[str], int]:
    return _ranged(
        name,
        lo,
        hi,
        lambda text: int(text.strip()),
        f"is not an integer; accepted: {lo} to {hi}",
        f"{lo} to {hi}",
    )


_BYTES_RE = re.compile(r"^\s*(\d+)\s*(Ki|Mi|Gi|K|M|G)?\s*$")
_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def _size(text: str) -> int:
    m = _BYTES_RE.match(text)
    if not m:
        raise ValueError(text)
    return int(m[1]) * _UNITS[m[2] or ""]


def _bytes(name: str, lo: int, hi: int) -> Callable[[str], int]:
    return _ranged(
        name, lo, hi, _size, "is not a size; use e.g. 64Mi, 512Ki, 1Gi or bytes", f"{lo} to {hi} bytes"
    )


def _choice(name: str, *choices: str, aliases: Mapping[str, str] | None = None) -> Callable[[str], str]:
    def parse(text: str) -> str:
        v = text.strip().lower()
        v = (aliases or {}).get(v, v)
        if v not in choices:
            raise ConfigError(f"{name}={text!r} is not accepted; use one of: {', '.join(choices)}")
        return v

    return parse


def _bool(name: str) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        v = text.strip().lower()
        if v in ("1", "true", "yes", "on"):
            return True
        if v in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name}={text!r} is not a boolean; use true or false")

    return parse


def _str(name: str) -> Callable[[str], str]:
    return lambda text: text.strip()


def _workers(text: str) -> int:
    if text.strip().lower() in ("", "auto"):
        return available_cpus()
    return _int("WORKERS", 1, 64)(text)


#: every variable: name -> (field, parser, help). The CLI builds its flags from this table.
VARIABLES: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "HOST": ("host", _str("HOST"), "address to listen on"),
    "PORT": ("port", _int("PORT", 1, 65535), "HTTP port"),
    "LOG_LEVEL": (
        "log_level",
        _choice("LOG_LEVEL", "debug", "info", "warn", "error", aliases={"warning": "warn"}),
        "debug | info | warn | error",
    ),
    "LOG_FORMAT": ("log_format", _choice("LOG_FORMAT", "json", "text"), "json | text"),
    "K8S_TIMEOUT": ("k8s_timeout", _duration("K8S_TIMEOUT", 0.05, 600), "cap of one Kubernetes API call"),
    "READ_TIMEOUT": ("read_timeout", _duration("READ_TIMEOUT", 0.1, 600), "time to receive a request"),
    "WRITE_TIMEOUT": ("write_timeout", _duration("WRITE_TIMEOUT", 0.1, 600), "time to send a response"),
    "SHUTDOWN_TIMEOUT": (
        "shutdown_timeout",
        _duration("SHUTDOWN_TIMEOUT", 0, 600),
        "grace period for in-flight requests on SIGTERM",
    ),
    "SHUTDOWN_DRAIN": (
        "shutdown_drain",
        _duration("SHUTDOWN_DRAIN", 0, 600),
        "after SIGTERM, keep serving this long (readiness 503, Connection: close) before closing the listener",
    ),
    "POD_RESTART_THRESHOLD": (
        "pod_restart_threshold",
        _int("POD_RESTART_THRESHOLD", 0, 1_000_000),
        "restarts above which a pod has HighRestarts",
    ),
    "WORKERS": ("workers", _workers, "worker processes (default: CPUs available to the container)"),
    "REQUEST_DEADLINE": (
        "request_deadline",
        _duration("REQUEST_DEADLINE", 0.01, 60),
        "whole-request budget; past it the client gets 504 REQUEST_TIMEOUT",
    ),
    "CACHE_TTL": ("cache_ttl", _duration("CACHE_TTL", 0, 300), "lifetime of cached reads and responses"),
    "CLUSTER_INDEX": (
        "cluster_index",
        _bool("CLUSTER_INDEX"),
        "cluster-wide answers from a per-worker watch-fed index (false: LIST per CACHE_TTL, as without watch RBAC)",
    ),
    "INDEX_IDLE_TIMEOUT": (
        "index_idle_timeout",
        _duration("INDEX_IDLE_TIMEOUT", 1, 7 * 24 * 3600),
        "the watch-fed cluster index stops (memory released) after this long without a cluster-wide request",
    ),
    "CACHE_MAX_ENTRIES": (
        "cache_max_entries",
        _int("CACHE_MAX_ENTRIES", 1, 10_000_000),
        "entries per cache level and process",
    ),
    "CACHE_MAX_BYTES": (
        "cache_max_bytes",
        _bytes("CACHE_MAX_BYTES", 1024 * 1024, 64 * 1024**3),
        "byte budget per cache level and process (e.g. 64Mi)",
    ),
    "CLUSTER_SOURCE": (
        "cluster_source",
        _choice("CLUSTER_SOURCE", "auto", "live", "snapshot"),
        "auto (in-cluster, else kubeconfig, else the demo snapshot) | live | snapshot",
    ),
    "SNAPSHOT_PATH": (
        "snapshot_path",
        _str("SNAPSHOT_PATH"),
        "cluster dump file or directory for the snapshot source",
    ),
    "KUBECONFIG": ("kubeconfig", _str("KUBECONFIG"), "kubeconfig file for the live source outside a cluster"),
    "KUBE_CONTEXT": ("kube_context", _str("KUBE_CONTEXT"), "kubeconfig context (default: current)"),
    "AUTH_MODE": (
        "auth_mode",
        _choice("AUTH_MODE", "none", "token"),
        "none | token (TokenReview + SubjectAccessReview)",
    ),
    "AUTH_CACHE_TTL": (
        "auth_cache_ttl",
        _duration("AUTH_CACHE_TTL", 0, 3600),
        "lifetime of cached auth decisions",
    ),
    "REDACT_ENV_VALUES": (
        "redact_env_values",
        _bool("REDACT_ENV_VALUES"),
        "replace literal env values in /describe with a marker",
    ),
    "PROMETHEUS_MULTIPROC_DIR": (
        "prometheus_multiproc_dir",
        _str("PROMETHEUS_MULTIPROC_DIR"),
        "directory shared by the workers for /metrics",
    ),
    "NODE_NAME": ("node_name", _str("NODE_NAME"), "node the agent runs on (DaemonSet mode); added to logs"),
}


def available_cpus() -> int:
    """CPUs this container may use: the cgroup quota if there is one, else the CPU affinity mask."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        n = min(n, max(1, int(quota + 0.999)))
    return max(1, n)


def _cgroup_quota() -> float | None:
    v2 = Path("/sys/fs/cgroup/cpu.max")
    try:
        if v2.exists():
            quota, period = v2.read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        q1 = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
        p1 = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
        if q1.exists() and p1.exists():
            q = int(q1.read_text())
            return None if q <= 0 else q / int(p1.read_text())
    except (OSError, ValueError):
        return None
    return None


def load_settings(
    env: Mapping[str, str] | None = None, *, resolve: bool = False, **overrides: Any
) -> Settings:
    """Build Settings from ``env`` (default ``os.environ``); ``overrides`` are already-typed values (tests).

    Every value is checked, then every combination (``check_combinations``). With ``resolve`` the cluster
    source is decided too (``kube.discovery.resolve_source``: in a pod, the in-cluster ServiceAccount;
    else a kubeconfig; else the bundled demo snapshot) and the combinations are checked again against it.
    Raises ConfigError with one line naming what is wrong.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for var, (fld, parse, _help) in VARIABLES.items():
        raw = env.get(var)
        if raw is None:
            continue
        values[fld] = parse(raw)
    if "workers" not in values:
        values["workers"] = available_cpus()
    values.update(overrides)
    settings = Settings(**values)
    check_combinations(settings)
    if resolve:
        from k8s_agent.kube.discovery import resolve_source

        settings = resolve_source(settings)
        check_combinations(settings)
    return settings


def check_combinations(settings: Settings) -> None:
    """Values that are valid alone but not together."""
    if settings.cluster_source == "snapshot" and not settings.snapshot_path:
        raise ConfigError("CLUSTER_SOURCE=snapshot needs SNAPSHOT_PATH (a cluster dump file or directory)")
    if settings.auth_mode == "token" and settings.cluster_source == "snapshot":
        raise ConfigError(
            "AUTH_MODE=token needs the live Kubernetes API (token reviews cannot be made against a snapshot)"
        )
