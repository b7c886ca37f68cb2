"""A small, safe evaluator for the CEL device selectors of DRA (DeviceClass and request ``selectors``), for
the forms they are written in practice. Anything outside them is not evaluated: the caller gets ``UNKNOWN``
and says so, it never guesses.

Evaluated: ``device.driver``; ``device.attributes["<domain>"].<name>`` (or ``["<name>"]``) and
``device.capacity["<domain>"].<name>``; string, int and bool literals; ``==``, ``!=``, ``<``, ``<=``, ``>``,
``>=`` on ints, strings and versions; ``&&``, ``||``, ``!`` and parentheses (with CEL's rule that a false
operand of ``&&`` / a true operand of ``||`` decides whatever the other one gives, error included);
``"<name>" in device.attributes["<domain>"]``; ``quantity("40Gi")`` and ``semver("1.2.3")`` with
``compareTo``, ``isGreaterThan``, ``isLessThan``; ``startsWith``, ``endsWith``, ``contains`` on strings.

The device as CEL sees it (the DRA CEL environment): an attribute or capacity name without a domain belongs
to the device's driver; ``device.attributes["<domain>"]`` of a domain the device has nothing in is an empty
map, and a missing name in it is a runtime error (``no such key``), which the scheduler reports as an error
of the whole scheduling attempt, not as a node that does not fit.

The syntax is ``device_cel_syntax``, the device and its typed values ``device_cel_values``; this module
evaluates a parsed expression on one device, with bounded caches of parsed expressions and of results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from k8s_agent.analysis.scheduling.filters.device_cel_syntax import Node, NotEvaluated, parse
from k8s_agent.analysis.scheduling.filters.device_cel_values import (
    CelError,
    DomainMap,
    Domains,
    Quantity,
    Version,
    device_view,
    order,
    parse_version,
    quantity_of,
    same_type,
)
from k8s_agent.kube.models import Device

__all__ = [
    "CelError",
    "Node",
    "NotEvaluated",
    "Quantity",
    "Result",
    "Version",
    "compile_expression",
    "device_view",
    "evaluate",
    "parse_version",
]


@dataclass(frozen=True, slots=True)
class Result:
    """``value`` True/False when decided; None with ``why`` when not evaluated (``error`` True when CEL
    itself would fail at run time)."""

    value: bool | None
    why: str = ""
    error: bool = False


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Eval:
    def __init__(self, dev: dict[str, Any]) -> None:
        self.dev = dev

    def run(self, n: Node) -> Any:
        op = n[0]
        if op == "lit":
            return n[1]
        if op == "dev":
            return self.dev
        if op == "get":
            obj, key = self.run(n[1]), self.run(n[2])
            if not isinstance(key, str):
                raise NotEvaluated("non-string key")
            if isinstance(obj, dict):
                if key not in obj:
                    raise NotEvaluated(f"device.{key}")
                return obj[key]
            if isinstance(obj, Domains | DomainMap):
                return obj.get(key)
            raise NotEvaluated("unsupported member access")
        if op == "not":
            v = self.run(n[1])
            if not isinstance(v, bool):
                raise CelError("no such overload: !")
            return not v
        if op in ("and", "or"):
            decisive = op == "or"  # the value that decides whatever the other operand gives
            pending: Exception | None = None
            for side in (n[1], n[2]):
                try:
                    v = self.run(side)
                except (CelError, NotEvaluated) as exc:
                    pending = pending or exc
                    continue
                if not isinstance(v, bool):
                    pending = pending or CelError(f"no such overload: {op}")
                    continue
                if v is decisive:
                    return decisive
            if pending is not None:
                raise pending
            return not decisive
        if op == "cmp":
            a, b = self.run(n[2]), self.run(n[3])
            if n[1] == "==":
                return same_type(a, b) and order(a) == order(b)
            if n[1] == "!=":
                return not (same_type(a, b) and order(a) == order(b))
            if not same_type(a, b) or isinstance(a, bool):
                raise CelError(f"no such overload: {n[1]}")
            return _CMP[n[1]](order(a), order(b))
        if op == "in":
            key, container = self.run(n[1]), self.run(n[2])
            if isinstance(container, DomainMap) and isinstance(key, str):
                return container.lookup(key) is not None
            raise NotEvaluated("unsupported 'in'")
        if op == "call":
            return self.call(n[1], n[2], n[3])
        raise NotEvaluated(op)

    def call(self, name: str, target: Node | None, args: list[Node]) -> Any:
        vals = [self.run(a) for a in args]
        if target is None:
            if len(vals) != 1 or not isinstance(vals[0], str):
                raise NotEvaluated(f"{name}()")
            if name == "quantity":
                q = quantity_of(vals[0])
                if q is None:
                    raise CelError(f"invalid quantity {vals[0]!r}")
                return q
            return parse_version(vals[0])
        obj = self.run(target)
        if len(vals) != 1:
            raise NotEvaluated(f"{name}()")
        arg = vals[0]
        if isinstance(obj, str) and isinstance(arg, str):
            if name == "startsWith":
                return obj.startswith(arg)
            if name == "endsWith":
                return obj.endswith(arg)
            if name == "contains":
                return arg in obj
        if isinstance(obj, Quantity | Version) and name in ("compareTo", "isGreaterThan", "isLessThan"):
            if not same_type(obj, arg):
                raise CelError(f"no such overload: {name}")
            a, b = order(obj), order(arg)
            if name == "compareTo":
                return (a > b) - (a < b)
            return a > b if name == "isGreaterThan" else a < b
        raise NotEvaluated(f"{name}()")


_CACHE: dict[str, tuple[Node, tuple[tuple[bool, str, str], ...] | None] | NotEvaluated] = {}
_CACHE_MAX = 256
#: results by (expression, driver, the values it reads): devices of one model share them across nodes
_RESULTS: dict[tuple[Any, ...], Result] = {}
_RESULTS_MAX = 8192


def _path(n: Node) -> tuple[bool, str] | None:
    """(capacity?, domain) when ``n`` is ``device.attributes["<domain>"]`` / ``device.capacity[...]``."""
    if n[0] == "get" and n[2][0] == "lit" and isinstance(n[2][1], str):
        inner = n[1]
        if (
            inner[0] == "get"
            and inner[1] == ("dev",)
            and inner[2] in (("lit", "attributes"), ("lit", "capacity"))
        ):
            return inner[2][1] == "capacity", n[2][1]
    return None


def _refs(n: Node, out: set[tuple[bool, str, str]]) -> bool:
    """Collect the (capacity?, domain, name) values ``n`` reads; False when it reads anything else of the
    device (then its result is not cached)."""
    op = n[0]
    if op == "lit":
        return True
    if op == "dev":
        return False
    if op == "get":
        if n[1] == ("dev",) and n[2] == ("lit", "driver"):
            return True
        domain = _path(n[1])
        if domain is not None and n[2][0] == "lit" and isinstance(n[2][1], str):
            out.add((domain[0], domain[1], n[2][1]))
            return True
        return False
    if op == "in":
        domain = _path(n[2])
        if domain is not None and n[1][0] == "lit" and isinstance(n[1][1], str):
            out.add((domain[0], domain[1], n[1][1]))
            return True
        return False
    if op == "call":
        return (n[2] is None or _refs(n[2], out)) and all(_refs(a, out) for a in n[3])
    if op == "cmp":
        return _refs(n[2], out) and _refs(n[3], out)
    return all(_refs(c, out) for c in n[1:] if isinstance(c, tuple))


def compile_expression(text: str) -> tuple[Node, tuple[tuple[bool, str, str], ...] | None] | NotEvaluated:
    """The parsed expression and the device values it reads (None: not only literal paths), or the
    NotEvaluated saying why not (cached, bounded)."""
    hit = _CACHE.get(text)
    if hit is not None:
        return hit
    compiled: tuple[Node, tuple[tuple[bool, str, str], ...] | None] | NotEvaluated
    try:
        node = parse(text)
        refs: set[tuple[bool, str, str]] = set()
        compiled = (node, tuple(sorted(refs)) if _refs(node, refs) else None)
    except NotEvaluated as exc:
        compiled = exc
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[text] = compiled
    return compiled


def _raw(device: Device, driver: str, ref: tuple[bool, str, str]) -> Any:
    capacity, domain, name = ref
    items: Any = device.capacity if capacity else device.attributes
    raw = items.get(f"{domain}/{name}")
    if raw is None and domain == driver:
        raw = items.get(name)
    if raw is None:
        return None
    if capacity:
        return raw.value
    return (raw.int_value, raw.bool_value, raw.string_value, raw.version_value)


def evaluate(text: str, device: Device, driver: str) -> Result:
    """Whether the selector ``text`` selects ``device`` (of ``driver``)."""
    compiled = compile_expression(text)
    if isinstance(compiled, NotEvaluated):
        return Result(None, str(compiled))
    node, refs = compiled
    key: tuple[Any, ...] | None = None
    if refs is not None:
        key = (text, driver, *(_raw(device, driver, r) for r in refs))
        hit = _RESULTS.get(key)
        if hit is not None:
            return hit
    try:
        value = _Eval(device_view(device, driver)).run(node)
        result = (
            Result(value)
            if isinstance(value, bool)
            else Result(None, "the expression does not give a bool", error=True)
        )
    except NotEvaluated as exc:
        result = Result(None, str(exc))
    except CelError as exc:
        result = Result(None, f"CEL runtime error: {exc}", error=True)
    if key is not None:
        if len(_RESULTS) >= _RESULTS_MAX:
            _RESULTS.clear()
        _RESULTS[key] = result
    return result
