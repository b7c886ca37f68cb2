"""The DRA CEL device selectors (``device_cel``, its syntax and values), rule by rule, on devices as a
``resource.k8s.io/v1`` ResourceSlice publishes them: what each form gives on a device, what CEL would fail on
at run time (the scheduler stops the attempt), and what the agent does not evaluate (it says why)."""

from __future__ import annotations

import pytest

from builders.dra import DRIVER, clear_cel_caches, device
from k8s_agent.analysis.scheduling.filters import device_cel
from k8s_agent.analysis.scheduling.filters.device_cel import evaluate
from k8s_agent.analysis.scheduling.filters.device_cel_syntax import NotEvaluated, parse

A = 'device.attributes["gpu.example.com"]'
C = 'device.capacity["gpu.example.com"]'


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_cel_caches()
    yield
    clear_cel_caches()


def gpu_device(**extra_attrs):
    attrs = {
        "model": {"string": "a100"},
        "index": {"int": 3},
        "healthy": {"bool": True},
        "driverVersion": {"version": "1.2.3"},
        **extra_attrs,
    }
    return device(attrs, {"memory": "40Gi"})


def value(expr, dev=None, driver=DRIVER):
    return evaluate(expr, dev or gpu_device(), driver).value


def failure(expr, dev=None, driver=DRIVER):
    r = evaluate(expr, dev or gpu_device(), driver)
    assert r.value is None
    return r.why, r.error


# ------------------------------------------------------------------ values: attribute types, domains, capacity
def test_each_attribute_type_reads_as_its_cel_type():
    assert value(f'{A}.model == "a100"') is True
    assert value(f"{A}.index == 3") is True
    assert value(f"{A}.healthy == true") is True
    assert value(f'{A}.driverVersion == semver("1.2.3")') is True
    # each type is only equal to its own: the int 3 is not the string "3", true is not 1
    assert value(f'{A}.index == "3"') is False
    assert value(f"{A}.healthy == 1") is False


def test_a_name_without_a_domain_belongs_to_the_driver_and_a_qualified_name_to_its_domain():
    dev = gpu_device(**{"gpu.example.com/vram": {"int": 80}, "numa.example.io/node": {"int": 1}})
    assert value(f"{A}.vram == 80", dev) is True
    assert value('device.attributes["numa.example.io"].node == 1', dev) is True
    # the driver's unqualified "model" is not in another domain: a missing key is a runtime error
    assert failure('device.attributes["numa.example.io"].model == "a100"', dev) == (
        "CEL runtime error: no such key: model",
        True,
    )
    # with another driver, "model" is in that driver's domain, not in gpu.example.com
    assert failure(f'{A}.model == "a100"', dev, driver="other.example.com")[1] is True
    assert value('device.attributes["other.example.com"].model == "a100"', dev, "other.example.com") is True


def test_capacity_and_attributes_are_separate_maps():
    assert value(f'{C}.memory.compareTo(quantity("40Gi")) == 0') is True
    assert failure(f"{A}.memory == 1") == ("CEL runtime error: no such key: memory", True)
    assert failure(f'{C}.model == "a100"') == ("CEL runtime error: no such key: model", True)


def test_membership_in_a_domain():
    assert value(f'"model" in {A}') is True
    assert value(f'"memory" in {C}') is True
    assert value(f'"memory" in {A}') is False
    assert value('"model" in device.attributes["numa.example.io"]') is False
    dev = gpu_device(**{"gpu.example.com/vram": {"int": 80}})
    assert value(f'"vram" in {A}', dev) is True


def test_a_missing_attribute_is_a_runtime_error_unless_the_other_operand_decides():
    assert failure(f"{A}.missing == 1") == ("CEL runtime error: no such key: missing", True)
    assert value(f'device.driver == "x" && {A}.missing == 1') is False
    assert value(f'{A}.missing == 1 && device.driver == "x"') is False
    assert value(f'{A}.missing == 1 || device.driver == "gpu.example.com"') is True
    assert value(f'device.driver == "gpu.example.com" || {A}.missing == 1') is True
    assert failure(f'device.driver == "gpu.example.com" && {A}.missing == 1')[1] is True
    assert failure(f'{A}.missing == 1 || device.driver == "x"')[1] is True


# ------------------------------------------------------------------ versions (semver) and quantities
SEMVER_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.10.0",
    "2.0.0",
    "10.0.0",
]


def test_semver_precedence_of_the_semver_spec():
    for lo, hi in zip(SEMVER_ORDER, SEMVER_ORDER[1:], strict=False):
        assert value(f'semver("{lo}").isLessThan(semver("{hi}"))') is True, (lo, hi)
        assert value(f'semver("{hi}").isGreaterThan(semver("{lo}"))') is True, (lo, hi)
        assert value(f'semver("{hi}").isLessThan(semver("{lo}"))') is False, (lo, hi)
        assert value(f'semver("{lo}").compareTo(semver("{hi}")) < 0') is True, (lo, hi)
        assert value(f'semver("{hi}").compareTo(semver("{lo}")) > 0') is True, (lo, hi)
    # the three numbers count each in its place
    assert value('semver("1.5.0").isLessThan(semver("2.5.0"))') is True
    assert value('semver("1.1.0").isLessThan(semver("1.2.0"))') is True
    assert value('semver("1.1.1").isLessThan(semver("1.1.2"))') is True


def test_build_metadata_does_not_count_and_equal_versions_compare_zero():
    assert value('semver("1.2.3+build.1").compareTo(semver("1.2.3+build.2")) == 0') is True
    assert value('semver("1.2.3+x") == semver("1.2.3")') is True
    assert value('semver("1.2.3").isGreaterThan(semver("1.2.3"))') is False
    assert value('semver("1.2.3").isLessThan(semver("1.2.3"))') is False
    assert value(f'{A}.driverVersion.isLessThan(semver("1.10.0"))') is True
    assert value(f'{A}.driverVersion.isGreaterThan(semver("1.2.3-rc.1"))') is True


def test_an_invalid_semver_is_a_runtime_error():
    assert failure('semver("1.2") == semver("1.2.0")') == ("CEL runtime error: invalid semver '1.2'", True)
    assert failure('semver("01.2.3").isLessThan(semver("1.2.4"))')[1] is True


def test_quantities_compare_by_amount_whatever_their_suffix():
    assert value('quantity("1Gi").compareTo(quantity("1024Mi")) == 0') is True
    assert value('quantity("1G").compareTo(quantity("1Gi")) < 0') is True
    assert value('quantity("1Gi").compareTo(quantity("1G")) > 0') is True
    assert value(f'{C}.memory.isGreaterThan(quantity("39Gi"))') is True
    assert value(f'{C}.memory.isGreaterThan(quantity("40Gi"))') is False
    assert value(f'{C}.memory.isLessThan(quantity("41Gi"))') is True
    assert value(f'{C}.memory.isLessThan(quantity("40Gi"))') is False
    assert value(f'{C}.memory == quantity("40960Mi")') is True
    assert failure('quantity("lots").isLessThan(quantity("1"))') == (
        "CEL runtime error: invalid quantity 'lots'",
        True,
    )


def test_a_quantity_and_a_version_do_not_compare():
    assert failure(f'{C}.memory.compareTo(semver("1.0.0")) == 0') == (
        "CEL runtime error: no such overload: compareTo",
        True,
    )
    assert failure(f'{A}.driverVersion.isLessThan(quantity("1"))') == (
        "CEL runtime error: no such overload: isLessThan",
        True,
    )


# ------------------------------------------------------------------ operators
def test_ordering_operators_on_ints_strings_and_versions():
    cases = {
        f"{A}.index < 4": True,
        f"{A}.index < 3": False,
        f"{A}.index <= 3": True,
        f"{A}.index <= 2": False,
        f"{A}.index > 2": True,
        f"{A}.index > 3": False,
        f"{A}.index >= 3": True,
        f"{A}.index >= 4": False,
        f'{A}.model < "b"': True,
        f'{A}.model > "a100"': False,
        f'{A}.driverVersion < semver("1.10.0")': True,
        f'{A}.driverVersion >= semver("1.2.3")': True,
        f"{A}.index != 3": False,
        f"{A}.index != 4": True,
        f'{A}.index != "3"': True,  # no cross-type equality: different types are never equal
    }
    assert {e: value(e) for e in cases} == cases


def test_ordering_across_types_or_on_bools_is_a_runtime_error():
    assert failure(f'{A}.index < "3"') == ("CEL runtime error: no such overload: <", True)
    assert failure(f"{A}.healthy > false") == ("CEL runtime error: no such overload: >", True)


def test_not_needs_a_bool():
    assert value(f"!{A}.healthy") is False
    assert value(f"!!{A}.healthy") is True
    assert failure(f"!{A}.index") == ("CEL runtime error: no such overload: !", True)


def test_and_or_on_non_bools_is_a_runtime_error_unless_decided_by_the_other_side():
    assert failure(f"{A}.index && true") == ("CEL runtime error: no such overload: and", True)
    assert failure(f"{A}.index || false") == ("CEL runtime error: no such overload: or", True)
    assert value(f"{A}.index || true") is True
    assert value(f"false && {A}.index") is False
    assert value("true && true") is True
    assert value("false || false") is False
    assert value("true && false") is False
    assert value("false || true") is True


def test_the_first_error_of_both_failing_sides_is_the_one_reported():
    assert failure(f"{A}.missing == 1 && {A}.index") == ("CEL runtime error: no such key: missing", True)
    assert failure(f"{A}.index || {A}.missing == 1") == ("CEL runtime error: no such overload: or", True)


def test_and_binds_tighter_than_or():
    # false && x || true is (false && x) || true
    assert value("false && false || true") is True
    # true || x && false is true || (x && false)
    assert value("true || false && false") is True
    assert value("(true || false) && false") is False


def test_string_functions():
    assert value("device.driver.startsWith('gpu.')") is True
    assert value('device.driver.startsWith("example")') is False
    assert value('device.driver.endsWith(".com")') is True
    assert value('device.driver.endsWith("gpu")') is False
    assert value('device.driver.contains("example")') is True
    assert value('device.driver.contains("nvidia")') is False


def test_an_expression_that_is_not_a_bool_is_a_runtime_error():
    r = evaluate(f"{A}.index", gpu_device(), DRIVER)
    assert (r.value, r.why, r.error) == (None, "the expression does not give a bool", True)


# ------------------------------------------------------------------ not evaluated
def test_forms_not_evaluated_say_what_and_are_not_errors():
    cases = {
        "device.attributes.exists(d, true)": "unsupported 'd'",
        "size(device.attributes) > 0": "unsupported 'size'",
        'device.name == "g0"': "device.name",
        f"{A}[1] == 1": "non-string key",
        'device.driver.matches("gpu")': "matches()",
        'device.driver.startsWith("a", "b")': "startsWith()",
        'quantity("1", "2") == quantity("1")': "quantity()",
        "semver(1) == semver(1)": "semver()",
        f'{A}.index.startsWith("3")': "startsWith()",
        '"model" in device.driver': "unsupported 'in'",
        '1 in device.attributes["gpu.example.com"]': "unsupported 'in'",
        'device.driver.x.y == "z"': "unsupported member access",
        "device.driver == 1.5": "unsupported syntax at ' 1.5'",
        'device.driver == "a\\qb"': "unsupported string escape",
        "device.driver == ": "expected more",
        "(device.driver == 'x'": "expected )",
        "device.driver == 'x')": "unsupported syntax near ')'",
        "device.attributes.1": "unsupported member access",
        f'{A}.model.contains("a"': "expected )",
        f'{A}["model" == "x"': "expected ]",
        "device.driver.startsWith()": "startsWith()",  # no argument: parsed, then not a known call
        "device.driver == )": "unsupported ')'",
        "device.driver == &&": "unsupported '&&'",
        'device.driver.compareTo("a") > 0': "compareTo()",  # strings have no compareTo
    }
    for expr, why in cases.items():
        r = evaluate(expr, gpu_device(), DRIVER)
        assert (r.value, r.why, r.error) == (None, why, False), expr


def test_an_unsupported_tail_is_quoted_by_its_first_twelve_characters():
    assert failure("device.driver ==@abcdefghijklmnop") == ("unsupported syntax at '@abcdefghijk'", False)
    assert failure("true #c") == ("unsupported syntax at ' #c'", False)


def test_string_literals_and_their_escapes():
    dev = gpu_device(label={"string": 'a"b\\c\td\ne'})
    assert value(f'{A}.label == "a\\"b\\\\c\\td\\ne"', dev) is True
    assert value(f"{A}.label == 'a\"b\\\\c\\td\\ne'", dev) is True
    assert value(f"{A}.model == 'a100'") is True
    assert value(f'{A}.model == ""') is False
    assert value(f"{A}.model == 'a\\'100'") is False


def test_whitespace_around_tokens_is_ignored():
    assert value(f'  {A} . model   ==\t"a100"  \n') is True
    assert value(f'{A}["model"]=="a100"&&{A}.index>=3') is True
    assert value(f"( {A}.index ) == ( 3 )") is True


def test_the_ast_of_each_form():
    assert parse('device.driver == "x"') == ("cmp", "==", ("get", ("dev",), ("lit", "driver")), ("lit", "x"))
    assert parse('"m" in device.attributes["d"]') == (
        "in",
        ("lit", "m"),
        ("get", ("get", ("dev",), ("lit", "attributes")), ("lit", "d")),
    )
    assert parse("!true || false && true") == (
        "or",
        ("not", ("lit", True)),
        ("and", ("lit", False), ("lit", True)),
    )
    assert parse('device.driver.startsWith("a")') == (
        "call",
        "startsWith",
        ("get", ("dev",), ("lit", "driver")),
        [("lit", "a")],
    )
    assert parse('quantity("1Gi")') == ("call", "quantity", None, [("lit", "1Gi")])
    assert parse("semver('1.0.0')") == ("call", "semver", None, [("lit", "1.0.0")])
    assert parse("1 < 2 && 3 >= 4") == (
        "and",
        ("cmp", "<", ("lit", 1), ("lit", 2)),
        ("cmp", ">=", ("lit", 3), ("lit", 4)),
    )
    with pytest.raises(NotEvaluated, match="unsupported 'quantity'"):
        parse("quantity == 1")


# ------------------------------------------------------------------ caches: answers per device values, bounded
def test_a_cached_answer_is_reused_only_for_a_device_with_the_same_values_it_reads():
    a100, h100 = gpu_device(), gpu_device(model={"string": "h100"})
    big = device({"model": {"string": "a100"}}, {"memory": "80Gi"})
    other = device({"numa.example.io/node": {"int": 1}, "model": {"string": "a100"}})
    exprs = {
        f'{A}.model == "a100"': (True, False, True, True),
        f'{A}["model"] == "a100" && device.driver == "gpu.example.com"': (True, False, True, True),
        f'"model" in {A} && {A}.model != "h100"': (True, False, True, True),
        f'{C}.memory.isGreaterThan(quantity("50Gi"))': (False, False, True, None),
        f'!("memory" in {C})': (False, False, False, True),
        'device.attributes["numa.example.io"].node == 1 || false': (None, None, None, True),
        f'{A}.model.startsWith("a") && semver("1.0.0").isLessThan(semver("2.0.0"))': (
            True,
            False,
            True,
            True,
        ),
        # a domain read from the device itself: not a fixed path, never cached
        'device.attributes[device.driver].model == "a100"': (True, False, True, True),
    }
    for expr, want in exprs.items():
        got = tuple(evaluate(expr, d, DRIVER).value for d in (a100, h100, big, other))
        assert got == want, expr
        # and again in another order, from the cache
        assert tuple(evaluate(expr, d, DRIVER).value for d in (other, big, h100, a100)) == want[::-1], expr


def test_a_cached_answer_is_per_driver():
    dev = gpu_device()
    expr = f'{A}.model == "a100"'
    assert evaluate(expr, dev, DRIVER).value is True
    assert evaluate(expr, dev, "other.example.com").error is True  # "model" is the other driver's now
    assert evaluate('device.driver == "gpu.example.com"', dev, "other.example.com").value is False
    assert evaluate('device.driver == "gpu.example.com"', dev, DRIVER).value is True


def test_the_parse_and_result_caches_are_bounded():
    dev = gpu_device()
    for i in range(device_cel._CACHE_MAX + 1):  # the first one past the bound empties the cache
        assert evaluate(f"{A}.index == {i}", dev, DRIVER).value is (i == 3)
    assert len(device_cel._CACHE) <= device_cel._CACHE_MAX
    clear_cel_caches()
    expr = f"{A}.index >= 3"
    for i in range(device_cel._RESULTS_MAX + 1):  # one result per distinct value read
        assert evaluate(expr, device({"index": {"int": i}}), DRIVER).value is (i >= 3)
    assert len(device_cel._RESULTS) <= device_cel._RESULTS_MAX


def test_a_not_evaluated_form_is_remembered_with_its_reason():
    for _ in range(2):
        r = evaluate("size(device.attributes) > 0", gpu_device(), DRIVER)
        assert (r.value, r.why, r.error) == (None, "unsupported 'size'", False)


CACHED = [
    f'{A}.model == "a100"',
    f'{A}["model"] == "a100" && device.driver == "gpu.example.com"',
    f'"model" in {A} || !("memory" in {C})',
    f'{C}.memory.isGreaterThan(quantity("50Gi"))',
    f"3 == {A}.index",
    f'quantity("50Gi").isLessThan({C}.memory)',
    'device.driver.startsWith("gpu")',
    f"{A}.vram >= 40",
    "true",
]
NOT_CACHED = [
    'device.attributes[device.driver].model == "a100"',
    '"model" in device.attributes[device.driver]',
    "device.driver.startsWith(device.attributes[device.driver].model)",
]


def test_a_result_is_stored_once_per_values_read_and_shared_by_devices_that_have_them():
    # devices of one model on many nodes share one result per selector
    one = gpu_device(**{"gpu.example.com/vram": {"int": 80}, "serial": {"string": "s1"}})
    twin = gpu_device(**{"gpu.example.com/vram": {"int": 80}, "serial": {"string": "s2"}})
    for expr in CACHED:
        clear_cel_caches()
        first = evaluate(expr, one, DRIVER)
        assert len(device_cel._RESULTS) == 1, expr
        assert evaluate(expr, twin, DRIVER) is first, expr
        assert len(device_cel._RESULTS) == 1, expr


def test_a_result_read_from_a_qualified_name_of_the_drivers_domain_is_not_shared_with_other_values():
    big = gpu_device(**{"gpu.example.com/vram": {"int": 80}})
    small = gpu_device(**{"gpu.example.com/vram": {"int": 16}})
    assert [evaluate(f"{A}.vram >= 40", d, DRIVER).value for d in (big, small, big)] == [True, False, True]
    # an attribute that happens to be called "driver" is the device's value, not device.driver
    a, b = gpu_device(driver={"string": "x"}), gpu_device(driver={"string": "y"})
    assert [evaluate(f'{A}.driver == "x"', d, DRIVER).value for d in (a, b, a)] == [True, False, True]


def test_a_result_that_depends_on_more_than_fixed_names_is_never_stored():
    for expr in NOT_CACHED:
        clear_cel_caches()
        evaluate(expr, gpu_device(), DRIVER)
        assert device_cel._RESULTS == {}, expr
    prefix = gpu_device(model={"string": "gpu."})
    expr = NOT_CACHED[2]
    assert [evaluate(expr, d, DRIVER).value for d in (prefix, gpu_device(), prefix)] == [True, False, True]


def test_a_parsed_selector_is_reused():
    first = device_cel.compile_expression(f'{A}.model == "a100"')
    assert device_cel.compile_expression(f'{A}.model == "a100"') is first
    bad = device_cel.compile_expression("size(device.attributes) > 0")
    assert device_cel.compile_expression("size(device.attributes) > 0") is bad
