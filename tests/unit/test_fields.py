"""Field selector parsing, matching, support checks and errors, as the real apiserver does."""

from __future__ import annotations

import pytest

from kubegate.api import errors, fields


@pytest.mark.parametrize(
    ("text", "requirements", "canonical"),
    [
        ("", (), ""),
        (",", (), ""),
        ("metadata.name=foo", (("metadata.name", "=", "foo"),), "metadata.name=foo"),
        ("metadata.name==foo", (("metadata.name", "=", "foo"),), "metadata.name=foo"),
        ("spec.nodeName!=n1", (("spec.nodeName", "!=", "n1"),), "spec.nodeName!=n1"),
        ("b=1,a!=2", (("a", "!=", "2"), ("b", "=", "1")), "a!=2,b=1"),
        ("a=", (("a", "=", ""),), "a="),
        ("a=b,,c=d", (("a", "=", "b"), ("c", "=", "d")), "a=b,c=d"),
        ("a=x\\,y", (("a", "=", "x,y"),), "a=x\\,y"),
        ("a=x\\=y", (("a", "=", "x=y"),), "a=x\\=y"),
        ("a=x\\\\y", (("a", "=", "x\\y"),), "a=x\\\\y"),
        ("a=!b", (("a", "=", "!b"),), "a=!b"),
        ("a!b=c", (("a!b", "=", "c"),), "a!b=c"),
        (" a = b ", ((" a ", "=", " b "),), " a = b "),
        ("x=é", (("x", "=", "é"),), "x=é"),
    ],
)
def test_parse(
    text: str, requirements: tuple[fields.FieldRequirement, ...], canonical: str
) -> None:
    selector = fields.parse_field_selector(text)
    assert selector.requirements == requirements
    assert str(selector) == canonical
    assert selector.is_empty is (not requirements)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "invalid selector: 'a'; can't understand 'a'"),
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("z,a", "invalid selector: 'z,a'; can't understand 'a'"),  # terms are sorted first
        ("spec.foo", "invalid selector: 'spec.foo'; can't understand 'spec.foo'"),
        ("a=x\\y", "invalid field selector: invalid escape sequence: \\y"),
        ("a=x\\!", "invalid field selector: invalid escape sequence: \\!"),
        ("a=x\\", "invalid field selector: invalid escape sequence: \\"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a!==b", "invalid field selector: unescaped character in value: 61"),
        ("a===b", "invalid field selector: unescaped character in value: 61"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        fields.parse_field_selector(text)
    assert (caught.value.code, caught.value.reason, caught.value.message) == (
        400,
        "BadRequest",
        message,
    )


@pytest.mark.parametrize(
    ("text", "object_fields", "matches"),
    [
        ("", {}, True),
        ("metadata.name=a", {"metadata.name": "a"}, True),
        ("metadata.name=a", {"metadata.name": "b"}, False),
        ("metadata.name!=a", {"metadata.name": "b"}, True),
        ("metadata.name!=a", {"metadata.name": "a"}, False),
        ("spec.nodeName=", {}, True),  # a missing field reads as ""
        ("spec.nodeName!=", {}, False),
        ("spec.nodeName!=", {"spec.nodeName": "n1"}, True),
        ("status.phase=Running,spec.nodeName=n1", {"status.phase": "Running"}, False),
        (
            "status.phase=Running,spec.nodeName=n1",
            {"status.phase": "Running", "spec.nodeName": "n1"},
            True,
        ),
        ("a=x\\,y", {"a": "x,y"}, True),
    ],
)
def test_matches(text: str, object_fields: dict[str, str], matches: bool) -> None:
    assert fields.parse_field_selector(text).matches(object_fields) is matches


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("metadata.name=foo", "metadata.name", "foo"),
        ("metadata.name==foo", "metadata.name", "foo"),
        ("metadata.name!=foo", "metadata.name", None),
        ("metadata.namespace=ns", "metadata.name", None),
        ("metadata.name=b,metadata.name=a", "metadata.name", "a"),  # first in sorted order
        ("metadata.name!=a,metadata.name=b", "metadata.name", "b"),
        ("", "metadata.name", None),
    ],
)
def test_exact_value(text: str, field: str, value: str | None) -> None:
    assert fields.parse_field_selector(text).exact_value(field) == value


def test_fields_used() -> None:
    selector = fields.parse_field_selector("a=1,b!=2,a!=3")
    assert selector.fields() == frozenset({"a", "b"})


@pytest.mark.parametrize("value", ["", "plain", "a,b", "a=b", "a\\b", "\\,=\\"])
def test_escape_round_trip(value: str) -> None:
    selector = fields.parse_field_selector("f=" + fields.escape_value(value))
    assert selector.requirements == (("f", "=", value),)


POD_FIELDS = ("metadata.name", "metadata.namespace", "spec.nodeName", "status.phase")


@pytest.mark.parametrize(
    ("text", "kind_label", "message"),
    [
        ("spec.foo=bar", "Pod", "field label not supported: spec.foo"),
        ("spec.foo=bar", "Node", "field label not supported: spec.foo"),
        ("spec.foo=bar", "Secret", "field label not supported: spec.foo"),
        ("spec.foo=bar", "Job.batch", 'field label "spec.foo" not supported for batchv1.Job'),
        (
            "spec.foo=bar",
            "ConfigMap",
            '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
        (
            "status.phase=x,b=1,a=2",
            "Deployment.apps",
            '"a" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
    ],
)
def test_check_supported_errors(text: str, kind_label: str, message: str) -> None:
    with pytest.raises(errors.StatusError) as caught:
        fields.check_supported(fields.parse_field_selector(text), POD_FIELDS, kind_label=kind_label)
    assert (caught.value.code, caught.value.message) == (400, message)


def test_check_supported_custom_resource() -> None:
    with pytest.raises(errors.StatusError) as caught:
        fields.check_supported(
            fields.parse_field_selector("spec.size=3"),
            ("metadata.name",),
            kind_label="Widget.example.com",
            custom_resource=True,
        )
    assert caught.value.message == "field label not supported: spec.size"


@pytest.mark.parametrize("text", ["", "metadata.name=a", "spec.nodeName!=,status.phase=Running"])
def test_check_supported_accepts(text: str) -> None:
    fields.check_supported(fields.parse_field_selector(text), POD_FIELDS, kind_label="Pod")


def test_selector_is_immutable_and_hashable() -> None:
    selector = fields.parse_field_selector("a=b")
    with pytest.raises(AttributeError):
        selector.requirements = ()
    assert selector == fields.parse_field_selector("a==b")
    assert hash(selector) == hash(fields.parse_field_selector("a==b"))
