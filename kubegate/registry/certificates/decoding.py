"""The 400s of a CSR body that Go could not decode into a CertificateSigningRequest.

The real server unmarshals the body into typed structs before anything else runs, so a field of
the wrong JSON type, or a `[]byte` field (`spec.request`, `status.certificate`) that is not
valid base64, fails the request with encoding/json's message. kubegate keeps objects as JSON;
this module applies the same type rules to the fields of a CSR, so that what the strategy and
the signers read is always what Go would have read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kubegate.api import errors
from kubegate.api.gobytes import Base64Error, decode_base64
from kubegate.api.mergepatch import go_kind
from kubegate.registry.certificates.api import KIND

_INT32 = (-(2**31), 2**31 - 1)

#: a field check: (value, owner struct, JSON path) -> Go's error text, or None
Check = Callable[[Any, str, str], str | None]


def _type_error(value: Any, go_type: str, owner: str, path: str) -> str:
    shown = go_kind(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown += f" {value}"  # Go names the literal of a number it cannot fit
    return f"json: cannot unmarshal {shown} into Go struct field {owner}.{path} of type {go_type}"


def _string(go_type: str = "string") -> Check:
    return lambda v, owner, path: None if isinstance(v, str) else _type_error(v, go_type, owner, path)


def _bytes(value: Any, owner: str, path: str) -> str | None:
    if not isinstance(value, str):
        return _type_error(value, "[]uint8", owner, path)
    try:
        decode_base64(value)
    except Base64Error as exc:
        return str(exc)
    return None


def _int32(value: Any, owner: str, path: str) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and _INT32[0] <= value <= _INT32[1]
    return None if ok else _type_error(value, "int32", owner, path)


def _list_of(item: Check, go_type: str) -> Check:
    def check(value: Any, owner: str, path: str) -> str | None:
        if not isinstance(value, list):
            return _type_error(value, go_type, owner, path)
        return next((e for e in (item(v, owner, path) for v in value if v is not None) if e), None)

    return check


def _extra(value: Any, owner: str, path: str) -> str | None:
    if not isinstance(value, dict):
        return _type_error(value, "map[string]v1.ExtraValue", owner, path)
    values = _list_of(_string(), "v1.ExtraValue")
    return next((e for e in (values(v, owner, path) for v in value.values() if v is not None) if e), None)


def _struct(name: str, fields: Mapping[str, Check], *, prefix: str = "") -> Check:
    def check(value: Any, owner: str, path: str) -> str | None:
        if not isinstance(value, dict):
            return _type_error(value, f"v1.{name}", owner, path)
        for key, item in value.items():
            field_check = fields.get(key)
            if field_check is not None and item is not None:
                error = field_check(item, name, f"{path}.{key}")
                if error:
                    return error
        return None

    return check


_SPEC = _struct("CertificateSigningRequestSpec", {
    "request": _bytes, "signerName": _string(), "username": _string(), "uid": _string(),
    "groups": _list_of(_string(), "[]string"), "usages": _list_of(_string("v1.KeyUsage"), "[]v1.KeyUsage"),
    "expirationSeconds": _int32, "extra": _extra,
})  # fmt: skip
_CONDITION = _struct("CertificateSigningRequestCondition", {
    "type": _string("v1.RequestConditionType"), "status": _string("v1.ConditionStatus"),
    "reason": _string(), "message": _string(),
    "lastUpdateTime": _string("v1.Time"), "lastTransitionTime": _string("v1.Time"),
})  # fmt: skip
_STATUS = _struct("CertificateSigningRequestStatus", {
    "conditions": _list_of(_CONDITION, "[]v1.CertificateSigningRequestCondition"), "certificate": _bytes,
})  # fmt: skip


def check_decodable(body: dict[str, Any]) -> None:
    """Raise the real server's 400 when Go could not decode `body` as a CSR."""
    for key, check in (("spec", _SPEC), ("status", _STATUS)):
        value = body.get(key)
        if value is None:
            continue
        error = check(value, KIND, key)
        if error:
            raise errors.bad_request(f'{KIND} in version "v1" cannot be handled as a {KIND}: {error}')
