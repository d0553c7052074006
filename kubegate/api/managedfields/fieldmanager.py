"""The field manager: managedFields for every write, and server-side apply.

k8s.io/apimachinery builds it as a chain of managers, outermost first; the steps here run in
that order (`internal/fieldmanager.go` NewDefaultFieldManager):

1. version check: an apply configuration must be of this kind and version (400);
2. last-applied: for the manager `kubectl`, conflicts on fields the client-side
   `last-applied-configuration` annotation still describes are forgiven (the migration from
   client-side apply), and the annotation follows what was applied;
3. skip non-applied: an existing object without managedFields starts tracking only on apply,
   where everything already set is first given to `before-first-apply`;
4. cap managers: past ten update managers, the oldest are folded into `ancient-changes`;
5. manager info: the manager name becomes an identity (operation, apiVersion, subresource);
6. timestamps: an entry's `time` moves when its manager changes something;
7. strip meta: identity and server-set metadata (name, uid, resourceVersion...) are never owned;
8. the structured merge itself (`updater.Updater`).
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.managedfields import compare as diff
from kubegate.api.managedfields import entries, typed, validate
from kubegate.api.managedfields.conflicts import conflict_error
from kubegate.api.managedfields.entries import APPLY, UPDATE, Managed
from kubegate.api.managedfields.fieldpath import FieldSet, PathElement
from kubegate.api.managedfields.updater import Conflicts, TypedKind, Updater, VersionedSet
from kubegate.api.managedfields.values import go_json

log = logging.getLogger(__name__)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
BEFORE_FIRST_APPLY = "before-first-apply"
ANCIENT_CHANGES = "ancient-changes"
MAX_UPDATE_MANAGERS = 10
_CURRENT = "current-operation"
_KUBECTL = "kubectl"

_META = PathElement.field("metadata")
#: Fields no manager owns (stripMetaManager): identity and what the server sets.
STRIPPED = FieldSet.of(
    (PathElement.field("apiVersion"),),
    (PathElement.field("kind"),),
    (_META,),
    *[
        (_META, PathElement.field(name))
        for name in (
            "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
            "generation", "managedFields", "resourceVersion",
        )
    ],
)


@dataclass(frozen=True, slots=True)
class FieldManager:
    """Tracks managedFields for one kind, served at one endpoint (a subresource or not)."""

    kind: TypedKind
    group: str
    version: str
    kind_name: str
    subresource: str = ""

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gvk(self) -> str:
        return f"{self.group}/{self.version}, Kind={self.kind_name}"

    # -- updates ----------------------------------------------------------------------------

    def update(self, live: dict[str, Any] | None, new: dict[str, Any], manager: str) -> dict[str, Any]:
        """`new` with its managedFields brought up to date (UpdateNoErrors).

        `live` is None when `new` is being created. If tracking fails, the object is stored
        without managedFields, as the 1.32 server does, rather than the write failing.
        """
        managed = self._decode_live_or_new(live, new)
        out = _view_without_managed_fields(new)  # `new` is the caller's to give away
        if not managed.sets and live is not None:
            return out  # an object that was never tracked starts tracking with an apply
        try:
            managed = self._update(live or {}, out, managed, manager)
        except Exception as exc:  # noqa: BLE001 - UpdateNoErrors: tracking never fails a write
            log.warning("managedFields not updated for %s: %s", self.gvk, exc)
            return out
        return _with_managed_fields(out, managed)

    def _decode_live_or_new(self, live: dict[str, Any] | None, new: dict[str, Any]) -> Managed:
        live_entries = _metadata(live).get("managedFields")
        if not self.subresource:
            sent = _metadata(new).get("managedFields", None)
            if sent == [] or sent == [{}]:
                return Managed()  # an explicit reset
            try:
                decoded = entries.decode(sent)
                if decoded.sets:
                    return decoded
            except ValueError:
                pass
        try:
            return entries.decode(live_entries)
        except ValueError:
            return Managed()

    def _update(self, live: dict[str, Any], new: dict[str, Any], managed: Managed, manager: str) -> Managed:
        ident = entries.identity(
            manager or "unknown", UPDATE, api_version=self.group_version, subresource=self.subresource
        )
        sets = Updater(self.kind).update(
            _view_without_managed_fields(live), new, self.group_version, dict(managed.sets), _CURRENT
        )
        _strip(sets, _CURRENT)
        times = dict(managed.times)
        current = sets.pop(_CURRENT, None)
        if current is not None:
            previous = sets.get(ident)
            merged = current.fields.union(previous.fields) if previous is not None else current.fields
            sets[ident] = VersionedSet(merged, current.api_version, current.applied)
            times[ident] = entries.now()
        return _cap(Managed(sets, times))

    # -- apply ------------------------------------------------------------------------------

    def apply(
        self, live: dict[str, Any] | None, config: dict[str, Any], manager: str, *, force: bool
    ) -> dict[str, Any]:
        """The object after `manager` applies `config` (live is None when creating).

        Raises a StatusError: 400 for a configuration of the wrong kind, 409 with the real
        message and causes for conflicts, 500 for a configuration that does not fit the schema.
        """
        wanted = _group_version_kind(config)
        if wanted != (self.group, self.version, self.kind_name):
            raise errors.bad_request(f"invalid object type: {wanted[0]}/{wanted[1]}, Kind={wanted[2]}")
        try:
            result = self._apply(live, config, manager, force=force)
        except Conflicts as exc:
            if manager != _KUBECTL:
                raise conflict_error(exc) from None
            forgiven = self._forgiven(live)
            remaining = [c for c in exc.conflicts if forgiven is None or not forgiven.has(c[1])]
            if remaining:
                raise conflict_error(Conflicts(remaining)) from None
            result = self._apply(live, config, manager, force=True)
        if manager == _KUBECTL and _metadata(result).get("annotations", {}).get(LAST_APPLIED):
            result["metadata"]["annotations"][LAST_APPLIED] = _last_applied(config)
        return result

    def _apply(self, live: dict[str, Any] | None, config: dict[str, Any], manager: str, *, force: bool) -> dict[str, Any]:
        current = live or {}
        try:
            managed = entries.decode(_metadata(current).get("managedFields"))
        except ValueError as exc:
            raise errors.StatusError(500, "", f"failed to decode managed fields: {exc}") from None
        if not managed.sets:
            managed = self._update({}, _without_managed_fields(current), managed, BEFORE_FIRST_APPLY)
        if _metadata(config).get("managedFields") is not None:
            raise errors.bad_request("metadata.managedFields must be nil")
        problems = validate.validate(self.kind.schema, config, self.kind.root)
        if problems:
            raise errors.StatusError(
                500, "", f"failed to create typed patch object ({self._describe(config)}): {validate.validation_text(problems)}"
            )
        ident = entries.identity(manager, APPLY, subresource=self.subresource)
        base = _without_managed_fields(current)
        try:
            new, sets = Updater(self.kind).apply(
                base, config, self.group_version, dict(managed.sets), ident, force=force
            )
        except typed.TypedError as exc:
            raise errors.StatusError(500, "", f"failed to merge config: {exc}") from None
        _strip(sets, ident)
        times = dict(managed.times)
        if new is not None:
            times[ident] = entries.now()
        else:
            new = base
        return _with_managed_fields(new, Managed(sets, times))

    def _forgiven(self, live: dict[str, Any] | None) -> FieldSet | None:
        """Fields the last-applied annotation still describes truthfully (lastAppliedManager)."""
        text = _metadata(live).get("annotations", {}).get(LAST_APPLIED)
        if not isinstance(text, str) or not text:
            return None
        try:
            last = json.loads(text)
        except ValueError:
            return None
        if not isinstance(last, dict) or last.get("apiVersion") != self.group_version:
            return None
        if validate.validate(self.kind.schema, last, self.kind.root):
            return None
        kind = self.kind
        described = kind.field_set(last)
        change = diff.compare(kind.schema, kind.typed_view(last), kind.typed_view(_without_managed_fields(live or {})), kind.root)
        return described.difference(change.modified).difference(change.added).difference(change.removed)

    def _describe(self, obj: dict[str, Any]) -> str:
        metadata = _metadata(obj)
        return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}; {self.gvk}"


def _strip(sets: dict[str, VersionedSet], manager: str) -> None:
    owned = sets.get(manager)
    if owned is None:
        return
    left = owned.fields.difference(STRIPPED)
    if left.empty():
        del sets[manager]
    else:
        sets[manager] = VersionedSet(left, owned.api_version, owned.applied)


def _cap(managed: Managed) -> Managed:
    """Fold the oldest update managers into `ancient-changes` once there are more than ten."""
    updaters = [m for m, owned in managed.sets.items() if not owned.applied]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return managed
    updaters.sort(key=lambda m: (_seconds(managed.times.get(m)), m))
    first_by_version: dict[str, str] = {}
    count = len(updaters)
    for manager in updaters:
        if count <= MAX_UPDATE_MANAGERS:
            break
        owned = managed.sets[manager]
        version = owned.api_version
        bucket = entries.identity(ANCIENT_CHANGES, UPDATE, api_version=version)
        if version not in first_by_version:
            first_by_version[version] = manager
            continue
        if bucket not in managed.sets:
            managed.sets[bucket] = managed.sets.pop(first_by_version[version])
        held = managed.sets[bucket]
        managed.sets[bucket] = VersionedSet(owned.fields.union(held.fields), version, owned.applied)
        del managed.sets[manager]
        managed.times[bucket] = managed.times.get(manager)
        count -= 1
    return managed


def _seconds(time: str | None) -> int:
    moment = meta.parse_time(time) if time else None
    return int(moment.timestamp()) if moment is not None else 0


def _metadata(obj: Any) -> dict[str, Any]:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    if isinstance(out.get("metadata"), dict):
        out["metadata"].pop("managedFields", None)
    return out


def _view_without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` without managedFields, sharing everything else: for reading, or for an object
    whose owner hands it over (only the top level and metadata are new)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return dict(obj)
    return {**obj, "metadata": {key: value for key, value in metadata.items() if key != "managedFields"}}


def _with_managed_fields(obj: dict[str, Any], managed: Managed) -> dict[str, Any]:
    encoded = entries.encode(managed)
    metadata = obj.setdefault("metadata", {})
    if encoded is None:
        metadata.pop("managedFields", None)
    else:
        metadata["managedFields"] = encoded
    return obj


def _group_version_kind(obj: dict[str, Any]) -> tuple[str, str, str]:
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    text = api_version if isinstance(api_version, str) else ""
    if text.count("/") > 1:
        return ("", "", "")  # schema.ParseGroupVersion fails: an empty GroupVersionKind
    group, _, version = text.rpartition("/")
    return (group, version, kind if isinstance(kind, str) else "")


def _last_applied(config: dict[str, Any]) -> str:
    """The annotation server-side apply writes for kubectl: the configuration, keys sorted."""
    body = copy.deepcopy(config)
    annotations = _metadata(body).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)
    return go_json(_sorted(body))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
