"""The deployment controller: rolls a Deployment's pod template out through ReplicaSets.

As kube-controller-manager's `deployment-controller`, each reconcile of a Deployment:

1. claims its ReplicaSets (adopting matching orphans, releasing ones that no longer match);
2. shows a pause or resume in the Progressing condition;
3. if paused, or only resized (a ReplicaSet's desired-replicas annotation disagrees with
   spec.replicas), scales the sets proportionally and reports status;
4. otherwise takes one step of its strategy — RollingUpdate: grow the new ReplicaSet within
   maxSurge, or shrink old ones within maxUnavailable; Recreate: shrink all old sets to zero,
   wait for their pods to go, then grow the new one — and, once complete, trims the revision
   history to revisionHistoryLimit;
5. writes status and conditions (`deployment_status`).

The ReplicaSets' and pods' own events bring the Deployment back for the next step; a rollout
waiting on its progress deadline comes back when the deadline passes.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from typing import Any

from kubegate.api import errors, meta
from kubegate.api.labels import LabelSelector, selector_from_label_selector_object
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import WARNING
from kubegate.controllers.informer import Controller, Informers
from kubegate.controllers.workloads import deployment_rollout as rollout
from kubegate.controllers.workloads import deployment_status as conditions
from kubegate.controllers.workloads import podcontrol
from kubegate.controllers.workloads.deployment_sync import RS, ReplicaSetWriter
from kubegate.controllers.workloads.hashing import equal_ignore_hash
from kubegate.controllers.workloads.podcontrol import PODS
from kubegate.registry.objects import DELETED, Event, ObjectKey

log = logging.getLogger("kubegate.controllers.workloads")

DEPLOYMENTS = ("apps", "deployments")
REPLICA_SETS = ("apps", "replicasets")
SELECTING_ALL = "This deployment is selecting all pods. A non-empty selector is required."


def _selector(obj: dict[str, Any]) -> LabelSelector:
    return selector_from_label_selector_object((obj.get("spec") or {}).get("selector"))


def _key(obj: dict[str, Any]) -> ObjectKey:
    metadata = obj.get("metadata") or {}
    return (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))


class DeploymentController(Controller):
    """Keys are (namespace, name) of Deployments."""

    name = "deployment"

    def __init__(self, informers: Informers, client: ControllerClient, writer: ReplicaSetWriter) -> None:
        super().__init__(informers)
        self._client = client
        self._writer = writer
        self.watch(DEPLOYMENTS, lambda event: (event.key,))
        self.watch(REPLICA_SETS, self._replicaset_changed)
        self.watch(PODS, self._pod_deleted)

    def initial_keys(self) -> Iterable[ObjectKey]:
        return [_key(stored.obj) for stored in self.informers.list(DEPLOYMENTS)]

    # events --------------------------------------------------------------------------------------

    def _replicaset_changed(self, event: Event) -> Iterable[Hashable]:
        keys: set[Hashable] = set()
        for version in (event.stored, event.previous):
            if version is None:
                continue
            rs = version.obj
            namespace = _key(rs)[0]
            ref = podcontrol.controller_of(rs)
            if ref is not None:
                if ref.get("kind") == "Deployment":
                    keys.add((namespace, str(ref.get("name", ""))))
            elif event.type != DELETED:
                labels = (rs.get("metadata") or {}).get("labels") or {}
                for stored in self.informers.list(DEPLOYMENTS, namespace=namespace):
                    try:
                        if _selector(stored.obj).matches(labels):
                            keys.add(_key(stored.obj))
                    except errors.StatusError:
                        continue
        return keys

    def _pod_deleted(self, event: Event) -> Iterable[Hashable]:
        """A Recreate rollout waits for the old pods to be gone."""
        if event.type != DELETED:
            return ()
        ref = podcontrol.controller_of(event.stored.obj)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return ()
        rs = self.cache.get(REPLICA_SETS, (_key(event.stored.obj)[0], str(ref.get("name", ""))))
        owner = None if rs is None else podcontrol.controller_of(rs.obj)
        if owner is None or owner.get("kind") != "Deployment":
            return ()
        return ((_key(rs.obj)[0], str(owner.get("name", ""))),) if rs is not None else ()

    # the sync ------------------------------------------------------------------------------------

    async def reconcile(self, key: ObjectKey) -> None:
        stored = self.cache.get(DEPLOYMENTS, key)
        if stored is None:
            return
        try:
            await self._sync(stored.obj)
        finally:
            await self._client.rest.wait_fresh()  # the next reconcile sees every write of this one

    async def _sync(self, d: dict[str, Any]) -> None:
        try:
            selector = _selector(d)
        except errors.StatusError:
            log.warning("deployment %s/%s has an invalid selector", *_key(d))
            return
        if selector.is_empty:
            await self._writer.recorder.event(d, WARNING, "SelectingAll", SELECTING_ALL)
            return
        candidates = [s.obj for s in self.informers.list(REPLICA_SETS, namespace=_key(d)[0])]
        rs_list = await podcontrol.claim(
            self._client, self._writer.replicasets, d, candidates,
            lambda rs: selector.matches((rs.get("metadata") or {}).get("labels")),
        )
        if (d.get("metadata") or {}).get("deletionTimestamp"):
            d, new_rs, old_rs = await self._all_replicasets(d, rs_list, create=False)
            await self._writer.write_status(d, conditions.calculate_status(d, _all(new_rs, old_rs), new_rs, meta.now()))
            return
        paused_status = conditions.paused_condition(d, meta.now())
        if paused_status is not None:
            d = await self._writer.write_status(d, paused_status)
        if (d.get("spec") or {}).get("paused") or self._is_scaling_event(d, rs_list):
            await self._scale_only(d, rs_list)
        elif rollout.strategy_type(d) == "Recreate":
            await self._recreate(d, rs_list)
        else:
            await self._rolling(d, rs_list)

    async def _all_replicasets(
        self, d: dict[str, Any], rs_list: list[RS], *, create: bool
    ) -> tuple[dict[str, Any], RS | None, list[RS]]:
        """The Deployment, its new ReplicaSet (created if asked) and the old ones, revisions synced."""
        template = (d.get("spec") or {}).get("template") or {}
        matching = sorted(
            (rs for rs in rs_list if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template)),
            key=lambda rs: (rollout.created(rs), rollout.name(rs)),
        )
        new_rs = matching[0] if matching else None
        old_rs = [rs for rs in rs_list if rs is not new_rs]
        revision = rollout.next_revision(old_rs)
        if new_rs is not None:
            new_rs = await self._writer.refresh_new(d, new_rs, revision)
            d = await self._writer.set_revision(d, str(rollout.revision(new_rs)))
            if conditions.progress_deadline(d) is not None and conditions.get_condition(
                d.get("status") or {}, conditions.PROGRESSING
            ) is None:
                status = dict(d.get("status") or {})
                conditions.set_condition(status, conditions.new_condition(
                    conditions.PROGRESSING, "True", conditions.FOUND_NEW_RS,
                    f'Found new replica set "{rollout.name(new_rs)}"', meta.now()))
                d = await self._writer.write_status(d, status)
        elif create:
            d, new_rs = await self._writer.create_new(d, old_rs, revision)
            if new_rs is not None:
                d = await self._writer.set_revision(d, str(rollout.revision(new_rs)))
        return d, new_rs, old_rs

    def _is_scaling_event(self, d: dict[str, Any], rs_list: list[RS]) -> bool:
        desired = rollout.spec_replicas(d)
        for rs in rs_list:
            if rollout.spec_replicas(rs) > 0:
                annotated = rollout.int_annotation(rs, rollout.DESIRED_REPLICAS)
                if annotated is not None and annotated != desired:
                    return True
        return False

    async def _scale_only(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        d, new_rs, old_rs = await self._all_replicasets(d, rs_list, create=False)
        new_rs, old_rs = await self._scale(d, new_rs, old_rs)
        if (d.get("spec") or {}).get("paused"):
            await self._cleanup(d, old_rs)
        all_rs = _all(new_rs, old_rs)
        await self._writer.write_status(d, conditions.calculate_status(d, all_rs, new_rs, meta.now()))

    async def _scale(self, d: dict[str, Any], new_rs: RS | None, old_rs: list[RS]) -> tuple[RS | None, list[RS]]:
        """Resize towards spec.replicas: one active set takes it all, several share it."""
        desired = rollout.spec_replicas(d)
        active = [rs for rs in _all(new_rs, old_rs) if rollout.spec_replicas(rs) > 0]
        target: RS | None = None
        if len(active) == 1:
            target = active[0]
        elif not active and (new_rs is not None or old_rs):
            target = new_rs or max(old_rs, key=lambda rs: (rollout.created(rs), rollout.name(rs)))
        sizes: dict[str, int] = {}
        if target is not None:
            if rollout.spec_replicas(target) != desired:
                sizes[rollout.name(target)] = desired
        elif new_rs is not None and _saturated(d, new_rs):
            sizes = {rollout.name(rs): 0 for rs in old_rs if rollout.spec_replicas(rs) > 0}
        elif rollout.strategy_type(d) == "RollingUpdate":
            sizes = rollout.proportional_sizes(d, active)
        return await self._apply_sizes(d, new_rs, old_rs, sizes)

    async def _apply_sizes(
        self, d: dict[str, Any], new_rs: RS | None, old_rs: list[RS], sizes: dict[str, int]
    ) -> tuple[RS | None, list[RS]]:
        async def sized(rs: RS) -> RS:
            wanted = sizes.get(rollout.name(rs))
            return rs if wanted is None else await self._writer.scale(d, rs, wanted)

        new_rs = None if new_rs is None else await sized(new_rs)
        return new_rs, [await sized(rs) for rs in old_rs]

    async def _rolling(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        d, new_rs, old_rs = await self._all_replicasets(d, rs_list, create=True)
        if new_rs is None:
            return  # could not create it; its event or the collision count brings us back
        desired = rollout.spec_replicas(d)
        current = rollout.spec_replicas(new_rs)
        if current != desired:
            target = desired if current > desired else rollout.new_rs_replicas(d, _all(new_rs, old_rs), new_rs)
            if target != current:
                new_rs = await self._writer.scale(d, new_rs, target)
                await self._rollout_status(d, new_rs, old_rs)
                return
        if any(rollout.spec_replicas(rs) for rs in old_rs):
            budget = rollout.old_scale_down_budget(d, _all(new_rs, old_rs), new_rs)
            if budget > 0:
                before = [rollout.spec_replicas(rs) for rs in old_rs]
                _, old_rs = await self._apply_sizes(d, None, old_rs, rollout.cleanup_unhealthy(old_rs, budget))
                _, old_rs = await self._apply_sizes(
                    d, None, old_rs, rollout.scale_down_old(d, _all(new_rs, old_rs), old_rs)
                )
                if before != [rollout.spec_replicas(rs) for rs in old_rs]:
                    await self._rollout_status(d, new_rs, old_rs)
                    return
        if conditions.complete(d, d.get("status") or {}):
            old_rs = await self._cleanup(d, old_rs)
        await self._rollout_status(d, new_rs, old_rs)

    async def _recreate(self, d: dict[str, Any], rs_list: list[RS]) -> None:
        d, new_rs, old_rs = await self._all_replicasets(d, rs_list, create=False)
        active_old = {rollout.name(rs): 0 for rs in old_rs if rollout.spec_replicas(rs) > 0}
        if active_old:
            new_rs, old_rs = await self._apply_sizes(d, new_rs, old_rs, active_old)
            await self._rollout_status(d, new_rs, old_rs)
            return
        if self._old_pods_running(old_rs):
            await self._rollout_status(d, new_rs, old_rs)
            return
        if new_rs is None:
            d, new_rs, old_rs = await self._all_replicasets(d, rs_list, create=True)
            if new_rs is None:
                return
        if rollout.spec_replicas(new_rs) != rollout.spec_replicas(d):
            new_rs = await self._writer.scale(d, new_rs, rollout.spec_replicas(d))
            await self._rollout_status(d, new_rs, old_rs)
            return
        if conditions.complete(d, d.get("status") or {}):
            old_rs = await self._cleanup(d, old_rs)
        await self._rollout_status(d, new_rs, old_rs)

    def _old_pods_running(self, old_rs: list[RS]) -> bool:
        if any(rollout.status_count(rs, "replicas") for rs in old_rs):
            return True
        uids = {(rs.get("metadata") or {}).get("uid") for rs in old_rs}
        for namespace in {_key(rs)[0] for rs in old_rs}:
            for stored in self.informers.list(PODS, namespace=namespace):
                ref = podcontrol.controller_of(stored.obj)
                phase = (stored.obj.get("status") or {}).get("phase")
                if ref is not None and ref.get("uid") in uids and phase not in ("Succeeded", "Failed"):
                    return True
        return False

    async def _cleanup(self, d: dict[str, Any], old_rs: list[RS]) -> list[RS]:
        doomed = rollout.history_to_delete(d, old_rs)
        for rs in doomed:
            await self._writer.delete(rs)
        return [rs for rs in old_rs if not any(rs is gone for gone in doomed)]

    async def _rollout_status(self, d: dict[str, Any], new_rs: RS | None, old_rs: list[RS]) -> None:
        now = meta.now()
        status = conditions.rollout_status(d, _all(new_rs, old_rs), new_rs, now)
        written = await self._writer.write_status(d, status)
        left = conditions.seconds_to_deadline(written, written.get("status") or {}, now)
        if left is not None and not conditions.complete(written, written.get("status") or {}):
            self.queue.add_after(_key(d), max(left, 0) + 1.0)


def _all(new_rs: RS | None, old_rs: list[RS]) -> list[RS]:
    return [*old_rs, new_rs] if new_rs is not None else list(old_rs)


def _saturated(d: dict[str, Any], rs: RS) -> bool:
    desired = rollout.spec_replicas(d)
    return (
        rollout.int_annotation(rs, rollout.DESIRED_REPLICAS) == desired
        and rollout.spec_replicas(rs) == desired
        and rollout.status_count(rs, "availableReplicas") == desired
    )
