"""The CustomResourceDefinition registry's strategy: defaults, status, validation, deletion.

- decoding applies the v1 defaults (singular from the kind, listKind `<Kind>List`,
  conversion strategy `None`, webhook service port 443);
- a new CRD starts with an empty status: no conditions, `acceptedNames` empty and
  `storedVersions` holding the storage version; an update keeps the status and adds a new
  storage version to `storedVersions`; a status update changes status only;
- every write is validated (`crd_validation`);
- the first DELETE does not remove it: it sets deletionTimestamp, the
  `customresourcecleanup.apiextensions.k8s.io` finalizer and a Terminating condition
  (InstanceDeletionPending), and the CRD controller takes it from there.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from kubegate.api import errors, meta
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.api.errors import FieldError
from kubegate.api.user import UserInfo
from kubegate.registry.customresources import definition
from kubegate.registry.spec import ResourceSpec
from kubegate.storage.cacher import Cacher
from kubegate.storage.interface import Preconditions, Stored, replacing
from kubegate.storage.keys import ObjectKey

Obj = dict[str, Any]


def apply_v1_defaults(obj: Obj) -> None:
    """SetDefaults_CustomResourceDefinition(Spec), on a decoded v1 CRD."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict):
        kind = names.get("kind")
        if not names.get("singular") and isinstance(kind, str):
            names["singular"] = kind.lower()
        if not names.get("listKind") and isinstance(kind, str) and kind:
            names["listKind"] = f"{kind}List"
    conversion = spec.get("conversion")
    if conversion is None:
        spec["conversion"] = {"strategy": "None"}
    elif isinstance(conversion, dict):
        service = ((conversion.get("webhook") or {}).get("clientConfig") or {}).get("service")
        if isinstance(service, dict) and service.get("port") is None:
            service["port"] = 443


def _with_storage_version(status: Obj, crd: Obj) -> None:
    storage = definition.storage_version(crd)
    stored = status.get("storedVersions")
    stored = list(stored) if isinstance(stored, list) else []
    if storage and storage not in stored:
        stored.append(storage)
    status["storedVersions"] = stored or None


class CRDHooks:
    """PrepareForCreate/Update and Validate of customresourcedefinitions (WriteHooks).

    CRD validation (structural schemas, CEL rules, the OpenAPI validator) is imported by the
    first CRD written, not at start-up: most servers never see one.
    """

    def before_create(self, obj: Obj, *, user: UserInfo | None) -> list[FieldError]:
        status: Obj = {"acceptedNames": {"plural": "", "kind": ""}}
        _with_storage_version(status, obj)
        obj["status"] = status
        from kubegate.registry.customresources.crd_validation import validate_crd

        return validate_crd(obj)

    def before_update(self, obj: Obj, old: Obj, *, sent: Obj, subresource: str) -> list[FieldError]:
        from kubegate.registry.customresources.crd_validation import (
            validate_crd,
            validate_status_update,
        )

        if subresource == "status":
            return validate_status_update(obj)
        status = copy.deepcopy(old.get("status")) if isinstance(old.get("status"), dict) else {}
        assert isinstance(status, dict)
        _with_storage_version(status, obj)
        obj["status"] = status
        return validate_crd(obj, old)


CRD_HOOKS = CRDHooks()


async def mark_for_deletion(store: Cacher, spec: ResourceSpec, key: ObjectKey, current: Stored, options: DeleteOptions) -> Stored:
    """The CRD REST's Delete of a CRD not yet deleting: an update, never a removal."""
    metadata = current.obj["metadata"]
    name = key[1]
    if options.precondition_uid and options.precondition_uid != metadata.get("uid"):
        raise errors.conflict(spec.plural, name,
                              f"precondition failed: UID in precondition: {options.precondition_uid}, "
                              f"UID in object meta: {metadata.get('uid')}", group=spec.group)  # fmt: skip
    if options.precondition_resource_version and options.precondition_resource_version != metadata.get("resourceVersion"):
        raise errors.conflict(spec.plural, name,
                              f"precondition failed: ResourceVersion in precondition: "
                              f"{options.precondition_resource_version}, ResourceVersion in object meta: "
                              f"{metadata.get('resourceVersion')}", group=spec.group)  # fmt: skip
    obj = copy.deepcopy(current.obj)
    obj["metadata"]["deletionTimestamp"] = meta.format_time(meta.now())
    finalizers = list(obj["metadata"].get("finalizers") or [])
    if definition.CLEANUP_FINALIZER not in finalizers:
        obj["metadata"]["finalizers"] = [*finalizers, definition.CLEANUP_FINALIZER]
    definition.set_condition(
        obj, definition.TERMINATING, "True", "InstanceDeletionPending",
        "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
    )  # fmt: skip
    if options.dry_run:
        return Stored(obj, orjson.dumps(obj), current.revision)
    precondition = Preconditions(resource_version=current.revision)  # changed meanwhile: decide again
    return await store.guaranteed_update((spec.group, spec.plural), key, replacing(obj), preconditions=precondition)
