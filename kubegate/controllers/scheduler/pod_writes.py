"""The scheduler's writes to pods besides binding: status conditions, nominations, evictions.

A pod that does not fit gets the PodScheduled False condition (and, after a preemption, the
node it is nominated to) through `pods/status`, as kube-scheduler's updatePod does, written only
when something changed. Carrying out a preemption (prepareCandidate) is, for each victim: the
DisruptionTarget condition (reason PreemptionByScheduler, `<scheduler>: preempting to accommodate
a higher priority pod`), then a plain delete (the pod's own grace period), then a `Preempted`
event on the victim naming the preemptor by uid; pods of lower priority nominated to the same
node lose their nomination.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from typing import Any

from kubegate.api import errors
from kubegate.api.deleteoptions import DeleteOptions
from kubegate.controllers.events import NORMAL, SeriesRecorder
from kubegate.registry import binding
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.scheduler")

Track = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
#: a change to a live pod (a copy); False when it changed nothing
Change = Callable[[dict[str, Any]], bool]

DISRUPTION_TARGET = "DisruptionTarget"
PREEMPTION_REASON = "PreemptionByScheduler"


class PodWrites:
    def __init__(self, rest: GenericStore, spec: ResourceSpec, recorder: SeriesRecorder, *,
                 scheduler_name: str, track: Track | None) -> None:
        self._rest = rest
        self._spec = spec
        self._recorder = recorder
        self._scheduler_name = scheduler_name
        self._track = track

    async def status(self, pod: Mapping[str, Any], change: Change) -> None:
        """Apply `change` to the live status of this very pod (by uid); gone or replaced is fine."""
        metadata = pod["metadata"]
        namespace, name, uid = metadata.get("namespace", ""), metadata["name"], metadata.get("uid")

        async def updated(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or live["metadata"].get("uid") != uid:
                raise errors.not_found("pods", name)
            new = copy.deepcopy(live)
            return new if change(new) else live  # nothing new: no write

        try:
            await self._rest.update(self._spec, namespace, name, updated, subresource="status", track=self._track)
        except errors.StatusError as error:
            if error.code not in (404, 409):
                raise

    async def unschedulable(self, pod: Mapping[str, Any], message: str, *, nominate: str | None = None) -> None:
        """PodScheduled False/Unschedulable with the FitError text; `nominate` sets (or with "",
        clears) status.nominatedNodeName, None leaves it."""
        condition = {"type": binding.POD_SCHEDULED, "status": "False", "reason": "Unschedulable", "message": message}

        def change(live: dict[str, Any]) -> bool:
            changed = binding.set_condition(live, condition)
            status = live.setdefault("status", {})
            if nominate is not None and (status.get("nominatedNodeName") or "") != nominate:
                if nominate:
                    status["nominatedNodeName"] = nominate
                else:
                    status.pop("nominatedNodeName", None)
                changed = True
            return changed

        await self.status(pod, change)

    async def evict(self, victim: Mapping[str, Any], *, preemptor: Mapping[str, Any], node: str) -> None:
        condition = {"type": DISRUPTION_TARGET, "status": "True", "reason": PREEMPTION_REASON,
                     "message": f"{self._scheduler_name}: preempting to accommodate a higher priority pod"}
        await self.status(victim, lambda live: binding.set_condition(live, condition))
        metadata = victim["metadata"]
        try:
            await self._rest.delete(self._spec, metadata.get("namespace", ""), metadata["name"],
                                    DeleteOptions(precondition_uid=str(metadata.get("uid") or "")))
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone already, or replaced: nothing to preempt
                raise
            log.debug("preempting %s: %s", metadata["name"], error.message)
            return
        uid = (preemptor.get("metadata") or {}).get("uid")
        await self._recorder.event(dict(victim), NORMAL, "Preempted", "Preempting",
                                   f"Preempted by pod {uid} on node {node}", related=dict(preemptor))

    async def clear_nomination(self, pod: Mapping[str, Any]) -> None:
        def change(live: dict[str, Any]) -> bool:
            return (live.get("status") or {}).pop("nominatedNodeName", None) is not None

        await self.status(pod, change)
