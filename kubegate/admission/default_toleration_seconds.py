"""The DefaultTolerationSeconds admission plugin: pods ride out a node outage for five minutes.

Every pod created or updated gets two tolerations, unless it already tolerates the taint
(a toleration with that key or no key, and effect NoExecute or no effect): the node
lifecycle taints `node.kubernetes.io/not-ready` and `node.kubernetes.io/unreachable`, operator
Exists, effect NoExecute, tolerationSeconds 300. Without them a pod would be evicted the moment
its node is tainted; with them it is evicted after the grace, as on a real cluster.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
NO_EXECUTE = "NoExecute"
#: --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds
DEFAULT_SECONDS = 300


def _tolerates(tolerations: list[Any], key: str) -> bool:
    return any(
        isinstance(toleration, dict)
        and toleration.get("key", "") in (key, "")
        and toleration.get("effect", "") in (NO_EXECUTE, "")
        for toleration in tolerations
    )


def add_default_tolerations(pod_spec: dict[str, Any], *, seconds: int = DEFAULT_SECONDS) -> None:
    tolerations = pod_spec.get("tolerations")
    if not isinstance(tolerations, list):
        if tolerations is not None:
            return  # not a list: validation answers for it
        tolerations = []
    added = [
        {"key": key, "operator": "Exists", "effect": NO_EXECUTE, "tolerationSeconds": seconds}
        for key in (NOT_READY, UNREACHABLE)
        if not _tolerates(tolerations, key)
    ]
    if added:
        pod_spec["tolerations"] = [*tolerations, *added]


class DefaultTolerationSecondsAdmission:
    def __init__(self, *, seconds: int = DEFAULT_SECONDS) -> None:
        self._seconds = seconds

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "pods") or attributes.subresource:
            return
        if attributes.operation not in (CREATE, UPDATE) or attributes.obj is None:
            return
        pod_spec = attributes.obj.get("spec")
        if isinstance(pod_spec, dict):
            add_default_tolerations(pod_spec, seconds=self._seconds)
