"""The protobuf wire format, written: the few field encodings kubegate sends (OpenAPI v2).

Request bodies are only ever read (`wire.py`); the one protobuf document kubegate writes is the
/openapi/v2 spec, which kubectl up to 1.28 fetches as protobuf and nothing else. That needs
varints, length-delimited fields and doubles, written as Go's protobuf marshaller writes them:
a key (`number << 3 | wire type`) and then the value, negative int64s as ten-byte varints.
"""

from __future__ import annotations

import functools
import struct

from kubegate.api.protobuf.wire import FIXED64, LENGTH_DELIMITED, VARINT

_UINT64 = (1 << 64) - 1
_DOUBLE = struct.Struct("<d")
_SMALL = [bytes((n,)) for n in range(0x80)]


def varint(value: int) -> bytes:
    """`value` as a varint; negative numbers as their 64-bit two's complement (int64 fields)."""
    if 0 <= value < 0x80:
        return _SMALL[value]
    value &= _UINT64
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@functools.lru_cache(maxsize=512)
def key(number: int, wire_type: int) -> bytes:
    return varint((number << 3) | wire_type)


def length_delimited(number: int, payload: bytes) -> bytes:
    """A string, bytes or embedded-message field."""
    return key(number, LENGTH_DELIMITED) + varint(len(payload)) + payload


def varint_field(number: int, value: int) -> bytes:
    """An int64, int32, enum or bool field (bools as 0 and 1)."""
    return key(number, VARINT) + varint(value)


def double_field(number: int, value: float) -> bytes:
    return key(number, FIXED64) + _DOUBLE.pack(value)
