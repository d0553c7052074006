"""The StatefulSet controller (kube-controller-manager's `statefulset-controller`).

A StatefulSet's pods have stable identities (`statefulset_pods`) and come and go in order. With
`podManagementPolicy: OrderedReady` (the default) the controller creates `db-0`, waits until it
is Running and Ready, then `db-1`, and so on; scaling down removes the highest ordinal first, one
at a time, each once the rest are healthy. With `Parallel` it creates and deletes all at once.
A RollingUpdate replaces pods whose revision is not the update revision, from the highest
ordinal down to `partition`, one at a time, each after the others are Ready; pods below the
partition keep (and are recreated at) the current revision. Once every pod runs the update
revision, it becomes the current one. `OnDelete` only uses the new template for new pods.
"""

from __future__ import annotations

from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, WARNING
from kubegate.controllers.workloads import statefulset_pods as identity
from kubegate.controllers.workloads.controlled import (
    WorkloadController,
    finished,
    int_field,
    terminating,
)
from kubegate.controllers.workloads.podcontrol import is_available, is_ready
from kubegate.controllers.workloads.revisions import (
    HASH_LABEL,
    ensure_update_revision,
    template_of,
    truncate_history,
)
from kubegate.registry.objects import ObjectKey

PVCS = ("", "persistentvolumeclaims")


def _running_and_ready(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_ready(pod) and not terminating(pod)


class StatefulSetController(WorkloadController):
    name = "statefulset"
    component = "statefulset-controller"
    resource = ("apps", "statefulsets")
    kind = "StatefulSet"

    async def reconcile(self, key: ObjectKey) -> None:
        sts = self.current(key)
        if sts is None or terminating(sts):
            return
        update, revisions = await ensure_update_revision(self, sts)
        update_name = update["metadata"]["name"]
        status = sts.get("status") or {}
        by_name = {r["metadata"]["name"]: r for r in revisions}
        current_name = str(status.get("currentRevision") or "")
        if current_name not in by_name:
            current_name = update_name
        pods = self.owned(("", "pods"), sts)
        await self._sync_pods(sts, pods, update=update, current=by_name[current_name])
        pods = self.owned(("", "pods"), sts)
        live = {str(p["metadata"].get("labels", {}).get(HASH_LABEL, "")) for p in pods} | {current_name, update_name}
        await truncate_history(self, sts, revisions, live=live)
        await self.write_status(sts, lambda old: self._status(sts, old, pods, current_name, update_name))

    # pods ----------------------------------------------------------------------------------------

    async def _sync_pods(
        self, sts: dict[str, Any], pods: list[dict[str, Any]], *, update: dict[str, Any], current: dict[str, Any],
    ) -> None:
        spec = sts.get("spec") or {}
        name = sts["metadata"]["name"]
        replicas = int_field(spec, "replicas", 1)
        start = int_field(spec.get("ordinals") or {}, "start", 0)
        parallel = spec.get("podManagementPolicy") == "Parallel"
        strategy = spec.get("updateStrategy") or {}
        rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
        partition = int_field(strategy.get("rollingUpdate") or {}, "partition", 0)
        by_ordinal: dict[int, dict[str, Any]] = {}
        condemned: list[dict[str, Any]] = []
        for pod in pods:
            ordinal = identity.ordinal_of(name, pod)
            if ordinal is not None and start <= ordinal < start + replicas:
                by_ordinal[ordinal] = pod
            else:
                condemned.append(pod)
        condemned.sort(key=lambda p: identity.ordinal_of(name, p) or -1, reverse=True)

        for ordinal in range(start, start + replicas):
            found = by_ordinal.get(ordinal)
            if found is not None and finished(found) and not terminating(found):
                await self._delete(sts, found)  # a failed or succeeded pod is replaced
                if not parallel:
                    return
                continue
            if found is None:
                revision = current if rolling and ordinal < partition else update
                await self._create(sts, ordinal, revision)
                if not parallel:
                    return
                continue
            if not parallel and not _running_and_ready(found):
                return  # OrderedReady: the next ordinal waits for this one

        for pod in condemned:
            if terminating(pod):
                if not parallel:
                    return
                continue
            if not parallel and not all(_running_and_ready(p) for p in by_ordinal.values()):
                return
            await self._delete(sts, pod)
            if not parallel:
                return

        if not rolling or len(by_ordinal) < replicas or any(map(finished, by_ordinal.values())):
            return  # updates start once every ordinal exists
        update_name = update["metadata"]["name"]
        for ordinal in sorted(by_ordinal, reverse=True):
            if ordinal < partition:
                break
            pod = by_ordinal[ordinal]
            if pod["metadata"].get("labels", {}).get(HASH_LABEL) != update_name:
                if not terminating(pod) and all(_running_and_ready(p) for p in by_ordinal.values()):
                    await self._delete(sts, pod)
                return
            if not _running_and_ready(pod):
                return  # wait until the replaced pod is back and Ready

    async def _create(self, sts: dict[str, Any], ordinal: int, revision: dict[str, Any]) -> None:
        set_name = sts["metadata"]["name"]
        namespace = sts["metadata"].get("namespace", "")
        pod_name = f"{set_name}-{ordinal}"
        claims = self.api("", "persistentvolumeclaims")
        for claim_template in identity.claim_templates(sts):
            claim = identity.claim_for(sts, claim_template, ordinal)
            claim_name = claim["metadata"]["name"]
            if self.cache.get(PVCS, (namespace, claim_name)) is not None:
                continue
            try:
                created = await self.client.create(claims, namespace, claim)
            except errors.StatusError as error:
                await self.recorder.event(sts, WARNING, "FailedCreate",
                                          f"create Claim {claim_name} for Pod {pod_name} in StatefulSet {set_name} "
                                          f"failed error: {error.message}")
                return
            if created is not None:
                await self.recorder.event(sts, NORMAL, "SuccessfulCreate",
                                          f"create Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} success")
        template = template_of(revision)
        try:
            stored = await self.pods.create_pod(
                sts, template, record=False, **identity.pod_identity(sts, template, ordinal, revision["metadata"]["name"])
            )
        except errors.StatusError as error:
            await self.recorder.event(sts, WARNING, "FailedCreate",
                                      f"create Pod {pod_name} in StatefulSet {set_name} failed error: {error.message}")
            return
        if stored is not None:
            await self.recorder.event(sts, NORMAL, "SuccessfulCreate", f"create Pod {pod_name} in StatefulSet {set_name} successful")

    async def _delete(self, sts: dict[str, Any], pod: dict[str, Any]) -> None:
        set_name, pod_name = sts["metadata"]["name"], pod["metadata"]["name"]
        try:
            await self.pods.delete_pod(sts, pod, record=False)
        except errors.StatusError as error:
            await self.recorder.event(sts, WARNING, "FailedDelete",
                                      f"delete Pod {pod_name} in StatefulSet {set_name} failed error: {error.message}")
            return
        await self.recorder.event(sts, NORMAL, "SuccessfulDelete", f"delete Pod {pod_name} in StatefulSet {set_name} successful")

    # status --------------------------------------------------------------------------------------

    def _status(
        self, sts: dict[str, Any], old: dict[str, Any], pods: list[dict[str, Any]], current: str, update: str,
    ) -> dict[str, Any]:
        spec = sts.get("spec") or {}
        min_ready = int_field(spec, "minReadySeconds", 0)
        now = meta.now()
        counted = [p for p in pods if not finished(p)]

        def revision(pod: dict[str, Any]) -> str:
            return str((pod["metadata"].get("labels") or {}).get(HASH_LABEL, ""))

        status: dict[str, Any] = {
            **old,
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(counted),
            "readyReplicas": sum(1 for p in counted if _running_and_ready(p)),
            "availableReplicas": sum(1 for p in counted if _running_and_ready(p) and is_available(p, min_ready, now)),
            "currentReplicas": sum(1 for p in counted if revision(p) == current),
            "updatedReplicas": sum(1 for p in counted if revision(p) == update),
            "currentRevision": current,
            "updateRevision": update,
            "collisionCount": int_field(old, "collisionCount", 0),
        }
        rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        replicas = int_field(spec, "replicas", 1)
        if (rolling and current != update and status["updatedReplicas"] == replicas
                and status["readyReplicas"] == replicas and status["replicas"] == replicas):
            status["currentRevision"] = update
            status["currentReplicas"] = status["updatedReplicas"]
        for zero in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if status[zero] == 0:
                status.pop(zero)  # omitempty, as a real StatefulSet's status shows
        return status
