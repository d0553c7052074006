"""DefaultStorageClass and DefaultIngressClass: a claim or Ingress naming no class gets the default one.

A class is the default when its annotation says `true` (`storageclass.kubernetes.io/is-default-class`
or its beta form; `ingressclass.kubernetes.io/is-default-class`). With several defaults the newest
(by creationTimestamp, then by name) wins, as since Kubernetes 1.26. Only creates are defaulted;
an object that names a class, even the empty one (`storageClassName: ""`), or carries the legacy
class annotation keeps what it asked for.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.registry.objects import ObjectCache

STORAGE_CLASSES = ("storage.k8s.io", "storageclasses")
INGRESS_CLASSES = ("networking.k8s.io", "ingressclasses")
DEFAULT_STORAGE_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class",
)
DEFAULT_INGRESS_CLASS_ANNOTATIONS = ("ingressclass.kubernetes.io/is-default-class",)
#: annotations that name a class the old way, which the plugins respect
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
LEGACY_INGRESS_CLASS = "kubernetes.io/ingress.class"


def newest_default(cache: ObjectCache, resource: tuple[str, str], annotations: tuple[str, ...]) -> str | None:
    """The name of the default class, the newest of several; None when no class is the default."""
    defaults = []
    for stored in cache.scan(resource):
        metadata = stored.obj.get("metadata") or {}
        marks = metadata.get("annotations") or {}
        if any(marks.get(key) == "true" for key in annotations):
            defaults.append((str(metadata.get("creationTimestamp") or ""), str(metadata.get("name"))))
    if not defaults:
        return None
    newest = max(created for created, _ in defaults)
    return min(name for created, name in defaults if created == newest)


def _creating(attributes: AdmissionAttributes, group: str, plural: str) -> dict[str, Any] | None:
    """The object's spec when this is a create of (group, plural), else None."""
    spec = attributes.spec
    if (spec.group, spec.plural) != (group, plural) or attributes.subresource or attributes.operation != CREATE:
        return None
    obj_spec = (attributes.obj or {}).get("spec")
    return obj_spec if isinstance(obj_spec, dict) else None


def _annotations(attributes: AdmissionAttributes) -> dict[str, Any]:
    annotations = ((attributes.obj or {}).get("metadata") or {}).get("annotations")
    return annotations if isinstance(annotations, dict) else {}


class DefaultStorageClassAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def admit(self, attributes: AdmissionAttributes) -> None:
        claim_spec = _creating(attributes, "", "persistentvolumeclaims")
        if claim_spec is None or "storageClassName" in claim_spec and claim_spec["storageClassName"] is not None:
            return
        if BETA_STORAGE_CLASS in _annotations(attributes):
            return
        name = newest_default(self._cache, STORAGE_CLASSES, DEFAULT_STORAGE_CLASS_ANNOTATIONS)
        if name is not None:
            claim_spec["storageClassName"] = name


class DefaultIngressClassAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def admit(self, attributes: AdmissionAttributes) -> None:
        ingress_spec = _creating(attributes, "networking.k8s.io", "ingresses")
        if ingress_spec is None or ingress_spec.get("ingressClassName") is not None:
            return
        if LEGACY_INGRESS_CLASS in _annotations(attributes):
            return
        name = newest_default(self._cache, INGRESS_CLASSES, DEFAULT_INGRESS_CLASS_ANNOTATIONS)
        if name is not None:
            ingress_spec["ingressClassName"] = name
