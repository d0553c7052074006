"""NamespaceLifecycle, the admission half: the system namespaces cannot be deleted.

Like the real plugin, it decides in the mutating phase (its Admit), before anything is stored.

A DELETE of `default`, `kube-system` or `kube-public` is a 403 (`namespaces "default" is
forbidden: this namespace may not be deleted`). The other half (no new content in a namespace
that does not exist or is being terminated) sits where the store creates objects,
`GenericStore.namespace_lifecycle` in `kubegate.registry.rest`, and is switched with this plugin.
"""

from __future__ import annotations

from kubegate.admission.attributes import DELETE, AdmissionAttributes
from kubegate.api import errors

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


class NamespaceLifecycleAdmission:
    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "namespaces") or attributes.subresource:
            return
        if attributes.operation == DELETE and attributes.name in IMMORTAL_NAMESPACES:
            raise errors.forbidden("namespaces", attributes.name, "this namespace may not be deleted")
