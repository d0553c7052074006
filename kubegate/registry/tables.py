"""Server-side printing: the `meta.k8s.io/v1 Table` that `kubectl get` asks for.

The server computes every cell (kubectl prints them verbatim); the columns per resource are data
in `kubegate.registry.printers`. A real server always fills the wide (`priority: 1`) cells too and
lets kubectl hide them. Rows carry the object's metadata as PartialObjectMetadata so that `-A`
and `--show-labels` work. Resources without a printer get the generic table every apiserver
falls back to: `Name` and `Created At` (an RFC 3339 timestamp). Custom resources whose definition
names no columns get `Name` and `Age`, the column a CRD's printer columns default to.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from kubegate.api import meta
from kubegate.registry.builtin import GROUP_ORDER
from kubegate.registry.customresources.columns import AGE_COLUMN, table_columns
from kubegate.registry.printers import PRINTERS, ROW_CONDITIONS, ROW_ORDER, rowmemo
from kubegate.registry.printers.cells import AGE, CREATED_AT, NAME, Column, human_duration
from kubegate.registry.spec import PrinterColumn, ResourceSpec

__all__ = ["AGE", "CUSTOM_RESOURCE_COLUMNS", "DEFAULT_COLUMNS", "NAME", "PRINTERS", "Column", "build_table", "columns_of", "human_duration"]

DEFAULT_COLUMNS: tuple[Column, ...] = (NAME, CREATED_AT)
#: A custom resource's table when its CRD names no printer columns: the defaulted `Age` column.
CUSTOM_RESOURCE_COLUMNS: tuple[Column, ...] = (
    NAME,
    Column(
        "Age", AGE.getter, type="date",
        description="Custom resource definition column (in JSONPath format): .metadata.creationTimestamp",
    ),
)  # fmt: skip
_BUILTIN_GROUPS = frozenset(GROUP_ORDER)


def columns_of(spec: ResourceSpec) -> tuple[Column, ...]:
    """The columns of a served resource: a custom resource's come from its CRD version."""
    if spec.custom_resource:
        return _custom_columns(spec.printer_columns)
    if spec.resource_key in PRINTERS:
        return PRINTERS[spec.resource_key]
    return DEFAULT_COLUMNS if spec.group in _BUILTIN_GROUPS else CUSTOM_RESOURCE_COLUMNS


@functools.lru_cache(maxsize=256)
def _custom_columns(columns: tuple[PrinterColumn, ...]) -> tuple[Column, ...]:
    return table_columns(columns or (AGE_COLUMN,))


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata if isinstance(metadata, dict) else {},
    }


def build_table(
    objects: Iterable[dict[str, Any]],
    columns: tuple[Column, ...],
    *,
    spec: ResourceSpec | None = None,
    resource_version: str = "",
    continue_token: str = "",
    remaining: int | None = None,
    include_headers: bool = True,
    include_object: str = "Metadata",
) -> dict[str, Any]:
    """A Table of `objects`; `spec` (the resource listed) enables its row conditions and order."""
    moment = meta.now()
    conditions = ROW_CONDITIONS.get(spec.resource_key) if spec else None
    order = ROW_ORDER.get(spec.resource_key) if spec else None
    listed = sorted(objects, key=order) if order else objects
    rows = []
    try:
        for obj in listed:
            rowmemo.begin(obj)
            row: dict[str, Any] = {"cells": [column.getter(obj, moment) for column in columns]}
            if conditions is not None and (marks := conditions(obj)):
                row["conditions"] = marks
            if include_object == "Object":
                row["object"] = obj
            elif include_object != "None":
                row["object"] = partial_metadata(obj)
            rows.append(row)
    finally:
        rowmemo.end()
    list_meta: dict[str, Any] = {}
    if resource_version:
        list_meta["resourceVersion"] = resource_version
    if continue_token:
        list_meta["continue"] = continue_token
    if remaining is not None:
        list_meta["remainingItemCount"] = remaining
    table: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta}
    table["columnDefinitions"] = [c.definition() for c in columns] if include_headers else None
    table["rows"] = rows
    return table
