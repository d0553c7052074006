"""The `/scale` subresource of a custom resource, read and written through its CRD's paths.

`specReplicasPath`, `statusReplicasPath` and `labelSelectorPath` (JSON paths like
`.spec.replicas`) say where the replicas and the selector live; a missing desired count reads
as 0 and a missing selector as none. A write stores the Scale's `spec.replicas` at the spec
path of the custom object and goes through the object's own strategy, so the schema, the
resourceVersion check and managedFields apply as for any write (apiextensions' ScaleREST).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual.scale import SCALE_API_VERSION, update_scale
from kubegate.endpoints.virtual.subresource import Transform
from kubegate.registry.rest import GenericStore

_METADATA = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")


@dataclass(frozen=True, slots=True)
class CustomResourceScale:
    spec_replicas_path: str
    status_replicas_path: str
    label_selector_path: str = ""

    @classmethod
    def of(cls, scale: dict[str, Any]) -> CustomResourceScale:
        return cls(
            str(scale.get("specReplicasPath") or ""),
            str(scale.get("statusReplicasPath") or ""),
            str(scale.get("labelSelectorPath") or ""),
        )

    def scale_of(self, parent: dict[str, Any]) -> dict[str, Any]:
        desired = self._read(parent, self.spec_replicas_path, int, "int64")
        observed = self._read(parent, self.status_replicas_path, int, "int64")
        status: dict[str, Any] = {"replicas": observed or 0}
        if self.label_selector_path:
            selector = self._read(parent, self.label_selector_path, str, "string")
            if selector:
                status["selector"] = selector
        return {
            "kind": "Scale",
            "apiVersion": SCALE_API_VERSION,
            "metadata": {k: parent["metadata"][k] for k in _METADATA if k in parent["metadata"]},
            "spec": {"replicas": desired} if desired else {},
            "status": status,
        }

    @staticmethod
    def _read(obj: dict[str, Any], path: str, kind: type, kind_name: str) -> Any:
        # custom resources' strategy module loads with the first CRD, not at start-up
        from kubegate.registry.customresources.cr_strategy import nested

        value, problem = nested(obj, path, kind, kind_name)
        if problem:
            raise errors.internal(problem)
        return value

    def get(self, rest: GenericStore, target: Target) -> dict[str, Any]:
        return self.scale_of(rest.get(target.spec, target.namespace, target.name).obj)

    async def update(
        self, rest: GenericStore, target: Target, transform: Transform, *, dry_run: bool
    ) -> dict[str, Any]:
        return await update_scale(
            rest, target, transform, dry_run=dry_run, scale_of=self.scale_of,
            set_replicas=lambda parent, replicas: _set_path(parent, self.spec_replicas_path, replicas),
        )


def _set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    """unstructured.SetNestedField: create the maps on the way, replace what is not a map."""
    parts = [part for part in path.lstrip(".").split(".") if part]
    current = obj
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            child = current[part] = {}
        current = child
    if parts:
        current[parts[-1]] = value
