"""Ask the authorizer chain whether the authenticated user may make this request, or answer 403.

The 403 message is built from the request attributes exactly as the real server phrases it
(resource without subresource in the prefix, `resource/sub` in the sentence), followed by the
authorizer's reason when it gave one. When nobody allowed and an authorizer failed to evaluate
(a webhook that is down), the real filter answers a plain-text 500 naming the error instead.
"""

from __future__ import annotations

import time

from aiohttp import web

from kubegate.api import errors
from kubegate.api.gofmt import go_quote
from kubegate.api.requestinfo import RequestInfo
from kubegate.api.user import UserInfo
from kubegate.authz.authorizer import Attributes, Decision
from kubegate.endpoints.auditing import log_authorization
from kubegate.endpoints.context import REQUEST_INFO, USER, server_of
from kubegate.endpoints.filters.metrics import observe_authorization
from kubegate.endpoints.filters.types import Handler


def attributes_for(info: RequestInfo, user: UserInfo) -> Attributes:
    return Attributes(
        user=user,
        verb=info.verb,
        is_resource_request=info.is_resource_request,
        namespace=info.namespace,
        api_group=info.api_group,
        api_version=info.api_version,
        resource=info.resource,
        subresource=info.subresource,
        name=info.name,
        path=info.path,
        field_selector=info.field_selector,
        label_selector=info.label_selector,
    )


def forbidden_message(attributes: Attributes) -> str:
    user = attributes.user.name
    if not attributes.is_resource_request:
        return f'User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    resource = attributes.resource
    if attributes.subresource:
        resource = f"{resource}/{attributes.subresource}"
    where = (
        f'in the namespace "{attributes.namespace}"' if attributes.namespace else "at the cluster scope"
    )
    return (
        f'User "{user}" cannot {attributes.verb} resource "{resource}" '
        f'in API group "{attributes.api_group}" {where}'
    )


def forbidden_error(attributes: Attributes, reason: str) -> errors.StatusError:
    message = forbidden_message(attributes)
    if reason:
        message = f"{message}: {reason}"
    return errors.forbidden(attributes.resource, attributes.name, message, group=attributes.api_group)


@web.middleware
async def authorization_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    attributes = attributes_for(request[REQUEST_INFO], request[USER])
    started = time.perf_counter()
    verdict = await server_of(request).authorizer.authorize(attributes)
    observe_authorization(request, verdict, started=started)
    log_authorization(request, verdict)  # authorization.k8s.io/decision and /reason
    if verdict.decision is not Decision.ALLOW:
        if verdict.evaluation_error:
            return evaluation_error_response(request.raw_path, verdict.evaluation_error)
        raise forbidden_error(attributes, verdict.reason)
    return await handler(request)


def evaluation_error_response(request_uri: str, error: str) -> web.Response:
    """`responsewriters.InternalError`: `http.Error` text, `&<>` escaped, not a Status."""
    text = f"Internal Server Error: {go_quote(request_uri)}: {error}"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "\n"
    return web.Response(
        status=500, text=text, content_type="text/plain", headers={"X-Content-Type-Options": "nosniff"}
    )
