"""The query of a list or watch, decoded and validated as the real apiserver does it.

Decoding follows apimachinery's ListOptions conversion (integers through strconv.ParseInt with
its 400 texts; booleans true unless `0` or `false`), then the WatchList defaulting where that
feature gate is on (a watch from resourceVersion "" or "0" asks for initial events, and so, with
allowWatchBookmarks, ends them with the `initial-events-end` bookmark), then
ValidateListOptions, whose failures are a 422 `ListOptions.meta.k8s.io "" is invalid: ...`.

resourceVersion is opaque to clients but numeric here, as with etcd: an unparsable one is the
real server's 500 `resourceVersion: Invalid value: "x": strconv.ParseUint: ...`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from kubegate.api import errors, strconv
from kubegate.api.errors import CAUSE_FORBIDDEN, CAUSE_INVALID, CAUSE_NOT_SUPPORTED, FieldError
from kubegate.api.fields import FieldSelector, parse_field_selector
from kubegate.api.gofmt import go_quote
from kubegate.api.labels import LabelSelector, parse_label_selector

EXACT, NOT_OLDER_THAN = "Exact", "NotOlderThan"
#: The WatchList feature gate of the default version: beta and on by default in 1.32.
WATCH_LIST_ENABLED = True



def watch_list_enabled(minor: int) -> bool:
    """WatchList's default in kube-apiserver 1.`minor`: alpha (off) until 1.31, beta and on in
    1.32, switched off again in 1.33, on from 1.34."""
    return minor == 32 or minor >= 34


@dataclass(frozen=True, slots=True)
class ListOptions:
    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    limit: int = 0
    continue_token: str = ""
    resource_version: str = ""
    resource_version_match: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    #: None when the client did not say (and defaulting did not either)
    send_initial_events: bool | None = None
    timeout_seconds: int | None = None


def parse_int64(raw: str) -> int:
    """strconv.ParseInt(raw, 10, 64), failing with its error text as a 400."""
    try:
        return strconv.parse_int(raw)
    except strconv.NumError as exc:
        raise errors.bad_request(str(exc)) from None


def query_bool(raw: str | None) -> bool:
    """A present parameter is true unless it is `0` or `false` in any case, even when empty."""
    return raw is not None and raw != "0" and raw.lower() != "false"


def parse_resource_version(text: str) -> int:
    """The revision a resourceVersion names; "" and "0" mean "any" (0)."""
    if text in ("", "0"):
        return 0
    try:
        return strconv.parse_uint(text)
    except strconv.NumError as exc:
        problem = FieldError(CAUSE_INVALID, "resourceVersion", str(exc), text)
        # The storage layer's InvalidError is not an API status, so the real server answers 500.
        raise errors.StatusError(500, "", str(problem)) from None


def parse_list_options(query: Mapping[str, str], *, watch_list: bool = WATCH_LIST_ENABLED) -> ListOptions:
    """Decode, default and validate a list or watch query (400 or 422 on failure); `watch_list`
    is the WatchList feature gate of the version served."""
    timeout = query.get("timeoutSeconds")
    limit = query.get("limit")
    options = ListOptions(
        timeout_seconds=parse_int64(timeout) if timeout is not None else None,
        limit=parse_int64(limit) if limit is not None else 0,
        label_selector=parse_label_selector(query.get("labelSelector", "")),
        field_selector=parse_field_selector(query.get("fieldSelector", "")),
        watch=query_bool(query.get("watch")),
        allow_watch_bookmarks=query_bool(query.get("allowWatchBookmarks")),
        resource_version=query.get("resourceVersion", ""),
        resource_version_match=query.get("resourceVersionMatch", ""),
        continue_token=query.get("continue", ""),
        send_initial_events=query_bool(query.get("sendInitialEvents")) if "sendInitialEvents" in query else None,
    )
    options = with_defaults(options, watch_list=watch_list)
    problems = validate(options, watch_list=watch_list)
    if problems:
        raise errors.invalid("ListOptions", "", problems, group="meta.k8s.io")
    return options


def with_defaults(options: ListOptions, *, watch_list: bool = WATCH_LIST_ENABLED) -> ListOptions:
    """SetListOptionsDefaults: a watch from "" or "0" becomes a request for initial events."""
    if not watch_list or options.send_initial_events is not None or options.resource_version_match:
        return options
    if options.watch and options.resource_version in ("", "0"):
        return dataclasses.replace(options, send_initial_events=True, resource_version_match=NOT_OLDER_THAN)
    return options


def _forbidden(message: str, field: str = "resourceVersionMatch") -> FieldError:
    return FieldError(CAUSE_FORBIDDEN, field, message)


def validate(options: ListOptions, *, watch_list: bool = WATCH_LIST_ENABLED) -> list[FieldError]:
    """ValidateListOptions: which combinations of resourceVersion, match, continue and
    sendInitialEvents a list or a watch may use. The `watch` query parameter, not the route,
    decides which rules apply, as on the real server."""
    match = options.resource_version_match
    problems: list[FieldError] = []
    if options.watch:
        if options.send_initial_events is not None:
            if match != NOT_OLDER_THAN:
                problems.append(_forbidden(f"sendInitialEvents requires setting resourceVersionMatch to {NOT_OLDER_THAN}"))
            if not watch_list:
                problems.append(_forbidden(
                    "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
                    "sendInitialEvents",
                ))  # fmt: skip
        if match:
            if options.send_initial_events is None:
                problems.append(_forbidden("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            if match != NOT_OLDER_THAN:
                problems.append(FieldError(CAUSE_NOT_SUPPORTED, "resourceVersionMatch", _supported(NOT_OLDER_THAN), match))
            if options.continue_token:
                problems.append(_forbidden("resourceVersionMatch is forbidden when continue is provided"))
        return problems
    if match:
        if not options.resource_version:
            problems.append(_forbidden("resourceVersionMatch is forbidden unless resourceVersion is provided"))
        if options.continue_token:
            problems.append(_forbidden("resourceVersionMatch is forbidden when continue is provided"))
        if match not in (EXACT, NOT_OLDER_THAN):
            problems.append(FieldError(CAUSE_NOT_SUPPORTED, "resourceVersionMatch", _supported(EXACT, NOT_OLDER_THAN, ""), match))
        if match == EXACT and options.resource_version == "0":
            problems.append(_forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if options.send_initial_events is not None:
        problems.append(_forbidden("sendInitialEvents is forbidden for list", "sendInitialEvents"))
    return problems


def _supported(*values: str) -> str:
    return "supported values: " + ", ".join(go_quote(v) for v in values)
