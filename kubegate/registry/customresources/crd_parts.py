"""Validation of a CRD version's subresources, printer columns and selectable fields."""

from __future__ import annotations

from typing import Any

from kubegate.api.errors import (
    CAUSE_DUPLICATE,
    CAUSE_INVALID,
    CAUSE_REQUIRED,
    CAUSE_TOO_MANY,
    FieldError,
)
from kubegate.registry.customresources.structural import child

PRINTER_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
PRINTER_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")
MAX_SELECTABLE_FIELDS = 8


def simple_json_path_errors(value: str, path: str) -> list[FieldError]:
    if not value:
        return [FieldError(CAUSE_INVALID, path, "must not be empty", value)]
    if value[0] != ".":
        return [FieldError(CAUSE_INVALID, path, "must be a simple json path starting with .", value)]
    return []


def validate_subresources(subresources: Any, path: str) -> list[FieldError]:
    if not isinstance(subresources, dict):
        return []
    scale = subresources.get("scale")
    if not isinstance(scale, dict):
        return []
    errors: list[FieldError] = []
    for name, under, message in (
        ("specReplicasPath", (".spec.",), "should be a json path under .spec"),
        ("statusReplicasPath", (".status.",), "should be a json path under .status"),
    ):
        value = scale.get(name)
        field = child(path, f"scale.{name}")
        if not isinstance(value, str) or not value:
            errors.append(FieldError(CAUSE_REQUIRED, field))
        elif problems := simple_json_path_errors(value, field):
            errors += problems
        elif not value.startswith(under):
            errors.append(FieldError(CAUSE_INVALID, field, message, value))
    selector = scale.get("labelSelectorPath")
    if isinstance(selector, str) and selector:
        field = child(path, "scale.labelSelectorPath")
        if problems := simple_json_path_errors(selector, field):
            errors += problems
        elif not selector.startswith((".spec.", ".status.")):
            errors.append(FieldError(CAUSE_INVALID, field, "should be a json path under either .spec or .status", selector))
    return errors


def validate_column(column: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not column.get("name"):
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "name")))
    kinds = "must be one of " + ",".join(PRINTER_COLUMN_TYPES)
    kind = column.get("type")
    if not kind:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "type"), kinds))
    elif kind not in PRINTER_COLUMN_TYPES:
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), kinds, kind))
    fmt = column.get("format")
    if fmt and fmt not in PRINTER_COLUMN_FORMATS:
        errors.append(FieldError(CAUSE_INVALID, child(path, "format"), "must be one of " + ",".join(PRINTER_COLUMN_FORMATS), fmt))
    json_path = column.get("jsonPath")
    if not json_path:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "JSONPath")))
    else:
        errors += simple_json_path_errors(str(json_path), child(path, "JSONPath"))
    return errors


def validate_selectable_fields(fields: list[Any], schema: dict[str, Any] | None, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, entry in enumerate(fields):
        item = f"{path}[{index}]"
        json_path = entry.get("jsonPath") if isinstance(entry, dict) else None
        if not json_path:
            errors.append(FieldError(CAUSE_REQUIRED, child(item, "jsonPath")))
            continue
        target, problem = _field_schema(schema, str(json_path))
        if problem:
            errors.append(FieldError(CAUSE_INVALID, child(item, "jsonPath"), f"is an invalid path: {problem}", json_path))
            continue
        if str(json_path).lstrip(".").split(".")[0] == "metadata":
            errors.append(FieldError(CAUSE_INVALID, child(item, "jsonPath"), "must not point to fields in metadata", json_path))
        if not target or target.get("type") not in ("string", "boolean", "integer"):
            errors.append(FieldError(CAUSE_INVALID, child(item, "jsonPath"),
                                     "must point to a field of type string, boolean or integer. Enum string fields and "
                                     "strings with formats are allowed.", json_path))  # fmt: skip
        normalized = str(json_path).lstrip(".")
        if normalized in seen:
            errors.append(FieldError(CAUSE_DUPLICATE, child(item, "jsonPath"), bad_value=json_path))
        seen.add(normalized)
    if len(seen) > MAX_SELECTABLE_FIELDS:
        errors.append(FieldError(CAUSE_TOO_MANY, path, f"must have at most {MAX_SELECTABLE_FIELDS} items", len(seen)))
    return errors


def _field_schema(schema: dict[str, Any] | None, json_path: str) -> tuple[dict[str, Any] | None, str]:
    """The schema a simple dotted path reaches, or the reason it reaches none."""
    if not json_path.startswith("."):
        return None, "must start with '.'"  # cel.ValidFieldPath's wording varies; keep it short
    node = schema
    for part in json_path[1:].split("."):
        properties = node.get("properties") if isinstance(node, dict) else None
        if not part or not isinstance(properties, dict) or not isinstance(properties.get(part), dict):
            return None, "does not refer to a valid field"
        node = properties[part]
    return node, ""
