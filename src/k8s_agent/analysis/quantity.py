"""Exact Kubernetes resource quantities: parse, add, compare, format.

Follows ``k8s.io/apimachinery/pkg/api/resource``: a quantity is ``<sign><number><suffix>`` where the suffix is a
binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
Values are held as exact ``Fraction``s, so ``0.1 + 0.2`` is ``0.3`` and ``128Mi + 128Mi`` is ``256Mi``.

Canonical formatting matches what the API server prints:
* BinarySI: integers that are multiples of 1024 get the largest exact suffix (``1536Mi``); other values
  (below 1024, fractional, or not a multiple) fall back to DecimalSI, as Kubernetes does;
* DecimalSI: the largest power-of-1000 suffix that keeps the mantissa an integer (``1500m``, ``2``, ``5k``),
  after rounding up to nano precision;
* DecimalExponent: the same with ``e<3k>``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from fractions import Fraction

BINARY = "BinarySI"
DECIMAL = "DecimalSI"
EXPONENT = "DecimalExponent"

_BINARY_SUFFIXES = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_BY_EXP = {v: k for k, v in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXP = {v: k for k, v in _BINARY_SUFFIXES.items()}

#: what apimachinery caps a BinarySI quantity at (the largest int64), as the API server stores it
MAX_INT64 = 2**63 - 1

# the number may be empty when a suffix follows ("Mi", "e3"): apimachinery reads that as 0
_QUANTITY_RE = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>\d+(?:\.\d*)?|\.\d+|(?=[KMGTPEkmunEe]))"
    r"(?:(?P<bin>Ki|Mi|Gi|Ti|Pi|Ei)|(?P<exp>[eE][+-]?\d+)|(?P<dec>[numkMGTPE]?))$"
)

_NANO = Fraction(1, 10**9)


class Quantity:
    """An exact quantity with the format it was written in (kept through arithmetic, as Kubernetes does)."""

    __slots__ = ("value", "format")

    def __init__(self, value: Fraction | int = 0, format: str = DECIMAL) -> None:  # noqa: A002
        self.value = Fraction(value)
        self.format = format

    @classmethod
    def from_nanos(cls, nanos: int, format: str = DECIMAL) -> Quantity:  # noqa: A002
        """From an integer count of billionths (the analyses' fast representation)."""
        return cls(Fraction(nanos, 10**9), format)

    # arithmetic: the result keeps the left operand's format, unless the left one is zero
    def __add__(self, other: Quantity) -> Quantity:
        fmt = self.format if self.value or not other.value else other.format
        return Quantity(self.value + other.value, fmt)

    def __sub__(self, other: Quantity) -> Quantity:
        fmt = self.format if self.value or not other.value else other.format
        return Quantity(self.value - other.value, fmt)

    def __mul__(self, k: int | Fraction) -> Quantity:
        return Quantity(self.value * k, self.format)

    def __neg__(self) -> Quantity:
        return Quantity(-self.value, self.format)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return self.value == other.value
        if isinstance(other, (int, Fraction)):
            return self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: Quantity) -> bool:
        return self.value < other.value

    def __le__(self, other: Quantity) -> bool:
        return self.value <= other.value

    def __gt__(self, other: Quantity) -> bool:
        return self.value > other.value

    def __ge__(self, other: Quantity) -> bool:
        return self.value >= other.value

    def __bool__(self) -> bool:
        return self.value != 0

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def __str__(self) -> str:
        return format_quantity(self.value, self.format)

    @property
    def millis(self) -> int:
        """The value in thousandths, rounded up (Kubernetes' MilliValue)."""
        return math.ceil(self.value * 1000)


ZERO = Quantity(0)


def parse_quantity(text: str | int | float | Quantity) -> Quantity:
    """Parse a Kubernetes quantity string. Raises ``ValueError`` with the offending text."""
    if isinstance(text, Quantity):
        return text
    if isinstance(text, bool):
        raise ValueError(f"invalid quantity {text!r}")
    if isinstance(text, int):
        return Quantity(text, DECIMAL)
    if isinstance(text, float):
        return Quantity(Fraction(str(text)), DECIMAL)
    s = text.strip()  # JSON decoding of a Quantity trims surrounding white space
    m = _QUANTITY_RE.match(s)
    if m is None or not s:
        raise ValueError(f"invalid quantity {text!r}")
    raw = m["num"] or "0"
    num = Fraction(raw if not raw.endswith(".") else raw[:-1] or "0")
    if m["sign"] == "-":
        num = -num
    if m["bin"]:
        value, fmt = num * 1024 ** _BINARY_SUFFIXES[m["bin"]], BINARY
    elif m["exp"]:
        value, fmt = num * Fraction(10) ** int(m["exp"][1:]), EXPONENT
    else:
        value, fmt = num * Fraction(10) ** _DECIMAL_SUFFIXES[m["dec"] or ""], DECIMAL
    # as apimachinery stores it: rounded up (away from zero) to a billionth, a binary quantity capped at
    # the largest int64, and one between 0 and 1 written in decimal
    value = _round_up_nano(value)
    if fmt == BINARY:
        if abs(value) > MAX_INT64:
            value = MAX_INT64 if value > 0 else -MAX_INT64
        if 0 < abs(value) < 1:
            fmt = DECIMAL
    return Quantity(value, fmt)


def try_parse(text: str | None) -> Quantity | None:
    """``parse_quantity`` that returns None for missing or malformed input (bad data in a cluster object
    must not break an analysis)."""
    if text is None or text == "":
        return None
    try:
        return parse_quantity(text)
    except ValueError:
        return None


def _round_up_nano(value: Fraction) -> Fraction:
    if (value / _NANO).denominator == 1:
        return value
    scaled = math.ceil(value / _NANO) if value > 0 else -math.ceil(-value / _NANO)
    return scaled * _NANO


def format_quantity(value: Fraction | int, fmt: str = DECIMAL) -> str:
    """Canonical Kubernetes string for ``value`` written in ``fmt``."""
    value = Fraction(value)
    if value == 0:
        return "0"
    if fmt == BINARY:
        if -1024 < value < 1024 or value.denominator != 1:
            fmt = DECIMAL
        else:
            n, exp = int(value), 0
            while exp < 6 and n % 1024 == 0:
                n //= 1024
                exp += 1
            return f"{n}{_BINARY_BY_EXP.get(exp, '')}"
    value = _round_up_nano(value)
    # mantissa * 10^exp, exp a multiple of 3 from -9 up, mantissa an integer; DecimalSI stops at E (10^18),
    # the largest suffix (apimachinery drops the exponent past it and prints 10^21 as "1": we keep "1000E")
    exp = -9
    mantissa = value * 10**9
    top = 18 if fmt != EXPONENT else None
    while (top is None or exp < top) and mantissa.denominator == 1 and mantissa % 1000 == 0 and mantissa != 0:
        mantissa /= 1000
        exp += 3
    m = int(mantissa)
    if fmt == EXPONENT:
        return f"{m}" if exp == 0 else f"{m}e{exp}"
    return f"{m}{_DECIMAL_BY_EXP[exp]}"


def sum_quantities(items: Iterable[str | Quantity | None]) -> Quantity:
    """Sum quantity strings; missing or malformed entries count as zero."""
    total = ZERO
    for item in items:
        q = item if isinstance(item, Quantity) else try_parse(item)
        if q is not None:
            total = total + q
    return total


def add_resource_lists(*lists: dict[str, Quantity]) -> dict[str, Quantity]:
    """Add resource lists key by key."""
    out: dict[str, Quantity] = {}
    for rl in lists:
        for k, v in rl.items():
            out[k] = out[k] + v if k in out else v
    return out


def parse_resource_list(rl: dict[str, str] | None) -> dict[str, Quantity]:
    """Parse a ResourceList (name -> quantity string), skipping malformed values."""
    out: dict[str, Quantity] = {}
    for k, v in (rl or {}).items():
        q = try_parse(v)
        if q is not None:
            out[k] = q
    return out


def format_resource_list(rl: dict[str, Quantity]) -> dict[str, str]:
    return {k: str(v) for k, v in rl.items()}


# ------------------------------------------------------------------------------------------- resources
def is_bytes(resource: str) -> bool:
    """Memory, storage and huge pages are counted in bytes (written with binary suffixes); cpu in cores,
    everything else (pods, extended resources) in plain units."""
    return resource in ("memory", "ephemeral-storage", "storage") or resource.startswith("hugepages-")


def unit_of(resource: str) -> str:
    """The integer unit the analyses count a resource in (as the scheduler compares it)."""
    if resource == "cpu":
        return "millicores"
    return "bytes" if is_bytes(resource) else "units"


# ------------------------------------------------------------------------------------------- human forms
def human_bytes(value: Fraction | int | Quantity) -> str:
    """Binary units with one decimal where needed, for sentences: ``1.2Gi``, ``512Mi``, ``900Ki``, ``17``."""
    v = value.value if isinstance(value, Quantity) else Fraction(value)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for exp in range(6, 0, -1):
        unit = 1024**exp
        if v >= unit:
            x = v / unit
            text = f"{float(x):.1f}".rstrip("0").rstrip(".")
            return f"{sign}{text}{_BINARY_BY_EXP[exp]}"
    return f"{sign}{math.ceil(v)}"


def human_cpu(value: Fraction | int | Quantity) -> str:
    """Cores as millicores below 1 core or when fractional (``250m``, ``1500m``), whole cores otherwise."""
    v = value.value if isinstance(value, Quantity) else Fraction(value)
    millis = math.ceil(v * 1000) if v >= 0 else -math.ceil(-v * 1000)
    if millis % 1000 == 0:
        return str(millis // 1000)
    return f"{millis}m"


def human(resource: str, value: Fraction | int | Quantity) -> str:
    """Human form for a named resource: cpu in cores/millicores, memory and storage in binary units."""
    if resource == "cpu":
        return human_cpu(value)
    if is_bytes(resource):
        return human_bytes(value)
    v = value.value if isinstance(value, Quantity) else Fraction(value)
    return format_quantity(v, DECIMAL)


# ------------------------------------------------------------------------------------------- integer units
# The analyses of many nodes count in integer units (``unit_of``); these two write such a count without
# building a Fraction (they run for every node of a large cluster).
_DECIMAL_SUFFIX = {-3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BINARY_SUFFIX = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_BINARY_UNITS = tuple((1024**e, _BINARY_SUFFIX[e]) for e in range(6, 0, -1))


def _decimal(n: int, exp: int) -> str:
    """Canonical DecimalSI text of the integer ``n`` x 10^``exp`` (``exp`` -3 or 0)."""
    if n == 0:
        return "0"
    while exp < 18 and n % 1000 == 0:
        n //= 1000
        exp += 3
    return f"{n}{_DECIMAL_SUFFIX[exp]}"


def units_exact(resource: str, units: int) -> str:
    """The canonical Kubernetes string of a count (``152m``, ``4``, ``2Gi``, ``16318412Ki``): the text of
    ``format_quantity``, for values shown as data."""
    if resource == "cpu":
        return _decimal(units, -3)
    if not is_bytes(resource) or -1024 < units < 1024:
        return _decimal(units, 0)
    n, exp = units, 0
    while exp < 6 and n % 1024 == 0:
        n //= 1024
        exp += 1
    return f"{n}{_BINARY_SUFFIX[exp]}"


def units_human(resource: str, units: int) -> str:
    """A count as a rounded human quantity (``1.5Gi``, ``250m``, ``2``): the text of ``human``, for
    sentences."""
    if resource == "cpu":
        return str(units // 1000) if units % 1000 == 0 else f"{units}m"
    if is_bytes(resource):
        sign = "-" if units < 0 else ""
        v = abs(units)
        for unit, suffix in _BINARY_UNITS:
            if v >= unit:
                text = f"{v / unit:.1f}".rstrip("0").rstrip(".")
                return f"{sign}{text}{suffix}"
        return f"{sign}{v}"
    return human(resource, units)
