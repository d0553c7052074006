"""Integers from client text as Go's strconv parses them, bounded before Python's int() sees them."""

from __future__ import annotations

import pytest

from kubegate.api import strconv
from kubegate.endpoints import yamlbody

HUGE = "9" * 5000


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("+7", 7), ("-9223372036854775808", -(2**63)), ("9223372036854775807", 2**63 - 1),
    ("0" * 5000 + "42", 42),  # leading zeros are fine, however many
])
def test_parse_int_accepts_what_go_accepts(text: str, value: int) -> None:
    assert strconv.parse_int(text) == value


@pytest.mark.parametrize("text, reason", [
    ("9223372036854775808", "value out of range"), (HUGE, "value out of range"), ("-" + HUGE, "value out of range"),
    ("", "invalid syntax"), (" 5", "invalid syntax"), ("5_0", "invalid syntax"), ("0x10", "invalid syntax"),
    ("١٢", "invalid syntax"),  # digits, but not ASCII ones
])
def test_parse_int_refuses_in_gos_words(text: str, reason: str) -> None:
    with pytest.raises(strconv.NumError) as refused:
        strconv.parse_int(text)
    assert str(refused.value) == f'strconv.ParseInt: parsing "{text}": {reason}'
    assert "set_int_max_str_digits" not in str(refused.value)


def test_parse_uint_has_no_sign_and_64_bits() -> None:
    assert strconv.parse_uint(str(2**64 - 1)) == 2**64 - 1
    for text in (str(2**64), "+1", HUGE):
        with pytest.raises(strconv.NumError):
            strconv.parse_uint(text)


def test_yaml_integers_resolve_as_go_yaml_resolves_them() -> None:
    value, _ = yamlbody.load(f"a: 5\nb: {HUGE}\nc: 99999999999999999999999\nd: 0x1F\ne: -3\n".encode())
    assert value == {"a": 5, "b": HUGE, "c": 1e23, "d": 31, "e": -3}
