"""The generic REST store: create, get, list, update, delete and watch for any resource.

One implementation serves every resource, reading the resource's row (`ResourceSpec`) and its
`Strategy` for the few differences, like k8s.io/apiserver's genericregistry.Store. It owns the
object semantics clients count on: server-set metadata, optimistic concurrency, generation,
status subresource separation, finalizers and the namespace lifecycle checks.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from kubegate.api import errors, meta
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.api.errors import CAUSE_FORBIDDEN, FieldError
from kubegate.api.jsoncopy import json_copy, json_depth
from kubegate.api.listoptions import ListOptions
from kubegate.api.mergepatch import copy_json
from kubegate.api.user import UserInfo
from kubegate.registry import conversion, deleter, deletion, listing, validation, zerostatus
from kubegate.registry.listing import ListResult
from kubegate.registry.spec import ResourceSpec, VersionKey
from kubegate.registry.storage_errors import as_status, to_status
from kubegate.registry.strategy import Strategy, strategy_for
from kubegate.storage import codec
from kubegate.storage.cacher import Cacher, Event, Watcher
from kubegate.storage.errors import Conflict, KeyNotFound, StorageError, TooOldRevision
from kubegate.storage.interface import Preconditions, Stored, replacing
from kubegate.storage.keys import ObjectKey

NAMESPACES = ("", "namespaces")
#: Parts of an object that are not its spec: a change confined to them keeps the generation.
_NON_SPEC_KEYS = frozenset({"metadata", "status", "apiVersion", "kind"})
#: storage.ErrResourceVersionSetOnCreate; a plain error, so the real server answers a bare 500
RESOURCE_VERSION_SET_ON_CREATE = "resourceVersion should not be set on objects to be created"
_UINT64_TEXT = re.compile(r"[0-9]+")


__all__ = ["DeleteOptions", "GenericStore", "ListOptions", "ListResult", "Track", "UpdatedObject", "ValidateObject"]

#: Brings a new object's managedFields up to date: (live object or None on create, new) -> new.
Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
#: The object an update wants, computed from the live one (None when absent): a PUT's body, a
#: patch applied, with admission run on it. Called again whenever another writer came first.
UpdatedObject = Callable[[dict[str, Any] | None], Awaitable[dict[str, Any]]]
#: Validating admission of the object about to be stored: (new, live object or None on create).
#: Runs after defaulting and the strategy's validation, as rest.ValidateObjectFunc and
#: ValidateObjectUpdateFunc do in the real store; raises a `StatusError` to refuse.
ValidateObject = Callable[[dict[str, Any], dict[str, Any] | None], Awaitable[None]]


#: The deepest object kubegate accepts. Its JSON encoder stops at 255 levels and managedFields
#: mirror an object's fields a few levels deeper, so a deeper object could never be stored; the
#: real server's decoder allows 10,000. Refused with a 422 before any recursive walk meets it.
MAX_OBJECT_DEPTH = 240


def copy_object(spec: ResourceSpec, body: dict[str, Any]) -> dict[str, Any]:
    """A copy of a written object, refused (422) when it nests deeper than `MAX_OBJECT_DEPTH`."""

    def too_deep(bracket: str) -> errors.StatusError:
        metadata = body.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        problem = FieldError(CAUSE_FORBIDDEN, "<nil>", f"nested more than {MAX_OBJECT_DEPTH} levels deep")
        return errors.invalid(spec.kind, name if isinstance(name, str) else "", [problem], group=spec.group)

    copied: dict[str, Any] = copy_json(body, too_deep=too_deep, max_depth=MAX_OBJECT_DEPTH)
    return copied


class GenericStore:
    """REST semantics over the watch cache and its backend, for any `ResourceSpec`.

    Reads come from the cache (handlers call `wait_fresh` first where the real server reads
    consistently); writes go through the backend, updates inside `guaranteed_update`.
    """

    def __init__(self, store: Cacher) -> None:
        self.store = store
        #: strategies of resources served at run time (custom resources), by `ResourceSpec.version_key`
        self.strategies: dict[VersionKey, Strategy] = {}
        #: the NamespaceLifecycle admission plugin's checks on create (off with
        #: --disable-admission-plugins=NamespaceLifecycle: objects may land in any namespace)
        self.namespace_lifecycle = True

    def strategy_of(self, spec: ResourceSpec) -> Strategy:
        """The resource's strategy: one registered at run time, else the built-in table's row."""
        return self.strategies.get(spec.version_key) or strategy_for(spec)

    # helpers -----------------------------------------------------------------------------

    @staticmethod
    def key_of(spec: ResourceSpec) -> tuple[str, str]:
        """The store key, shared by every version of a resource (see `kubegate.registry.conversion`)."""
        return conversion.storage_key(spec)

    def _get_or_404(self, spec: ResourceSpec, namespace: str, name: str) -> Stored:
        stored = self.store.get(self.key_of(spec), (namespace, name))
        if stored is None:
            raise errors.not_found(spec.plural, name, group=spec.group)
        return stored

    def _check_namespace(self, spec: ResourceSpec, namespace: str, name: str) -> None:
        """NamespaceLifecycle admission: new content needs a live namespace."""
        if not spec.namespaced or not self.namespace_lifecycle:
            return
        ns = self.store.get(NAMESPACES, ("", namespace))
        if ns is None:
            raise errors.not_found("namespaces", namespace)
        if ns.obj.get("metadata", {}).get("deletionTimestamp") or (
            ns.obj.get("status", {}).get("phase") == "Terminating"
        ):
            raise errors.forbidden(
                spec.plural,
                name,
                f"unable to create new content in namespace {namespace} because it is being terminated",
                group=spec.group,
            )

    # reads -------------------------------------------------------------------------------

    def get(self, spec: ResourceSpec, namespace: str, name: str) -> Stored:
        return conversion.served(spec, self._get_or_404(spec, namespace, name))

    def find(self, spec: ResourceSpec, namespace: str, name: str) -> Stored | None:
        """The live object, or None (no 404): for callers that handle absence themselves."""
        found = self.store.get(self.key_of(spec), (namespace if spec.namespaced else "", name))
        return None if found is None else conversion.served(spec, found)

    def list(self, spec: ResourceSpec, namespace: str, options: ListOptions) -> ListResult:
        """One page, at the revision the options ask for (see `kubegate.registry.listing`)."""
        matcher = self._matcher(spec, options)
        if conversion.conversion_of(spec) is None:
            return listing.list_objects(self.store, spec, namespace, options, matcher)
        stored_matcher = None if matcher is None else conversion.matching_served(spec, matcher)
        result = listing.list_objects(self.store, conversion.storage_spec(spec), namespace, options, stored_matcher)
        return dataclasses.replace(result, items=[conversion.served(spec, stored) for stored in result.items])

    def _matcher(self, spec: ResourceSpec, options: ListOptions) -> Callable[[dict[str, Any]], bool] | None:
        return listing.matcher_for(spec, options.label_selector, options.field_selector)

    def watch(self, spec: ResourceSpec, namespace: str, *, since: int) -> tuple[Watcher, builtins.list[Event]]:
        try:
            watcher, backlog = self.store.watch(self.key_of(spec), namespace=namespace, since=since)
        except TooOldRevision as error:
            raise errors.too_old_resource_version(error.revision, error.oldest) from None
        return watcher, [conversion.served_event(spec, event) for event in backlog]

    async def wait_fresh(self) -> None:
        """A consistent read: the cache holds every write the backend has acknowledged."""
        try:  # as `as_status`, without a context manager on every GET and LIST
            await self.store.wait_fresh()
        except StorageError as error:
            raise to_status(error, plural="", name="") from None

    # writes ------------------------------------------------------------------------------

    async def create(
        self, spec: ResourceSpec, namespace: str, body: dict[str, Any], *, dry_run: bool = False,
        track: Track | None = None, user: UserInfo | None = None, validate: ValidateObject | None = None,
    ) -> Stored:
        """`user` is the requester, for resources that record it (CSRs)."""
        if conversion.conversion_of(spec) is not None:  # written in the storage version, answered in spec's
            storage = conversion.storage_spec(spec)
            with conversion.errors_as(spec, storage):
                written = await self.create(
                    storage, namespace, conversion.to_storage(spec, body), dry_run=dry_run,
                    track=_served_track(spec, track), user=user, validate=_served_validate(spec, validate),
                )
            return conversion.served(spec, written)
        obj = self._prepare_create(spec, namespace, body, track=track, user=user)
        if validate is not None:
            await validate(obj, None)
        name = obj["metadata"]["name"]
        key = (namespace if spec.namespaced else "", name)
        if dry_run:  # a dry run stops short of the storage, and of its resourceVersion check
            if self.store.get(self.key_of(spec), key) is not None:
                raise errors.already_exists(spec.plural, name, group=spec.group)
            return Stored(obj, orjson.dumps(obj), self.store.revision)
        _check_no_resource_version(obj["metadata"])
        with as_status(plural=spec.plural, name=name, group=spec.group):
            return await self.store.create(self.key_of(spec), key, obj)

    def _prepare_create(
        self, spec: ResourceSpec, namespace: str, body: dict[str, Any], *, track: Track | None,
        user: UserInfo | None = None,
    ) -> dict[str, Any]:
        """The object a create stores: defaulted, validated, tracked, in a live namespace."""
        obj = self._prepare_new(spec, self.strategy_of(spec), namespace, body, user=user)
        if track is not None:
            obj = track(None, obj)  # after defaulting, as the real server tracks decoded objects
        self._check_namespace(spec, namespace, obj["metadata"]["name"])
        return obj

    def _prepare_new(
        self, spec: ResourceSpec, strategy: Strategy, namespace: str, body: dict[str, Any], *,
        user: UserInfo | None = None,
    ) -> dict[str, Any]:
        obj = copy_object(spec, body)
        obj["apiVersion"], obj["kind"] = spec.api_version, spec.kind
        if strategy.on_write is not None:
            strategy.on_write(obj)
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = obj["metadata"] = {}
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        if spec.namespaced:
            if metadata.get("namespace") and metadata["namespace"] != namespace:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = meta.generate_name(str(metadata["generateName"]))
        problems = meta.validate_object_meta(metadata, name_rule=strategy.name_rule, namespaced=spec.namespaced)
        if problems:
            problems += validation.validate_create(spec, obj)
            raise errors.invalid(spec.kind, str(metadata.get("name") or ""), problems, group=spec.group)
        metadata["uid"] = meta.new_uid()
        metadata["creationTimestamp"] = meta.format_time(meta.now())
        for server_only in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            metadata.pop(server_only, None)
        if strategy.tracks_generation:
            metadata["generation"] = 1
        else:
            metadata.pop("generation", None)
        if spec.subresource("status") is not None:
            kept = obj.get("status") if strategy.keeps_status_on_create and obj.get("status") is not None else {}
            obj["status"] = zerostatus.with_zero_status(spec, kept)
        if strategy.on_create is not None:
            strategy.on_create(obj)
        problems = validation.validate_create(spec, obj)  # strategy.Validate, after PrepareForCreate
        if problems:
            raise errors.invalid(spec.kind, metadata["name"], problems, group=spec.group)
        if strategy.hooks is not None:
            problems = strategy.hooks.before_create(obj, user=user)
            if problems:
                raise errors.invalid(spec.kind, metadata["name"], problems, group=spec.group)
        return obj

    async def update(
        self,
        spec: ResourceSpec,
        namespace: str,
        name: str,
        updated: dict[str, Any] | UpdatedObject,
        *,
        subresource: str = "",
        dry_run: bool = False,
        track: Track | None = None,
        validate: ValidateObject | None = None,
        fresh: bool = False,
    ) -> tuple[Stored, bool]:
        """PUT semantics inside `guaranteed_update`; returns the stored object and whether it was created.

        `updated` is the wanted object, or a function computing it from the live one (a patch):
        when another writer comes first it is computed again, so concurrent patches all land. A
        body naming a resourceVersion that is no longer current is refused with 409 instead.
        `fresh` says the function returns a new object, shared with nothing and not used by the
        caller afterwards, which the store may then take over instead of copying.
        """
        compute = _as_updated_object(updated)
        if conversion.conversion_of(spec) is not None:  # written in the storage version, answered in spec's
            storage = conversion.storage_spec(spec)
            served_compute = compute

            async def in_storage_version(live: dict[str, Any] | None) -> dict[str, Any]:
                served_live = None if live is None else conversion.to_served(spec, live)
                return conversion.to_storage(spec, await served_compute(served_live))

            with conversion.errors_as(spec, storage):
                stored, created = await self.update(
                    storage, namespace, name, in_storage_version,
                    subresource=subresource, dry_run=dry_run, track=_served_track(spec, track),
                    validate=_served_validate(spec, validate),
                )
            return conversion.served(spec, stored), created
        key = (namespace if spec.namespaced else "", name)
        strategy = self.strategy_of(spec)
        may_create = strategy.allow_create_on_update and not subresource
        created = False
        # Hooks see what was sent beside the merge, so the merge must not change it.
        take_over = fresh and strategy.hooks is None

        async def try_update(current: Stored | None) -> dict[str, Any]:
            nonlocal created
            body = await compute(None if current is None else current.obj)
            metadata = _check_identity(spec, namespace, name, body)
            if current is None:
                if not may_create:
                    raise errors.not_found(spec.plural, name, group=spec.group)
                created = True
                fresh = {**body, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
                fresh["metadata"]["name"] = name
                prepared = self._prepare_create(spec, namespace, fresh, track=track)
                if validate is not None:
                    await validate(prepared, None)
                return prepared
            created = False
            wanted_rv = metadata.get("resourceVersion")
            if wanted_rv and str(wanted_rv) != str(current.revision):
                raise errors.conflict(spec.plural, name, errors.MODIFIED_CONFLICT, group=spec.group)
            obj = self._merge_update(spec, strategy, current.obj, body, subresource=subresource, owned=take_over)
            if strategy.on_update is not None and not subresource:
                strategy.on_update(obj, current.obj)
            problems = validation.validate_update(spec, obj, current.obj, subresource=subresource)
            if problems:
                raise errors.invalid(spec.kind, name, problems, group=spec.group)
            if strategy.hooks is not None:
                problems = strategy.hooks.before_update(obj, current.obj, sent=body, subresource=subresource)
                if problems:
                    raise errors.invalid(spec.kind, name, problems, group=spec.group)
            if track is not None:
                obj = track(current.obj, obj)
            if validate is not None:
                await validate(obj, current.obj)
            if deletion.should_delete_during_update(spec, current.obj, obj):
                # The last finalizer is gone and no grace period runs: nothing is written, the
                # object is deleted as it stands (watchers see DELETED only).
                raise _DeleteInstead(current)
            return obj

        resource = self.key_of(spec)
        with as_status(plural=spec.plural, name=name, group=spec.group):
            for _ in range(deleter.RETRIES):
                try:
                    if dry_run:
                        return await self._dry_run_update(resource, key, try_update, may_create=may_create), created
                    stored = await self.store.guaranteed_update(
                        resource, key, try_update, ignore_not_found=may_create
                    )
                    return stored, created
                except _DeleteInstead as instead:
                    if dry_run:
                        return instead.current, False
                    try:
                        precondition = Preconditions(resource_version=instead.current.revision)
                        return await self.store.delete(resource, key, preconditions=precondition), False
                    except Conflict:
                        continue  # changed meanwhile: compute the update again
        raise errors.conflict(spec.plural, name, errors.MODIFIED_CONFLICT, group=spec.group)

    async def _dry_run_update(
        self, resource: tuple[str, str], key: ObjectKey,
        try_update: Callable[[Stored | None], Awaitable[dict[str, Any]]], *, may_create: bool,
    ) -> Stored:
        """What an update would store, computed once on the cached object; nothing is written."""
        current = self.store.get(resource, key)
        if current is None and not may_create:
            raise errors.not_found(resource[1], key[1], group=resource[0])
        obj = await try_update(current)
        if current is not None and codec.same_content(current, obj):
            return current
        return Stored(obj, orjson.dumps(obj), current.revision if current is not None else self.store.revision)

    def _merge_update(
        self,
        spec: ResourceSpec,
        strategy: Strategy,
        old: dict[str, Any],
        body: dict[str, Any],
        *,
        subresource: str,
        owned: bool = False,
    ) -> dict[str, Any]:
        old_meta = old["metadata"]
        if subresource == "status":
            # A status write changes status and nothing else (annotations too, for some kinds).
            obj: dict[str, Any] = json_copy(old)  # stored, so known to be plain and shallow enough
            status = copy_object(spec, body).get("status", {})
            obj["status"] = zerostatus.with_zero_status(spec, status)
            if strategy.on_status_write is not None:
                strategy.on_status_write(obj)
            annotations = (body.get("metadata") or {}).get("annotations")
            if strategy.status_writes_annotations and isinstance(annotations, dict):
                if annotations:
                    obj["metadata"]["annotations"] = copy_json(annotations)
                else:
                    obj["metadata"].pop("annotations", None)
            return obj
        # a body the patch engine built is ours already, but its depth is checked all the same
        obj = body if owned and json_depth(body) <= MAX_OBJECT_DEPTH else copy_object(spec, body)
        obj["apiVersion"], obj["kind"] = spec.api_version, spec.kind
        if strategy.on_write is not None:
            strategy.on_write(obj)
        metadata = obj["metadata"]
        for immutable in ("uid", "creationTimestamp", "namespace", "name", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation"):
            if immutable in old_meta:
                metadata[immutable] = old_meta[immutable]
            else:
                metadata.pop(immutable, None)
        problems = meta.validate_object_meta(metadata, name_rule=strategy.name_rule, namespaced=spec.namespaced)
        if problems:
            raise errors.invalid(spec.kind, metadata["name"], problems, group=spec.group)
        if spec.subresource("status") is not None:
            if "status" in old:
                obj["status"] = old["status"]
            else:
                obj.pop("status", None)
        if strategy.tracks_generation and _spec_changed(old, obj):
            metadata["generation"] = int(old_meta.get("generation", 0)) + 1
        return obj

    async def touch(
        self, resource: tuple[str, str], key: ObjectKey, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        """An internal bookkeeping write (a label), retried on races; gone objects are left alone."""

        async def changed(current: Stored | None) -> dict[str, Any]:
            assert current is not None
            return change(current.obj)

        try:
            await self.store.guaranteed_update(resource, key, changed)
        except KeyNotFound:
            pass

    async def delete(self, spec: ResourceSpec, namespace: str, name: str, options: DeleteOptions) -> Stored:
        """The object as removed, or as updated while finalizers or a grace period hold it."""
        return (await self.delete_object(spec, namespace, name, options)).stored

    async def delete_object(
        self, spec: ResourceSpec, namespace: str, name: str, options: DeleteOptions
    ) -> deleter.DeleteResult:
        """DELETE semantics (see `kubegate.registry.deleter`), telling whether it is gone now."""
        key = (namespace if spec.namespaced else "", name)
        storage = conversion.storage_spec(spec)
        with conversion.errors_as(spec, storage):
            result = await deleter.delete(self.store, storage, key, options)
        return dataclasses.replace(result, stored=conversion.served(spec, result.stored))

    async def finalize_namespace(self, name: str) -> None:
        """Remove a terminating namespace whose contents are gone (the `kubernetes` finalizer)."""
        current = self.store.get(NAMESPACES, ("", name))
        if current is None:
            return
        obj = copy_json(current.obj)
        obj.setdefault("spec", {})["finalizers"] = []
        precondition = Preconditions(resource_version=current.revision)
        try:
            if obj["metadata"].get("finalizers"):
                await self.store.guaranteed_update(NAMESPACES, ("", name), replacing(obj), preconditions=precondition)
                return
            await self.store.delete(NAMESPACES, ("", name), preconditions=precondition)
        except (Conflict, KeyNotFound):
            pass  # changed meanwhile: the namespace controller looks again at the next event


class _DeleteInstead(Exception):
    """An update that empties the last finalizer of a deleting object becomes its deletion."""

    def __init__(self, current: Stored) -> None:
        super().__init__("delete instead of update")
        self.current = current


def _as_updated_object(updated: dict[str, Any] | UpdatedObject) -> UpdatedObject:
    if not isinstance(updated, dict):
        return updated
    body = updated

    async def fixed(_: dict[str, Any] | None) -> dict[str, Any]:
        return body

    return fixed


def _check_identity(spec: ResourceSpec, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body's metadata, once its name and namespace agree with the URL's (else 400)."""
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise errors.bad_request("metadata must be an object")
    if metadata.get("name") and metadata["name"] != name:
        raise errors.bad_request(
            f"the name of the object ({metadata['name']}) does not match the name on the URL ({name})"
        )
    if spec.namespaced and metadata.get("namespace") and metadata["namespace"] != namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    return metadata


def _served_track(spec: ResourceSpec, track: Track | None) -> Track | None:
    """`track` over objects in `spec`'s version: managedFields describe the version that was written."""
    if track is None:
        return None
    tracked = track

    def in_served_version(live: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        served_live = None if live is None else conversion.to_served(spec, live)
        return conversion.to_storage(spec, tracked(served_live, conversion.to_served(spec, new)))

    return in_served_version


def _served_validate(spec: ResourceSpec, validate: ValidateObject | None) -> ValidateObject | None:
    """Validation written for `spec`'s version, given objects in the storage version."""
    if validate is None:
        return None
    check = validate

    async def in_served_version(new: dict[str, Any], live: dict[str, Any] | None) -> None:
        await check(conversion.to_served(spec, new), None if live is None else conversion.to_served(spec, live))

    return in_served_version


def _check_no_resource_version(metadata: dict[str, Any]) -> None:
    """The etcd3 store refuses a create whose resourceVersion parses as a non-zero uint64; any
    other value (unparsable, "0") is dropped and replaced by the write's revision."""
    value = metadata.get("resourceVersion")
    if isinstance(value, str) and _UINT64_TEXT.fullmatch(value) and 0 < int(value) < 2**64:
        raise errors.StatusError(500, "", RESOURCE_VERSION_SET_ON_CREATE)


def _spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = (set(old) | set(new)) - _NON_SPEC_KEYS
    return any(old.get(k) != new.get(k) for k in keys)
