"""A Swagger 2.0 document written as the `openapi.v2.Document` protobuf message (gnostic).

kubectl up to 1.28 reads /openapi/v2 before `apply`, `create -f` and `edit`, and asks only for
`application/com.github.proto-openapi.spec.v2.v1.0+protobuf`: the document in the message
layout of github.com/google/gnostic-models `openapiv2/OpenAPIv2.proto`, which the real server
produces by parsing its JSON document into those messages. The layouts below are the field
numbers of that file (facts of the wire format) for the parts a Kubernetes document uses.

Gnostic models JSON in three ways besides plain fields, each handled here as data:

* `x-…` keys of a message go to its `vendor_extension` field (`EXTENSIONS`) as `NamedAny`s,
  and every free-form value (`default`, `enum`, `example`, extensions) is an `Any` holding the
  value as YAML text; JSON is YAML, so that text is the value's JSON;
* a JSON object of named entries (`definitions`, `properties`, `paths`, `responses`, ...) is
  a repeated `Named…` message of `name` (1) and `value` (2) (`MAPS`), in sorted name order as
  the real server's JSON has them;
* a value that can take several shapes (`additionalProperties`: bool or schema, `type`:
  string or list, a parameter: body or query or path ...) is a `oneof` wrapper (`CHOICES`),
  which picks a field from the JSON value's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import orjson

from kubegate.api.protobuf.writer import double_field, length_delimited, varint_field

STRING, BOOL, INT64, DOUBLE, ANY = "string", "bool", "int64", "double", "any"


class Field(NamedTuple):
    number: int
    type: str  # a scalar above, ANY, or a message name
    repeated: bool = False


def _fields(**rows: Field) -> dict[str, Field]:
    return rows


_PRIMITIVE_CONSTRAINTS = {  # shared by Schema, the parameter sub-schemas and PrimitivesItems
    "maximum": DOUBLE, "exclusiveMaximum": BOOL, "minimum": DOUBLE, "exclusiveMinimum": BOOL,
    "maxLength": INT64, "minLength": INT64, "pattern": STRING, "maxItems": INT64,
    "minItems": INT64, "uniqueItems": BOOL,
}


def _parameter(first: int, *, allow_empty: bool) -> dict[str, Field]:
    """Header, formData, query and path parameters: one layout shifted by `allowEmptyValue`."""
    rows = {"required": Field(1, BOOL), "in": Field(2, STRING), "description": Field(3, STRING),
            "name": Field(4, STRING)}
    names = (["allowEmptyValue"] if allow_empty else []) + [
        "type", "format", "items", "collectionFormat", "default", *_PRIMITIVE_CONSTRAINTS, "enum",
        "multipleOf",
    ]
    types = {"allowEmptyValue": BOOL, "items": "PrimitivesItems", "default": ANY, "enum": ANY,
             "multipleOf": DOUBLE, **_PRIMITIVE_CONSTRAINTS}
    for offset, name in enumerate(names):
        rows[name] = Field(first + offset, types.get(name, STRING), name == "enum")
    return rows


MESSAGES: dict[str, dict[str, Field]] = {
    "Document": _fields(
        swagger=Field(1, STRING), info=Field(2, "Info"), host=Field(3, STRING),
        basePath=Field(4, STRING), schemes=Field(5, STRING, True),
        consumes=Field(6, STRING, True), produces=Field(7, STRING, True),
        paths=Field(8, "Paths"), definitions=Field(9, "Definitions"),
        security=Field(12, "SecurityRequirement", True),
        securityDefinitions=Field(13, "SecurityDefinitions"), tags=Field(14, "Tag", True),
    ),
    "Info": _fields(title=Field(1, STRING), version=Field(2, STRING), description=Field(3, STRING)),
    "Tag": _fields(name=Field(1, STRING), description=Field(2, STRING)),
    "Schema": {
        "$ref": Field(1, STRING), "format": Field(2, STRING), "title": Field(3, STRING),
        "description": Field(4, STRING), "default": Field(5, ANY), "multipleOf": Field(6, DOUBLE),
        **{name: Field(7 + i, kind) for i, (name, kind) in enumerate(_PRIMITIVE_CONSTRAINTS.items())},
        "maxProperties": Field(17, INT64), "minProperties": Field(18, INT64),
        "required": Field(19, STRING, True), "enum": Field(20, ANY, True),
        "additionalProperties": Field(21, "AdditionalPropertiesItem"),
        "type": Field(22, "TypeItem"), "items": Field(23, "ItemsItem"),
        "allOf": Field(24, "Schema", True), "properties": Field(25, "Properties"),
        "discriminator": Field(26, STRING), "readOnly": Field(27, BOOL), "example": Field(30, ANY),
    },
    "AdditionalPropertiesItem": _fields(schema=Field(1, "Schema"), boolean=Field(2, BOOL)),
    "TypeItem": _fields(value=Field(1, STRING, True)),
    "ItemsItem": _fields(schema=Field(1, "Schema", True)),
    "PathItem": {
        "$ref": Field(1, STRING), "get": Field(2, "Operation"), "put": Field(3, "Operation"),
        "post": Field(4, "Operation"), "delete": Field(5, "Operation"),
        "options": Field(6, "Operation"), "head": Field(7, "Operation"),
        "patch": Field(8, "Operation"), "parameters": Field(9, "ParametersItem", True),
    },
    "Operation": _fields(
        tags=Field(1, STRING, True), summary=Field(2, STRING), description=Field(3, STRING),
        operationId=Field(5, STRING), produces=Field(6, STRING, True),
        consumes=Field(7, STRING, True), parameters=Field(8, "ParametersItem", True),
        responses=Field(9, "Responses"), schemes=Field(10, STRING, True),
        deprecated=Field(11, BOOL), security=Field(12, "SecurityRequirement", True),
    ),
    "ParametersItem": _fields(parameter=Field(1, "Parameter"), jsonReference=Field(2, "JsonReference")),
    "Parameter": _fields(body=Field(1, "BodyParameter"), other=Field(2, "NonBodyParameter")),
    "NonBodyParameter": _fields(
        header=Field(1, "HeaderParameterSubSchema"), formData=Field(2, "FormDataParameterSubSchema"),
        query=Field(3, "QueryParameterSubSchema"), path=Field(4, "PathParameterSubSchema"),
    ),
    "BodyParameter": _fields(
        description=Field(1, STRING), name=Field(2, STRING), required=Field(4, BOOL),
        schema=Field(5, "Schema"), **{"in": Field(3, STRING)},
    ),
    "HeaderParameterSubSchema": _parameter(5, allow_empty=False),
    "PathParameterSubSchema": _parameter(5, allow_empty=False),
    "QueryParameterSubSchema": _parameter(5, allow_empty=True),
    "FormDataParameterSubSchema": _parameter(5, allow_empty=True),
    "PrimitivesItems": {
        "type": Field(1, STRING), "format": Field(2, STRING), "items": Field(3, "PrimitivesItems"),
        "collectionFormat": Field(4, STRING), "default": Field(5, ANY),
        **{name: Field(6 + i, kind) for i, (name, kind) in enumerate(_PRIMITIVE_CONSTRAINTS.items())},
        "enum": Field(16, ANY, True), "multipleOf": Field(17, DOUBLE),
    },
    "JsonReference": {"$ref": Field(1, STRING), "description": Field(2, STRING)},
    "ResponseValue": _fields(response=Field(1, "Response"), jsonReference=Field(2, "JsonReference")),
    "Response": _fields(description=Field(1, STRING), schema=Field(2, "SchemaItem")),
    "SchemaItem": _fields(schema=Field(1, "Schema")),
    "SecurityDefinitionsItem": _fields(
        basic=Field(1, "BasicAuthenticationSecurity"), apiKey=Field(2, "ApiKeySecurity"),
    ),
    "BasicAuthenticationSecurity": _fields(type=Field(1, STRING), description=Field(2, STRING)),
    "ApiKeySecurity": _fields(
        type=Field(1, STRING), name=Field(2, STRING), description=Field(4, STRING),
        **{"in": Field(3, STRING)},
    ),
    "StringArray": _fields(value=Field(1, STRING, True)),
}

#: The field number of each message's `vendor_extension`, which takes its `x-…` keys.
EXTENSIONS: dict[str, int] = {
    "Document": 16, "Info": 7, "Tag": 4, "Schema": 31, "PathItem": 10, "Operation": 13,
    "BodyParameter": 6, "HeaderParameterSubSchema": 22, "PathParameterSubSchema": 22,
    "QueryParameterSubSchema": 23, "FormDataParameterSubSchema": 23, "PrimitivesItems": 18,
    "Response": 5, "Responses": 2, "Paths": 1, "ApiKeySecurity": 5,
    "BasicAuthenticationSecurity": 3,
}

#: JSON objects of named entries: (field number of the repeated `Named…`, the value's message).
MAPS: dict[str, tuple[int, str]] = {
    "Definitions": (1, "Schema"),
    "Properties": (1, "Schema"),
    "Paths": (2, "PathItem"),
    "Responses": (1, "ResponseValue"),
    "SecurityDefinitions": (1, "SecurityDefinitionsItem"),
    "SecurityRequirement": (1, "StringArray"),
}

_IN = {"header": "header", "formData": "formData", "query": "query", "path": "path"}

#: `oneof` wrappers and list-or-scalar fields: the JSON value, recast as the wrapper's fields.
CHOICES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "AdditionalPropertiesItem": lambda v: {"boolean": v} if isinstance(v, bool) else {"schema": v},
    "TypeItem": lambda v: {"value": v if isinstance(v, list) else [v]},
    "ItemsItem": lambda v: {"schema": v if isinstance(v, list) else [v]},
    "StringArray": lambda v: {"value": v},
    "ParametersItem": lambda v: {"jsonReference": v} if "$ref" in v else {"parameter": v},
    "Parameter": lambda v: {"body": v} if v.get("in") == "body" else {"other": v},
    "NonBodyParameter": lambda v: {_IN[v["in"]]: v} if v.get("in") in _IN else {},
    "ResponseValue": lambda v: {"jsonReference": v} if "$ref" in v else {"response": v},
    "SchemaItem": lambda v: {"schema": v},
    "SecurityDefinitionsItem": lambda v: {v["type"]: v} if v.get("type") in ("basic", "apiKey") else {},
}


def encode_document(document: Mapping[str, Any]) -> bytes:
    """The protobuf bytes of a Swagger 2.0 document (already JSON-shaped data)."""
    return encode("Document", document)


def encode(message: str, value: Any) -> bytes:
    """One message from its JSON form; keys the layout does not know are left out."""
    if message in CHOICES:
        value = CHOICES[message](value)
    if not isinstance(value, Mapping):
        return b""
    out = bytearray()
    if message in MAPS:
        number, entry = MAPS[message]
        for name in sorted(value):
            if not name.startswith("x-") or message not in EXTENSIONS:
                named = length_delimited(1, name.encode()) + length_delimited(2, encode(entry, value[name]))
                out += length_delimited(number, named)
    else:
        layout = MESSAGES[message]
        for field, item in sorted((layout[k], v) for k, v in value.items() if k in layout):
            for one in item if field.repeated and isinstance(item, list) else (item,):
                out += _field(field, one)
    extension = EXTENSIONS.get(message)
    if extension is not None:
        for name in sorted(k for k in value if k.startswith("x-")):
            named = length_delimited(1, name.encode()) + length_delimited(2, _any(value[name]))
            out += length_delimited(extension, named)
    return bytes(out)


def _field(field: Field, value: Any) -> bytes:
    """One occurrence of a field; proto3 leaves scalar zero values out, never messages."""
    kind = field.type
    if kind == STRING:
        return length_delimited(field.number, value.encode()) if isinstance(value, str) and value else b""
    if kind == BOOL:
        return varint_field(field.number, 1) if value is True else b""
    if kind == INT64:
        return varint_field(field.number, value) if isinstance(value, int) and value else b""
    if kind == DOUBLE:
        return double_field(field.number, float(value)) if isinstance(value, int | float) and value else b""
    if kind == ANY:
        return length_delimited(field.number, _any(value))
    return length_delimited(field.number, encode(kind, value))


def _any(value: Any) -> bytes:
    """An `openapi.v2.Any`: the value as YAML text (field 2), here its JSON, which YAML reads."""
    return length_delimited(2, orjson.dumps(value) + b"\n")
