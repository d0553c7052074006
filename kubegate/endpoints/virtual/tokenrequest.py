"""TokenRequest (`kubectl create token SA`): a bound ServiceAccount token, never stored.

`POST /api/v1/namespaces/NS/serviceaccounts/NAME/token` with an authentication.k8s.io/v1
TokenRequest answers 201 with `status.token` and `status.expirationTimestamp`, in the steps and
with the messages of kube-apiserver's TokenREST (pkg/registry/core/serviceaccount/storage):

- `metadata.name`/`namespace`, when given, must match the URL (422); the ServiceAccount must
  exist (404); the answer carries its name and namespace and a creationTimestamp;
- `spec.audiences` defaults to the API audiences (`--api-audiences`, else the issuer);
  `spec.expirationSeconds` defaults to 3600 and must be at least 600 (10 minutes) and at most
  2^32 (422); above `--service-account-max-token-expiration` it is shortened, with a warning;
- `spec.boundObjectRef` may name a Pod (running as this account), a Secret or a Node (all
  `v1`) that exists, with the same uid when one is given (409 otherwise); the token is then
  valid only while that object lives. A pod-bound token records the pod's node too;
- a pod-bound token asking for kubelet's 3607 seconds for the API's own audiences is
  issued for a year with `warnafter` at 3607 seconds (`--service-account-extend-token-expiration`,
  on by default), as the real server does for projected volumes.

Authorization (`create` on `serviceaccounts/token`) is the filter's; the bound object is read
without any further check, as the real storage does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from kubegate.api import errors, meta
from kubegate.api.errors import CAUSE_INVALID, FieldError
from kubegate.api.gotypes import INT64, OBJECT_META, STRING, STRINGS, Struct, first_type_error
from kubegate.authn.serviceaccount.claims import ObjectRef
from kubegate.authn.serviceaccount.issuer import TokenIssuer
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, check_kind, read_object
from kubegate.endpoints.responses import value_response
from kubegate.endpoints.state import APIServer
from kubegate.registry.objects import ObjectCache

KIND = "TokenRequest"
GROUP = "authentication.k8s.io"
API_VERSION = f"{GROUP}/v1"
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 10 * 60
MAX_EXPIRATION_SECONDS = 1 << 32
#: serviceaccount.WarnOnlyBoundTokenExpirationSeconds and ExpirationExtensionSeconds
WARN_ONLY_EXPIRATION_SECONDS = 3607
EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 60 * 60

BOUND_OBJECT_REFERENCE = Struct("BoundObjectReference", {
    "kind": STRING, "apiVersion": STRING, "name": STRING, "uid": STRING,
})
SHAPE = Struct(KIND, {
    "metadata": OBJECT_META,
    "spec": Struct("TokenRequestSpec", {
        "audiences": STRINGS, "expirationSeconds": INT64, "boundObjectRef": BOUND_OBJECT_REFERENCE,
    }),
    "status": Struct("TokenRequestStatus", {"token": STRING, "expirationTimestamp": STRING}),
})

#: kinds a token may be bound to: kind -> (plural, namespaced)
BINDABLE = {"Pod": ("pods", True), "Secret": ("secrets", True), "Node": ("nodes", False)}
#: what a token is bound to: (pod, secret, node)
Bound = tuple[ObjectRef | None, ObjectRef | None, ObjectRef | None]


def _group_version(api_version: str) -> tuple[str, str] | None:
    """schema.ParseGroupVersion: "" and "v1" are the core group; more than one "/" is an error."""
    if not api_version:
        return "", ""
    parts = api_version.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def _invalid(name: str, problem: FieldError) -> errors.StatusError:
    return errors.invalid(KIND, name, [problem], group=GROUP)


class TokenRequestREST:
    """The create handler of `serviceaccounts/token`, holding the server's token issuer."""

    def __init__(self, *, issuer: TokenIssuer, audiences: tuple[str, ...], max_expiration_seconds: int) -> None:
        self._issuer = issuer
        self._audiences = audiences
        self._max_expiration = max_expiration_seconds

    async def __call__(self, request: web.Request, target: Target) -> web.StreamResponse:
        body = await read_object(request)
        check_kind(target.spec, body, expected_kind=KIND, expected_version=API_VERSION)
        error = first_type_error(body, SHAPE)
        if error is not None:
            raise errors.bad_request(f'{KIND} in version "v1" cannot be handled as a {KIND}: {error}')
        store = server_of(request).store
        token_request, warnings = self.create(store, target.namespace, target.name, body)
        response = value_response(token_request, target.accepted, status=201)
        for text in warnings:
            response.headers.add("Warning", f'299 - "{text}"')
        return response

    def create(self, store: ObjectCache, namespace: str, name: str, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The answered TokenRequest and the warnings for the client."""
        metadata = dict(body.get("metadata") or {})
        spec = dict(body.get("spec") or {})
        if metadata.get("name") and metadata["name"] != name:
            raise _invalid(name, FieldError(
                CAUSE_INVALID, "metadata.name", "must match the service account name if specified", metadata["name"]))
        if metadata.get("namespace") and metadata["namespace"] != namespace:
            raise _invalid(name, FieldError(
                CAUSE_INVALID, "metadata.namespace", "must match the service account namespace if specified",
                metadata["namespace"]))
        account = store.get(("", "serviceaccounts"), (namespace, name))
        if account is None:
            raise errors.not_found("serviceaccounts", name)
        if not spec.get("audiences"):
            spec["audiences"] = list(self._audiences)
        if spec.get("expirationSeconds") is None:
            spec["expirationSeconds"] = DEFAULT_EXPIRATION_SECONDS
        spec["expirationSeconds"] = int(spec["expirationSeconds"])
        now = meta.now()
        metadata.update(name=name, namespace=namespace, creationTimestamp=meta.format_time(now))
        for server_only in ("uid", "resourceVersion", "generation", "deletionTimestamp", "selfLink"):
            metadata.pop(server_only, None)
        _validate_expiration(spec["expirationSeconds"])
        pod, secret, node = self._bound_objects(store, namespace, name, spec.get("boundObjectRef"))
        warnings = []
        if self._max_expiration > 0 and spec["expirationSeconds"] > self._max_expiration:
            warnings.append(f"requested expiration of {spec['expirationSeconds']} seconds shortened to "
                            f"{self._max_expiration} seconds")
            spec["expirationSeconds"] = self._max_expiration
        expiration, warn_after = spec["expirationSeconds"], 0
        if (pod is not None and expiration == WARN_ONLY_EXPIRATION_SECONDS
                and set(spec["audiences"]) <= set(self._audiences)):
            warn_after, expiration = expiration, EXTENDED_EXPIRATION_SECONDS
        issued = self._issuer.issue_bound(
            namespace=namespace, service_account=ObjectRef(name, account.obj["metadata"]["uid"]),
            audiences=tuple(spec["audiences"]), expiration_seconds=expiration, warn_after_seconds=warn_after,
            now=now, pod=pod, secret=secret, node=node,
        )
        status = {
            "token": issued.token,
            "expirationTimestamp": meta.format_time(now + timedelta(seconds=spec["expirationSeconds"])),
        }
        token_request = {"kind": KIND, "apiVersion": API_VERSION, "metadata": metadata, "spec": spec,
                         "status": status}
        return token_request, warnings

    @staticmethod
    def _bound_objects(store: ObjectCache, namespace: str, name: str, ref: Any) -> Bound:
        """The (pod, secret, node) the token is bound to; a pod-bound token also names its node."""
        if not isinstance(ref, dict):
            return None, None, None
        kind = str(ref.get("kind") or "")
        parsed = _group_version(str(ref.get("apiVersion") or ""))
        group, version = parsed if parsed is not None else ("", "")
        if group or kind not in BINDABLE:
            raise errors.bad_request(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
        plural, namespaced = BINDABLE[kind]
        object_name = str(ref.get("name") or "")
        stored = store.get(("", plural), (namespace if namespaced else "", object_name))
        if stored is None:
            raise errors.not_found(plural, object_name)
        obj = stored.obj
        uid = str(obj["metadata"].get("uid", ""))
        if kind == "Pod":
            running_as = (obj.get("spec") or {}).get("serviceAccountName") or ""
            if running_as != name:
                raise errors.bad_request(
                    f'cannot bind token for serviceaccount "{name}" to pod running with different serviceaccount name.')
        wanted_uid = str(ref.get("uid") or "")
        if wanted_uid and wanted_uid != uid:
            raise errors.conflict(kind, object_name, (
                f"the UID in the bound object reference ({wanted_uid}) does not match the UID in record. "
                "The object might have been deleted and then recreated"))
        this = ObjectRef(object_name, uid)
        if kind == "Secret":
            return None, this, None
        if kind == "Node":
            return None, None, this
        node_name = (obj.get("spec") or {}).get("nodeName") or ""
        if not node_name:
            return this, None, None
        node = store.get(("", "nodes"), ("", node_name))
        # a node that is gone still leaves its name in the claims
        return this, None, ObjectRef(node_name, node.obj["metadata"].get("uid", "") if node else "")


def _validate_expiration(seconds: int) -> None:
    # validation names no object: the request's own name is not known to it
    if seconds < MIN_EXPIRATION_SECONDS:
        raise _invalid("", FieldError(
            CAUSE_INVALID, "spec.expirationSeconds", "may not specify a duration less than 10 minutes", seconds))
    if seconds > MAX_EXPIRATION_SECONDS:
        raise _invalid("", FieldError(
            CAUSE_INVALID, "spec.expirationSeconds", "may not specify a duration larger than 2^32 seconds", seconds))


def install(state: APIServer) -> None:
    """Serve `serviceaccounts/token` when the server has a key to sign tokens with."""
    issuer = TokenIssuer.from_config(state.config, pki=state.pki)
    if issuer is None:
        return
    state.virtual_creates[("", "serviceaccounts", "token")] = TokenRequestREST(
        issuer=issuer,
        audiences=state.config.api_audiences_or_default,
        max_expiration_seconds=int(state.config.service_account_max_token_expiration),
    )
