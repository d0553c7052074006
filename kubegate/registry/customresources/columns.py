"""A custom resource's Table: Name, then its CRD's printer columns (apiextensions' tableconvertor).

A version without `additionalPrinterColumns` is served with one logical default, `Age` from
`.metadata.creationTimestamp`; declaring columns replaces it (Age shows only if declared).
Each cell is the first JSONPath result: `string` columns print it as client-go's jsonpath
prints (maps and lists as JSON), `integer`/`number`/`boolean` keep JSON numbers and booleans of
the right kind, `date` becomes a human age (`<invalid>` if it is no timestamp); anything missing
or of the wrong kind is an empty cell (null).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from kubegate.api import meta
from kubegate.registry.customresources.govalues import go_v
from kubegate.registry.customresources.jsonpath import JSONPathError, compile_path
from kubegate.registry.printers.cells import NAME, Cell, Column, doc, human_duration
from kubegate.registry.spec import PrinterColumn

AGE_COLUMN = PrinterColumn("Age", "date", ".metadata.creationTimestamp")
_AGE_DESCRIPTION = doc("ObjectMeta", "creationTimestamp")


def printer_columns(version: dict[str, Any]) -> tuple[PrinterColumn, ...]:
    """serveDefaultColumnsIfEmpty over a CRD version's additionalPrinterColumns."""
    declared = version.get("additionalPrinterColumns")
    if not isinstance(declared, list) or not declared:
        return (AGE_COLUMN,)
    columns = []
    for entry in declared:
        if not isinstance(entry, dict):
            continue
        json_path = str(entry.get("jsonPath") or "")
        columns.append(PrinterColumn(
            name=str(entry.get("name") or ""), type=str(entry.get("type") or ""), json_path=json_path,
            format=str(entry.get("format") or ""),
            description=str(entry.get("description") or "")
            or f"Custom resource definition column (in JSONPath format): {json_path}",
            priority=int(entry.get("priority") or 0),
        ))  # fmt: skip
    return tuple(columns)


def table_columns(columns: tuple[PrinterColumn, ...]) -> tuple[Column, ...]:
    return (NAME, *(_column(column) for column in columns))


def _column(column: PrinterColumn) -> Column:
    try:
        path = compile_path(column.json_path)
    except JSONPathError:
        path = None

    def getter(obj: dict[str, Any], moment: datetime) -> Cell:
        if path is None:
            return None
        found, value = path.first(obj)
        return cell(column.type, value, moment) if found else None

    description = _AGE_DESCRIPTION if column == AGE_COLUMN else column.description
    return Column(column.name, getter, type=column.type, format=column.format,
                  description=description, priority=column.priority)  # fmt: skip


def cell(kind: str, value: Any, moment: datetime) -> Cell:
    """cellForJSONValue, plus jsonpath's printing of `string` columns."""
    if value is None:
        return None
    if kind == "string":
        if isinstance(value, (dict, list)):
            return orjson.dumps(value).decode()
        return go_v(value)
    if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, str):
        when = meta.parse_time(value)
        if when is None:
            return "<invalid>"
        return human_duration((moment - when).total_seconds())
    return None
