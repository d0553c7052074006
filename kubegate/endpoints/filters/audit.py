"""Auditing in the filter chain, where kube-apiserver puts it.

- `audit_init_filter` (outermost, WithAuditInit): every request gets an audit ID, the client's
  `Audit-ID` header or a new UUID, answered as `Audit-Id` whether or not anything is audited.
- `failed_authentication_audit_filter` (around authentication, WithFailedAuthenticationAudit):
  a 401 is audited with no user, as one `ResponseStarted` event.
- `audit_filter` (after authentication, WithAudit): the policy picks the level from the user and
  RequestInfo; `RequestReceived` is sent at once, `ResponseStarted` when a long-running
  response (a watch, logs, exec) starts, `ResponseComplete` at the end, `Panic` on a crash.

Status errors raised further in are rendered here (exactly as the errors filter would) so that
the event carries the Status the client gets.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

from aiohttp import web

from kubegate.api import errors
from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.audit.context import AuditContext
from kubegate.audit.policy import (
    PANIC,
    REQUEST_RECEIVED,
    RESPONSE_COMPLETE,
    RESPONSE_STARTED,
    Level,
)
from kubegate.endpoints import auditing
from kubegate.endpoints.auditing import AUDIT_ID_HEADER, audit_of
from kubegate.endpoints.context import AUDIT, IMPERSONATED_USER, REQUEST_INFO, USER, server_of
from kubegate.endpoints.filters.types import Handler
from kubegate.endpoints.responses import status_response


def new_audit_id() -> str:
    """A random (version 4) UUID as text: what `str(uuid.uuid4())` gives, without building a UUID."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@web.middleware
async def audit_init_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[AUDIT] = AuditContext(request.headers.get(AUDIT_ID_HEADER) or new_audit_id())
    return await handler(request)


async def write_audit_id(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the `Audit-Id` header, and ResponseStarted of a long-running request."""
    context = audit_of(request)
    if context is None:
        return
    response.headers.setdefault(AUDIT_ID_HEADER, context.audit_id)
    if context.enabled and context.long_running and not context.response_started:
        context.response_started = True
        event = context.event
        assert event is not None
        event.response_status = {"metadata": {}, "code": response.status}
        event.impersonated_user = request.get(IMPERSONATED_USER) or event.impersonated_user
        context.process_stage(RESPONSE_STARTED)


@web.middleware
async def failed_authentication_audit_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.StatusError as error:
        context = audit_of(request)
        auditor = server_of(request).audit
        # only authentication's own 401: past it, the audit filter has evaluated the policy
        if error.code != 401 or context is None or context.config is not None or auditor is None:
            raise
        info: RequestInfo = request[REQUEST_INFO]
        context.config = auditor.evaluate(info, None)
        if context.level is Level.NONE:
            raise
        context.auditor = auditor
        context.event = auditing.new_event(request, context, info, None)
        response = status_response(error)
        auditing.record_response(context, info, response)
        context.process_stage(RESPONSE_STARTED)
        return response


@web.middleware
async def audit_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    context = audit_of(request)
    auditor = server_of(request).audit
    if context is None or auditor is None:
        return await handler(request)
    info: RequestInfo = request[REQUEST_INFO]
    user: UserInfo = request[USER]
    context.config = auditor.evaluate(info, user)
    if context.level is Level.NONE:
        return await handler(request)
    context.auditor = auditor
    context.event = auditing.new_event(request, context, info, user)
    context.long_running = auditing.is_long_running(info)
    context.process_stage(REQUEST_RECEIVED)
    try:
        response = await handler(request)
    except errors.StatusError as error:
        response = status_response(error)
    except web.HTTPRequestEntityTooLarge:
        response = status_response(errors.too_large())
    except (asyncio.CancelledError, ConnectionResetError):
        _complete_abandoned(request, context)
        raise
    except web.HTTPException as exc:
        _complete(request, context, info, web.Response(status=exc.status))
        raise
    except Exception as exc:
        _panic(context, exc)
        raise
    _complete(request, context, info, response)
    return response


def _complete(request: web.Request, context: AuditContext, info: RequestInfo, response: web.StreamResponse) -> None:
    event = context.event
    assert event is not None
    event.impersonated_user = request.get(IMPERSONATED_USER) or event.impersonated_user
    auditing.record_request_object(context, info)
    if not context.response_started:
        auditing.record_response(context, info, response)
        if context.long_running:
            context.response_started = True
            context.process_stage(RESPONSE_STARTED)
    context.process_stage(RESPONSE_COMPLETE)


def _complete_abandoned(request: web.Request, context: AuditContext) -> None:
    """The client went away: a started stream completes as it began; else the real filter's stand-in."""
    event = context.event
    assert event is not None
    event.impersonated_user = request.get(IMPERSONATED_USER) or event.impersonated_user
    if event.response_status is None:
        event.response_status = {"metadata": {}, "status": "Success", "message": "Connection closed early", "code": 200}
        if context.long_running:
            context.process_stage(RESPONSE_STARTED)
    context.process_stage(RESPONSE_COMPLETE)


def _panic(context: AuditContext, exc: Exception) -> None:
    assert context.event is not None
    context.event.response_status = {
        "metadata": {}, "status": "Failure", "message": f"APIServer panic'd: {exc}", "reason": "InternalError",
        "code": 500,
    }
    context.process_stage(PANIC, now=datetime.now(UTC))
