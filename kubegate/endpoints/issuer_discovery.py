"""Serving the ServiceAccount issuer's discovery documents.

`/.well-known/openid-configuration` and `/openid/v1/jwks` are non-resource paths like
`/version`: they pass authentication and authorization first (the default RBAC policy lets
`system:serviceaccounts` read them through `system:service-account-issuer-discovery`), then are
answered here from bytes rendered once at start, with the real server's content types and
`Cache-Control: public, max-age=3600`.
"""

from __future__ import annotations

import logging

from aiohttp import web

from kubegate.authn.serviceaccount import verification_keys
from kubegate.authn.serviceaccount.openid import (
    CACHE_CONTROL,
    JWKS_CONTENT_TYPE,
    JWKS_PATH,
    OPENID_CONFIG_PATH,
    MetadataError,
    OpenIDMetadata,
    external_address,
)
from kubegate.endpoints.nonresource import page_not_found
from kubegate.endpoints.state import APIServer, NonResourceRoute

log = logging.getLogger("kubegate.endpoints.issuer_discovery")


def _document(path: str, body: bytes, content_type: str) -> NonResourceRoute:
    async def serve(request: web.Request, parts: list[str]) -> web.StreamResponse:
        if request.path not in (path, path + "/"):  # go-restful also routes the trailing slash
            return page_not_found()
        return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": CACHE_CONTROL})

    return serve


def install(state: APIServer) -> None:
    config = state.config
    if not config.service_account_issuer:
        return
    host, _, port = state.address.rpartition(":")
    try:
        metadata = OpenIDMetadata.build(
            issuer=config.service_account_issuer[0],
            external_address=external_address(host, port),
            keys=verification_keys(config, pki=state.pki),
        )
    except MetadataError as exc:
        log.error("Could not construct pre-rendered responses for ServiceAccountIssuerDiscovery endpoints. "
                  "Endpoints will not be enabled. Error: %s", exc)
        return
    state.nonresource_routes[".well-known"] = _document(OPENID_CONFIG_PATH, metadata.config_json, "application/json")
    state.nonresource_routes["openid"] = _document(JWKS_PATH, metadata.keyset_json, JWKS_CONTENT_TYPE)
