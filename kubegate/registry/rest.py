"""The generic REST store: create, get, list, update, delete and watch for any resource.

One implementation serves every resource, reading the resource's row (`ResourceSpec`) and its
`Strategy` for the few differences, like k8s.io/apiserver's genericregistry.Store. It owns the
object semantics clients count on: server-set metadata, optimistic concurrency, generation,
status subresource separation, finalizers and the namespace lifecycle checks.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.api import errors, meta
from kubegate.api.listoptions import ListOptions
from kubegate.registry import listing
from kubegate.registry.listing import ListResult
from kubegate.registry.spec import ResourceSpec
from kubegate.registry.strategy import Strategy, strategy_for
from kubegate.storage.memory import Event, ObjectKey, Store, Stored, Watcher

NAMESPACES = ("", "namespaces")
#: Parts of an object that are not its spec: a change confined to them keeps the generation.
_NON_SPEC_KEYS = frozenset({"metadata", "status", "apiVersion", "kind"})


__all__ = ["DeleteOptions", "GenericStore", "ListOptions", "ListResult", "Track"]

#: Brings a new object's managedFields up to date: (live object or None on create, new) -> new.
Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    precondition_uid: str = ""
    precondition_resource_version: str = ""
    propagation_policy: str = ""
    dry_run: bool = False


class GenericStore:
    """REST semantics over the in-memory `Store`, for any `ResourceSpec`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # helpers -----------------------------------------------------------------------------

    @staticmethod
    def key_of(spec: ResourceSpec) -> tuple[str, str]:
        return (spec.group, spec.plural)

    def _get_or_404(self, spec: ResourceSpec, namespace: str, name: str) -> Stored:
        stored = self.store.get(self.key_of(spec), (namespace, name))
        if stored is None:
            raise errors.not_found(spec.plural, name, group=spec.group)
        return stored

    def _check_namespace(self, spec: ResourceSpec, namespace: str, name: str) -> None:
        """NamespaceLifecycle admission: new content needs a live namespace."""
        if not spec.namespaced:
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
        return self._get_or_404(spec, namespace, name)

    def find(self, spec: ResourceSpec, namespace: str, name: str) -> Stored | None:
        """The live object, or None (no 404): for callers that handle absence themselves."""
        return self.store.get(self.key_of(spec), (namespace if spec.namespaced else "", name))

    def list(self, spec: ResourceSpec, namespace: str, options: ListOptions) -> ListResult:
        """One page, at the revision the options ask for (see `kubegate.registry.listing`)."""
        return listing.list_objects(self.store, spec, namespace, options, self._matcher(spec, options))

    def _matcher(self, spec: ResourceSpec, options: ListOptions) -> Callable[[dict[str, Any]], bool] | None:
        return listing.matcher_for(spec, options.label_selector, options.field_selector)

    def watch(self, spec: ResourceSpec, namespace: str, *, since: int) -> tuple[Watcher, builtins.list[Event]]:
        return self.store.watch(self.key_of(spec), namespace=namespace, since=since)

    # writes ------------------------------------------------------------------------------

    def create(
        self, spec: ResourceSpec, namespace: str, body: dict[str, Any], *, dry_run: bool = False,
        track: Track | None = None,
    ) -> Stored:
        strategy = strategy_for(spec.group, spec.plural)
        obj = self._prepare_new(spec, strategy, namespace, body)
        if track is not None:
            obj = track(None, obj)  # after defaulting, as the real server tracks decoded objects
        name = obj["metadata"]["name"]
        self._check_namespace(spec, namespace, name)
        key = (namespace if spec.namespaced else "", name)
        if dry_run:
            if self.store.get(self.key_of(spec), key) is not None:
                raise errors.already_exists(spec.plural, name, group=spec.group)
            return Stored(obj, orjson.dumps(obj), self.store.revision)
        stored = self.store.create(self.key_of(spec), key, obj)
        if stored is None:
            raise errors.already_exists(spec.plural, name, group=spec.group)
        return stored

    def _prepare_new(
        self, spec: ResourceSpec, strategy: Strategy, namespace: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        obj = copy.deepcopy(body)
        obj["apiVersion"], obj["kind"] = spec.api_version, spec.kind
        metadata = obj.get("metadata")
        if metadata is None:
            metadata = obj["metadata"] = {}
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        if metadata.get("resourceVersion"):
            raise errors.bad_request("resourceVersion should not be set on objects to be created")
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
            obj["status"] = {}
        if strategy.on_create is not None:
            strategy.on_create(obj)
        return obj

    def update(
        self,
        spec: ResourceSpec,
        namespace: str,
        name: str,
        body: dict[str, Any],
        *,
        subresource: str = "",
        dry_run: bool = False,
        track: Track | None = None,
    ) -> tuple[Stored, bool]:
        """PUT semantics; returns the stored object and whether it was created."""
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
        key = (namespace if spec.namespaced else "", name)
        current = self.store.get(self.key_of(spec), key)
        strategy = strategy_for(spec.group, spec.plural)
        if current is None:
            if strategy.allow_create_on_update and not subresource:
                fresh = {**body, "metadata": {k: v for k, v in metadata.items() if k != "resourceVersion"}}
                fresh["metadata"]["name"] = name
                return self.create(spec, namespace, fresh, dry_run=dry_run, track=track), True
            raise errors.not_found(spec.plural, name, group=spec.group)
        wanted_rv = metadata.get("resourceVersion")
        if wanted_rv and str(wanted_rv) != str(current.revision):
            raise errors.conflict(spec.plural, name, errors.MODIFIED_CONFLICT, group=spec.group)
        obj = self._merge_update(spec, strategy, current.obj, body, subresource=subresource)
        if track is not None:
            obj = track(current.obj, obj)
        return self._write(spec, key, current, obj, dry_run=dry_run), False

    def _merge_update(
        self,
        spec: ResourceSpec,
        strategy: Strategy,
        old: dict[str, Any],
        body: dict[str, Any],
        *,
        subresource: str,
    ) -> dict[str, Any]:
        old_meta = old["metadata"]
        if subresource == "status":
            # A status write changes status and nothing else.
            obj = copy.deepcopy(old)
            obj["status"] = copy.deepcopy(body.get("status", {}))
            return obj
        obj = copy.deepcopy(body)
        obj["apiVersion"], obj["kind"] = spec.api_version, spec.kind
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

    def _write(
        self, spec: ResourceSpec, key: ObjectKey, current: Stored, obj: dict[str, Any], *, dry_run: bool
    ) -> Stored:
        metadata = obj["metadata"]
        if metadata.get("deletionTimestamp") and not metadata.get("finalizers"):
            # The last finalizer is gone: the pending deletion completes now.
            if dry_run:
                return current
            final = self.store.delete(self.key_of(spec), key, expected=current.revision)
            if final is None:
                raise errors.conflict(spec.plural, key[1], errors.MODIFIED_CONFLICT, group=spec.group)
            return final
        unchanged = {**obj, "metadata": {**metadata, "resourceVersion": current.obj["metadata"].get("resourceVersion")}}
        if unchanged == current.obj:
            return current  # a no-op write keeps the resourceVersion, as etcd3 storage does
        return self._replace(spec, key, current, obj, dry_run=dry_run)

    def _replace(
        self, spec: ResourceSpec, key: ObjectKey, current: Stored, obj: dict[str, Any], *, dry_run: bool
    ) -> Stored:
        """Store `obj` over `current` unless another write came first (409); dry runs store nothing."""
        if dry_run:
            return Stored(obj, orjson.dumps(obj), current.revision)
        stored = self.store.update(self.key_of(spec), key, obj, expected=current.revision)
        if stored is None:
            raise errors.conflict(spec.plural, key[1], errors.MODIFIED_CONFLICT, group=spec.group)
        return stored

    def delete(self, spec: ResourceSpec, namespace: str, name: str, options: DeleteOptions) -> Stored:
        key = (namespace if spec.namespaced else "", name)
        current = self._get_or_404(spec, key[0], name)
        current_meta = current.obj["metadata"]
        if options.precondition_uid and options.precondition_uid != current_meta.get("uid"):
            raise errors.conflict(
                spec.plural, name,
                f"Precondition failed: UID in precondition: {options.precondition_uid}, "
                f"UID in object meta: {current_meta.get('uid')}",
                group=spec.group,
            )
        if options.precondition_resource_version and options.precondition_resource_version != current_meta.get("resourceVersion"):
            raise errors.conflict(
                spec.plural, name,
                "Precondition failed: ResourceVersion in precondition: "
                f"{options.precondition_resource_version}, ResourceVersion in object meta: "
                f"{current_meta.get('resourceVersion')}",
                group=spec.group,
            )
        if self._has_finalizers(spec, current.obj):
            return self._mark_deleting(spec, key, current, dry_run=options.dry_run)
        if options.dry_run:
            return current
        final = self.store.delete(self.key_of(spec), key)
        if final is None:
            raise errors.not_found(spec.plural, name, group=spec.group)
        return final

    @staticmethod
    def _has_finalizers(spec: ResourceSpec, obj: dict[str, Any]) -> bool:
        if obj["metadata"].get("finalizers"):
            return True
        return (spec.group, spec.plural) == NAMESPACES and bool(obj.get("spec", {}).get("finalizers"))

    def _mark_deleting(self, spec: ResourceSpec, key: ObjectKey, current: Stored, *, dry_run: bool) -> Stored:
        if current.obj["metadata"].get("deletionTimestamp"):
            return current
        obj = copy.deepcopy(current.obj)
        obj["metadata"]["deletionTimestamp"] = meta.format_time(meta.now())
        obj["metadata"]["deletionGracePeriodSeconds"] = 0
        if (spec.group, spec.plural) == NAMESPACES:
            obj["status"] = {**obj.get("status", {}), "phase": "Terminating"}
        return self._replace(spec, key, current, obj, dry_run=dry_run)

    def finalize_namespace(self, name: str) -> None:
        """Remove a terminating namespace whose contents are gone (the `kubernetes` finalizer)."""
        current = self.store.get(NAMESPACES, ("", name))
        if current is None:
            return
        obj = copy.deepcopy(current.obj)
        obj.setdefault("spec", {})["finalizers"] = []
        if obj["metadata"].get("finalizers"):
            self.store.update(NAMESPACES, ("", name), obj, expected=current.revision)
            return
        self.store.delete(NAMESPACES, ("", name), expected=current.revision)


def _spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = (set(old) | set(new)) - _NON_SPEC_KEYS
    return any(old.get(k) != new.get(k) for k in keys)
