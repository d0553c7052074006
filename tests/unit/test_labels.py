"""Label selector parsing, matching and errors, as k8s.io/apimachinery/pkg/labels behaves."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api import errors, gofmt, labels

QNAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN_RULE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
REQ = "unable to parse requirement: "


# Good strings re-print without their spaces (TestSelectorParse), sorted by key.
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("", ""),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x=", "x="),
        ("x= ", "x="),
        ("x=,z= ", "x=,z="),
        ("x= ,z= ", "x=,z="),
        ("!x", "!x"),
        ("x>1", "x>1"),
        ("x>1,z<5", "x>1,z<5"),
        ("x=a,a=x", "a=x,x=a"),
        ("\rx", "x"),
        ("a ", "a"),
        ("x==a", "x==a"),
        ("foo  in\t (abc)", "foo in (abc)"),
        ("x notin\n (abc)", "x notin (abc)"),
        ("x in (abc,)", "x in (,abc)"),
        ("x in ()", "x in ()"),
        ("x notin ( )", "x notin ()"),
        ("x notin (, a)", "x notin (,a)"),
        ("x in (def,abc,def)", "x in (abc,def)"),
        ("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"),
        ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
        ("in in (in)", "in in (in)"),
        ("notin=in", "notin=in"),
        ("this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"),
        ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
         "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)"),
    ],
)  # fmt: skip
def test_parse_canonical_form(text: str, canonical: str) -> None:
    assert str(labels.parse_label_selector(text)) == canonical


def test_parse_requirements_are_sorted_and_deduplicated() -> None:
    selector = labels.parse_label_selector("z in (b,a,b),!y,x,w>3")
    assert selector.requirements == (
        ("w", "gt", ("3",)),
        ("x", "exists", ()),
        ("y", "!", ()),
        ("z", "in", ("a", "b")),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a in (", REQ + "found '', expected: ',', ')' or identifier"),
        ("a notin(", REQ + "found '', expected: ',', ')' or identifier"),
        ("a in (xyz abc)", REQ + "found 'abc', expected: ',' or ')'"),
        ("a notin (x", REQ + "found '', expected: ',' or ')'"),
        ("a in b", REQ + "found 'b' expected: '('"),
        ("a (", REQ + "found '(', expected: in, notin, =, ==, !=, gt, lt"),
        ("x nott in (y)", REQ + "found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
        ("a===b", REQ + "found '=', expected: identifier"),
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("a<=5", REQ + "found '=', expected: identifier"),
        ("a=(", REQ + "found '(', expected: identifier"),
        ("!", REQ + "found '', expected: identifier"),
        ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
        ("(", "found '(', expected: !, identifier, or 'end of string'"),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
        ("x,,y", "found ',', expected: identifier after ','"),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("x<a", REQ + "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value "
                      "must be an integer"),
        ("x>", REQ + "values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value "
                     "must be an integer"),
        ("x>99999999999999999999", REQ + "values[0]: Invalid value: \"99999999999999999999\": "
                                         "for 'Gt', 'Lt' operators, the value must be an integer"),
        ("x>1_0", REQ + "values[0]: Invalid value: \"1_0\": for 'Gt', 'Lt' operators, the value "
                        "must be an integer"),
        ("-a=b", REQ + f'<nil>: Invalid value: "-a": name part {QNAME_RULE}'),
        ("a=-b", REQ + f'values[0][a]: Invalid value: "-b": {VALUE_RULE}'),
        ("x=a||y=b", REQ + f'values[0][x]: Invalid value: "a||y": {VALUE_RULE}'),
        # values are sorted before they are checked, so "-c" is values[0]
        ("a in (b,-c)", REQ + f'values[0][a]: Invalid value: "-c": {VALUE_RULE}'),
        ("x>-3", REQ + f'values[0][x]: Invalid value: "-3": {VALUE_RULE}'),
        ("a=" + "v" * 64, REQ + f'values[0][a]: Invalid value: "{"v" * 64}": must be no more '
                                "than 63 characters"),
        ("a/b/c", REQ + '<nil>: Invalid value: "a/b/c": a qualified name ' + QNAME_RULE
                      + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
        ("/a", REQ + '<nil>: Invalid value: "/a": prefix part must be non-empty'),
        ("Example.com/a", REQ + f'<nil>: Invalid value: "Example.com/a": prefix part {SUBDOMAIN_RULE}'),
        ("a/", REQ + f'<nil>: Invalid value: "a/": name part must be non-empty; name part {QNAME_RULE}'),
        ("k" * 64, REQ + f'<nil>: Invalid value: "{"k" * 64}": name part must be no more than 63 '
                         "characters"),
    ],
)  # fmt: skip
def test_parse_errors_carry_the_real_message(text: str, message: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        labels.parse_label_selector(text)
    assert caught.value.code == 400
    assert caught.value.to_status()["reason"] == "BadRequest"
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "labels_", "matches"),
    [
        ("", {"x": "y"}, True),
        ("", None, True),
        ("x=y", {"x": "y"}, True),
        ("x==y", {"x": "y"}, True),
        ("x=y,z=w", {"x": "y", "z": "w"}, True),
        ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
        ("notin=in", {"notin": "in"}, True),
        ("x", {"x": "z"}, True),
        ("!x", {"y": "z"}, True),
        ("!x", None, True),
        ("x>1", {"x": "2"}, True),
        ("x<1", {"x": "0"}, True),
        ("x<5", {"x": "-4"}, True),
        ("x<5", {"x": "+4"}, True),
        ("x<5", {"x": "4.0"}, False),
        ("x=z", {}, False),
        ("x=z", None, False),
        ("x=y", {"x": "z"}, False),
        ("x=y,z=w", {"x": "w", "z": "w"}, False),
        ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
        ("x", {"y": "z"}, False),
        ("!x", {"x": "z"}, False),
        ("x>1", {"x": "0"}, False),
        ("x<1", {"x": "2"}, False),
        ("x>1", {"x": "1"}, False),
        ("x>1", {}, False),
        ("z>1", {"z": "v2"}, False),
        ("x!=y", {}, True),
        ("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True),
        ("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False),
        ("x notin (),y", {"y": ""}, True),
        ("!x,y", {"y": ""}, True),
        ("x notin (),!y", {"y": ""}, False),
        ("x in ()", {"y": "baz"}, False),
        ("x in ()", {"x": ""}, True),
        ("x,y in (a)", {"x": "1"}, False),
        ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
        ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    ],
)
def test_matches(text: str, labels_: dict[str, str] | None, matches: bool) -> None:
    assert labels.parse_label_selector(text).matches(labels_) is matches


@pytest.mark.parametrize(
    ("obj", "text", "empty"),
    [
        ({}, "", True),
        ({"matchLabels": None, "matchExpressions": None}, "", True),
        ({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2", False),
        (
            {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["front", "back"]},
                    {"key": "env", "operator": "NotIn", "values": ["dev"]},
                    {"key": "rbac.example.com/aggregate", "operator": "Exists"},
                    {"key": "legacy", "operator": "DoesNotExist", "values": []},
                ],
            },
            "app=web,env notin (dev),!legacy,rbac.example.com/aggregate,tier in (back,front)",
            False,
        ),
    ],
)
def test_selector_from_object(obj: dict[str, Any], text: str, empty: bool) -> None:
    selector = labels.selector_from_label_selector_object(obj)
    assert str(selector) == text
    assert selector.is_empty is empty


def test_selector_from_object_matches() -> None:
    selector = labels.selector_from_label_selector_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}],
        }
    )
    assert selector.matches({"app": "web", "tier": "b", "x": "y"})
    assert not selector.matches({"app": "web", "tier": "c"})
    assert not selector.matches({"tier": "a"})


def test_nil_selector_object_matches_nothing() -> None:
    selector = labels.selector_from_label_selector_object(None)
    assert not selector.is_empty
    assert not selector.matches({})
    assert not selector.matches({"a": "b"})
    assert labels.selector_from_label_selector_object({}).matches({"a": "b"})


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]},
         '"Equals" is not a valid label selector operator'),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
         ("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
         "empty")),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn"}]},
         ("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
         "empty")),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
         ('values: Invalid value: []string{"x"}: values set must be empty for exists and does not '
         "exist")),
        ({"matchLabels": {"a b": "c"}}, f'key: Invalid value: "a b": name part {QNAME_RULE}'),
        ({"matchLabels": {"a": "c d"}}, f'values[0][a]: Invalid value: "c d": {VALUE_RULE}'),
        ({"matchExpressions": [{"key": "-a", "operator": "In", "values": ["-b"]}]},
         (f'[key: Invalid value: "-a": name part {QNAME_RULE}, '
         f'values[0][-a]: Invalid value: "-b": {VALUE_RULE}]')),
    ],
)  # fmt: skip
def test_selector_from_object_errors(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        labels.selector_from_label_selector_object(obj)
    assert (caught.value.code, caught.value.message) == (400, message)


@pytest.mark.parametrize(
    ("key", "problems"),
    [
        ("app", []),
        ("app.kubernetes.io/name", []),
        ("A_b.c-D", []),
        ("a" * 63, []),
        ("a" * 64, ["name part must be no more than 63 characters"]),
        ("", ["name part must be non-empty", f"name part {QNAME_RULE}"]),
        ("x/" + "y" * 10, []),
        ("a" * 254 + "/b", ["prefix part must be no more than 253 characters"]),
        ("_x", [f"name part {QNAME_RULE}"]),
    ],
)
def test_is_qualified_name(key: str, problems: list[str]) -> None:
    assert labels.is_qualified_name(key) == problems


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ("", []),
        ("v1.2_3-x", []),
        ("a" * 63, []),
        ("a" * 64, ["must be no more than 63 characters"]),
        ("a.", [VALUE_RULE]),
        ("é", [VALUE_RULE]),
        ("a\n", [VALUE_RULE]),
    ],
)
def test_is_valid_label_value(value: str, problems: list[str]) -> None:
    assert labels.is_valid_label_value(value) == problems


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("-12", -12), ("+7", 7), (str(2**63 - 1), 2**63 - 1), (str(-(2**63)), -(2**63)),
     (str(2**63), None), ("", None), ("-", None), ("1_000", None), (" 1", None), ("١", None)],
)  # fmt: skip
def test_parse_int64(text: str, number: int | None) -> None:
    assert labels.parse_int64(text) == number


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("abc", '"abc"'), ('a"b', '"a\\"b"'), ("a\\b", '"a\\\\b"'), ("a\nb", '"a\\nb"'),
     ("\x01", '"\\x01"'), ("é", '"é"'), ("\u200b", '"\\u200b"')],
)  # fmt: skip
def test_go_quote(text: str, quoted: str) -> None:
    assert gofmt.go_quote(text) == quoted


def test_selector_is_immutable_and_hashable() -> None:
    selector = labels.parse_label_selector("a=b")
    with pytest.raises(AttributeError):
        selector.requirements = ()
    assert selector == labels.parse_label_selector("a==b".replace("==", "="))
    assert len({selector, labels.parse_label_selector("a=b")}) == 1
    assert labels.parse_label_selector("").is_empty
    assert labels.parse_label_selector("   ").is_empty
    assert not selector.is_empty
