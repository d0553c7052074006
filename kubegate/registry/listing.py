"""LIST semantics: which revision a list reads, how it pages, and what it matches.

A real server answers a list from one of two places, and the difference shows:

* the watch cache, for `resourceVersion` "" (a consistent read at the latest revision), "0"
  (any revision; `limit` is ignored and everything comes back in one page) and
  NotOlderThan reads (a revision that is not written yet waits up to 3 s, then a 504);
* etcd, at an exact revision, for `resourceVersionMatch=Exact`, for the legacy form
  `resourceVersion=N&limit=M`, and for every continuation. The revision must not be older than
  compaction (410 Expired) and pages after the first stay at the first page's revision, so a
  paged list is a consistent snapshot even while objects change.

Pages are in etcd key order (`namespace/name`, compared as bytes). With a limit, a continue
token is returned whenever objects remain after the last one returned, matching or not;
`remainingItemCount` only when nothing is filtered.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubegate.api import continuetoken, errors
from kubegate.api.fields import FieldSelector
from kubegate.api.labels import LabelSelector
from kubegate.api.listoptions import EXACT, ListOptions, parse_resource_version
from kubegate.registry.customresources.selectors import custom_fields
from kubegate.registry.selectable_fields import convert_selector, field_values
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.cacher import Cacher as Store
from kubegate.storage.interface import Stored

Matcher = Callable[[dict[str, Any]], bool]

LIST_TOO_OLD = "The resourceVersion for the provided list is too old."
CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)
#: etcd's answer to a read at a revision it has not reached (an internal error upstream).
FUTURE_REVISION = "etcdserver: mvcc: required revision is a future revision"


@dataclass(frozen=True, slots=True)
class ListResult:
    items: builtins.list[Stored]
    revision: int
    continue_token: str = ""
    remaining: int | None = None


def too_large_resource_version(wanted: int, current: int, *, retry_after: int = 1) -> errors.StatusError:
    """The watch cache's 504 for a revision it has not seen, with a retry hint."""
    details: dict[str, Any] = {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]}
    headers = {}
    if retry_after:
        details["retryAfterSeconds"] = retry_after
        headers["Retry-After"] = str(retry_after)
    return errors.StatusError(
        504, "Timeout", f"Timeout: Too large resource version: {wanted}, current: {current}", details, headers
    )


def matcher_for(
    spec: ResourceSpec, labels: LabelSelector | None, fields: FieldSelector | None, *, custom_resource: bool = False
) -> Matcher | None:
    """A predicate for the selectors, after the field labels are checked and converted (400)."""
    label_part = labels if labels is not None and not labels.is_empty else None
    field_part = fields if fields is not None and not fields.is_empty else None
    known = custom_fields(spec) if spec.custom_resource else None
    if field_part is not None:
        field_part = convert_selector(
            field_part, spec, custom_resource=custom_resource or spec.custom_resource, known=known,
        )
    if label_part is None and field_part is None:
        return None
    wanted = field_part.fields() if field_part is not None else frozenset()

    def matches(obj: dict[str, Any]) -> bool:
        metadata = obj.get("metadata") or {}
        if label_part is not None and not label_part.matches(metadata.get("labels") or {}):
            return False
        return field_part is None or field_part.matches(field_values(obj, spec, wanted, known=known))

    return matches


def is_exact(options: ListOptions) -> bool:
    """Served from storage at exactly resourceVersion (Exact, or the legacy form with a limit)."""
    if options.resource_version_match == EXACT:
        return True
    return not options.resource_version_match and options.limit > 0 and options.resource_version not in ("", "0")


def _collection_prefix(spec: ResourceSpec, namespace: str) -> str:
    """What the listed collection's etcd keys start with after the resource's prefix."""
    if spec.namespaced and not namespace:
        return ""
    return f"{namespace}/"


def list_objects(
    store: Store, spec: ResourceSpec, namespace: str, options: ListOptions, matches: Matcher | None
) -> ListResult:
    """One page of a list, read at the revision the options call for."""
    resource = (spec.group, spec.plural)
    current = store.revision
    limit = max(0, options.limit)
    start = ""
    if options.continue_token:
        if options.resource_version not in ("", "0"):
            raise errors.bad_request("specifying resource version is not allowed when using continue")
        pinned = continuetoken.decode(options.continue_token)
        start = pinned.start
        revision = current if pinned.revision < 0 else pinned.revision
        if revision < store.compacted_revision:
            expired = errors.expired(CONTINUE_TOO_OLD)
            expired.metadata = {"continue": continuetoken.encode(continuetoken.LATEST, start)}
            raise expired
    elif is_exact(options):
        try:
            revision = parse_resource_version(options.resource_version)
        except errors.StatusError as invalid:
            raise errors.bad_request(f"invalid resource version: {invalid.message}") from None
        if revision < store.compacted_revision:
            raise errors.expired(LIST_TOO_OLD)
        if revision > current:
            raise errors.StatusError(500, "", FUTURE_REVISION)
    else:
        wanted = parse_resource_version(options.resource_version)
        if wanted > current:
            raise too_large_resource_version(wanted, current)
        revision = current
        if options.resource_version == "0":
            limit = 0  # the watch cache ignores limit for "any revision" reads

    prefix = _collection_prefix(spec, namespace)
    snapshot = store.snapshot(resource, revision, prefix=prefix)
    selected: builtins.list[Stored] = []
    last = ""
    for key, stored in snapshot.items(prefix + start if start else prefix):
        if matches is not None and not matches(stored.obj):
            continue
        selected.append(stored)
        if limit and len(selected) >= limit:
            last = key
            break
    if not last:
        return ListResult(selected, revision)
    after = snapshot.count_after(last)
    if not after:
        return ListResult(selected, revision)
    token = continuetoken.encode(revision, continuetoken.after(last[len(prefix) :]))
    return ListResult(selected, revision, token, after if matches is None else None)
