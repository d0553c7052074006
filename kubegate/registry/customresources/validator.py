"""Validating a custom object against its openAPIV3Schema, with kube-openapi's messages.

The real server converts the schema to a go-openapi spec.Schema and runs kube-openapi's
SchemaValidator; each failure becomes a field error (apiextensions' validation.go): a wrong
type is `spec.replicas: Invalid value: "string": spec.replicas in body must be of type
integer: "string"`, a missing property `spec.foo: Required value`, an enum miss
`spec.color: Unsupported value: "pink": supported values: "red", "blue"`, too many items
`Too many`, a string over maxLength `Too long`, the rest `Invalid value: <value>: <message>`.

Validators run in kube-openapi's order for every node (type, logical junctors, string, format,
number, array, enum, object), nested properties in the schema's order. Go iterates them in map
order, so the order of several errors is not fixed on a real server either.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from kubegate.api.errors import FieldError
from kubegate.registry.customresources import formats
from kubegate.registry.customresources.govalues import go_float, go_v
from kubegate.registry.customresources.validator_errors import IN, Failure, quote, to_field_error

Schema = dict[str, Any]
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_FLOAT32_MAX = 3.4028234663852886e38


def validate(schema: Schema | None, value: Any, *, prefix: str = "") -> list[FieldError]:
    """Field errors of `value` against `schema`; `prefix` is the field path of `value` itself
    ("" for a whole object, `status` for a status update, `...default` for a default)."""
    if not schema:
        return []
    return [to_field_error(failure, prefix) for failure in _node(schema, value, "")]


# --- one schema node ---------------------------------------------------------------------------


def types_of(schema: Schema) -> list[str]:
    if schema.get("x-kubernetes-int-or-string") is True:
        return ["integer", "string"]
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) and kind else []


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _node(schema: Schema, value: Any, path: str) -> list[Failure]:
    types = types_of(schema)
    fmt = formats.effective_format(types[0] if len(types) == 1 else "", str(schema.get("format") or ""))
    out = _type(schema, types, fmt, value, path)
    if value is None:
        return out + _enum(schema, value, path)
    out += _junctors(schema, value, path)
    kind = json_type(value)
    if kind == "string":
        out += _string(schema, value, path)
        if fmt and not formats.string_matches(fmt, value):
            out.append(_invalid_type(path, fmt, value))
    elif kind in ("integer", "number"):
        out += _number(schema, types, fmt, value, path)
    elif kind == "array":
        out += _array(schema, value, path)
    out += _enum(schema, value, path)
    if kind == "object":
        out += _object(schema, value, path)
    return out


def _invalid_type(path: str, expected: str, got: Any) -> Failure:
    shown = f": {quote(got)}" if isinstance(got, str) else ""
    message = f"{path} in {IN} must be of type {expected}{shown}"
    return Failure("type", path, message, got)


def _type(schema: Schema, types: list[str], fmt: str, value: Any, path: str) -> list[Failure]:
    if not types and not fmt:
        return []
    if value is None:
        if types and "null" not in types and schema.get("nullable") is not True:
            return [_invalid_type(path, ",".join(types), "null")]
        return []
    kind = json_type(value)
    float_int = kind == "number" and float(value).is_integer() and "integer" in types
    int_float = kind == "integer" and "number" in types
    if kind not in ("string", "array") and fmt and fmt not in ("int64", "double"):
        value_format = {"integer": "int64", "number": "float64"}.get(kind, "")
        if not (kind in types or value_format == fmt or float_int or int_float):
            return [_invalid_type(path, fmt, value_format)]
    if not ("number" in types or "integer" in types) and fmt and kind in ("string", "array"):
        return []
    if types and not (kind in types or float_int or int_float):
        return [_invalid_type(path, ",".join(types), kind)]
    return []


def _junctors(schema: Schema, value: Any, path: str) -> list[Failure]:
    out: list[Failure] = []
    any_of = [s for s in schema.get("anyOf") or () if isinstance(s, dict)]
    if any_of:
        results = [_node(s, value, path) for s in any_of]
        if all(results):
            out.append(Failure("plain", path, f'"{path}" must validate at least one schema (anyOf)'))
            out.extend(_fewest(results))
    one_of = [s for s in schema.get("oneOf") or () if isinstance(s, dict)]
    if one_of:
        results = [_node(s, value, path) for s in one_of]
        valid = sum(1 for r in results if not r)
        if valid != 1:
            found = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
            out.append(Failure("plain", path, f'"{path}" must validate one and only one schema (oneOf). {found}'))
            if valid == 0:
                out.extend(_fewest(results))
    all_of = [s for s in schema.get("allOf") or () if isinstance(s, dict)]
    if all_of:
        results = [_node(s, value, path) for s in all_of]
        for result in results:
            out += result
        failed = sum(1 for r in results if r)
        if failed:
            extra = ". None validated" if failed == len(results) else ""
            out.append(Failure("plain", path, f'"{path}" must validate all the schemas (allOf){extra}'))
    not_schema = schema.get("not")
    if isinstance(not_schema, dict) and not _node(not_schema, value, path):
        out.append(Failure("plain", path, f'"{path}" must not validate the schema (not)'))
    return out


def _fewest(results: list[list[Failure]]) -> list[Failure]:
    """The failing alternative to report: the one that came closest (kube-openapi's best match,
    approximated: fewest failures, and among those one whose type at least matched)."""
    return min(results, key=lambda result: (len(result), sum(f.kind == "type" for f in result)))


def _string(schema: Schema, value: str, path: str) -> list[Failure]:
    length = len(value)
    max_length = schema.get("maxLength")
    if isinstance(max_length, int) and length > max_length:
        return [Failure("too_long", path, f"{path} in {IN} should be at most {max_length} chars long", value, max_length)]
    min_length = schema.get("minLength")
    if isinstance(min_length, int) and length < min_length:
        return [Failure("other", path, f"{path} in {IN} should be at least {min_length} chars long", value)]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and pattern:
        try:
            matched = re.search(pattern, value) is not None
        except re.error as exc:
            message = f"{path} in {IN} should match '{pattern}, but pattern is invalid: {exc}'"
            return [Failure("other", path, message, value)]
        if not matched:
            return [Failure("other", path, f"{path} in {IN} should match '{pattern}'", value)]
    return []


def _number(schema: Schema, types: list[str], fmt: str, value: float, path: str) -> list[Failure]:
    out: list[Failure] = []
    single = types[0] if len(types) == 1 and types[0] in ("integer", "number") else ""
    if single == "integer" and fmt in ("int32", "int64"):
        low, high = _INT32 if fmt == "int32" else _INT64
        if not (isinstance(value, int) or float(value).is_integer()) or not low <= value <= high:
            message = f"Checked value must be of type integer with format {fmt} in {path}"
            out.append(Failure("plain", path, message))
    elif single == "number" and fmt == "float" and abs(value) > _FLOAT32_MAX:
        out.append(Failure("plain", path, f"Checked value must be of type number with format float in {path}"))
    is_int = isinstance(value, int)
    factor = schema.get("multipleOf")
    if _is_number(factor) and factor > 0:
        if is_int:
            whole = int(factor) if int(factor) > 0 else 1
            bad = value % whole != 0
            shown = str(whole)
        else:
            ratio = value / factor if factor >= 1 else (1 / factor) * value
            bad = not float(ratio).is_integer()
            shown = go_v(factor)
        if bad:
            out.append(Failure("other", path, f"{path} in {IN} should be a multiple of {shown}", value))
    out += _bound(schema, value, path, "minimum", "exclusiveMinimum", "greater than")
    out += _bound(schema, value, path, "maximum", "exclusiveMaximum", "less than")
    return out


def _bound(schema: Schema, value: float, path: str, key: str, exclusive_key: str, word: str) -> list[Failure]:
    limit = schema.get(key)
    if not _is_number(limit):
        return []
    exclusive = schema.get(exclusive_key) is True
    if isinstance(value, int):
        bound: int | float = int(limit)
        shown = str(bound)
    else:
        bound, shown = float(limit), go_float(float(limit))
    low = word == "greater than"
    broken = (value < bound or (exclusive and value == bound)) if low else (value > bound or (exclusive and value == bound))
    if not broken:
        return []
    relation = word if exclusive else f"{word} or equal to"
    return [Failure("other", path, f"{path} in {IN} should be {relation} {shown}", value)]


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _array(schema: Schema, value: list[Any], path: str) -> list[Failure]:
    out: list[Failure] = []
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            out += _node(items, item, f"{path}[{index}]")
    size = len(value)
    min_items = schema.get("minItems")
    if isinstance(min_items, int) and size < min_items:
        out.append(Failure("other", path, f"{path} in {IN} should have at least {min_items} items", size))
    max_items = schema.get("maxItems")
    if isinstance(max_items, int) and size > max_items:
        out.append(Failure("max_items", path, f"{path} in {IN} should have at most {max_items} items", size, max_items))
    if schema.get("uniqueItems") is True:
        seen: list[Any] = []
        for item in value:
            if any(_same(item, other) for other in seen):
                out.append(Failure("other", path, f"{path} in {IN} shouldn't contain duplicates"))
                break
            seen.append(item)
    return out


def _same(a: Any, b: Any) -> bool:
    """reflect.DeepEqual of JSON values (after Go's numeric conversion): booleans never equal
    numbers, and 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _enum(schema: Schema, value: Any, path: str) -> list[Failure]:
    allowed = schema.get("enum")
    if not isinstance(allowed, list) or not allowed:
        return []
    if value is not None and any(_same(value, candidate) for candidate in allowed):
        return []
    message = f"{path} in {IN} should be one of {go_v(allowed)}"
    return [Failure("enum", path, message, value, allowed=list(allowed))]


def _object(schema: Schema, value: dict[str, Any], path: str) -> list[Failure]:
    out: list[Failure] = []
    count = len(value)
    min_props, max_props = schema.get("minProperties"), schema.get("maxProperties")
    if isinstance(min_props, int) and count < min_props:
        out.append(Failure("other", path, f"{path} in {IN} should have at least {min_props} properties", count))
    if isinstance(max_props, int) and count > max_props:
        out.append(Failure("max_items", path, f"{path} in {IN} should have at most {max_props} properties", count, max_props))
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        if key in properties:
            continue
        if additional is False:
            out.append(Failure("other", f"{path}.{key}", f"{path}.{key} in {IN} is a forbidden property"))
        elif isinstance(additional, dict):
            out += _node(additional, item, f"{path}.{key}")
    for key, sub in properties.items():
        if key in value and isinstance(sub, dict):
            out += _node(sub, value[key], f"{path}.{key}" if path else key)
    for key in schema.get("required") or ():
        if isinstance(key, str) and key not in value:
            out.append(Failure("required", f"{path}.{key}", f"{path}.{key} in {IN} is required"))
    return out
