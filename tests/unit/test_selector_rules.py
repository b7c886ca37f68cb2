"""Node selector terms and label selectors as apimachinery parses, matches and the agent describes them:
``labels.NewRequirement``'s rules (operators, value counts, label key and value syntax and lengths, int64
bounds for Gt/Lt), matchFields (only In/NotIn on ``metadata.name``, exactly one value), and the texts."""

from __future__ import annotations

import msgspec
import pytest

from builders import make_node
from k8s_agent.analysis.scheduling.selectors import (
    compile_selector,
    describe_label_selector,
    describe_term,
    field_requirement_error,
    go_int,
    node_selector_matches,
    requirement_error,
    requirement_matches,
    term_failure,
    term_matches,
    tolerates,
    valid_label_key,
    valid_label_value,
)
from k8s_agent.kube.models import (
    LabelSelector,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    Taint,
    Toleration,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def req(key: str, op: str, *values: str) -> NodeSelectorRequirement:
    return msgspec.convert({"key": key, "operator": op, "values": list(values)}, NodeSelectorRequirement)


def term(exprs=(), fields=()) -> NodeSelectorTerm:
    return NodeSelectorTerm(match_expressions=list(exprs), match_fields=list(fields))


@pytest.mark.parametrize(
    ("r", "error"),
    [
        (req("zone", "In", "a"), ""),
        (req("zone", "NotIn", "a"), ""),
        (req("zone", "Exists"), ""),
        (req("zone", "DoesNotExist"), ""),
        (req("cores", "Gt", "4"), ""),
        (req("cores", "Lt", "4"), ""),
        (req("zone", "Bogus", "a"), "'Bogus' is not a valid operator"),
        (req("-zone", "In", "a"), "'-zone' is not a valid label key"),
        (req("zone", "In"), "In needs at least one value"),
        (req("zone", "NotIn"), "NotIn needs at least one value"),
        (req("zone", "Exists", "a"), "Exists takes no values"),
        (req("zone", "DoesNotExist", "a"), "DoesNotExist takes no values"),
        (req("cores", "Gt"), "Gt needs exactly one integer value"),
        (req("cores", "Lt", "1", "2"), "Lt needs exactly one integer value"),
        (req("cores", "Lt", "four"), "Lt needs exactly one integer value"),
        (req("cores", "Gt", str(INT64_MAX + 1)), "Gt needs exactly one integer value"),
        (req("zone", "In", "a", "-b"), "'-b' is not a valid label value"),
        (req("zone", "In", "x" * 64), f"'{'x' * 64}' is not a valid label value"),
    ],
)
def test_requirement_parse_rules(r, error):
    assert requirement_error(r) == error


@pytest.mark.parametrize(
    ("r", "error"),
    [
        (req("metadata.name", "In", "n1"), ""),
        (req("metadata.name", "NotIn", "n1"), ""),
        (req("metadata.name", "Exists"), "'Exists' is not supported in matchFields"),
        (req("metadata.name", "In"), "matchFields In/NotIn needs exactly one value"),
        (req("metadata.name", "NotIn", "n1", "n2"), "matchFields In/NotIn needs exactly one value"),
    ],
)
def test_match_fields_parse_rules(r, error):
    assert field_requirement_error(r) == error


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("zone", True),
        ("a", True),  # one character is enough
        ("x" * 63, True),
        ("x" * 64, False),  # the name part is at most 63
        ("", False),
        ("example.com/zone", True),
        ("/zone", False),  # a "/" needs a prefix
        ("Example.com/zone", False),  # the prefix is a lower-case DNS-1123 subdomain
        (("a" * 63 + ".") * 3 + "a" * 61 + "/zone", True),  # a 253-character prefix
        (("a" * 63 + ".") * 3 + "a" * 62 + "/zone", False),  # 254
        ("example.com/", False),
        ("-zone", False),
    ],
)
def test_label_key_syntax(key, ok):
    assert valid_label_key(key) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("", True), ("a", True), ("x" * 63, True), ("x" * 64, False), ("a-b.c_d", True), ("-a", False)],
)
def test_label_value_syntax(value, ok):
    assert valid_label_value(value) is ok


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("+42", 42),
        ("-42", -42),
        ("007", 7),  # strconv.ParseInt takes leading zeros
        (str(INT64_MAX), INT64_MAX),
        (str(INT64_MIN), INT64_MIN),
        (str(INT64_MAX + 1), None),
        (str(INT64_MIN - 1), None),
        ("4.0", None),
        ("", None),
    ],
)
def test_go_int_is_strconv_parse_int_64(text, value):
    assert go_int(text) == value


def test_terms_are_ored_and_a_term_that_does_not_parse_matches_nothing():
    node = make_node("n1", labels={"zone": "a", "cores": "8"})
    bad = term([req("zone", "In")])
    good = term([req("zone", "In", "a")], [req("metadata.name", "In", "n1")])
    assert term_matches(good, node) is True
    assert term_matches(bad, node) is False
    assert term_matches(term(), node) is False  # an empty term matches nothing
    assert term_matches(term([req("zone", "NotIn", "a")]), node) is False
    assert node_selector_matches(NodeSelector(node_selector_terms=[bad, good]), node) == 1
    assert node_selector_matches(NodeSelector(node_selector_terms=[bad]), node) is None


def test_match_fields_compare_the_node_name_and_other_fields_read_as_empty():
    node = make_node("n1")
    assert term_matches(term(fields=[req("metadata.name", "In", "n1")]), node) is True
    assert term_matches(term(fields=[req("metadata.name", "NotIn", "n1")]), node) is False
    assert term_matches(term(fields=[req("metadata.name", "NotIn", "n2")]), node) is True
    assert term_matches(term(fields=[req("spec.unschedulable", "In", "n1")]), node) is False
    assert term_matches(term(fields=[req("spec.unschedulable", "NotIn", "n1")]), node) is True


def test_term_texts():
    node = make_node("n1", labels={"zone": "b"})
    t = term([req("zone", "In", "a", "c"), req("gpu", "Exists")], [req("metadata.name", "In", "n9")])
    assert describe_term(t) == "zone In [a, c] AND gpu Exists AND field metadata.name In [n9]"
    assert describe_term(term()) == "(empty term: matches nothing)"
    assert term_failure(t, node) == "zone In [a, c] (node has zone=b)"
    assert term_failure(term([req("gpu", "Exists")]), node) == "gpu Exists (node has no label gpu)"
    assert term_failure(term(fields=[req("metadata.name", "In", "n9")]), node) == (
        "field metadata.name In [n9] (node is n1)"
    )
    assert term_failure(term(), node) == "empty term matches nothing"
    assert term_failure(term([req("zone", "In")]), node) == (
        "zone In []: In needs at least one value, so the term matches no node"
    )
    assert term_failure(term(fields=[req("metadata.name", "In", "a", "b")]), node) == (
        "field metadata.name In [a, b]: matchFields In/NotIn needs exactly one value, so the term matches no node"
    )
    # a parse error already known is used as given
    assert term_failure(term([req("zone", "In", "a")]), node, "known") == "known, so the term matches no node"
    compiled = compile_selector(NodeSelector(node_selector_terms=[term([req("zone", "In")]), t]))
    assert compiled.failures(node) == [
        "zone In []: In needs at least one value, so the term matches no node",
        "zone In [a, c] (node has zone=b)",
    ]


def test_label_selector_texts():
    assert describe_label_selector(None) == "(no selector: matches nothing)"
    assert describe_label_selector(LabelSelector()) == "(empty selector: every pod)"
    sel = msgspec.convert(
        {
            "matchLabels": {"tier": "db", "app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "stage"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "team", "operator": "Exists"},
            ],
        },
        LabelSelector,
    )
    assert describe_label_selector(sel) == (
        "app=web, tier=db, env In [prod, stage], canary DoesNotExist, team Exists"
    )


def test_gt_lt_need_the_label_and_unknown_operators_match_nothing():
    assert requirement_matches(req("cores", "Gt", "4"), {}) is False  # no label: no match (not an error)
    assert requirement_matches(req("cores", "Lt", "4"), {"cores": "3"}) is True
    assert requirement_matches(req("cores", "Lt", "4"), {"cores": "many"}) is False
    assert requirement_matches(req("cores", "Bogus", "4"), {"cores": "3"}) is False


def test_lt_toleration_is_strict_and_an_unknown_operator_tolerates_nothing():
    taint = Taint(key="tier", value="800", effect="NoSchedule")
    assert tolerates(Toleration(key="tier", operator="Lt", value="800", effect="NoSchedule"), taint) is False
    assert tolerates(Toleration(key="tier", operator="Lt", value="801", effect="NoSchedule"), taint) is True
    assert (
        tolerates(Toleration(key="tier", operator="Bogus", value="800", effect="NoSchedule"), taint) is False
    )
