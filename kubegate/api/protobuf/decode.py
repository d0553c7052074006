"""Turn a Kubernetes protobuf request body into the object a JSON client would have sent.

A body is the magic `k8s\\x00` followed by a `runtime.Unknown` envelope: the object's apiVersion and
kind, then the object's own message in `raw`. The kind picks the message layout in `schema`, and
the message becomes the JSON that Go's `encoding/json` writes for the same Go struct, because that
is what every handler downstream was written against:

* gogo-protobuf writes every non-pointer scalar, zero or not, so a zero is dropped exactly where
  the Go JSON tag says `omitempty` (and the field is not a pointer): `replicas: 0` stays, a
  `SelfSubjectAccessReview`'s `status.allowed: false` stays, an empty `generateName` goes;
* a message present on the wire is kept even when empty (`spec: {}`), since Go writes non-pointer
  structs and set pointers as `{}`; an empty `ObjectMeta` is dropped, as is anything Go writes as
  `null` (a zero `Time`, an empty list or map, an empty `RawExtension`);
* `Time`, `MicroTime`, `Duration`, `Quantity`, `IntOrString`, `RawExtension`, `FieldsV1` and
  `ExtraValue` take the JSON forms of their Go `MarshalJSON`; `bytes` become base64.

Every fault is the 400 BadRequest the apiserver's create/update handlers answer for a body they
cannot decode (k8s.io/apiserver `handlers/rest.go` `transformDecodeError`); a 415 is only ever
the content negotiation's answer for a resource that takes no protobuf at all, decided before any
decoding. Given the endpoint's `api_version` and `kind`, a missing envelope kind or version is
filled in from them and the message is worded as the handler words it.
"""

from __future__ import annotations

import base64
import datetime
import json
import math
from collections.abc import Callable
from typing import Any

from kubegate.api import errors
from kubegate.api.protobuf import schema, wire

MAGIC = b"k8s\x00"

_ABSENT: Any = object()  # a value Go's JSON writes as `null`: left out of the object
_ZERO_TIME_SECONDS = -62135596800  # Go's zero time.Time, 0001-01-01T00:00:00Z
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_SCHEME = "pkg/api/legacyscheme/scheme.go:30"
_EXPECTED_WIRE = {
    schema.INT32: wire.VARINT, schema.INT64: wire.VARINT, schema.BOOL: wire.VARINT,
    schema.DOUBLE: wire.FIXED64, schema.FLOAT: wire.FIXED32,
}  # fmt: skip; everything else is length-delimited

#: KUBECTL_WIRE.md §10: `create token` decodes to `{"spec":{}}` alone. The all-zero status gogo
#: writes for it (`token: ""`) is output-only and would not change the Go object either way.
_ZERO_STATUS_DROPPED = frozenset({"k8s.io.api.authentication.v1.TokenRequest"})


class DecodeError(ValueError):
    """A body that cannot be decoded; its text is the apiserver's for the same fault."""


def decode_kubernetes_protobuf(
    body: bytes, *, api_version: str = "", kind: str = ""
) -> dict[str, Any]:
    """Decode one protobuf request body into a JSON object, or raise a 400 `StatusError`.

    `api_version` and `kind` are the endpoint's (the apiserver's default GVK), if known.
    """
    body_kind = body_version = ""
    try:
        type_meta, raw = _open_envelope(body)
        group, body_version, body_kind = _resolve(type_meta, api_version=api_version, kind=kind)
        _require_kind_and_version(type_meta, version=body_version, kind=body_kind)
        version = body_version
        message = _message_for(group, version, body_kind)
        obj = _decode_message(memoryview(raw), message, depth=1)
        if message in _ZERO_STATUS_DROPPED and not any(obj.get("status", {}).values()):
            obj.pop("status", None)
        return {"apiVersion": f"{group}/{version}" if group else version, "kind": body_kind, **obj}
    except errors.StatusError:
        raise
    except Exception as exc:  # any fault in a client's bytes is the client's 400
        raise _bad_request(exc, body, into=kind, body_kind=body_kind, version=body_version) from exc


def _bad_request(
    exc: Exception, body: bytes, *, into: str, body_kind: str, version: str
) -> errors.StatusError:
    reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecursionError):
        reason = "the object is nested too deeply"
    if not into:
        return errors.bad_request(reason)
    if body_kind:
        return errors.bad_request(
            f"{body_kind} in version {_quote(version)} cannot be handled as a {into}: {reason}"
        )
    return errors.bad_request(
        f"the object provided is unrecognized (must be of type {into}): {reason} ({_summary(body)})"
    )


def _summary(body: bytes) -> str:
    """How the handler quotes a body it could not read: its first 30 bytes."""
    if not body:
        return "<empty>"
    head = body[:30]
    text = head.decode("utf-8", "replace") if head[:1] == b"{" else head.hex()
    return text + " ..." if len(body) > 30 else text


# --- the envelope and the kind --------------------------------------------------------------


def _open_envelope(body: bytes) -> tuple[dict[str, str], bytes]:
    if not body:
        raise DecodeError("empty data")
    if not body.startswith(MAGIC):
        expected = " ".join(str(byte) for byte in MAGIC)
        raise DecodeError(
            f"provided data does not appear to be a protobuf message, expected prefix [{expected}]"
        )
    if len(body) == len(MAGIC):
        raise DecodeError("empty body")
    fields = _read_fields(memoryview(body)[len(MAGIC) :], schema.UNKNOWN, depth=0)
    type_meta = fields.get(1, {})  # typeMeta, already in its JSON form
    return type_meta, fields.get(2, b"")


def _parse_group_version(api_version: str) -> tuple[str, str]:
    """schema.ParseGroupVersion, where a malformed apiVersion counts as none at all."""
    if api_version in ("", "/") or api_version.count("/") > 1:
        return "", ""
    group, _, version = api_version.rpartition("/")
    return group, version


def _resolve(type_meta: dict[str, str], *, api_version: str, kind: str) -> tuple[str, str, str]:
    """The body's group, version and kind, with blanks filled from the endpoint's."""
    group, version = _parse_group_version(type_meta.get("apiVersion", ""))
    if not version:
        group, version = _parse_group_version(api_version)
    return group, version, type_meta.get("kind", "") or kind


def _require_kind_and_version(type_meta: dict[str, str], *, version: str, kind: str) -> None:
    if kind and version:
        return
    shown = (
        f"runtime.TypeMeta{{APIVersion:{_quote(type_meta.get('apiVersion', ''))}, "
        f"Kind:{_quote(type_meta.get('kind', ''))}}}"
    )
    raise DecodeError(f"Object '{'apiVersion' if kind else 'Kind'}' is missing in '{shown}'")


def _quote(text: str) -> str:
    """Go's %q, near enough: a double-quoted string with JSON escapes."""
    return json.dumps(text, ensure_ascii=False)


def _message_for(group: str, version: str, kind: str) -> str:
    if kind in schema.META_KINDS:
        return schema.META_KINDS[kind]
    package = schema.GROUP_PACKAGES.get(group)
    message = f"k8s.io.api.{package}.{version}.{kind}"
    if package is None or message not in schema.KINDS:
        group_version = f"{group}/{version}" if group else version
        raise DecodeError(
            f"no kind {_quote(kind)} is registered for version {_quote(group_version)} "
            f"in scheme {_quote(_SCHEME)}"
        )
    return message


# --- messages -------------------------------------------------------------------------------


def _read_fields(data: memoryview, message: str, *, depth: int) -> dict[int, Any]:
    """The known fields of one message by number, values decoded but not yet shaped."""
    layout = schema.MESSAGES[message]
    values: dict[int, Any] = {}
    for number, wire_type, value in wire.iter_fields(
        data, depth=depth, message=message.rsplit(".", 1)[-1]
    ):
        field = layout.get(number)
        if field is None:
            continue  # a field this table does not know: skipped, as protobuf does
        if field.flags & schema.MAP:
            key, item = _map_entry(_payload(field, wire_type, value), field, depth=depth + 1)
            values.setdefault(number, {})[key] = item
        elif field.flags & schema.REPEATED:
            items = values.setdefault(number, [])
            if wire_type == wire.LENGTH_DELIMITED and field.type in _EXPECTED_WIRE:
                payload = _payload(field, wire_type, value)
                packed = wire.iter_packed(payload, _EXPECTED_WIRE[field.type])
                items.extend(_scalar(field.type, item) for item in packed)
            else:
                items.append(_json(_value(field, wire_type, value, depth=depth)))
        else:
            values[number] = _value(field, wire_type, value, depth=depth)
    return values


def _decode_message(data: memoryview, message: str, *, depth: int) -> Any:
    values = _read_fields(data, message, depth=depth)
    special = _SPECIAL.get(message)
    if special is not None:
        return special(values, len(data) == 0)
    layout = schema.MESSAGES[message]
    obj: dict[str, Any] = {}
    for number, value in values.items():
        field = layout[number]
        if field.flags & schema.INLINE:
            obj.update(value)
        elif field.flags & (schema.REPEATED | schema.MAP):
            if value:  # Go writes an empty list or map as null
                obj[field.json_name] = value
        elif not _written_as_nothing(field, value):
            obj[field.json_name] = _json(value)
    return obj


def _written_as_nothing(field: schema.Field, value: Any) -> bool:
    """A null, an empty ObjectMeta, or a zero that the JSON tag's `omitempty` drops."""
    if value is _ABSENT or (field.type == schema.OBJECT_META and not value):
        return True
    omitempty = bool(field.flags & schema.OMITEMPTY) and not field.flags & schema.POINTER
    return field.type in schema.SCALARS and not value and omitempty


def _map_entry(data: memoryview, field: schema.Field, *, depth: int) -> tuple[str, Any]:
    """One `map<string, V>` entry: a message of key (1) and value (2), either may be absent."""
    key, item = "", _ABSENT
    key_field = schema.Field(field.json_name, schema.STRING)
    value_field = schema.Field(field.json_name, field.type)
    for number, wire_type, value in wire.iter_fields(data, depth=depth):
        if number == 1:
            key = _value(key_field, wire_type, value, depth=depth)
        elif number == 2:
            item = _value(value_field, wire_type, value, depth=depth)
    if item is _ABSENT:  # a missing value is the type's zero
        item = _ZERO.get(field.type, _ABSENT)
        if field.type not in schema.SCALARS:
            item = _decode_message(memoryview(b""), field.type, depth=depth + 1)
    return key, _json(item)


def _payload(field: schema.Field, wire_type: int, value: wire.Value) -> memoryview:
    if wire_type != wire.LENGTH_DELIMITED or not isinstance(value, memoryview):
        raise _wrong_wire_type(field, wire_type)
    return value


def _value(field: schema.Field, wire_type: int, value: wire.Value, *, depth: int) -> Any:
    expected = _EXPECTED_WIRE.get(field.type, wire.LENGTH_DELIMITED)
    if wire_type != expected:
        raise _wrong_wire_type(field, wire_type)
    if isinstance(value, int):
        return _scalar(field.type, value)
    if field.type == schema.STRING:
        return str(value, "utf-8", "replace")  # Go keeps the bytes; its JSON writes U+FFFD
    if field.type == schema.BYTES:
        return bytes(value)
    return _decode_message(value, field.type, depth=depth + 1)


def _scalar(kind: str, value: int) -> Any:
    if kind == schema.INT32:
        return wire.as_int32(value)
    if kind == schema.INT64:
        return wire.as_int64(value)
    if kind == schema.BOOL:
        return value != 0
    number = wire.as_double(value) if kind == schema.DOUBLE else wire.as_float(value)
    if not math.isfinite(number):
        raise DecodeError(f"json: unsupported value: {number}")
    return number


def _json(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return None if value is _ABSENT else value


def _wrong_wire_type(field: schema.Field, wire_type: int) -> DecodeError:
    name = field.json_name[:1].upper() + field.json_name[1:] or field.type.rsplit(".", 1)[-1]
    return DecodeError(f"proto: wrong wireType = {wire_type} for field {name}")


_ZERO: dict[str, Any] = {
    schema.STRING: "", schema.BYTES: b"", schema.INT32: 0, schema.INT64: 0, schema.BOOL: False,
    schema.DOUBLE: 0.0, schema.FLOAT: 0.0,
}  # fmt: skip


# --- messages with a JSON form of their own -------------------------------------------------


def _rfc3339(seconds: int, micros: int | None = None) -> str:
    try:
        at = _EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError:
        raise DecodeError(f"time out of range: {seconds} seconds since the epoch") from None
    text = f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at:%H:%M:%S}"
    return f"{text}.{micros:06d}Z" if micros is not None else f"{text}Z"


def _time(values: dict[int, Any], empty: bool) -> Any:
    """metav1.Time: whole seconds (Go drops the nanoseconds on decoding); zero is null."""
    seconds = values.get(1, 0)
    return _ABSENT if empty or seconds == _ZERO_TIME_SECONDS else _rfc3339(seconds)


def _micro_time(values: dict[int, Any], empty: bool) -> Any:
    """metav1.MicroTime: nanoseconds truncated toward zero to microseconds, then normalised."""
    nanos = values.get(2, 0)
    nanos = -(-nanos // 1000 * 1000) if nanos < 0 else nanos // 1000 * 1000
    seconds, nanos = divmod(values.get(1, 0) * 1_000_000_000 + nanos, 1_000_000_000)
    if empty or (seconds == _ZERO_TIME_SECONDS and nanos == 0):
        return _ABSENT
    return _rfc3339(seconds, nanos // 1000)


def _duration(values: dict[int, Any], empty: bool) -> str:
    """metav1.Duration: Go's time.Duration.String() of the nanoseconds, e.g. `1h0m0s`."""
    nanos = values.get(1, 0)
    size = abs(nanos)
    if size < 1_000_000_000:
        if size == 0:
            text = "0s"
        elif size < 1_000:
            text = f"{size}ns"
        elif size < 1_000_000:
            text = _decimal(size, 3) + "\u00b5s"
        else:
            text = _decimal(size, 6) + "ms"
    else:
        minutes, seconds = divmod(size // 1_000_000_000, 60)
        text = _decimal(seconds * 1_000_000_000 + size % 1_000_000_000, 9) + "s"
        if minutes:
            hours, minutes = divmod(minutes, 60)
            text = f"{hours}h{minutes}m{text}" if hours else f"{minutes}m{text}"
    return "-" + text if nanos < 0 else text


def _decimal(value: int, places: int) -> str:
    whole, fraction = divmod(value, 10**places)
    digits = f"{fraction:0{places}d}".rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def _quantity(values: dict[int, Any], empty: bool) -> str:
    return str(values.get(1, "0"))  # a zero Quantity is written "0"


def _int_or_string(values: dict[int, Any], empty: bool) -> int | str:
    kind = values.get(1, 0)
    if kind == 0:
        return int(values.get(2, 0))
    if kind == 1:
        return str(values.get(3, ""))
    raise DecodeError("impossible IntOrString.Type")


def _embedded_json(values: dict[int, Any], empty: bool) -> Any:
    """RawExtension and FieldsV1: JSON bytes carried as they are."""
    raw = values.get(1, b"")
    if not raw:
        return _ABSENT
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"embedded object is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise DecodeError(f"embedded object is not valid JSON: {name}")


def _string_list(values: dict[int, Any], empty: bool) -> list[str]:
    return list(values.get(1, []))


_SPECIAL: dict[str, Callable[[dict[int, Any], bool], Any]] = {
    schema.TIME: _time,
    schema.MICRO_TIME: _micro_time,
    schema.DURATION: _duration,
    schema.QUANTITY: _quantity,
    schema.INT_OR_STRING: _int_or_string,
    schema.RAW_EXTENSION: _embedded_json,
    schema.FIELDS_V1: _embedded_json,
    **dict.fromkeys(schema.EXTRA_VALUES, _string_list),
}
