"""LIST of a collection, with label and field selectors and limit/continue paging."""

from __future__ import annotations

from aiohttp import web

from kubegate.api.fields import parse_field_selector
from kubegate.api.labels import parse_label_selector
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, int_param, resolve_target
from kubegate.endpoints.handlers.tabling import table_response
from kubegate.endpoints.negotiation import Output
from kubegate.endpoints.responses import json_response, list_bytes, value_response
from kubegate.registry.rest import ListOptions, ListResult


def list_options(request: web.Request) -> ListOptions:
    query = request.rel_url.query
    return ListOptions(
        label_selector=parse_label_selector(query.get("labelSelector", "")),
        field_selector=parse_field_selector(query.get("fieldSelector", "")),
        limit=int_param(query, "limit"),
        continue_token=query.get("continue", ""),
    )


def run_list(request: web.Request, target: Target) -> ListResult:
    return server_of(request).rest.list(target.spec, target.namespace, list_options(request))


async def list_(request: web.Request) -> web.StreamResponse:
    target = resolve_target(request, verb="list")
    result = run_list(request, target)
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
        list_meta = {"resourceVersion": str(result.revision)}
        if result.continue_token:
            list_meta["continue"] = result.continue_token
        return value_response(
            {"apiVersion": spec.api_version, "items": [s.obj for s in result.items], "kind": spec.list_kind, "metadata": list_meta},
            target.accepted,
        )
    return json_response(
        list_bytes(
            kind=spec.list_kind,
            api_version=spec.api_version,
            items=result.items,
            resource_version=str(result.revision),
            continue_token=result.continue_token,
            remaining=result.remaining,
        )
    )
