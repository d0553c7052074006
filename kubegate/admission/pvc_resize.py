"""PersistentVolumeClaimResize: a claim may grow only when its StorageClass allows expansion.

An update that raises `spec.resources.requests.storage` is refused (403) unless the claim is
Bound (`Only bound persistent volume claims can be expanded`) and names, before and after, the
same StorageClass whose `allowVolumeExpansion` is true (`only dynamically provisioned pvc can be
resized and the storageclass that provisions the pvc must support resize`). Shrinking is left
to validation.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import UPDATE, AdmissionAttributes
from kubegate.admission.forbidden import forbidden
from kubegate.registry.objects import ObjectCache
from kubegate.registry.quota import amounts

STORAGE_CLASSES = ("storage.k8s.io", "storageclasses")
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def _storage(claim: dict[str, Any]) -> Any:
    return (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")


def _class_of(claim: dict[str, Any]) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName."""
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    if isinstance(annotations, dict) and BETA_STORAGE_CLASS in annotations:
        return str(annotations[BETA_STORAGE_CLASS])
    return str((claim.get("spec") or {}).get("storageClassName") or "")


class PersistentVolumeClaimResizeAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def validate(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "persistentvolumeclaims") or attributes.subresource:
            return
        if attributes.operation != UPDATE or attributes.obj is None or attributes.old is None:
            return
        try:
            grows = amounts.parse(_storage(attributes.obj)) > amounts.parse(_storage(attributes.old))
        except (AttributeError, TypeError):
            return  # not a claim's shape: validation answers for it
        if not grows:
            return
        if (attributes.old.get("status") or {}).get("phase") != "Bound":
            raise forbidden(attributes, "Only bound persistent volume claims can be expanded")
        if not self._allows_expansion(attributes.obj, attributes.old):
            raise forbidden(
                attributes,
                "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc "
                "must support resize",
            )

    def _allows_expansion(self, claim: dict[str, Any], old: dict[str, Any]) -> bool:
        name = _class_of(claim)
        if not name or name != _class_of(old):
            return False
        stored = self._cache.get(STORAGE_CLASSES, ("", name))
        return stored is not None and stored.obj.get("allowVolumeExpansion") is True
