"""AlwaysPullImages (off by default): every container of a new pod pulls its image on each start.

On pod create, and on updates that bring an image the pod did not have, each container, init
container and ephemeral container gets `imagePullPolicy: Always`, so that a pod can only use a
private image it has the credentials for, never one another pod left on the node.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _containers(pod: dict[str, Any] | None) -> list[dict[str, Any]]:
    spec = (pod or {}).get("spec")
    if not isinstance(spec, dict):
        return []
    return [
        container
        for key in CONTAINER_LISTS
        if isinstance(spec.get(key), list)
        for container in spec[key]
        if isinstance(container, dict)
    ]


class AlwaysPullImagesAdmission:
    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "pods") or attributes.subresource:
            return
        if attributes.operation not in (CREATE, UPDATE) or attributes.obj is None:
            return
        containers = _containers(attributes.obj)
        if attributes.operation == UPDATE:
            known = {container.get("image") for container in _containers(attributes.old)}
            if all(container.get("image") in known for container in containers):
                return  # no new image: nothing to pull
        for container in containers:
            container["imagePullPolicy"] = "Always"
