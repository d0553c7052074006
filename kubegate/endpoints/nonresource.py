"""Paths that are not resources: health, version, discovery, OpenAPI and the root listing.

They pass through authentication and authorization like everything else (the default policy
makes `/version` and `/healthz` public); only then are they answered here. Discovery documents
end with a newline, as the serializer writes every API object; `/version` and `/` are raw JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.negotiation import Output, parse_accept
from kubegate.endpoints.responses import json_response
from kubegate.registry.discovery import AGGREGATED_V2, AGGREGATED_V2BETA1

NonResourceHandler = Callable[[web.Request, list[str]], Awaitable[web.StreamResponse]]

_HEALTH_CHECKS = ("ping", "log", "etcd", "poststarthook/start-kube-apiserver-admission-initializer")


def _text(body: str, *, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain", charset="utf-8")


def page_not_found() -> web.Response:
    return _text("404 page not found\n", status=404)


async def health(request: web.Request, parts: list[str]) -> web.StreamResponse:
    if len(parts) > 1:
        return _text("ok") if "/".join(parts[1:]) in _HEALTH_CHECKS else page_not_found()
    if "verbose" in request.rel_url.query:
        lines = [f"[+]{check} ok" for check in _HEALTH_CHECKS]
        return _text("\n".join(lines) + f"\n{parts[0]} check passed\n")
    return _text("ok")


async def version(request: web.Request, parts: list[str]) -> web.StreamResponse:
    if len(parts) > 1:
        return page_not_found()
    return json_response(orjson.dumps(server_of(request).version.to_dict()))


def _discovery_response(request: web.Request, *, core: bool) -> web.Response:
    discovery = server_of(request).discovery
    accepted = parse_accept(request.headers.get("Accept", ""))
    if accepted.output is Output.AGGREGATED_DISCOVERY:
        version = accepted.discovery_version
        content_type = AGGREGATED_V2 if version == "v2" else AGGREGATED_V2BETA1
        body = discovery.aggregated(core=core, api_version=f"apidiscovery.k8s.io/{version}")
        response = json_response(body + b"\n", content_type=content_type)
        response.headers["Vary"] = "Accept"
        return response
    response = json_response((discovery.api_versions() if core else discovery.api_group_list()) + b"\n")
    response.headers["Vary"] = "Accept"
    return response


async def api(request: web.Request, parts: list[str]) -> web.StreamResponse:
    discovery = server_of(request).discovery
    if len(parts) == 1:
        return _discovery_response(request, core=True)
    if len(parts) == 2:
        body = discovery.resource_list("", parts[1])
        return json_response(body + b"\n") if body is not None else page_not_found()
    return page_not_found()


async def apis(request: web.Request, parts: list[str]) -> web.StreamResponse:
    discovery = server_of(request).discovery
    if len(parts) == 1:
        return _discovery_response(request, core=False)
    if len(parts) == 2:
        group = discovery.api_group(parts[1])
        return json_response(group + b"\n") if group is not None else page_not_found()
    if len(parts) == 3:
        body = discovery.resource_list(parts[1], parts[2])
        return json_response(body + b"\n") if body is not None else page_not_found()
    return page_not_found()


async def openapi(request: web.Request, parts: list[str]) -> web.StreamResponse:
    spec = server_of(request).openapi
    if parts[1:] == ["v2"]:
        # the v2 document and its protobuf encoder load with the first request for it
        from kubegate.endpoints import openapi_v2

        return await openapi_v2.serve(request)
    if len(parts) < 2 or parts[1] != "v3":
        return page_not_found()
    if len(parts) == 2:
        return json_response(spec.index(), content_type="application/json")
    found = spec.document("/".join(parts[2:]))
    if found is None:
        return page_not_found()
    body, etag = found
    headers = {"Content-Type": "application/json", "Etag": f'"{etag}"'}
    if request.rel_url.query.get("hash") == etag:
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
    else:
        headers["Cache-Control"] = "no-cache, private"
    return web.Response(body=body, headers=headers)


async def root(request: web.Request, parts: list[str]) -> web.StreamResponse:
    server = server_of(request)
    paths = ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz", "/version"]
    for info in server.catalog.groups():
        if info.name:
            paths.append(f"/apis/{info.name}")
            paths.extend(f"/apis/{info.name}/{v}" for v in info.versions)
    return json_response(orjson.dumps({"paths": sorted(paths)}))


HANDLERS: dict[str, NonResourceHandler] = {
    "": root,
    "healthz": health,
    "livez": health,
    "readyz": health,
    "version": version,
    "api": api,
    "apis": apis,
    "openapi": openapi,
}


async def serve_nonresource(request: web.Request) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        if request.path.rstrip("/") in ("", "/healthz", "/livez", "/readyz", "/version"):
            raise errors.StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        return page_not_found()
    parts = [p for p in request.path.split("/") if p]
    handler = HANDLERS.get(parts[0] if parts else "")
    if handler is None:
        extra = server_of(request).nonresource_routes.get(parts[0] if parts else "")
        if extra is None:
            return page_not_found()
        return await extra(request, parts)
    return await handler(request, parts)
