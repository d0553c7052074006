"""Helpers for the printer tests: a fixed clock, timestamps relative to it, rows and headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kubegate.registry.printers.cells import Cell
from kubegate.registry.tables import columns_of
from tests.support.builtin_specs import builtin_spec

NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    """An RFC 3339 timestamp `seconds` before NOW."""
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def obj(name: str, age: float = 3600, **fields: Any) -> dict[str, Any]:
    """An object created `age` seconds ago, with the given top-level fields."""
    metadata = {"name": name, "creationTimestamp": ago(age), **fields.pop("metadata", {})}
    return {"metadata": metadata, **fields}


def row(resource: tuple[str, str], item: dict[str, Any]) -> list[Cell]:
    return [column.getter(item, NOW) for column in columns_of(builtin_spec(*resource))]


def headers(resource: tuple[str, str], *, wide: bool = False) -> str:
    """The header line kubectl prints: upper-cased names, wide columns only with -o wide."""
    return " ".join(c.name.upper() for c in columns_of(builtin_spec(*resource)) if wide or c.priority == 0)
