"""Bearer tokens stay out of the audit log, whatever level the policy asks for.

A TokenReview carries the token it asks about in `spec.token`, a TokenRequest answers with a
fresh one in `status.token`: at Request or RequestResponse level the real server writes both
into the log and leaves it to the policy to avoid that (its own example policies log
`tokenreviews` at Metadata). kubegate drops those two fields from the recorded objects instead,
so that a log never holds a credential that kubegate itself would accept. What the real server
records to correlate a token without its value, the `authentication.kubernetes.io/issued-credential-id`
annotation (`JTI=<uuid>`) of a TokenRequest, is kept.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

ISSUED_CREDENTIAL_ID = "authentication.kubernetes.io/issued-credential-id"

#: (API group, resource, subresource) -> (top-level field, credential field) to drop
_CREDENTIAL_FIELDS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("authentication.k8s.io", "tokenreviews", ""): ("spec", "token"),
    ("", "serviceaccounts", "token"): ("status", "token"),
}


def credential_field(group: str, resource: str, subresource: str) -> tuple[str, str] | None:
    return _CREDENTIAL_FIELDS.get((group, resource, subresource))


def without_credential(obj: Any, where: tuple[str, str] | None) -> Any:
    """`obj` with the credential field removed (a copy; the object itself is left alone)."""
    if where is None or not isinstance(obj, dict):
        return obj
    outer, inner = where
    part = obj.get(outer)
    if not isinstance(part, dict) or inner not in part:
        return obj
    trimmed = dict(obj)
    trimmed[outer] = {key: value for key, value in part.items() if key != inner}
    return trimmed


def issued_credential_id(token_request: Any) -> str:
    """`JTI=<jti>` of the token in a TokenRequest's status, or "" when there is none to read."""
    if not isinstance(token_request, dict):
        return ""
    token = (token_request.get("status") or {}).get("token")
    if not isinstance(token, str) or token.count(".") != 2:
        return ""
    payload = token.split(".")[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return ""
    jti = claims.get("jti") if isinstance(claims, dict) else None
    return f"JTI={jti}" if isinstance(jti, str) and jti else ""
