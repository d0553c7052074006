"""The RuntimeClass admission plugin: a pod takes its overhead and scheduling from its RuntimeClass.

On pod create naming `spec.runtimeClassName`: a class that does not exist is a 403 (`pod
rejected: RuntimeClass "x" not found`); the class's `overhead.podFixed` becomes the pod's
`spec.overhead` (a different overhead the client set is refused), its `scheduling.nodeSelector`
is merged into the pod's (a conflicting value is refused) and its `scheduling.tolerations` are
added. Validation then checks that the overhead is exactly the class's.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, AdmissionAttributes
from kubegate.admission.forbidden import forbidden
from kubegate.registry.objects import ObjectCache
from kubegate.registry.quota import amounts

RUNTIME_CLASSES = ("node.k8s.io", "runtimeclasses")
MISMATCH = "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead"
UNCLAIMED = "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead"


def _same_amounts(a: Any, b: Any) -> bool:
    """Semantic equality of two ResourceLists (1Gi == 1024Mi); None and {} differ, as in Go."""
    if a is None or b is None:
        return a is b
    return isinstance(a, dict) and isinstance(b, dict) and amounts.parse_list(a) == amounts.parse_list(b) \
        and set(a) == set(b)


class RuntimeClassAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def admit(self, attributes: AdmissionAttributes) -> None:
        found = self._prepare(attributes)
        if found is None:
            return
        pod_spec, runtime_class = found
        if runtime_class is None:
            return
        overhead = (runtime_class.get("overhead") or {}).get("podFixed")
        if overhead is not None:
            if pod_spec.get("overhead") is not None and not _same_amounts(pod_spec["overhead"], overhead):
                raise forbidden(attributes, MISMATCH)
            pod_spec["overhead"] = dict(overhead)
        scheduling = runtime_class.get("scheduling")
        if isinstance(scheduling, dict):
            self._schedule(attributes, pod_spec, scheduling)

    async def validate(self, attributes: AdmissionAttributes) -> None:
        found = self._prepare(attributes)
        if found is None:
            return
        pod_spec, runtime_class = found
        overhead = ((runtime_class or {}).get("overhead") or {}).get("podFixed")
        if overhead is not None:
            if not _same_amounts(overhead, pod_spec.get("overhead")):
                raise forbidden(attributes, MISMATCH)
        elif pod_spec.get("overhead") is not None:
            raise forbidden(attributes, UNCLAIMED)

    def _prepare(self, attributes: AdmissionAttributes) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """(pod spec, its RuntimeClass or None) for a pod create; None for anything else."""
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "pods") or attributes.subresource or attributes.operation != CREATE:
            return None
        pod_spec = (attributes.obj or {}).get("spec")
        if not isinstance(pod_spec, dict):
            return None
        name = pod_spec.get("runtimeClassName")
        if name is None:
            return pod_spec, None
        stored = self._cache.get(RUNTIME_CLASSES, ("", str(name)))
        if stored is None:
            raise forbidden(attributes, f'pod rejected: RuntimeClass "{name}" not found')
        return pod_spec, stored.obj

    @staticmethod
    def _schedule(attributes: AdmissionAttributes, pod_spec: dict[str, Any], scheduling: dict[str, Any]) -> None:
        wanted = scheduling.get("nodeSelector")
        if isinstance(wanted, dict) and wanted:
            selector = pod_spec.get("nodeSelector")
            if not isinstance(selector, dict):
                selector = {}
            for key, value in wanted.items():
                if key in selector and selector[key] != value:
                    raise forbidden(
                        attributes,
                        f"conflict: runtimeClass.scheduling.nodeSelector[{key}] = {value}; "
                        f"pod.spec.nodeSelector[{key}] = {selector[key]}",
                    )
                selector[key] = value
            pod_spec["nodeSelector"] = selector
        extra = scheduling.get("tolerations")
        if isinstance(extra, list) and extra:
            tolerations = pod_spec.get("tolerations")
            merged = list(tolerations) if isinstance(tolerations, list) else []
            merged += [toleration for toleration in extra if toleration not in merged]
            pod_spec["tolerations"] = merged
