"""No new custom objects while their CRD is being deleted (apiextensions' forbidCreateAdmission).

Between a CRD's DELETE and the removal of its last instance the resource is still served, so
instances can be read, updated and deleted, but a create (or a create-by-apply) is refused:
403 `create not allowed while custom resource definition is terminating`.
"""

from __future__ import annotations

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.api import errors
from kubegate.registry.customresources import definition
from kubegate.registry.objects import ObjectCache

CRDS = (definition.GROUP, definition.PLURAL)


class CustomResourceTerminatingAdmission:
    def __init__(self, store: ObjectCache) -> None:
        self._store = store

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if attributes.operation != CREATE or not spec.custom_resource or attributes.subresource:
            return
        stored = self._store.get(CRDS, ("", f"{spec.plural}.{spec.group}"))
        if stored is not None and definition.is_terminating(stored.obj):
            raise errors.forbidden(
                spec.plural, attributes.name, "create not allowed while custom resource definition is terminating",
                group=spec.group,
            )  # fmt: skip
