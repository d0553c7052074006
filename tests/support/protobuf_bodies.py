"""Kubernetes protobuf request bodies built from JSON objects, for tests that need valid bytes.

The encoder reads the same message tables the server's decoder reads (`kubegate.api.protobuf
.schema`), so any object made of plain fields, lists, maps and nested messages of a kind in
`schema.KINDS` can be sent the way kubectl 1.32 sends it. The special JSON forms (times,
quantities, int-or-string, raw extensions) are not written; objects for fuzzing need none.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from kubegate.api.protobuf import schema
from kubegate.api.protobuf.decode import MAGIC
from kubegate.api.protobuf.wire import FIXED32, FIXED64
from kubegate.api.protobuf.writer import key, length_delimited, varint_field


def body(obj: dict[str, Any]) -> bytes:
    """`obj` (with apiVersion and kind) as a `k8s\\0` + runtime.Unknown protobuf body."""
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    group = api_version.rpartition("/")[0]
    version = api_version.rpartition("/")[2]
    message = f"k8s.io.api.{schema.GROUP_PACKAGES[group]}.{version}.{kind}"
    type_meta = length_delimited(1, api_version.encode()) + length_delimited(2, kind.encode())
    raw = message_bytes(message, obj)
    return MAGIC + length_delimited(1, type_meta) + length_delimited(2, raw) + length_delimited(3, b"") + length_delimited(4, b"")


def message_bytes(message: str, value: dict[str, Any]) -> bytes:
    out = bytearray()
    for number, field in sorted(schema.MESSAGES[message].items()):
        if field.flags & schema.INLINE:
            out += length_delimited(number, message_bytes(field.type, value))
            continue
        if field.json_name not in value:
            continue
        item = value[field.json_name]
        if field.flags & schema.MAP:
            for map_key, map_value in item.items():
                entry = length_delimited(1, map_key.encode()) + _one(2, field.type, map_value)
                out += length_delimited(number, entry)
        elif field.flags & schema.REPEATED:
            for element in item:
                out += _one(number, field.type, element)
        else:
            out += _one(number, field.type, item)
    return bytes(out)


def _one(number: int, kind: str, value: Any) -> bytes:
    if kind == schema.STRING:
        return length_delimited(number, str(value).encode())
    if kind == schema.BYTES:
        return length_delimited(number, base64.b64decode(value))
    if kind in (schema.INT32, schema.INT64, schema.BOOL):
        return varint_field(number, int(value))
    if kind == schema.DOUBLE:
        return key(number, FIXED64) + struct.pack("<d", value)
    if kind == schema.FLOAT:
        return key(number, FIXED32) + struct.pack("<f", value)
    return length_delimited(number, message_bytes(kind, value))
