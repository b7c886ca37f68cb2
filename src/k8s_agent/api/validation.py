"""Path and query validation, before any upstream call. A bad value is a 400 that names the parameter."""

from __future__ import annotations

import re

from sanic.request import RequestParameters

from k8s_agent.errors import BadRequest

# DNS-1123 label: namespaces (and most workload names) - at most 63 characters
LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# DNS-1123 subdomain: pods, nodes - at most 253 characters, dot-separated labels
SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_LABEL_RE = re.compile(LABEL_PATTERN)
_SUBDOMAIN_RE = re.compile(SUBDOMAIN_PATTERN)


def namespace(value: str) -> str:
    if not value:
        raise BadRequest(details="namespace is required")
    if len(value) > 63 or not _LABEL_RE.match(value):
        raise BadRequest(
            details=f"namespace {value[:80]!r} is not a valid Kubernetes namespace name "
            "(DNS-1123 label: lower-case letters, digits and '-', at most 63 characters, "
            "starting and ending with a letter or digit)"
        )
    return value


def object_name(value: str, what: str) -> str:
    if not value:
        raise BadRequest(details=f"{what} name is required")
    if len(value) > 253 or not _SUBDOMAIN_RE.match(value):
        raise BadRequest(
            details=f"{what} name {value[:80]!r} is not a valid Kubernetes name "
            "(DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters)"
        )
    return value


def int_query(args: RequestParameters, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        raise BadRequest(
            details=f"query parameter {name}={raw[:40]!r} is not an integer ({lo} to {hi})"
        ) from None
    if not lo <= v <= hi:
        raise BadRequest(details=f"query parameter {name}={v} is out of range ({lo} to {hi})")
    return v


def choice_query(args: RequestParameters, name: str, choices: tuple[str, ...]) -> str:
    raw = args.get(name)
    if raw is None or raw == "":
        return ""
    if raw not in choices:
        raise BadRequest(details=f"query parameter {name}={raw[:40]!r} is not one of: {', '.join(choices)}")
    return raw


def bool_query(args: RequestParameters, name: str) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return False
    low = raw.lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise BadRequest(details=f"query parameter {name}={raw[:40]!r} is not a boolean (true or false)")


def namespace_query(args: RequestParameters) -> str:
    raw = args.get("namespace")
    if raw is None or raw == "":
        return ""  # every namespace (never a namespace literally named "all")
    return namespace(raw)
