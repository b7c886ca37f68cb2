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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from k8s_agent.analysis.quantity import parse_quantity
from k8s_agent.kube.models import Device


class NotEvaluated(Exception):
    """The expression uses something this evaluator does not implement."""


class CelError(Exception):
    """A CEL runtime error (a missing attribute, mismatched types)."""


@dataclass(frozen=True, slots=True)
class Result:
    """``value`` True/False when decided; None with ``why`` when not evaluated (``error`` True when CEL
    itself would fail at run time)."""

    value: bool | None
    why: str = ""
    error: bool = False


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Version:
    core: tuple[int, int, int]
    pre: tuple[Any, ...]

    def key(self) -> tuple[Any, ...]:
        # a version without a pre-release ranks above the same version with one
        return (self.core, 1 if not self.pre else 0, self.pre)


_VERSION = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def parse_version(text: str) -> Version:
    m = _VERSION.match(text)
    if m is None:
        raise CelError(f"invalid semver {text!r}")
    pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in m[4].split(".")) if m[4] else ()
    return Version((int(m[1]), int(m[2]), int(m[3])), pre)


class _Map:
    """One domain of ``device.attributes`` / ``device.capacity``, read from the device on demand (a missing
    name is a runtime error)."""

    __slots__ = ("capacity", "device", "domain", "driver")

    def __init__(self, device: Device, driver: str, domain: str, capacity: bool) -> None:
        self.device, self.driver, self.domain, self.capacity = device, driver, domain, capacity

    def lookup(self, key: str) -> Any:
        d = self.device
        items: Any = d.capacity if self.capacity else d.attributes
        raw = items.get(f"{self.domain}/{key}")
        if raw is None and self.domain == self.driver:
            raw = items.get(key)
        if raw is None:
            return None
        return _capacity(raw.value) if self.capacity else _attribute(raw)

    def get(self, key: str) -> Any:
        value = self.lookup(key)
        if value is None:
            raise CelError(f"no such key: {key}")
        return value


class _Domains:
    """``device.attributes`` / ``device.capacity``: any domain gives a map (empty when unknown)."""

    __slots__ = ("capacity", "device", "driver")

    def __init__(self, device: Device, driver: str, capacity: bool) -> None:
        self.device, self.driver, self.capacity = device, driver, capacity

    def get(self, key: str) -> _Map:
        return _Map(self.device, self.driver, key, self.capacity)


@lru_cache(maxsize=1024)
def _capacity(text: str) -> Quantity | None:
    try:
        return Quantity(parse_quantity(text).value)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _version(text: str) -> Version | None:
    try:
        return parse_version(text)
    except CelError:
        return None


def _attribute(a: Any) -> Any:
    if a.int_value is not None:
        return a.int_value
    if a.bool_value is not None:
        return a.bool_value
    if a.string_value is not None:
        return a.string_value
    if a.version_value is not None:
        return _version(a.version_value)
    return None


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+)(?![\d.eE])|
    (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|
    (?P<op>&&|\|\||==|!=|<=|>=|[<>!()\[\].,])|
    (?P<id>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise NotEvaluated(f"unsupported syntax at {text[pos : pos + 12]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            body = value[1:-1]
            if "\\" in body:
                body = re.sub(r"\\(.)", lambda e: _ESCAPES.get(e[1], "\x00"), body)
                if "\x00" in body:
                    raise NotEvaluated("unsupported string escape")
            value = body
        out.append((kind, value))
    return out


# AST nodes are tuples: ("lit", v) ("dev",) ("get", obj, key) ("call", name, target|None, args)
# ("not", x) ("and", a, b) ("or", a, b) ("cmp", op, a, b) ("in", key, map)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        t = self.peek()
        if t is None or (value is not None and t[1] != value):
            raise NotEvaluated(f"expected {value or 'more'}")
        self.i += 1
        return t

    def parse(self) -> Node:
        node = self.or_()
        if self.peek() is not None:
            raise NotEvaluated(f"unsupported syntax near {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_(self) -> Node:
        node = self.and_()
        while (t := self.peek()) is not None and t == ("op", "||"):
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.rel()
        while (t := self.peek()) is not None and t == ("op", "&&"):
            self.take()
            node = ("and", node, self.rel())
        return node

    def rel(self) -> Node:
        node = self.unary()
        t = self.peek()
        if t is not None and t[0] == "op" and t[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", t[1], node, self.unary())
        if t == ("id", "in"):
            self.take()
            return ("in", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "!"):
            self.take()
            return ("not", self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while (t := self.peek()) is not None and t[1] in (".", "["):
            self.take()
            if t[1] == "[":
                key = self.or_()
                self.take("]")
                node = ("get", node, key)
                continue
            kind, name = self.take()
            if kind != "id":
                raise NotEvaluated("unsupported member access")
            if self.peek() == ("op", "("):
                node = ("call", name, node, self.args())
            else:
                node = ("get", node, ("lit", name))
        return node

    def args(self) -> list[Node]:
        self.take("(")
        out: list[Node] = []
        if self.peek() != ("op", ")"):
            out.append(self.or_())
            while self.peek() == ("op", ","):
                self.take()
                out.append(self.or_())
        self.take(")")
        return out

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return ("lit", int(value))
        if kind == "str":
            return ("lit", value)
        if kind == "op" and value == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "id":
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "device":
                return ("dev",)
            if value in ("quantity", "semver") and self.peek() == ("op", "("):
                return ("call", value, None, self.args())
        raise NotEvaluated(f"unsupported {value!r}")


def device_view(device: Device, driver: str) -> dict[str, Any]:
    """The device as the DRA CEL environment presents it (attributes and capacity read on demand)."""
    return {
        "driver": driver,
        "attributes": _Domains(device, driver, False),
        "capacity": _Domains(device, driver, True),
    }


def _order(v: Any) -> Any:
    if isinstance(v, Version):
        return v.key()
    if isinstance(v, Quantity):
        return v.value
    return v


def _same_type(a: Any, b: Any) -> bool:
    return type(a) is type(b)


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
            if isinstance(obj, _Domains | _Map):
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
                return _same_type(a, b) and _order(a) == _order(b)
            if n[1] == "!=":
                return not (_same_type(a, b) and _order(a) == _order(b))
            if not _same_type(a, b) or isinstance(a, bool):
                raise CelError(f"no such overload: {n[1]}")
            return _CMP[n[1]](_order(a), _order(b))
        if op == "in":
            key, container = self.run(n[1]), self.run(n[2])
            if isinstance(container, _Map) and isinstance(key, str):
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
                q = _capacity(vals[0])
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
            if not _same_type(obj, arg):
                raise CelError(f"no such overload: {name}")
            a, b = _order(obj), _order(arg)
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
        node = _Parser(text).parse()
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
