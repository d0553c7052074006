"""The protobuf wire format, read field by field: just enough for Kubernetes request bodies.

A message is a run of `(key, value)` pairs, where the key is a varint holding the field number and
one of four wire types we accept: varint (0), 64-bit (1), length-delimited (2) and 32-bit (5).
Groups (3 and 4) are a protobuf-2 relic that no Kubernetes type uses, so they are refused rather
than skipped. Every read is bounds-checked and every failure is a `WireError` whose text is the
one gogo-protobuf's generated `Unmarshal` gives for the same fault (`unexpected EOF`,
`proto: integer overflow`, ...), so the 400 a client gets reads like the real apiserver's.

Nesting is the decoder's business, but its limit lives here: `iter_fields` refuses a message
deeper than `MAX_DEPTH`, which keeps recursion bounded whatever the input.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

VARINT, FIXED64, LENGTH_DELIMITED, START_GROUP, END_GROUP, FIXED32 = 0, 1, 2, 3, 4, 5

#: Deepest message nesting accepted; a Deployment's pod template is about 10 levels deep.
MAX_DEPTH = 100

_UINT64 = (1 << 64) - 1
_INT64_LIMIT = 1 << 63  # lengths at or above this are negative for Go's `int`
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")

Buffer = bytes | memoryview
Value = int | memoryview


class WireError(ValueError):
    """Bytes that are not a well-formed protobuf message."""


UNEXPECTED_EOF = "unexpected EOF"
INTEGER_OVERFLOW = "proto: integer overflow"
NEGATIVE_LENGTH = "proto: negative length found during unmarshaling"


def read_varint(data: Buffer, pos: int) -> tuple[int, int]:
    """Read a varint at `pos`: (its value as an unsigned 64-bit integer, the position after it).

    Like Go, accept at most ten bytes and keep the low 64 bits of the tenth.
    """
    result = 0
    shift = 0
    end = len(data)
    while True:
        if shift >= 64:
            raise WireError(INTEGER_OVERFLOW)
        if pos >= end:
            raise WireError(UNEXPECTED_EOF)
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _UINT64, pos
        shift += 7


def iter_fields(
    data: Buffer, *, depth: int = 0, message: str = ""
) -> Iterator[tuple[int, int, Value]]:
    """Yield `(field_number, wire_type, value)` for each field of one message, in wire order.

    The value is an unsigned int for varint, 32-bit and 64-bit fields and a memoryview of the
    payload for length-delimited ones (no copy). `message` only names the type in errors.
    """
    if depth > MAX_DEPTH:
        raise WireError(f"proto: exceeded maximum nesting depth of {MAX_DEPTH}")
    view = data if isinstance(data, memoryview) else memoryview(data)
    prefix = f"proto: {message}: " if message else "proto: "
    pos, end = 0, len(view)
    while pos < end:
        key, pos = read_varint(view, pos)
        wire_type = key & 0x7
        number = (key >> 3) & 0xFFFFFFFF  # Go keeps the field number in an int32
        if number >= 1 << 31:
            number -= 1 << 32
        if wire_type == END_GROUP:
            raise WireError(f"{prefix}wiretype end group for non-group")
        if number <= 0:
            raise WireError(f"{prefix}illegal tag {number} (wire type {key})")
        value: Value
        if wire_type == VARINT:
            value, pos = read_varint(view, pos)
        elif wire_type == FIXED64:
            if pos + 8 > end:
                raise WireError(UNEXPECTED_EOF)
            value = int.from_bytes(view[pos : pos + 8], "little")
            pos += 8
        elif wire_type == FIXED32:
            if pos + 4 > end:
                raise WireError(UNEXPECTED_EOF)
            value = int.from_bytes(view[pos : pos + 4], "little")
            pos += 4
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(view, pos)
            if length >= _INT64_LIMIT:
                raise WireError(NEGATIVE_LENGTH)
            if pos + length > end:
                raise WireError(UNEXPECTED_EOF)
            value = view[pos : pos + length]
            pos += length
        elif wire_type == START_GROUP:
            raise WireError(f"{prefix}groups are not supported (field {number})")
        else:
            raise WireError(f"proto: illegal wireType {wire_type}")
        yield number, wire_type, value


def iter_packed(data: memoryview, wire_type: int) -> Iterator[int]:
    """The elements of a packed repeated numeric field, as unsigned ints of `wire_type`."""
    pos, end = 0, len(data)
    while pos < end:
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
        else:
            size = 8 if wire_type == FIXED64 else 4
            if pos + size > end:
                raise WireError(UNEXPECTED_EOF)
            value = int.from_bytes(data[pos : pos + size], "little")
            pos += size
        yield value


def as_int32(value: int) -> int:
    """Go's `int32` reading of a varint: the low 32 bits, two's complement."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def as_int64(value: int) -> int:
    """Go's `int64` reading of a varint: the low 64 bits, two's complement."""
    value &= _UINT64
    return value - (1 << 64) if value >= 1 << 63 else value


def as_double(value: int) -> float:
    return float(_DOUBLE.unpack(value.to_bytes(8, "little"))[0])


def as_float(value: int) -> float:
    return float(_FLOAT.unpack(value.to_bytes(4, "little"))[0])
