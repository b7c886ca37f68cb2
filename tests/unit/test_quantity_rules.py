"""Quantity arithmetic as apimachinery's Quantity does it (the result keeps the left operand's format unless
that one is zero), comparisons, resource lists, and the human forms used in sentences, negatives included."""

from __future__ import annotations

from fractions import Fraction

import pytest

from k8s_agent.analysis.quantity import (
    Quantity,
    add_resource_lists,
    human,
    human_bytes,
    human_cpu,
    parse_quantity,
    parse_resource_list,
    sum_quantities,
    units_human,
)

Q = parse_quantity


def test_arithmetic_keeps_the_left_format_unless_it_is_zero():
    assert (Q("1Gi") + Q("1Gi")).format == Q("1Gi").format
    assert str(Q("1Gi") + Q("1Gi")) == "2Gi"
    assert str(Q("0") + Q("1Gi")) == "1Gi"  # zero on the left: the right one's format
    assert str(Q("3Gi") - Q("1Gi")) == "2Gi"
    assert str(Q("0") - Q("1Gi")) == "-1Gi"
    assert str(Q("1Gi") - Q("0")) == "1Gi"
    assert str(Q("1Gi") * 3) == "3Gi"
    assert str(-Q("1Gi")) == "-1Gi"
    assert repr(Q("500m")) == "Quantity('500m')"


def test_comparisons_and_truth():
    a, b = Q("1Gi"), Q("1024Mi")
    assert a == b and hash(a) == hash(b)
    assert a == 2**30 and a != 2**30 + 1
    assert not (a < b) and a <= b and not (a > b) and a >= b
    assert Q("1") < Q("2") and Q("2") > Q("1") and not (Q("2") <= Q("1")) and not (Q("1") >= Q("2"))
    assert bool(Q("1m")) and not bool(Q("0"))
    assert len({Q("1Gi"), Q("1024Mi"), Q("1G")}) == 2


def test_resource_lists():
    assert parse_resource_list(None) == {}
    parsed = parse_resource_list({"cpu": "500m", "memory": "bogus", "pods": "10"})
    assert {k: str(v) for k, v in parsed.items()} == {"cpu": "500m", "pods": "10"}
    summed = add_resource_lists({"cpu": Q("500m")}, {"cpu": Q("250m"), "memory": Q("1Gi")})
    assert {k: str(v) for k, v in summed.items()} == {"cpu": "750m", "memory": "1Gi"}
    assert str(sum_quantities(["1Gi", None, "bogus", Q("1Gi")])) == "2Gi"


def test_human_forms():
    assert human_bytes(0) == "0"
    assert human_bytes(1023) == "1023"
    assert human_bytes(1024) == "1Ki"
    assert human_bytes(1536) == "1.5Ki"
    assert human_bytes(-(3 * 2**29)) == "-1.5Gi"
    assert human_bytes(Q("2Ei")) == "2Ei"
    assert human_cpu(Fraction(1, 4)) == "250m"
    assert human_cpu(2) == "2"
    assert human_cpu(Fraction(-1, 4)) == "-250m"
    assert human_cpu(Fraction(-1, 3000)) == "-1m"  # away from zero, as MilliValue rounds up magnitudes
    assert human_cpu(Fraction(1, 3000)) == "1m"
    assert human_cpu(Q("1500m")) == "1500m"
    assert human("cpu", 2) == "2"
    assert human("memory", 2**30) == "1Gi"
    assert human("hugepages-2Mi", 2**21) == "2Mi"
    assert human("pods", 110) == "110"
    assert human("nvidia.com/gpu", Q("4")) == "4"
    assert units_human("memory", -(2**30)) == "-1Gi"
    assert units_human("memory", 1000) == "1000"
    assert units_human("cpu", 1500) == "1500m"
    assert units_human("cpu", 2000) == "2"
    assert units_human("pods", 110) == "110"


def test_from_nanos_and_millis():
    assert str(Quantity.from_nanos(500_000_000)) == "500m"
    assert Quantity(Fraction(1, 3000)).millis == 1  # MilliValue rounds up


def test_the_left_format_wins_a_sum_or_difference():
    assert str(Q("1Ki") + Q("1024")) == "2Ki"
    assert str(Q("1024") + Q("1Ki")) == "2048"
    assert str(Q("3Ki") - Q("1024")) == "2Ki"
    assert str(Q("3072") - Q("1Ki")) == "2048"


def test_parse_numbers_and_reject_booleans():
    assert str(parse_quantity(5)) == "5" and parse_quantity(5).format == "DecimalSI"
    assert str(parse_quantity(0.5)) == "500m"
    with pytest.raises(ValueError, match="invalid quantity True"):
        parse_quantity(True)
    with pytest.raises(ValueError, match="invalid quantity '1.5.5'"):
        parse_quantity("1.5.5")
