"""Continue tokens: where the next page of a list starts, and at which revision.

The real format (k8s.io/apiserver pkg/storage continue.go) is unpadded URL-safe base64 of
`{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the list prefix>\\u0000"}`. The
revision pins every page to the snapshot the first page saw; `rv: -1` (handed out with a 410
when that snapshot is gone) means "continue at the latest revision". A bad token is a 400
`invalid continue token: continue key is not valid: ...` with the real texts.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.api import errors

VERSION = "meta.k8s.io/v1"
#: The revision of a token that continues at the latest revision.
LATEST = -1

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_INVALID = "continue key is not valid"


@dataclass(frozen=True, slots=True)
class ContinueToken:
    revision: int
    #: the list-relative key the next page starts at (inclusive); `name\x00` follows `name`
    start: str


def encode(revision: int, start: str) -> str:
    payload = orjson.dumps({"v": VERSION, "rv": revision, "start": start})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def after(key: str) -> str:
    """The start key of the page following the one that ended at `key`."""
    return key + "\x00"


def _invalid(detail: str) -> errors.StatusError:
    return errors.bad_request(f"invalid continue token: {detail}")


def _base64(token: str) -> bytes:
    match = _ALPHABET.match(token)
    bad_at = match.end() if match else 0
    if bad_at < len(token):
        raise _invalid(f"{_INVALID}: illegal base64 data at input byte {bad_at}")
    if len(token) % 4 == 1:
        raise _invalid(f"{_INVALID}: illegal base64 data at input byte {len(token) - 1}")
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


_GO_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        stripped = data.lstrip()
        if not stripped:
            raise _invalid(f"{_INVALID}: unexpected end of JSON input") from None
        first = chr(stripped[0])
        if first not in '{["-0123456789tfn':
            raise _invalid(f"{_INVALID}: invalid character {first!r} looking for beginning of value") from None
        raise _invalid(f"{_INVALID}: unexpected end of JSON input") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = _GO_JSON_TYPES.get(type(value), "value")
        raise _invalid(f"{_INVALID}: json: cannot unmarshal {kind} into Go value of type storage.continueToken")
    for field, want in (("v", str), ("rv", int), ("start", str)):
        got = value.get(field)
        if got is not None and (not isinstance(got, want) or isinstance(got, bool)):
            kind = _GO_JSON_TYPES.get(type(got), "value")
            go_type = "int64" if want is int else "string"
            raise _invalid(
                f"{_INVALID}: json: cannot unmarshal {kind} into Go struct field continueToken.{field} of type {go_type}"
            )
    return value


def decode(token: str) -> ContinueToken:
    """Parse a token as DecodeContinue does; a 400 with the real message when it is not valid."""
    payload = _json(_base64(token))
    version = payload.get("v") or ""
    if version != VERSION:
        raise _invalid(f"{_INVALID}: server does not recognize this encoded version {version}")
    revision = payload.get("rv") or 0
    start = payload.get("start") or ""
    if revision == 0:
        raise _invalid(f"{_INVALID}: incorrect encoded start resourceVersion (version {VERSION})")
    if not start:
        raise _invalid(f"{_INVALID}: encoded start key empty (version {VERSION})")
    # No climbing out of the listed collection: the key must already be a clean path.
    rooted = start if start.startswith("/") else "/" + start
    if _clean(rooted) != rooted:
        raise _invalid(f"{_INVALID}: {start}")
    return ContinueToken(revision, rooted[1:])


def _clean(rooted: str) -> str:
    """Go's path.Clean for a rooted path: no empty, `.` or `..` segments, no trailing slash."""
    parts: list[str] = []
    for segment in rooted.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            continue
        parts.append(segment)
    return "/" + "/".join(parts)
