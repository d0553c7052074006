"""The request labels of `apiserver_request_*`, derived as kube-apiserver's endpoints/metrics does.

- scope: `resource` for a named object or a create, `namespace`, `cluster`, or "" (non-resource);
- verb: the HTTP method in capitals, GET on a collection becoming LIST; `?watch=true` (or the
  `/watch/` path) WATCH; PATCH with `application/apply-patch+yaml` APPLY; the connect
  subresources (exec, attach, portforward, log, proxy) CONNECT; anything unknown `other`;
- dry_run: the sorted distinct `dryRun` values ("" without any, `invalid` for an unknown one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kubegate.api.requestinfo import RequestInfo

APISERVER_COMPONENT = "apiserver"
APPLY_PATCH = "application/apply-patch+yaml"
CONNECT_SUBRESOURCES = frozenset({"log", "exec", "portforward", "attach", "proxy"})
VALID_VERBS = frozenset({
    "APPLY", "CONNECT", "CREATE", "DELETE", "DELETECOLLECTION", "GET", "LIST", "PATCH", "POST", "PROXY", "PUT",
    "UPDATE", "WATCH", "WATCHLIST",
})
#: what max-inflight counts as read-only (every other verb is mutating)
READ_ONLY_VERBS = frozenset({"get", "list", "watch"})


def scope(info: RequestInfo) -> str:
    if info.name or info.verb == "create":
        return "resource"
    if info.namespace:
        return "namespace"
    if info.is_resource_request:
        return "cluster"
    return ""


def verb(method: str, info: RequestInfo, query: Mapping[str, str], *, content_type: str = "") -> str:
    reported = method.upper()
    request_scope = scope(info)
    if reported in ("GET", "HEAD"):
        reported = "LIST" if request_scope not in ("resource", "") else "GET"
    if info.verb == "watch" or (method.upper() in ("GET", "LIST") and _watch_requested(query)):
        return "WATCH"
    if reported == "PATCH" and content_type.split(";", 1)[0].strip() == APPLY_PATCH:
        reported = "APPLY"
    if info.is_resource_request and info.subresource in CONNECT_SUBRESOURCES:
        reported = "CONNECT"
    return reported if reported in VALID_VERBS else "other"


def _watch_requested(query: Mapping[str, str]) -> bool:
    value = query.get("watch")
    return value is not None and value.lower() not in ("0", "false")


def dry_run(values: Sequence[str]) -> str:
    if not values:
        return ""
    if any(value != "All" for value in values):
        return "invalid"
    return ",".join(sorted(set(values)))


def request_kind(info: RequestInfo) -> str:
    return "readOnly" if info.verb in READ_ONLY_VERBS else "mutating"
