"""LIST of a collection: selectors, limit/continue paging and resourceVersion semantics.

The query is decoded and validated as the real server does (`kubegate.api.listoptions`); the
revision a list reads and how it pages is the registry's business (`kubegate.registry.listing`).
This handler adds the one asynchronous part: a NotOlderThan read of a revision not written yet
waits for it first.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.api.listoptions import ListOptions, parse_list_options, watch_list_enabled
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, resolve_target
from kubegate.endpoints.handlers.freshness import wait_until_fresh
from kubegate.endpoints.handlers.tabling import table_response
from kubegate.endpoints.negotiation import Output
from kubegate.endpoints.responses import list_body, list_response, value_response
from kubegate.registry.listing import is_exact, matcher_for
from kubegate.registry.rest import ListResult


def list_options(request: web.Request) -> ListOptions:
    watch_list = watch_list_enabled(server_of(request).version.minor_int)
    return parse_list_options(request.rel_url.query, watch_list=watch_list)


def run_list(request: web.Request, target: Target) -> ListResult:
    """A list without waiting for freshness (deletecollection selects what exists now)."""
    return server_of(request).rest.list(target.spec, target.namespace, list_options(request))


async def read_list(request: web.Request, target: Target, options: ListOptions) -> ListResult:
    server = server_of(request)
    matcher_for(target.spec, options.label_selector, options.field_selector)  # a bad field label is a 400 first
    if not options.continue_token and not is_exact(options):
        await wait_until_fresh(server.rest, options.resource_version)
    return server.rest.list(target.spec, target.namespace, options)


async def list_(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="list")
    result = await read_list(request, target, list_options(request))
    spec = target.spec
    if target.accepted.output is Output.TABLE:
        return table_response(
            request,
            spec,
            [s.obj for s in result.items],
            resource_version=str(result.revision),
            continue_token=result.continue_token,
            remaining=result.remaining,
        )
    if target.accepted.output is Output.YAML:
        list_meta: dict[str, object] = {"resourceVersion": str(result.revision)}
        if result.continue_token:
            list_meta["continue"] = result.continue_token
        if result.remaining is not None:
            list_meta["remainingItemCount"] = result.remaining
        return value_response(
            {"apiVersion": spec.api_version, "items": [s.obj for s in result.items], "kind": spec.list_kind, "metadata": list_meta},
            target.accepted,
        )
    return list_response(
        list_body(
            kind=spec.list_kind,
            api_version=spec.api_version,
            items=result.items,
            resource_version=str(result.revision),
            continue_token=result.continue_token,
            remaining=result.remaining,
        )
    )
