"""TokenReview (`authentication.k8s.io/v1`): would this server accept that bearer token?

As the real REST handler (pkg/registry/authentication/tokenreview) does, the token is put in
a request of its own, `Authorization: Bearer <token>` and nothing else, and run through the
server's whole authentication chain, with `spec.audiences` (default: the API audiences) as the
audiences asked for. So the answer is exactly what a request with that token would get:
`system:authenticated` included, the token union's error text in `status.error`, and even the
real oddities (a token starting with a space is no bearer token, so the request falls to
anonymous, whose answer carries no audience: a 500 "error validating audiences").
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api import errors
from kubegate.authn.authenticator import AuthenticationError, AuthRequest, AuthResult
from kubegate.authn.token import intersect
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, check_kind, read_object
from kubegate.endpoints.responses import value_response


def _spec(body: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    spec = body.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise errors.bad_request("spec must be an object")
    token = spec.get("token")
    if token is not None and not isinstance(token, str):
        raise errors.bad_request("spec.token must be a string")
    audiences = spec.get("audiences")
    if audiences is None:
        audiences = []
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise errors.bad_request("spec.audiences must be a list of strings")
    if not token:
        raise errors.bad_request("token is required for TokenReview in authentication")
    return token, tuple(audiences)


async def create_token_review(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_object(request)
    check_kind(target.spec, body)
    token, spec_audiences = _spec(body)
    server = server_of(request)
    audiences = spec_audiences or server.config.api_audiences_or_default
    fake = AuthRequest(
        headers=CIMultiDictProxy(CIMultiDict({"Authorization": "Bearer " + token})), audiences=audiences
    )
    result: AuthResult | None = None
    error = ""
    try:
        result = await server.authenticator.authenticate(fake)
    except AuthenticationError as exc:
        error = str(exc)
    if audiences and result is not None and not intersect(result.audiences, audiences):
        raise errors.internal("error validating audiences")
    status: dict[str, Any] = {}
    if result is not None:
        status["authenticated"] = True
    status["user"] = result.user.to_dict() if result is not None else {}
    if result is not None and result.audiences:
        status["audiences"] = list(result.audiences)
    if error:
        status["error"] = error
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    review_spec: dict[str, Any] = {"token": token}
    if spec_audiences:
        review_spec["audiences"] = list(spec_audiences)
    review = {
        "kind": "TokenReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {**metadata, "creationTimestamp": None},
        "spec": review_spec,
        "status": status,
    }
    return value_response(review, target.accepted, status=201)
