"""Quantities parsed and written exactly as apimachinery does.

``tests/fixtures/kubectl/quantities.json`` holds what k8s.io/apimachinery v0.36.3 made of 790 inputs (every
suffix against numbers from nano-scale fractions to past the int64 range): the canonical string once the
input is no longer cached (what a sum or a copy prints), the format, or a rejection.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from corpus import FIXTURES
from k8s_agent.analysis.quantity import BINARY, DECIMAL, MAX_INT64, parse_quantity, sum_quantities

CASES = json.loads((FIXTURES / "kubectl" / "quantities.json").read_text())["cases"]

#: apimachinery writes a DecimalSI value past 10^21 with its exponent dropped (10^21 as "1", a thousand
#: times too small): there is no SI suffix above E. The agent keeps the value and writes "1000E".
DIVERGES = {"1000E": "1000E"}


@pytest.mark.parametrize("case", CASES, ids=[c["in"] or "empty" for c in CASES])
def test_parse_and_canonical_form(case: dict) -> None:
    if case.get("error"):
        with pytest.raises(ValueError):
            parse_quantity(case["in"])
        return
    q = parse_quantity(case["in"])
    assert (str(q), q.format) == (DIVERGES.get(case["in"], case["canonical"]), case["format"])


def test_the_table_covers_the_edges() -> None:
    ins = {c["in"] for c in CASES}
    assert {"9223372036854775808Ki", "1Ei", "1E", "0.0000000001Ki", "1e21", "Mi", "abc"} <= ins
    assert len(CASES) > 700


def test_binary_values_past_int64_are_capped_as_the_api_server_stores_them() -> None:
    assert parse_quantity("9Ei").value == MAX_INT64
    assert str(parse_quantity("9Ei")) == "9223372036854775807"
    assert parse_quantity("-20Ei").value == -MAX_INT64
    # decimal values are not capped
    assert parse_quantity("10E").value == 10 * 10**18


def test_values_round_up_to_a_billionth_when_parsed_so_sums_round_as_in_kubernetes() -> None:
    assert parse_quantity("0.1n").value == Fraction(1, 10**9)
    assert parse_quantity("-0.1n").value == -Fraction(1, 10**9)  # away from zero
    # each term is rounded when parsed, not the sum
    assert str(sum_quantities(["0.1n", "0.1n", "0.1n"])) == "3n"


def test_binary_below_one_is_written_in_decimal() -> None:
    q = parse_quantity("0.0001Ki")
    assert (q.format, str(q)) == (DECIMAL, "102400u")
    assert parse_quantity("1Ki").format == BINARY


def test_white_space_around_a_quantity_is_accepted_as_json_decoding_trims_it() -> None:
    assert str(parse_quantity(" 5 ")) == "5"
