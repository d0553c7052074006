"""The pods of a Job: creating one (with its index and, per index, its inherited failure counts),
taking the tracking finalizer off, and deleting one so that it is never counted.

Upstream's PodControl cannot add finalizers, so the Job controller builds its pods itself: the
template with `batch.kubernetes.io/job-tracking`, and for an Indexed Job the index annotation,
label, hostname `<job>-<index>` and `JOB_COMPLETION_INDEX`. With `backoffLimitPerIndex` a new pod
of an index carries how many pods of that index failed before it (`job-index-failure-count`) and
how many of those failures the pod failure policy ignored, passed on from the failed pod it
replaces.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.controllers.client import ControllerClient
from kubegate.controllers.events import NORMAL, WARNING, EventRecorder
from kubegate.controllers.workloads import job_indexes as ji
from kubegate.controllers.workloads import job_policy
from kubegate.controllers.workloads import job_status as js
from kubegate.controllers.workloads.podcontrol import PodControl, pod_from_template


@dataclass
class JobPods:
    client: ControllerClient
    recorder: EventRecorder
    pods: PodControl

    async def create(self, job: dict[str, Any], index: int | None, pods: list[dict[str, Any]]) -> None:
        """Create one pod (of `index` for an Indexed Job); `pods` are the Job's, to inherit from."""
        name = job["metadata"]["name"]
        template = copy.deepcopy((job.get("spec") or {}).get("template") or {})
        pod = pod_from_template(job, template, generate_name=f"{name}-" if index is None else f"{name}-{index}-")
        pod["metadata"]["finalizers"] = [*pod["metadata"].get("finalizers", []), js.FINALIZER]
        if index is not None:
            annotations = pod["metadata"].setdefault("annotations", {})
            annotations[ji.INDEX_ANNOTATION] = str(index)
            if js.per_index(job):
                replaced = replaced_pod(job, pods, index)
                counted = replaced is None or job_policy.match_failure(job, replaced).counts
                annotations.update(ji.inherited_counts(replaced, counted=counted))
            pod["metadata"]["labels"][ji.INDEX_LABEL] = str(index)
            pod["spec"]["hostname"] = f"{name}-{index}"
            env = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.annotations['{ji.INDEX_ANNOTATION}']"}}}
            for container in [*pod["spec"].get("initContainers", []), *pod["spec"].get("containers", [])]:
                if isinstance(container, dict):
                    container["env"] = [*container.get("env", []), env]
        try:
            stored = await self.client.create(self.client.spec("pods"), job["metadata"].get("namespace", ""), pod)
        except errors.StatusError as error:
            await self.recorder.event(job, WARNING, "FailedCreate", f"Error creating: {error.message}")
            raise
        if stored is not None:
            await self.recorder.event(job, NORMAL, "SuccessfulCreate", f"Created pod: {stored.obj['metadata']['name']}")

    async def unfinalize(self, pod: dict[str, Any]) -> None:
        """Take the tracking finalizer off (a pod already gone is fine)."""
        def without(live: dict[str, Any]) -> dict[str, Any]:
            finalizers = live["metadata"].get("finalizers") or []
            if js.FINALIZER not in finalizers:
                return live
            return {**live, "metadata": {**live["metadata"], "finalizers": [f for f in finalizers if f != js.FINALIZER]}}

        await self.client.change(self.client.spec("pods"), pod["metadata"].get("namespace", ""), pod["metadata"]["name"], without)

    async def delete_uncounted(self, job: dict[str, Any], pod: dict[str, Any]) -> None:
        """deleteJobPods: a pod removed by suspend or scale-down loses its finalizer first, so it is
        never counted as a failure."""
        await self.unfinalize(pod)
        await self.pods.delete_pod(job, pod)


def replaced_pod(job: dict[str, Any], pods: list[dict[str, Any]], index: int) -> dict[str, Any] | None:
    """The failed pod of `index` a new pod replaces: the one with the most failures before it, the
    latest on a tie (its failure-count annotations pass on)."""
    failed = [p for p in pods if ji.index_of(p) == index and js.is_failed(job, p)]
    if not failed:
        return None
    return max(failed, key=lambda p: (ji.failure_count(p) + ji.ignored_failure_count(p),
                                      str(p["metadata"].get("creationTimestamp") or "")))
