"""Act as another user: the `Impersonate-*` headers, each part checked with the authorizer.

As in k8s.io/apiserver's impersonation filter, every header value becomes one thing the
requester must be allowed to `impersonate` (users, serviceaccounts, groups, uids,
userextras/<key>), checked in that order; the first refusal is the real 403. Once all are
allowed the request goes on as the impersonated user, with `system:authenticated` (or, for
`system:anonymous`, `system:unauthenticated`) added and the headers removed. The original user
is kept on the request for audit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from kubegate.api.gofmt import go_quote, klog_pairs
from kubegate.api.meta import dns1123_label_errors, dns1123_subdomain_errors
from kubegate.api.user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, UserInfo
from kubegate.authz.authorizer import Attributes, Decision
from kubegate.endpoints.context import IMPERSONATED_USER, IMPERSONATOR, USER, server_of
from kubegate.endpoints.filters.authorization import forbidden_error
from kubegate.endpoints.filters.types import Handler

log = logging.getLogger("kubegate.impersonation")

IMPERSONATE_USER = "Impersonate-User"
IMPERSONATE_UID = "Impersonate-Uid"
IMPERSONATE_GROUP = "Impersonate-Group"
IMPERSONATE_EXTRA_PREFIX = "Impersonate-Extra-"

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS = "system:serviceaccounts"

#: what each kind of impersonation is checked as: (API group, version, resource)
IMPERSONATED_RESOURCES: Mapping[str, tuple[str, str, str]] = MappingProxyType({
    "User": ("", "", "users"),
    "ServiceAccount": ("", "", "serviceaccounts"),
    "Group": ("", "", "groups"),
    "UserExtra": ("authentication.k8s.io", "v1", "userextras"),
    "UID": ("authentication.k8s.io", "v1", "uids"),
})

_PERCENT_ESCAPES = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: any Impersonate-* header name, matched on the names joined by newlines (which a header name
#: never contains), so that a request without one costs a single scan
_ANY_IMPERSONATION_HEADER = re.compile(
    "^(?:" + "|".join(re.escape(name) + "$" for name in (IMPERSONATE_USER, IMPERSONATE_UID, IMPERSONATE_GROUP))
    + "|" + re.escape(IMPERSONATE_EXTRA_PREFIX) + ")",
    re.IGNORECASE | re.MULTILINE,
)


class ImpersonationError(Exception):
    """Impersonate-* headers that cannot be honoured at all (groups, extra or uid without a user)."""


@dataclass(frozen=True, slots=True)
class ImpersonationRequest:
    """One header value to authorize: the real filter's ObjectReference (FieldPath = extra key)."""

    kind: str
    name: str
    namespace: str = ""
    extra_key: str = ""

    @property
    def api_version(self) -> str:
        group, version, _ = IMPERSONATED_RESOURCES[self.kind]
        return f"{group}/{version}" if group else version

    def go_value(self) -> str:
        """`%v` of the Go ObjectReference, as the real error message prints it."""
        fields = (self.kind, self.namespace, self.name, "", self.api_version, "", self.extra_key)
        return "{" + " ".join(fields) + "}"

    def attributes(self, requester: UserInfo) -> Attributes:
        group, version, resource = IMPERSONATED_RESOURCES[self.kind]
        return Attributes(
            user=requester,
            verb="impersonate",
            is_resource_request=True,
            namespace=self.namespace,
            api_group=group,
            api_version=version,
            resource=resource,
            subresource=self.extra_key,
            name=self.name,
        )


def split_service_account(username: str) -> tuple[str, str] | None:
    """(namespace, name) of `system:serviceaccount:NS:NAME` when both parts are valid names."""
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_PREFIX):].split(":")
    if len(parts) != 2:
        return None
    namespace, name = parts
    if dns1123_label_errors(namespace) or dns1123_subdomain_errors(name):
        return None
    return namespace, name


def _extra_key(encoded: str) -> str:
    """Lower-cased, then percent-decoded; a malformed escape keeps the key as sent."""
    lowered = encoded.lower()
    if _PERCENT_ESCAPES.search(lowered):
        return lowered
    return unquote(lowered, errors="replace")


def _extra_values(headers: CIMultiDictProxy[str]) -> dict[str, list[str]]:
    extras: dict[str, list[str]] = {}
    prefix = IMPERSONATE_EXTRA_PREFIX.lower()
    for header, value in headers.items():
        if header.lower().startswith(prefix):
            extras.setdefault(_extra_key(header[len(prefix):]), []).append(value)
    return extras


def impersonation_requests(headers: CIMultiDictProxy[str]) -> list[ImpersonationRequest]:
    """Everything the headers ask to impersonate, in the order the real filter checks it."""
    requests: list[ImpersonationRequest] = []
    user = headers.get(IMPERSONATE_USER, "")
    if user:
        service_account = split_service_account(user)
        if service_account is not None:
            namespace, name = service_account
            requests.append(ImpersonationRequest("ServiceAccount", name, namespace=namespace))
        else:
            requests.append(ImpersonationRequest("User", user))
    groups = headers.getall(IMPERSONATE_GROUP, [])
    requests.extend(ImpersonationRequest("Group", group) for group in groups)
    extras = _extra_values(headers)
    for key, values in extras.items():
        requests.extend(ImpersonationRequest("UserExtra", value, extra_key=key) for value in values)
    uid = headers.get(IMPERSONATE_UID, "")
    if uid:
        requests.append(ImpersonationRequest("UID", uid))
    if (groups or extras or uid) and not user:
        listed = " ".join(request.go_value() for request in requests)
        raise ImpersonationError(f"requested [{listed}] without impersonating a user")
    return requests


def impersonated_user(requests: Iterable[ImpersonationRequest], *, groups_specified: bool) -> UserInfo:
    """The identity the request continues as, once every part was allowed."""
    name = uid = ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}
    for request in requests:
        if request.kind == "ServiceAccount":
            name = f"{SERVICE_ACCOUNT_PREFIX}{request.namespace}:{request.name}"
            if not groups_specified:
                # a service account's groups follow from its name
                groups = [ALL_SERVICE_ACCOUNTS, f"{ALL_SERVICE_ACCOUNTS}:{request.namespace}"]
        elif request.kind == "User":
            name = request.name
        elif request.kind == "Group":
            groups.append(request.name)
        elif request.kind == "UserExtra":
            extra.setdefault(request.extra_key, []).append(request.name)
        elif request.kind == "UID":
            uid = request.name
    if name != ANONYMOUS_USER:
        # asking for system:unauthenticated explicitly keeps system:authenticated out
        if ALL_AUTHENTICATED not in groups and ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    frozen_extra = MappingProxyType({key: tuple(values) for key, values in extra.items()})
    return UserInfo(name, uid, tuple(groups), frozen_extra)


def is_impersonation_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in (IMPERSONATE_USER.lower(), IMPERSONATE_GROUP.lower(), IMPERSONATE_UID.lower()) or (
        lowered.startswith(IMPERSONATE_EXTRA_PREFIX.lower())
    )


def without_impersonation_headers(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    return CIMultiDict((name, value) for name, value in headers.items() if not is_impersonation_header(name))


def _describe(user: UserInfo) -> str:
    """Who is who in the log line (names and groups only, never credentials)."""
    return (user.name or "<empty>") + (f"[{','.join(user.groups)}]" if user.groups else "")


def _internal_error(request: web.Request, error: ImpersonationError) -> web.Response:
    # the real filter answers this with net/http's plain-text error, not a Status
    text = f"Internal Server Error: {go_quote(request.raw_path)}: {error}"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "\n"
    return web.Response(
        status=500, text=text, content_type="text/plain", headers={"X-Content-Type-Options": "nosniff"}
    )


@web.middleware
async def impersonation_filter(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _ANY_IMPERSONATION_HEADER.search("\n".join(request.headers)) is None:
        return await handler(request)
    try:
        requests = impersonation_requests(request.headers)
    except ImpersonationError as error:
        log.info('"Refused impersonation" %s', klog_pairs(method=request.method, path=request.path, err=error))
        return _internal_error(request, error)
    if not requests:
        return await handler(request)
    requester: UserInfo = request[USER]
    authorizer = server_of(request).authorizer
    for wanted in requests:
        attributes = wanted.attributes(requester)
        verdict = await authorizer.authorize(attributes)
        if verdict.decision is not Decision.ALLOW:
            raise forbidden_error(attributes, verdict.reason)
    user = impersonated_user(requests, groups_specified=bool(request.headers.getall(IMPERSONATE_GROUP, [])))
    log.debug("%s is impersonating %s", _describe(requester), _describe(user))
    try:
        acting = request.clone(headers=without_impersonation_headers(request.headers))
    except UnicodeEncodeError:
        # aiohttp re-encodes the remaining headers as UTF-8; undecodable bytes cannot survive that
        acting = request
    acting[USER] = user
    acting[IMPERSONATOR] = requester
    request[IMPERSONATED_USER] = user
    return await handler(acting)
