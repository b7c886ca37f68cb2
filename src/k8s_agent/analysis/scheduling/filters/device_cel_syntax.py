"""The syntax of the DRA CEL device selectors that ``device_cel`` evaluates: tokens and a recursive-descent
parser into a small tuple AST. Anything outside the forms listed in ``device_cel`` raises ``NotEvaluated``
(the caller then says the selector was not evaluated; it never guesses).
"""

from __future__ import annotations

import re
from typing import Any


class NotEvaluated(Exception):
    """The expression uses something this evaluator does not implement."""


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


def parse(text: str) -> Node:
    """The AST of ``text``; ``NotEvaluated`` when it uses a form this parser does not know."""
    return _Parser(text).parse()
