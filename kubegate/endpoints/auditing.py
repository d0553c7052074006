"""What the audit event learns from HTTP: the request's metadata, its body, and the response.

The filters in `filters/audit.py` drive the stages; the pieces here fill the event the way the
real server's `audit.LogRequestMetadata`, `LogRequestObject`, `LogResponseObject` and the
authorization filter's annotations do. Handlers call `log_request_body` when they read a body;
the authorization filter calls `log_authorization`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import orjson
import yaml
from aiohttp import web

from kubegate.api.errors import StatusError
from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.audit import credentials
from kubegate.audit.context import AuditContext
from kubegate.audit.event import Event
from kubegate.audit.policy import Level
from kubegate.authz.authorizer import Decision, Verdict
from kubegate.endpoints.context import AUDIT
from kubegate.endpoints.negotiation import decode_body, decode_yaml
from kubegate.endpoints.responses import body_bytes

AUDIT_ID_HEADER = "Audit-Id"
DECISION_ANNOTATION = "authorization.k8s.io/decision"
REASON_ANNOTATION = "authorization.k8s.io/reason"
MAX_USER_AGENT = 1024

#: BasicLongRunningRequestCheck of kube-apiserver: these get a ResponseStarted stage
LONG_RUNNING_VERBS = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES = frozenset({"attach", "exec", "proxy", "log", "portforward"})


def audit_of(request: web.Request) -> AuditContext | None:
    context: AuditContext | None = request.get(AUDIT)
    return context


def is_long_running(info: RequestInfo) -> bool:
    return info.verb in LONG_RUNNING_VERBS or (
        info.is_resource_request and info.subresource in LONG_RUNNING_SUBRESOURCES
    )


def source_ips(request: web.Request) -> tuple[str, ...]:
    """utilnet.SourceIPs: X-Forwarded-For, then X-Real-Ip, then the peer (not repeated)."""
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for part in request.headers.get("X-Forwarded-For", "").split(","):
        address = _parse_ip(part)
        if address is not None:
            found.append(address)
    real_ip = _parse_ip(request.headers.get("X-Real-Ip", ""))
    if real_ip is not None and real_ip not in found:
        found.append(real_ip)
    peer = _parse_ip(request.remote or "")
    if peer is not None and (not found or found[-1] != peer):
        found.append(peer)
    return tuple(str(address) for address in found)


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def new_event(request: web.Request, context: AuditContext, info: RequestInfo, user: UserInfo | None) -> Event:
    user_agent = request.headers.get("User-Agent", "")
    if len(user_agent) > MAX_USER_AGENT:
        user_agent = user_agent[:MAX_USER_AGENT] + "...TRUNCATED"
    object_ref = None
    if info.is_resource_request:
        object_ref = {
            "namespace": info.namespace, "name": info.name, "resource": info.resource,
            "subresource": info.subresource, "apiGroup": info.api_group, "apiVersion": info.api_version,
        }
    return Event(
        level=context.level,
        audit_id=context.audit_id,
        request_uri=request.raw_path,
        verb=info.verb,
        user=user,
        request_received=context.received,
        source_ips=source_ips(request),
        user_agent=user_agent,
        object_ref=object_ref,
    )


def log_request_body(request: web.Request, body: bytes) -> None:
    """A handler read the request body: kept for requestObject (and objectRef's name and uid)."""
    context = audit_of(request)
    if context is not None and context.enabled:
        context.request_body = body
        context.request_content_type = request.headers.get("Content-Type", "")


def log_authorization(request: web.Request, verdict: Verdict) -> None:
    """The authorization filter's annotations: allow or forbid, and the authorizer's reason."""
    context = audit_of(request)
    if context is None or not context.enabled:
        return
    if verdict.decision is Decision.ALLOW:
        context.add_annotation(DECISION_ANNOTATION, "allow")
        context.add_annotation(REASON_ANNOTATION, verdict.reason)
    elif verdict.evaluation_error:
        context.add_annotation(REASON_ANNOTATION, "internal error")
    else:
        context.add_annotation(DECISION_ANNOTATION, "forbid")
        context.add_annotation(REASON_ANNOTATION, verdict.reason)


def record_request_object(context: AuditContext, info: RequestInfo) -> None:
    """LogRequestObject: objectRef's blanks from the body's metadata; the body from level Request."""
    event = context.event
    if event is None or context.request_body is None:
        return
    decoded = _decode_request(context.request_body, context.request_content_type)
    if not isinstance(decoded, dict):
        return
    metadata = decoded.get("metadata")
    if event.object_ref is not None and isinstance(metadata, dict) and info.verb != "patch":
        for key in ("namespace", "name", "uid", "resourceVersion"):
            if not event.object_ref.get(key) and isinstance(metadata.get(key), str):
                event.object_ref[key] = metadata[key]
    if context.level >= Level.REQUEST:
        where = credentials.credential_field(info.api_group, info.resource, info.subresource)
        event.request_object = _trimmed(credentials.without_credential(decoded, where), context)


def record_response(context: AuditContext, info: RequestInfo, response: web.StreamResponse) -> None:
    """LogResponseObject plus the status code: a Status answer's fields, the object at RequestResponse."""
    event = context.event
    if event is None:
        return
    body = body_bytes(response, join=context.level >= Level.REQUEST_RESPONSE)  # a list is never a Status
    token_request = (info.api_group, info.resource, info.subresource) == ("", "serviceaccounts", "token")
    decoded: Any = None
    is_status = body is not None and body.startswith(b'{"kind":"Status"')
    if body is not None and (is_status or token_request or context.level >= Level.REQUEST_RESPONSE):
        decoded = _decode_response(body, response.content_type)
    status: dict[str, Any] = {"metadata": {}}
    if is_status and isinstance(decoded, dict):
        for key in ("status", "message", "reason"):
            if decoded.get(key):
                status[key] = decoded[key]
        if isinstance(decoded.get("details"), dict):  # a pointer in Go: `{}` is kept
            status["details"] = decoded["details"]
    status["code"] = response.status
    event.response_status = status
    if token_request and response.status < 300:
        credential_id = credentials.issued_credential_id(decoded)
        if credential_id:
            context.add_annotation(credentials.ISSUED_CREDENTIAL_ID, credential_id)
    if context.level >= Level.REQUEST_RESPONSE and decoded is not None:
        where = credentials.credential_field(info.api_group, info.resource, info.subresource)
        event.response_object = _trimmed(credentials.without_credential(decoded, where), context)


def _decode_request(body: bytes, content_type: str) -> Any:
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        if media.endswith("+json"):  # JSON, merge and strategic merge patches: recorded as sent
            return orjson.loads(body)
        if media == "application/apply-patch+yaml":
            return decode_yaml(body)
        return decode_body(body, content_type)
    except (StatusError, orjson.JSONDecodeError, ValueError):
        return None


def _decode_response(body: bytes, content_type: str) -> Any:
    try:
        if content_type == "application/json" or content_type.endswith("+json"):
            return orjson.loads(body)
        if content_type == "application/yaml":
            return yaml.safe_load(body)
    except (orjson.JSONDecodeError, yaml.YAMLError):
        return None
    return None


def _trimmed(obj: Any, context: AuditContext) -> Any:
    if context.config is None or not context.config.omit_managed_fields or not isinstance(obj, dict):
        return obj
    return _without_managed_fields(obj)


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The object, each list item and each table row's object, without metadata.managedFields."""
    out = dict(obj)
    metadata = out.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        out["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    if isinstance(out.get("items"), list):
        out["items"] = [_without_managed_fields(i) if isinstance(i, dict) else i for i in out["items"]]
    if out.get("kind") == "Table" and isinstance(out.get("rows"), list):
        out["rows"] = [
            {**row, "object": _without_managed_fields(row["object"])}
            if isinstance(row, dict) and isinstance(row.get("object"), dict) else row
            for row in out["rows"]
        ]
    return out
