"""Field and label selectors parsed and matched the way kube-apiserver does for the fields it supports."""

from __future__ import annotations

import re
from typing import Any


class BadRequest(ValueError):
    """A query the real server answers with 400 (the message is the server's)."""


# ------------------------------------------------------------------------------------------ field selectors
def _split_unescaped(text: str, sep: str) -> list[str]:
    out, cur, esc = [], [], False
    for ch in text:
        if esc:
            cur.append(ch)
            esc = False
        elif ch == "\\":
            cur.append(ch)
            esc = True
        elif ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _unescape(v: str) -> str:
    return re.sub(r"\\(.)", r"\1", v)


def parse_field_selector(text: str, supported: set[str]) -> list[tuple[str, str, str]]:
    terms: list[tuple[str, str, str]] = []
    if not text.strip():
        return terms
    for part in _split_unescaped(text, ","):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^([^=!]+)(!=|==|=)(.*)$", part)
        if not m:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        fld, op, value = m[1].strip(), m[2], _unescape(m[3])
        if fld not in supported and fld not in ("metadata.name", "metadata.namespace"):
            raise BadRequest(f"field label not supported: {fld}")
        terms.append((fld, "!=" if op == "!=" else "=", value))
    return terms


def _field_value(obj: dict, fld: str) -> str:
    if fld == "source":  # events: source.component (classic) or reportingController (events.k8s.io style)
        src = (obj.get("source") or {}).get("component") or obj.get("reportingComponent") or ""
        return src
    cur: Any = obj
    for part in fld.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def match_fields(obj: dict, terms: list[tuple[str, str, str]]) -> bool:
    for fld, op, value in terms:
        eq = _field_value(obj, fld) == value
        if (op == "=" and not eq) or (op == "!=" and eq):
            return False
    return True


# ------------------------------------------------------------------------------------------ label selectors
_LABEL_TERM = re.compile(
    r"^\s*(?:(?P<not>!)\s*(?P<nkey>[\w./-]+)|(?P<key>[\w./-]+)\s*(?:(?P<op>==|!=|=)\s*(?P<val>[\w.-]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<set>[^)]*)\))?)\s*$"
)


def parse_label_selector(text: str) -> list[tuple[str, str, Any]]:
    terms: list[tuple[str, str, Any]] = []
    if not text.strip():
        return terms
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    for part in parts:
        m = _LABEL_TERM.match(part)
        if not m:
            raise BadRequest(f"unable to parse requirement: found '{part.strip()}', expected: identifier")
        if m["not"]:
            terms.append((m["nkey"], "!exists", None))
        elif m["op"]:
            terms.append((m["key"], "!=" if m["op"] == "!=" else "=", m["val"]))
        elif m["setop"]:
            terms.append((m["key"], m["setop"], {v.strip() for v in m["set"].split(",") if v.strip()}))
        else:
            terms.append((m["key"], "exists", None))
    return terms


def match_labels(obj: dict, terms: list[tuple[str, str, Any]]) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for key, op, value in terms:
        have = labels.get(key)
        ok = {
            "=": have == value,
            "!=": have != value,
            "exists": have is not None,
            "!exists": have is None,
            "in": have in value if have is not None else False,
            "notin": have not in value if have is not None else True,
        }[op]
        if not ok:
            return False
    return True
