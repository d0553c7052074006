"""GET /openapi/v2: the Swagger 2.0 document, as JSON or as gnostic protobuf.

Negotiated as kube-openapi's handler does it: the Accept clauses in order of preference, each
matched against JSON and the two protobuf names (kubectl asks for the older `…spec.v2@v1.0…`
spelling, which is answered with the newer `…spec.v2.v1.0…` Content-Type: Go's MIME parser
rejects the `@`), `*/*` meaning JSON, nothing acceptable a bare 406. The ETag is the uppercase
SHA-512 of the JSON document and a matching If-None-Match gets a 304.
"""

from __future__ import annotations

from aiohttp import web

from kubegate.endpoints.context import server_of
from kubegate.registry.openapi_v2 import rendered

JSON = "application/json"
PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
#: (media type as a client names it, what is sent back)
_OFFERED = (
    (JSON, JSON),
    ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", PROTOBUF),
    (PROTOBUF, PROTOBUF),
)


def choose(accept: str) -> str | None:
    """The Content-Type to answer with, or None when nothing offered is acceptable."""
    clauses: list[tuple[float, int, str]] = []
    for position, clause in enumerate((accept or "*/*").split(",")):
        media, *params = (part.strip() for part in clause.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            clauses.append((-quality, position, media.lower()))
    for _, _, media in sorted(clauses):
        kind, _, sub = media.partition("/")
        for offered, answer in _OFFERED:
            offered_kind, _, offered_sub = offered.partition("/")
            if kind in (offered_kind, "*") and sub in (offered_sub, "*"):
                return answer
    return None


async def serve(request: web.Request) -> web.StreamResponse:
    content_type = choose(request.headers.get("Accept", ""))
    headers = {"Vary": "Accept"}
    if content_type is None:
        return web.Response(status=406, headers=headers)
    document = rendered(server_of(request).openapi)
    headers["Etag"] = f'"{document.etag}"'
    if request.headers.get("If-None-Match") == headers["Etag"]:
        return web.Response(status=304, headers=headers)
    body = document.json if content_type == JSON else document.protobuf
    headers["Content-Type"] = content_type
    return web.Response(body=body, headers=headers)
