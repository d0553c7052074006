"""What a request asks for, in Kubernetes terms: verb, group, version, namespace, resource, name.

Authentication errors, authorization, audit, admission and the handlers all read the same
RequestInfo, and the real kube-apiserver resolves it before authentication; so does kubegate.
This is a port of k8s.io/apiserver's RequestInfoFactory (v0.32) with APIPrefixes
{"api", "apis"} and GrouplessAPIPrefixes {"api"}, as a pure function of method, decoded path and
query. It runs on every request, so it splits strings and never uses regular expressions.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from kubegate.api import errors, fields, labels
from kubegate.api.gofmt import go_quote

#: The verb a resource request gets from its HTTP method before collection rules apply.
HTTP_METHOD_VERBS: Mapping[str, str] = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}

API_PREFIXES = frozenset({"api", "apis"})
GROUPLESS_API_PREFIXES = frozenset({"api"})
#: Path segments that set the verb (the deprecated `/watch/` form, and `/proxy/`).
SPECIAL_VERBS = frozenset({"proxy", "watch"})
SPECIAL_VERBS_NO_SUBRESOURCES = frozenset({"proxy"})
#: Segments after /namespaces/{name} that are subresources of the namespace itself.
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
#: Verbs whose selectors are recorded for authorization (AuthorizeWithSelectors, on in 1.32).
VERBS_WITH_SELECTORS = frozenset({"list", "watch", "deletecollection"})


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """request.RequestInfo. For a non-resource request the verb is the lowercased method."""

    is_resource_request: bool
    path: str
    verb: str
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()
    #: The raw selectors of a list, watch or deletecollection, for selector authorization.
    field_selector: str = ""
    label_selector: str = ""


class RequestInfoError(Exception):
    """The path names a special verb but nothing after it, e.g. `/api/v1/watch`.

    The real server answers such a request with a plain-text 500 (`http.Error`, not a Status);
    `info` holds what was resolved before the failure, as the Go resolver returns it alongside
    its error.
    """

    def __init__(self, info: RequestInfo) -> None:
        super().__init__(f"unable to determine kind and namespace from url, {info.path}")
        self.info = info

    def response_text(self, request_uri: str) -> str:
        """The real 500 body for `request_uri` (path and query as sent), `&<>` HTML-escaped."""
        text = (
            f"Internal Server Error: {go_quote(request_uri)}: failed to create "
            f"RequestInfo: unable to determine kind and namespace from url, {request_uri}"
        )
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "\n"


def resolve_request_info(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """Resolve a request the way the real apiserver's RequestInfoFactory does.

    `path` is the percent-decoded URL path; `query` maps each parameter to its first value.
    Raises RequestInfoError only for a special verb with nothing after it.
    """
    if not query:
        # Most requests (get, create, update, patch, delete, discovery) carry no query, and
        # clients repeat the same paths; RequestInfo is immutable, so the answer can be shared.
        return _resolve_without_query(method, path)
    return _resolve(method, path, query)


@functools.lru_cache(maxsize=4096)
def _resolve_without_query(method: str, path: str) -> RequestInfo:
    return _resolve(method, path, _NO_QUERY)


_NO_QUERY: Mapping[str, str] = MappingProxyType({})


def _resolve(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    parts = _split_path(path)
    if len(parts) < 3 or parts[0] not in API_PREFIXES:
        return RequestInfo(False, path, method.lower())
    prefix, group = parts[0], ""
    rest = parts[1:]
    if prefix not in GROUPLESS_API_PREFIXES:
        if len(rest) < 3:
            return RequestInfo(False, path, method.lower())
        group, rest = rest[0], rest[1:]
    version, rest = rest[0], rest[1:]

    via_path = rest[0] in SPECIAL_VERBS
    if via_path:
        if len(rest) < 2:
            partial = RequestInfo(True, path, method.lower(), prefix, group, version)
            raise RequestInfoError(partial)
        verb, rest = rest[0], rest[1:]
    else:
        verb = HTTP_METHOD_VERBS.get(method, "")

    namespace, rest = _namespace_and_parts(rest)
    resource = rest[0]
    name = rest[1] if len(rest) >= 2 else ""
    has_subresource = len(rest) >= 3 and verb not in SPECIAL_VERBS_NO_SUBRESOURCES
    subresource = rest[2] if has_subresource else ""

    if not name and verb == "get":
        verb = "watch" if _is_watch(query) else "list"
        name = _name_from_field_selector(query)
    if not name and verb == "delete":
        verb = "deletecollection"

    field_selector = label_selector = ""
    if not via_path and verb in VERBS_WITH_SELECTORS:
        field_selector = query.get("fieldSelector", "")
        label_selector = query.get("labelSelector", "")

    return RequestInfo(
        is_resource_request=True,
        path=path,
        verb=verb,
        api_prefix=prefix,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=tuple(rest),
        field_selector=field_selector,
        label_selector=label_selector,
    )


def _split_path(path: str) -> list[str]:
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []


def _namespace_and_parts(rest: list[str]) -> tuple[str, list[str]]:
    """`namespaces/{ns}/{resource}/...` is a namespaced resource, unless the third segment is
    a namespace subresource (`status`, `finalize`): then the namespace itself is the object."""
    if rest[0] != "namespaces" or len(rest) < 2:
        return "", rest
    if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
        return rest[1], rest[2:]
    return rest[1], rest


def _is_watch(query: Mapping[str, str]) -> bool:
    """Any `watch` value except `0` and (any case) `false` means watch, even an empty one."""
    value = query.get("watch")
    return value is not None and value != "0" and value.lower() != "false"


def _name_from_field_selector(query: Mapping[str, str]) -> str:
    """A list or watch pinned to `metadata.name=x` is authorized and audited as naming x.

    The real resolver takes the name only when every list option decodes, so a bad label
    selector, limit or timeoutSeconds means no name; and only a valid path segment counts.
    """
    text = query.get("fieldSelector")
    if not text or "metadata.name" not in text:
        return ""
    try:
        name = fields.parse_field_selector(text).exact_value("metadata.name")
        if name is None or not _options_decode(query):
            return ""
    except errors.StatusError:
        return ""
    if name in (".", "..") or "/" in name or "%" in name:
        return ""
    return name


def _options_decode(query: Mapping[str, str]) -> bool:
    for integer_param in ("limit", "timeoutSeconds"):
        value = query.get(integer_param)
        if value is not None and labels.parse_int64(value) is None:
            return False
    labels.parse_label_selector(query.get("labelSelector", ""))
    return True
