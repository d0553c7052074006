"""kubegate.cel: the language features Kubernetes policies use, the Kubernetes libraries, cel-go's
error texts, and the cost bound that keeps hostile expressions from running."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kubegate import cel

VARIABLES = ("object", "oldObject")
OBJECT = {"spec": {"replicas": 3, "names": ["a", "b"], "ratio": 0.5}, "metadata": {"name": "web", "labels": {"x": "y"}}}


def value(expression: str, obj: Any = OBJECT) -> Any:
    return cel.compile(expression, VARIABLES).evaluate({"object": obj, "oldObject": None})


@pytest.mark.parametrize(("expression", "expected"), [
    ("object.spec.replicas <= 5", True),
    ("object.spec.names.all(n, n.size() == 1)", True),
    ("object.spec.names.exists(n, n == 'b')", True),
    ("object.spec.names.exists_one(n, n != 'z')", False),
    ("object.spec.names.map(n, n + '!')", ["a!", "b!"]),
    ("object.spec.names.filter(n, n > 'a')", ["b"]),
    ("has(object.metadata.labels.x) && !has(object.metadata.annotations)", True),
    ("object.?metadata.?annotations.?foo.orValue('none')", "none"),
    ("object.spec.replicas > 2.5 && 1u + 2u == 3u", True),
    ("timestamp('2024-01-01T00:00:00Z') + duration('90m') == timestamp('2024-01-01T01:30:00Z')", True),
    ("'web-1'.matches('^[a-z]+-[0-9]$')", True),
    ("'Hello'.charAt(1) + 'Hello'.lowerAscii() + 'Hello'.upperAscii()", "ehelloHELLO"),
    ("'a,b,c'.split(',').join('-') + ' x '.trim() + 'abc'.substring(1) + 'aXa'.replace('X', 'y')", "a-b-cxbcaya"),
    ("'hello'.indexOf('l') * 10 + 'hello'.lastIndexOf('l')", 23),
    ("'%s has %d'.format(['web', 3])", "web has 3"),
    ("[1, 2, 3].isSorted() && [3, 1].isSorted() == false", True),
    ("[1, 2, 3].sum() + [4, 1].min() + [4, 1].max()", 11),
    ("[1, 2, 1].indexOf(1) + [1, 2, 1].lastIndexOf(1)", 2),
    ("'a1b22'.find('[0-9]+') + '/' + 'a1b22'.findAll('[0-9]+').join(',')", "1/1,22"),
    ("quantity('1Gi').isGreaterThan(quantity('1000Mi')) && quantity('1k') == quantity('1000')", True),
    ("quantity('1.5').add(quantity('500m')).asInteger() + quantity('-1').sign()", 1),
    ("isQuantity('1Gi') && !isQuantity('1Gb')", True),
    ("url('https://example.com:8443/a?x=1').getHostname() + url('https://example.com:8443/').getPort()",
     "example.com8443"),
    ("cidr('10.0.0.0/8').containsIP('10.1.2.3') && ip('::1').isLoopback() && ip('10.0.0.1').family() == 4", True),
    ("sets.contains([1, 2, 3], [2, 3]) && !sets.intersects([1], [2])", True),
])
def test_kubernetes_expressions(expression: str, expected: Any) -> None:
    assert value(expression) == expected


@pytest.mark.parametrize(("expression", "error"), [
    ("object.spec.missing", "no such key: missing"),
    ("object.spec.replicas / 0", "division by zero"),
    ("9223372036854775807 + object.spec.replicas", "integer overflow"),
    ("object.spec.replicas + 'a'", "no such overload"),
    ("[1, 2][object.spec.replicas]", "index out of bounds: 3"),
    ("quantity('1Gk')", "unable to parse quantity's suffix"),
    ("[].min()", "min called on empty list"),
    ("url('relative/path')", 'URL parse error during conversion from string: parse "relative/path": invalid URI for request'),
    ("ip('::ffff:1.2.3.4')", 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed'),
])
def test_evaluation_errors_read_as_cel_go_writes_them(expression: str, error: str) -> None:
    with pytest.raises(cel.EvaluationError) as raised:
        value(expression)
    assert str(raised.value) == error


def test_compile_errors_carry_the_checker_issues() -> None:
    with pytest.raises(cel.CompileError) as raised:
        cel.compile("object.spec.replicas +", VARIABLES)
    assert str(raised.value).startswith("ERROR: <input>:1:23: Syntax error: mismatched input '<EOF>' expecting")
    assert str(raised.value).endswith("\n | object.spec.replicas +\n | ......................^")
    with pytest.raises(cel.CompileError, match="undeclared reference to 'params"):
        cel.compile("params.x", VARIABLES)
    with pytest.raises(cel.CompileError, match="found no matching overload for '_\\+_' applied to '\\(int, string\\)'"):
        cel.compile("1 + 'a'", VARIABLES)
    assert cel.compile("object.spec.replicas < 3", VARIABLES).result_type == "bool"
    assert cel.compile("1 + 2", VARIABLES).result_type == "int"
    assert cel.compile("object.spec", VARIABLES).result_type == "dyn"


def test_a_program_is_reusable_and_an_activation_shared() -> None:
    small = cel.compile("object.spec.replicas < 5", VARIABLES)
    named = cel.compile("object.metadata.name", VARIABLES)
    activation = cel.Activation({"object": OBJECT, "oldObject": None})
    assert (small.evaluate(activation), named.evaluate(activation)) == (True, "web")
    assert small.evaluate({"object": {"spec": {"replicas": 9}}, "oldObject": None}) is False


def test_hostile_expressions_are_refused_before_they_run() -> None:
    big = {"items": list(range(3000)), "text": "x" * 200_000}
    hostile = [
        "object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))",
        "object.items.map(a, object.text + object.text).size() > 0",
        "object.items.all(a, object.text.replace('x', 'yy').size() > 0)",
    ]
    for expression in hostile:
        program = cel.compile(expression, VARIABLES)
        started = time.monotonic()
        with pytest.raises(cel.CostLimitExceeded) as raised:
            program.evaluate({"object": big, "oldObject": None})
        assert time.monotonic() - started < 1.0
        assert str(raised.value) == "operation cancelled: actual cost limit exceeded"
        assert raised.value.estimate > cel.PER_CALL_LIMIT


def test_realistic_policies_stay_within_their_cost() -> None:
    pod = {"spec": {"containers": [
        {"name": f"c{i}", "image": f"registry.example.com/app:{i}", "ports": [{"containerPort": 8000 + p} for p in range(4)]}
        for i in range(30)
    ]}}
    program = cel.compile(
        "object.spec.containers.all(c, c.image.startsWith('registry.example.com/') && "
        "c.ports.all(p, p.containerPort > 1024))", VARIABLES,
    )
    assert program.estimate({"object": pod, "oldObject": None}) < 10_000
    assert program.evaluate({"object": pod, "oldObject": None}) is True


def test_a_budget_is_shared_between_evaluations() -> None:
    program = cel.compile("object.items.all(x, x >= 0)", VARIABLES)
    values = {"object": {"items": list(range(1000))}, "oldObject": None}
    cost = program.estimate(values)
    budget = cel.Budget(cost * 2)
    program.evaluate(values, budget=budget)
    program.evaluate(values, budget=budget)
    with pytest.raises(cel.OutOfBudget, match="running out of cost budget"):
        program.evaluate(values, budget=budget)
