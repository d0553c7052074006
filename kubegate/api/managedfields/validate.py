"""Why a value does not fit its type: SMD's validation of an apply configuration.

An apply configuration must fit its kind's schema exactly: no undeclared fields, scalars of
the declared type, list members with their keys and without duplicates. The texts are
structured-merge-diff's `ValidationErrors`, path first.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.managedfields.fieldpath import PathElement
from kubegate.api.managedfields.schema import TypeRef, TypeSchema, deduce
from kubegate.api.managedfields.typed import TypedError, field_type, item_element
from kubegate.api.managedfields.values import go_json


def validate(schema: TypeSchema, value: Any, ref: TypeRef) -> list[str]:
    """SMD's validation errors for a value that must fit its type exactly (an apply config)."""
    problems: list[str] = []
    _validate(schema, value, ref, "", problems)
    return problems


def _validate(schema: TypeSchema, value: Any, ref: TypeRef, path: str, problems: list[str]) -> None:
    atom = deduce(schema.resolve(ref), value)
    if atom.map is not None:
        if value is None:
            return
        if not isinstance(value, dict):
            problems.append(f"{path}: expected map, got {go_json(value)}")
            return
        for key, child in value.items():
            child_path = f"{path}.{key}"
            if key not in atom.map.fields and atom.map.element.empty:
                problems.append(f"{child_path}: field not declared in schema")
                return
            _validate(schema, child, field_type(atom.map, key), child_path, problems)
    elif atom.scalar:
        _validate_scalar(atom.scalar, value, path, problems)
    elif atom.list is not None:
        if value is None:
            return
        if not isinstance(value, list):
            problems.append(f"{path}: expected list, got {go_json(value)}")
            return
        seen: set[PathElement] = set()
        for position, item in enumerate(value):
            if atom.list.atomic:
                pe = PathElement.of_index(position)
            else:
                try:
                    pe = item_element(schema, atom.list, item)
                except TypedError as exc:
                    problems.append(f"{path}: element {position}: {exc}")
                    return
                if pe in seen:
                    problems.append(f"{path}: duplicate entries for key {pe}")
                seen.add(pe)
            _validate(schema, item, atom.list.element, f"{path}{pe}", problems)


def _validate_scalar(kind: str, value: Any, path: str, problems: list[str]) -> None:
    if value is None:
        return
    if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        problems.append(f"{path}: expected numeric (int or float), got {_go_type(value)}")
    elif kind == "string" and not isinstance(value, str):
        problems.append(f"{path}: expected string, got {go_json(value)}")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: expected boolean, got {go_json(value)}")
    elif kind == "untyped" and isinstance(value, (dict, list)):
        problems.append(f"{path}: expected any scalar, got {go_json(value)}")


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    return "map[string]interface {}" if isinstance(value, dict) else "[]interface {}"


def validation_text(problems: list[str]) -> str:
    """ValidationErrors.Error(): one problem as is, several under an `errors:` heading."""
    if len(problems) == 1:
        return problems[0]
    return "\n".join(["errors:", *(f"  {problem}" for problem in problems)])
