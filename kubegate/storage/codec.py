"""Objects to stored bytes and back, with `metadata.resourceVersion` kept out of the value.

The etcd3 store never writes an object's resourceVersion into etcd: the revision of the write is
the resourceVersion, stamped into the object whenever it is read. Every backend here does the
same, so a value copied between backends (or read by `etcdctl`) means the same thing.
"""

from __future__ import annotations

from typing import Any

import orjson

from kubegate.storage.errors import InvalidObject
from kubegate.storage.interface import Stored


def stamp(obj: dict[str, Any], revision: int) -> Stored:
    """`obj` with `metadata.resourceVersion` set to `revision`, and its JSON bytes."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidObject("object without metadata reached storage")
    stamped = {**obj, "metadata": {**metadata, "resourceVersion": str(revision)}}
    try:
        raw = orjson.dumps(stamped)
    except orjson.JSONEncodeError as exc:  # e.g. nesting deeper than the encoder allows
        raise InvalidObject(f"the object cannot be stored as JSON: {exc}") from None
    return Stored(stamped, raw, revision)


def encode_value(obj: dict[str, Any]) -> bytes:
    """The bytes a backend stores: the object without its resourceVersion."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidObject("object without metadata reached storage")
    if "resourceVersion" in metadata:
        obj = {**obj, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError as exc:
        raise InvalidObject(f"the object cannot be stored as JSON: {exc}") from None


def decode_value(value: bytes, revision: int) -> Stored:
    """A stored value read back at the revision that wrote it."""
    return stamp(orjson.loads(value), revision)


def same_content(current: Stored, new: dict[str, Any]) -> bool:
    """True when writing `new` over `current` would change nothing but the resourceVersion."""
    metadata = new.get("metadata")
    if not isinstance(metadata, dict):
        return False
    unchanged = {**new, "metadata": {**metadata, "resourceVersion": current.obj["metadata"].get("resourceVersion")}}
    return unchanged == current.obj
