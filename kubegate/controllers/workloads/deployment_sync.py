"""A Deployment's writes to its ReplicaSets: finding or creating the new one, resizing, history.

`ReplicaSetWriter` is the deployment controller's hands: it creates the ReplicaSet for the
current pod template (`<deploy>-<hash>`, the hash as `pod-template-hash` label on the set, its
selector and its template; the revision, desired-replicas and max-replicas annotations; the
Deployment's other annotations copied over), re-stamps an existing one with the next revision
when a rollback makes it current again, resizes sets with a `ScalingReplicaSet` event on the
Deployment (`Scaled up replica set web-5d8f7c9b6d from 0 to 3`), and writes the Deployment's
revision annotation and status. Each method returns the object as written, so one reconcile
keeps working on current copies.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.controllers.workloads import deployment_rollout as rollout
from kubegate.controllers.workloads import deployment_status as conditions
from kubegate.controllers.workloads.hashing import (
    POD_TEMPLATE_HASH,
    equal_ignore_hash,
    pod_template_hash,
)
from kubegate.controllers.workloads.podcontrol import controller_ref, is_controlled_by
from kubegate.registry.spec import ResourceSpec

RS = dict[str, Any]


def _namespace(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def rs_annotations(deployment: dict[str, Any], rs: RS, *, new_revision: int | None) -> dict[str, str]:
    """The annotations `rs` should carry (SetNewReplicaSetAnnotations and SetReplicasAnnotations)."""
    annotations = dict((rs.get("metadata") or {}).get("annotations") or {})
    if new_revision is not None:
        for key, value in ((deployment.get("metadata") or {}).get("annotations") or {}).items():
            if key not in rollout.NOT_COPIED:
                annotations[key] = value
        old = rollout.revision(rs)
        if old < new_revision:
            annotations[rollout.REVISION] = str(new_revision)
            if old > 0:
                history = annotations.get(rollout.REVISION_HISTORY)
                annotations[rollout.REVISION_HISTORY] = f"{history},{old}" if history else str(old)
    desired = rollout.spec_replicas(deployment)
    annotations[rollout.DESIRED_REPLICAS] = str(desired)
    annotations[rollout.MAX_REPLICAS] = str(desired + rollout.max_surge(deployment))
    return annotations


@dataclass
class ReplicaSetWriter:
    client: ControllerClient
    recorder: EventRecorder
    deployments: ResourceSpec
    replicasets: ResourceSpec

    async def _change_rs(self, rs: RS, *, replicas: int, annotations: dict[str, str],
                         min_ready: int | None = None) -> RS:
        def changed(live: dict[str, Any]) -> dict[str, Any]:
            new = copy.deepcopy(live)
            new["metadata"]["annotations"] = annotations
            new.setdefault("spec", {})["replicas"] = replicas
            if min_ready is not None:
                new["spec"]["minReadySeconds"] = min_ready
            return new if new != live else live

        stored = await self.client.change(self.replicasets, _namespace(rs), rollout.name(rs), changed)
        return rs if stored is None else stored.obj

    async def scale(self, deployment: dict[str, Any], rs: RS, size: int) -> RS:
        """Resize `rs` (and refresh its replica annotations), with a ScalingReplicaSet event."""
        before = rollout.spec_replicas(rs)
        annotations = rs_annotations(deployment, rs, new_revision=None)
        if before == size and annotations == ((rs.get("metadata") or {}).get("annotations") or {}):
            return rs
        written = await self._change_rs(rs, replicas=size, annotations=annotations)
        if before != size:
            direction = "up" if size > before else "down"
            await self.recorder.event(
                deployment, NORMAL, "ScalingReplicaSet",
                f"Scaled {direction} replica set {rollout.name(rs)} from {before} to {size}",
            )
        return written

    async def refresh_new(self, deployment: dict[str, Any], rs: RS, revision: int) -> RS:
        """Bring an existing new ReplicaSet's annotations and minReadySeconds up to date."""
        annotations = rs_annotations(deployment, rs, new_revision=revision)
        min_ready = int((deployment.get("spec") or {}).get("minReadySeconds") or 0)
        current_min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
        if annotations == ((rs.get("metadata") or {}).get("annotations") or {}) and min_ready == current_min_ready:
            return rs
        return await self._change_rs(rs, replicas=rollout.spec_replicas(rs), annotations=annotations,
                                     min_ready=min_ready)

    async def create_new(
        self, deployment: dict[str, Any], old_rs: list[RS], revision: int
    ) -> tuple[dict[str, Any], RS | None]:
        """Create the ReplicaSet for the current template: the Deployment as now written and the
        set, None if it cannot be made now."""
        spec = deployment.get("spec") or {}
        status = deployment.get("status") or {}
        collision = status.get("collisionCount")
        template = copy.deepcopy(spec.get("template") or {})
        template_hash = pod_template_hash(template, None if collision is None else int(collision))
        template.setdefault("metadata", {}).setdefault("labels", {})[POD_TEMPLATE_HASH] = template_hash
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[POD_TEMPLATE_HASH] = template_hash
        name = f"{rollout.name(deployment)}-{template_hash}"
        draft: RS = {"metadata": {"name": name}, "spec": {"replicas": 0}}
        replicas = rollout.new_rs_replicas(deployment, [*old_rs, draft], draft)
        body: RS = {
            "metadata": {
                "name": name, "namespace": _namespace(deployment),
                "labels": dict(template["metadata"]["labels"]),
                "annotations": rs_annotations(deployment, draft, new_revision=revision),
                "ownerReferences": [controller_ref(deployment)],
            },
            "spec": {"replicas": replicas, "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                     "selector": selector, "template": template},
        }
        try:
            stored = await self.client.create(self.replicasets, _namespace(deployment), body)
        except errors.StatusError as error:
            message = f'Failed to create new replica set "{name}": {error.message}'
            await self.recorder.event(deployment, WARNING, "ReplicaSetCreateError", message)
            status = dict(status)
            conditions.set_condition(status, conditions.new_condition(
                conditions.PROGRESSING, "False", "ReplicaSetCreateError", message, meta.now()))
            return await self.write_status(deployment, status), None
        if stored is None:  # the name is taken (or the namespace is going away)
            await self.client.rest.wait_fresh()
            existing = self.client.store.get(("apps", "replicasets"), (_namespace(deployment), name))
            if existing is None:
                return deployment, None
            current = existing.obj
            if is_controlled_by(current, deployment) and equal_ignore_hash(
                (current.get("spec") or {}).get("template") or {}, spec.get("template") or {}
            ):
                return deployment, current
            # a hash collision: try the next name (collisionCount), as upstream does
            return await self.write_status(deployment, {**status, "collisionCount": int(collision or 0) + 1}), None
        if replicas > 0:
            await self.recorder.event(
                deployment, NORMAL, "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {replicas}"
            )
        if conditions.progress_deadline(deployment) is not None:
            status = dict(status)
            conditions.set_condition(status, conditions.new_condition(
                conditions.PROGRESSING, "True", conditions.NEW_RS_CREATED, f'Created new replica set "{name}"',
                meta.now()))
            deployment = await self.write_status(deployment, status)
        return deployment, stored.obj

    async def set_revision(self, deployment: dict[str, Any], revision: str) -> dict[str, Any]:
        """The Deployment with its revision annotation set to `revision`."""
        if rollout.annotation(deployment, rollout.REVISION) == revision:
            return deployment

        def changed(live: dict[str, Any]) -> dict[str, Any]:
            new = copy.deepcopy(live)
            new["metadata"].setdefault("annotations", {})[rollout.REVISION] = revision
            return new

        # As upstream (SetDeploymentRevision, then UpdateStatus): the annotation goes through status.
        stored = await self.client.change(
            self.deployments, _namespace(deployment), rollout.name(deployment), changed, subresource="status"
        )
        return deployment if stored is None else stored.obj

    async def write_status(self, deployment: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        """The Deployment with `status` written (nothing written if it is already so)."""
        status = conditions.without_zeros(status)
        if status == (deployment.get("status") or {}):
            return deployment

        async def with_status(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found(self.deployments.plural, rollout.name(deployment), group="apps")
            return {**live, "status": status}

        try:
            stored, _ = await self.client.rest.update(
                self.deployments, _namespace(deployment), rollout.name(deployment), with_status, subresource="status",
                track=self.client.track(self.deployments, "status"),
            )
        except errors.StatusError as error:
            if error.code != 404:
                raise
            return deployment
        return stored.obj

    async def delete(self, rs: RS) -> None:
        uid = str((rs.get("metadata") or {}).get("uid") or "")
        await self.client.delete(self.replicasets, _namespace(rs), rollout.name(rs), uid=uid)
