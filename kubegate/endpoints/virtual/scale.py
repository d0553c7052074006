"""The `/scale` subresource of workloads: an autoscaling/v1 Scale view of spec.replicas.

GET answers the parent's desired and observed replicas and its selector as a label-selector
string; a write sets the parent's `spec.replicas` (checking the Scale's resourceVersion
against the parent's) and moves the ownership of `.spec.replicas` in the parent's
managedFields to the writer, under `subresource: scale`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.api.errors import CAUSE_INVALID, FieldError
from kubegate.api.labels import selector_from_label_selector_object
from kubegate.api.managedfields import scale as scale_fields
from kubegate.api.mergepatch import go_kind
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual.subresource import Transform
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceKey

SCALE_API_VERSION = "autoscaling/v1"
#: spec.replicas when a workload leaves it unset (the Go types default it to 1)
DEFAULT_REPLICAS = 1
_METADATA = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")


def label_selector(spec: dict[str, Any]) -> str:
    """apps workloads: a metav1.LabelSelector, as LabelSelectorAsSelector prints it."""
    selector = spec.get("selector")
    return str(selector_from_label_selector_object(selector if isinstance(selector, dict) else None))


def map_selector(spec: dict[str, Any]) -> str:
    """ReplicationControllers: a plain label map."""
    selector = spec.get("selector")
    return str(selector_from_label_selector_object({"matchLabels": selector if isinstance(selector, dict) else {}}))


@dataclass(frozen=True, slots=True)
class ScaleStorage:
    selector: Callable[[dict[str, Any]], str]

    def scale_of(self, parent: dict[str, Any]) -> dict[str, Any]:
        spec = parent.get("spec") if isinstance(parent.get("spec"), dict) else {}
        status = parent.get("status") if isinstance(parent.get("status"), dict) else {}
        assert isinstance(spec, dict) and isinstance(status, dict)
        replicas = spec.get("replicas", DEFAULT_REPLICAS)
        metadata = {k: parent["metadata"][k] for k in _METADATA if k in parent["metadata"]}
        scale_status: dict[str, Any] = {"replicas": status.get("replicas", 0)}
        selector = self.selector(spec)
        if selector:
            scale_status["selector"] = selector
        return {
            "kind": "Scale",
            "apiVersion": SCALE_API_VERSION,
            "metadata": metadata,
            "spec": {"replicas": replicas} if replicas else {},
            "status": scale_status,
        }

    def get(self, rest: GenericStore, target: Target) -> dict[str, Any]:
        return self.scale_of(rest.get(target.spec, target.namespace, target.name).obj)

    async def update(
        self, rest: GenericStore, target: Target, transform: Transform, *, dry_run: bool
    ) -> dict[str, Any]:
        return await update_scale(rest, target, transform, dry_run=dry_run, scale_of=self.scale_of, set_replicas=_set_spec_replicas)


def _set_spec_replicas(parent: dict[str, Any], replicas: int) -> None:
    if not isinstance(parent.get("spec"), dict):
        parent["spec"] = {}  # only a typeless store holds such a parent; Go would zero it
    parent["spec"]["replicas"] = replicas


async def update_scale(
    rest: GenericStore,
    target: Target,
    transform: Transform,
    *,
    dry_run: bool,
    scale_of: Callable[[dict[str, Any]], dict[str, Any]],
    set_replicas: Callable[[dict[str, Any], int], None],
) -> dict[str, Any]:
    """Read the parent as a Scale, let the request change it, and write the replicas back.

    Field ownership moves between the Scale's `spec.replicas` and the parent's field, and a
    resourceVersion the client sent on the Scale guards the parent's update.
    """
    rest.get(target.spec, target.namespace, target.name)  # 404 before anything else

    async def updated(parent: dict[str, Any] | None) -> dict[str, Any]:
        """The parent with the Scale's replicas; again whenever another writer came first."""
        if parent is None:
            raise errors.not_found(target.spec.plural, target.name, group=target.spec.group)
        old = scale_of(parent)
        old["metadata"]["managedFields"] = scale_fields.to_subresource(parent["metadata"].get("managedFields"))
        new = await transform(old)
        result = copy.deepcopy(parent)
        set_replicas(result, _replicas(new, target.name))
        metadata = result["metadata"]
        wanted = (new.get("metadata") or {}).get("resourceVersion")
        if wanted:
            metadata["resourceVersion"] = str(wanted)
        owners = scale_fields.to_parent(
            parent["metadata"].get("managedFields"),
            (new.get("metadata") or {}).get("managedFields"),
            parent_group_version=target.spec.group_version,
        )
        if owners is None:
            metadata.pop("managedFields", None)
        else:
            metadata["managedFields"] = owners
        return result

    stored, _ = await rest.update(target.spec, target.namespace, target.name, updated, dry_run=dry_run)
    return scale_of(stored.obj)


def _replicas(scale: dict[str, Any], name: str) -> int:
    spec = scale.get("spec")
    value = spec.get("replicas", 0) if isinstance(spec, dict) else 0
    if isinstance(value, bool) or not isinstance(value, int):
        shown = go_kind(value) + (f" {value}" if isinstance(value, float) else "")
        raise errors.bad_request(
            f"json: cannot unmarshal {shown} into Go struct field ScaleSpec.spec.replicas of type int32"
        )
    if value < 0:
        problem = FieldError(CAUSE_INVALID, "spec.replicas", "must be greater than or equal to 0", value)
        raise errors.invalid("Scale", name, [problem], group="autoscaling")
    return value


DEPLOYMENT_LIKE = ScaleStorage(label_selector)
REPLICATION_CONTROLLER = ScaleStorage(map_selector)

#: resource (group, plural) -> how its Scale reads the parent; every one has a `scale` subresource
SCALABLE: dict[ResourceKey, ScaleStorage] = {
    ("apps", "deployments"): DEPLOYMENT_LIKE,
    ("apps", "replicasets"): DEPLOYMENT_LIKE,
    ("apps", "statefulsets"): DEPLOYMENT_LIKE,
    ("", "replicationcontrollers"): REPLICATION_CONTROLLER,
}
