"""Quantity arithmetic on the forms Kubernetes objects really carry."""

from fractions import Fraction

import pytest

from k8s_agent.analysis.quantity import (
    BINARY,
    DECIMAL,
    EXPONENT,
    Quantity,
    format_quantity,
    human,
    human_bytes,
    human_cpu,
    is_bytes,
    parse_quantity,
    sum_quantities,
    try_parse,
    unit_of,
    units_exact,
)

# (written, exact value, format, canonical string as the API server prints it)
CASES = [
    ("100m", Fraction(1, 10), DECIMAL, "100m"),
    ("0.5", Fraction(1, 2), DECIMAL, "500m"),
    (".5", Fraction(1, 2), DECIMAL, "500m"),
    ("1.5", Fraction(3, 2), DECIMAL, "1500m"),
    ("2", 2, DECIMAL, "2"),
    ("3920m", Fraction(392, 100), DECIMAL, "3920m"),
    ("1500", 1500, DECIMAL, "1500"),
    ("5k", 5000, DECIMAL, "5k"),
    ("100M", 100_000_000, DECIMAL, "100M"),
    ("2G", 2_000_000_000, DECIMAL, "2G"),
    ("151318487n", Fraction(151318487, 10**9), DECIMAL, "151318487n"),
    ("250u", Fraction(250, 10**6), DECIMAL, "250u"),
    ("128Mi", 128 * 2**20, BINARY, "128Mi"),
    ("1Gi", 2**30, BINARY, "1Gi"),
    ("1536Mi", 1536 * 2**20, BINARY, "1536Mi"),
    ("16393216Ki", 16393216 * 1024, BINARY, "16009Mi"),
    ("16318412Ki", 16318412 * 1024, BINARY, "16318412Ki"),
    ("0.5Gi", 2**29, BINARY, "512Mi"),
    ("1e3", 1000, EXPONENT, "1e3"),
    ("1.5e3", 1500, EXPONENT, "1500"),
    ("12E6", 12_000_000, EXPONENT, "12e6"),
    ("-100m", Fraction(-1, 10), DECIMAL, "-100m"),
    ("0", 0, DECIMAL, "0"),
]


@pytest.mark.parametrize("text,value,fmt,canonical", CASES)
def test_parse_and_canonical_form(text, value, fmt, canonical):
    q = parse_quantity(text)
    assert q.value == value
    assert q.format == fmt
    assert str(q) == canonical


# "Mi" alone is not here: apimachinery reads a suffix without a number as 0 (tests/unit/test_quantity_apimachinery.py)
@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "10 Mi", "1mi", "1KiB", "--1", "1e"])
def test_malformed_quantities_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_quantity(bad)
    assert try_parse(bad) is None


def test_exact_addition_keeps_the_left_format():
    assert str(parse_quantity("128Mi") + parse_quantity("128Mi")) == "256Mi"
    assert str(parse_quantity("100m") + parse_quantity("200m")) == "300m"
    assert str(parse_quantity("0.1") + parse_quantity("0.2")) == "300m"  # no float drift
    assert str(parse_quantity("100m") + parse_quantity("1")) == "1100m"
    # binary + decimal that is not a multiple of 1024 prints as a plain number, like Kubernetes
    assert str(parse_quantity("128Mi") + parse_quantity("100M")) == "234217728"
    assert str(parse_quantity("0") + parse_quantity("1Gi")) == "1Gi"


def test_sum_skips_missing_and_malformed():
    assert str(sum_quantities(["250m", None, "bogus", "750m"])) == "1"
    assert str(sum_quantities([])) == "0"


def test_comparison_and_millis():
    assert parse_quantity("1") > parse_quantity("999m")
    assert parse_quantity("1Gi") > parse_quantity("1G")
    assert parse_quantity("1Ki") == parse_quantity("1024")
    assert parse_quantity("151318487n").millis == 152  # rounded up, as MilliValue does


def test_sub_nano_values_round_up_like_kubernetes():
    assert format_quantity(Fraction(1, 10**10)) == "1n"


def test_human_forms_for_sentences():
    assert human_bytes(parse_quantity("1288490188")) == "1.2Gi"
    assert human_bytes(parse_quantity("512Mi")) == "512Mi"
    assert human_bytes(parse_quantity("900")) == "900"
    assert human_cpu(parse_quantity("1234567890n")) == "1235m"
    assert human_cpu(parse_quantity("4")) == "4"


def test_a_nanocore_cpu_reads_in_whole_millicores_rounded_up():
    # metrics-server reports cpu usage in nanocores; sentences show millicores, never "n"
    assert human("cpu", parse_quantity("250000001n")) == "251m"
    assert human("cpu", parse_quantity("2")) == "2"


def test_storage_is_counted_and_written_in_bytes():
    # a PersistentVolumeClaim's request (spec.resources.requests.storage)
    assert is_bytes("storage") and unit_of("storage") == "bytes"
    assert human("storage", parse_quantity("10Gi")) == "10Gi"


def test_human_bytes_past_the_largest_suffix_stays_in_exbibytes():
    assert human_bytes(1024**7) == "1024Ei"


def test_a_trailing_decimal_point_keeps_the_whole_number():
    assert parse_quantity("12.") == 12 and str(parse_quantity("12.")) == "12"


def test_minus_one_kibibyte_is_written_in_kibibytes():
    # a negative count (memory overcommitted: allocatable minus requests) from -1024 bytes on takes a suffix
    assert units_exact("memory", -1024) == "-1Ki"
    assert units_exact("memory", -1023) == "-1023"


def test_a_binary_quantity_of_exactly_one_keeps_its_binary_format():
    # apimachinery turns a binary quantity strictly between 0 and 1 to decimal; 1 itself stays binary, and
    # a sum keeps the left operand's format: 1 + 1023 is written 1Ki
    one = parse_quantity("0.0009765625Ki")
    assert one == 1 and one.format == BINARY
    assert str(one + parse_quantity("1023")) == "1Ki"


def test_a_quantity_made_from_nothing_is_zero():
    assert Quantity() == 0 and not Quantity()
