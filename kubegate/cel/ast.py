"""The checked syntax tree of a compiled expression, read back from cel-cpp's serialized form.

cel-cpp keeps its tree in C++; `Expression.serialize()` hands it out as a `google.protobuf.Any`
holding a `cel.expr.CheckedExpr`. The cost estimator (`kubegate.cel.cost`) needs the tree, so
this module reads those bytes with kubegate's own wire reader into small `Node` records. Only
the fields the estimator uses are kept: the expression kinds, names, constants and the parts of
comprehensions (the macros `all`, `exists`, `map`, `filter` ... arrive already expanded).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from kubegate.api.protobuf.wire import FIXED64, LENGTH_DELIMITED, VARINT, iter_fields

# cel.expr.Expr field numbers
_ID, _CONST, _IDENT, _SELECT, _CALL, _LIST, _STRUCT, _COMPREHENSION = 2, 3, 4, 5, 6, 7, 8, 9
_KINDS = {_CONST: "const", _IDENT: "ident", _SELECT: "select", _CALL: "call", _LIST: "list",
          _STRUCT: "struct", _COMPREHENSION: "comprehension"}  # fmt: skip
_DOUBLE = struct.Struct("<d")
MAX_DEPTH = 500


@dataclass(slots=True)
class Node:
    """One expression: `kind` is const, ident, select, call, list, struct or comprehension."""

    kind: str
    #: ident name, selected field, called function
    name: str = ""
    value: Any = None  # a constant's value
    #: select operand, call receiver (member calls)
    target: Node | None = None
    #: call arguments, list elements, struct/map values
    args: list[Node] = field(default_factory=list)
    #: map keys (Nodes) or message field names (str), beside `args`
    keys: list[Node | str] = field(default_factory=list)
    test_only: bool = False  # has()
    # comprehensions
    iter_var: str = ""
    iter_var2: str = ""
    accu_var: str = ""
    parts: dict[str, Node] = field(default_factory=dict)  # iter_range, accu_init, loop_condition, loop_step, result


def decode(serialized: bytes) -> Node:
    """The root expression of a serialized CheckedExpr (wrapped in an Any, as cel-cpp writes it)."""
    payload = _field(serialized, 2) if _field(serialized, 1) is not None else None
    checked = payload if payload is not None else serialized
    expr = _field(checked, 4)
    return _expr(expr or b"", 0)


def _field(data: bytes | memoryview, number: int) -> bytes | None:
    found = None
    for num, wire_type, value in iter_fields(data):
        if num == number and wire_type == LENGTH_DELIMITED and isinstance(value, memoryview):
            found = bytes(value)
    return found


def _expr(data: bytes | memoryview, depth: int) -> Node:
    # cel-cpp's parser refuses nesting past 32 levels, so this only guards against a bad tree
    if depth > MAX_DEPTH:
        raise ValueError("expression nested too deeply")
    node = Node("const")
    for number, wire_type, value in iter_fields(data):
        if number not in _KINDS or wire_type != LENGTH_DELIMITED or not isinstance(value, memoryview):
            continue
        node.kind = _KINDS[number]
        reader = _READERS[number]
        reader(node, value, depth + 1)
    return node


def _const(node: Node, data: memoryview, depth: int) -> None:
    for number, wire_type, value in iter_fields(data):
        if number == 1:
            node.value = None
        elif number == 2 and wire_type == VARINT:
            node.value = bool(value)
        elif number == 3 and wire_type == VARINT and isinstance(value, int):
            node.value = value - (1 << 64) if value >= 1 << 63 else value
        elif number == 4 and wire_type == VARINT:
            node.value = value
        elif number == 5 and wire_type == FIXED64 and isinstance(value, int):
            node.value = _DOUBLE.unpack(value.to_bytes(8, "little"))[0]
        elif number == 6 and isinstance(value, memoryview):
            node.value = bytes(value).decode("utf-8", "replace")
        elif number == 7 and isinstance(value, memoryview):
            node.value = bytes(value)


def _ident(node: Node, data: memoryview, depth: int) -> None:
    for number, _, value in iter_fields(data):
        if number == 1 and isinstance(value, memoryview):
            node.name = bytes(value).decode()


def _select(node: Node, data: memoryview, depth: int) -> None:
    for number, _, value in iter_fields(data):
        if number == 1 and isinstance(value, memoryview):
            node.target = _expr(value, depth)
        elif number == 2 and isinstance(value, memoryview):
            node.name = bytes(value).decode()
        elif number == 3:
            node.test_only = bool(value)


def _call(node: Node, data: memoryview, depth: int) -> None:
    for number, _, value in iter_fields(data):
        if not isinstance(value, memoryview):
            continue
        if number == 1:
            node.target = _expr(value, depth)
        elif number == 2:
            node.name = bytes(value).decode()
        elif number == 3:
            node.args.append(_expr(value, depth))


def _list(node: Node, data: memoryview, depth: int) -> None:
    for number, wire_type, value in iter_fields(data):
        if number == 1 and wire_type == LENGTH_DELIMITED and isinstance(value, memoryview):
            node.args.append(_expr(value, depth))


def _struct(node: Node, data: memoryview, depth: int) -> None:
    for number, _, value in iter_fields(data):
        if number == 1 and isinstance(value, memoryview):
            node.name = bytes(value).decode()
        elif number == 2 and isinstance(value, memoryview):
            key: Node | str = ""
            entry_value = Node("const")
            for entry_number, _, entry in iter_fields(value):
                if not isinstance(entry, memoryview):
                    continue
                if entry_number == 2:
                    key = bytes(entry).decode()
                elif entry_number == 3:
                    key = _expr(entry, depth + 1)
                elif entry_number == 4:
                    entry_value = _expr(entry, depth + 1)
            node.keys.append(key)
            node.args.append(entry_value)


_COMPREHENSION_PARTS = {2: "iter_range", 4: "accu_init", 5: "loop_condition", 6: "loop_step", 7: "result"}


def _comprehension(node: Node, data: memoryview, depth: int) -> None:
    for number, _, value in iter_fields(data):
        if not isinstance(value, memoryview):
            continue
        if number == 1:
            node.iter_var = bytes(value).decode()
        elif number == 3:
            node.accu_var = bytes(value).decode()
        elif number == 8:
            node.iter_var2 = bytes(value).decode()
        elif number in _COMPREHENSION_PARTS:
            node.parts[_COMPREHENSION_PARTS[number]] = _expr(value, depth)


_READERS = {_CONST: _const, _IDENT: _ident, _SELECT: _select, _CALL: _call, _LIST: _list,
            _STRUCT: _struct, _COMPREHENSION: _comprehension}  # fmt: skip
