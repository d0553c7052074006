"""The Priority admission plugin: a new pod's priority comes from its PriorityClass.

As kube-apiserver's plugin does on pod create: a `priorityClassName` names a PriorityClass
whose `value` becomes `spec.priority` (and whose `preemptionPolicy` the pod's); a missing class
is a 403, and so is a priority the client set that the class would not give. A pod naming no
class gets the cluster's global default class, if one exists, else priority 0.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.api import errors
from kubegate.registry.objects import ObjectCache

PRIORITY_CLASSES = ("scheduling.k8s.io", "priorityclasses")
DEFAULT_PREEMPTION = "PreemptLowerPriority"


class PriorityAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "pods") or attributes.subresource or attributes.operation != CREATE:
            return
        pod_spec = (attributes.obj or {}).get("spec")
        if not isinstance(pod_spec, dict):
            return
        name = pod_spec.get("priorityClassName")
        found = self._class(name) if name else self._global_default()
        if name and found is None:
            raise errors.forbidden("pods", attributes.name, f"no PriorityClass with name {name} was found")
        value = int(found.get("value") or 0) if found else 0
        given = pod_spec.get("priority")
        if given is not None and given != value:
            raise errors.forbidden(
                "pods", attributes.name,
                f"the integer value of priority ({given}) must not be provided in pod spec; priority admission "
                f"controller computed {value} from the given PriorityClass name",
            )
        pod_spec["priority"] = value
        if found is not None:
            if not name:
                pod_spec["priorityClassName"] = found["metadata"]["name"]
            pod_spec.setdefault("preemptionPolicy", found.get("preemptionPolicy") or DEFAULT_PREEMPTION)

    def _class(self, name: str) -> dict[str, Any] | None:
        stored = self._cache.get(PRIORITY_CLASSES, ("", name))
        return stored.obj if stored is not None else None

    def _global_default(self) -> dict[str, Any] | None:
        for stored in self._cache.scan(PRIORITY_CLASSES):
            if stored.obj.get("globalDefault") is True:
                return stored.obj
        return None
