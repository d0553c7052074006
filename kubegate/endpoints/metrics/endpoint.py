"""`GET /metrics`: the server's registry in the Prometheus text format.

It is a non-resource URL like `/healthz`: authentication and RBAC come first, so the default
policy lets cluster-admin and the `system:monitoring` group read it (ClusterRole
`system:monitoring`) and answers anyone else, anonymous included, with the real 403.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import server_of
from kubegate.endpoints.metrics.collectors import BuildInfo, StorageObjects
from kubegate.endpoints.metrics.exposition import CONTENT_TYPE, render
from kubegate.endpoints.metrics.registry import ServerMetrics
from kubegate.endpoints.nonresource import page_not_found
from kubegate.endpoints.state import APIServer
from kubegate.registry import conversion


async def serve_metrics(request: web.Request, parts: list[str]) -> web.StreamResponse:
    if parts != ["metrics"]:
        return page_not_found()
    metrics = server_of(request).metrics
    body = render(metrics.registry, metrics.exposed_names)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def install(state: APIServer) -> ServerMetrics:
    """Give `state` its registry (with the scrape-time collectors) and route `/metrics` to it."""
    metrics = state.metrics
    catalog, store = state.catalog, state.store

    def stored_resources() -> list[tuple[str, str]]:
        return [conversion.storage_key(spec) for spec in catalog if "list" in spec.verbs]

    metrics.registry.register(StorageObjects(stored_resources, store.count))
    metrics.registry.register(BuildInfo(state.version.to_dict()))
    state.nonresource_routes["metrics"] = serve_metrics
    return metrics
