"""The JSON copies writes make: equal values that share no container with the original."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api import errors
from kubegate.api.jsoncopy import json_copy
from kubegate.api.mergepatch import MAX_DEPTH, copy_json


def containers(value: Any) -> list[int]:
    found: list[int] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.append(id(item))
            pending.extend(item.values())
        elif isinstance(item, list):
            found.append(id(item))
            pending.extend(item)
    return found


OBJECT: dict[str, Any] = {"a": [1, 2.5, True, None, {"b": "c"}], "d": {"e": [], "f": {}}, "g": False}


@pytest.mark.parametrize("copy", [json_copy, copy_json])
def test_a_copy_is_equal_and_shares_no_container(copy: Any) -> None:
    copied = copy(OBJECT)
    assert copied == OBJECT
    assert not set(containers(copied)) & set(containers(OBJECT))
    copied["a"][4]["b"] = "changed"
    assert OBJECT["a"][4]["b"] == "c"


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


def test_copy_json_copies_deep_values_past_the_fast_path_and_refuses_too_deep_ones() -> None:
    deep = nested(1500)  # deeper than the recursive copy goes: the iterative copy takes it
    copied = copy_json(deep)
    assert len(containers(copied)) == 1500
    assert not set(containers(copied)) & set(containers(deep))
    with pytest.raises(errors.StatusError) as raised:
        copy_json(nested(MAX_DEPTH + 1))
    assert raised.value.code == 500


def test_copy_json_refuses_what_is_not_json_whatever_the_path() -> None:
    for bad in ({"a": {1, 2}}, {1: "x"}, [object()]):
        with pytest.raises(errors.StatusError) as raised:
            copy_json(bad)
        assert raised.value.code == 500
