"""The Job controller (kube-controller-manager's `job-controller`), with TTL-after-finished.

A Job runs pods until `completions` of them succeed (Indexed: one per index, each pod told its
index by annotation, label, hostname and `JOB_COMPLETION_INDEX`), at most `parallelism` at a
time; it fails once more than `backoffLimit` pods failed or it has been active longer than
`activeDeadlineSeconds`. Pods are counted exactly once, as upstream's tracking with finalizers
does: each pod carries `batch.kubernetes.io/job-tracking`; a finished pod's uid goes to
`status.uncountedTerminatedPods`, then its finalizer is removed, then it moves into
`succeeded`/`failed`. Outcomes follow 1.32 (`job_status`). `suspend` deletes the active pods.
A finished Job with `ttlSecondsAfterFinished` is deleted when that time has passed (upstream's
separate ttl-after-finished controller). Not simulated: podFailurePolicy, backoffLimitPerIndex,
successPolicy, and the exponential delay before replacing failed pods.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, WARNING
from kubegate.controllers.workloads import job_status as js
from kubegate.controllers.workloads.controlled import (
    WorkloadController,
    finished,
    int_field,
    set_condition,
    terminating,
)
from kubegate.controllers.workloads.podcontrol import is_active, is_ready, pod_from_template
from kubegate.registry.objects import ObjectKey


class JobController(WorkloadController):
    name = "job"
    component = "job-controller"
    resource = ("batch", "jobs")
    kind = "Job"

    async def reconcile(self, key: ObjectKey) -> None:
        job = self.current(key)
        if job is None:
            return
        pods = self.owned(("", "pods"), job)
        if js.finished_type(job) or terminating(job):
            await self._release(job, pods, count=False)
            await self._expire(job, key)
            return
        outcome = js.pending_outcome(job)
        # an interim condition (SuccessCriteriaMet/FailureTarget) does not stop the counting: pods that
        # ended before or while the Job finishes are counted before their finalizers go
        await self._release(job, pods, count=True)
        job = self.current(key)
        if job is None:
            return
        pods = self.owned(("", "pods"), job)
        spec, status = job.get("spec") or {}, job.get("status") or {}
        now = meta.now()
        if spec.get("suspend") is True:
            for pod in filter(is_active, pods):
                await self.pods.delete_pod(job, pod)
            await self._write(job, pods, suspended=True)
            return
        started = meta.parse_time(str(status.get("startTime") or "")) or now
        active = [p for p in pods if is_active(p)]
        # pods may have ended while _release wrote (the cache moves on during its awaits): those still
        # carry the finalizer and are counted by the next pass, but are already judged on, as upstream does
        succeeded, failed, done = js.tally(job, pods)
        if outcome is None:
            outcome = self._judge(job, active=active, succeeded=succeeded, failed=failed, done=done, started=started, now=now)
        if outcome is not None:
            for pod in active:
                await self.pods.delete_pod(job, pod)
        else:
            await self._scale(job, active, succeeded=succeeded, done=done)
            deadline = spec.get("activeDeadlineSeconds")
            if isinstance(deadline, int):
                self.queue.add_after(key, max(0.0, deadline - (now - started).total_seconds()))
        await self._write(job, self.owned(("", "pods"), job), outcome=outcome, started=started)

    def _judge(
        self, job: dict[str, Any], *, active: list[dict[str, Any]], succeeded: int, failed: int, done: set[int],
        started: Any, now: Any,
    ) -> str | None:
        spec = job.get("spec") or {}
        if failed > int_field(spec, "backoffLimit", 6):
            return "BackoffLimitExceeded"
        deadline = spec.get("activeDeadlineSeconds")
        if isinstance(deadline, int) and (now - started).total_seconds() >= deadline:
            return "DeadlineExceeded"
        wanted = js.completions(job)
        if wanted is None:
            return "CompletionsReached" if succeeded > 0 and not active else None
        count = len(done) if js.indexed(job) else succeeded
        return "CompletionsReached" if count >= wanted else None

    # pods ----------------------------------------------------------------------------------------

    async def _scale(self, job: dict[str, Any], active: list[dict[str, Any]], *, succeeded: int, done: set[int]) -> None:
        parallelism = js.parallelism(job)
        wanted = js.completions(job)
        if js.indexed(job) and wanted is not None:
            running = {js.index_of(p) for p in active}
            pending = [i for i in range(wanted) if i not in done and i not in running]
            for index in pending[: max(0, parallelism - len(active))]:
                await self._create(job, index)
            return
        if wanted is None:
            want = len(active) if succeeded > 0 else parallelism
        else:
            want = min(parallelism, max(0, wanted - succeeded))
        for _ in range(want - len(active)):
            await self._create(job, None)
        for pod in sorted(active, key=lambda p: (is_ready(p), p["metadata"].get("creationTimestamp", "")))[: max(0, len(active) - want)]:
            await self.pods.delete_pod(job, pod)

    async def _create(self, job: dict[str, Any], index: int | None) -> None:
        """Create one pod; podcontrol's create_pod has no finalizers option, so it is built here."""
        name = job["metadata"]["name"]
        template = copy.deepcopy((job.get("spec") or {}).get("template") or {})
        pod = pod_from_template(job, template, generate_name=f"{name}-" if index is None else f"{name}-{index}-")
        pod["metadata"]["finalizers"] = [*pod["metadata"].get("finalizers", []), js.FINALIZER]
        if index is not None:
            pod["metadata"].setdefault("annotations", {})[js.INDEX_ANNOTATION] = str(index)
            pod["metadata"]["labels"][js.INDEX_LABEL] = str(index)
            pod["spec"]["hostname"] = f"{name}-{index}"
            env = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.annotations['{js.INDEX_ANNOTATION}']"}}}
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

    async def _release(self, job: dict[str, Any], pods: list[dict[str, Any]], *, count: bool) -> None:
        """Count finished pods once: uncounted uids, finalizers off, then into succeeded/failed."""
        status = job.get("status") or {}
        uncounted = status.get("uncountedTerminatedPods") or {}
        listed = {str(u): "succeeded" for u in uncounted.get("succeeded") or []}
        listed.update({str(u): "failed" for u in uncounted.get("failed") or []})
        new: dict[str, str] = {}
        new_indexes: set[int] = set()
        tracked = [p for p in pods if js.FINALIZER in (p["metadata"].get("finalizers") or [])]
        for pod in tracked:
            uid = pod["metadata"]["uid"]
            phase = (pod.get("status") or {}).get("phase")
            if uid in listed or not count:
                continue
            if phase == "Succeeded":
                new[uid] = "succeeded"
                index = js.index_of(pod)
                if index is not None:
                    new_indexes.add(index)
            elif phase == "Failed" or terminating(pod):
                new[uid] = "failed"
        if new:
            def listed_new(old: dict[str, Any]) -> dict[str, Any]:
                lists = old.get("uncountedTerminatedPods") or {}
                for kind in ("succeeded", "failed"):
                    uids = [*lists.get(kind, []), *(u for u, k in new.items() if k == kind)]
                    if uids:
                        lists[kind] = uids
                old["uncountedTerminatedPods"] = lists
                if new_indexes:
                    done = js.parse_indexes(str(old.get("completedIndexes") or "")) | new_indexes
                    old["completedIndexes"] = js.format_indexes(done)
                return old
            await self.write_status(job, listed_new)
            listed.update(new)
        releasable = [p for p in tracked if p["metadata"]["uid"] in listed or finished(p) or terminating(p) or not count]
        if not count:
            releasable = tracked  # the Job is finished or finishing: nothing more to count
        pods_spec = self.client.spec("pods")
        for pod in releasable:
            def without(live: dict[str, Any]) -> dict[str, Any]:
                finalizers = live["metadata"].get("finalizers") or []
                if js.FINALIZER not in finalizers:
                    return live
                return {**live, "metadata": {**live["metadata"], "finalizers": [f for f in finalizers if f != js.FINALIZER]}}
            await self.client.change(pods_spec, pod["metadata"].get("namespace", ""), pod["metadata"]["name"], without)
        if listed:
            still = {p["metadata"]["uid"] for p in self.owned(("", "pods"), job)
                     if js.FINALIZER in (p["metadata"].get("finalizers") or [])}

            def counted(old: dict[str, Any]) -> dict[str, Any]:
                lists = old.get("uncountedTerminatedPods") or {}
                for kind in ("succeeded", "failed"):
                    moved = [u for u in lists.get(kind, []) if u not in still]
                    if moved:
                        old[kind] = int_field(old, kind, 0) + len(moved)
                        kept = [u for u in lists[kind] if u in still]
                        if kept:
                            lists[kind] = kept
                        else:
                            lists.pop(kind)
                old["uncountedTerminatedPods"] = lists
                return old
            await self.write_status(self.current((job["metadata"].get("namespace", ""), job["metadata"]["name"])) or job, counted)

    # status --------------------------------------------------------------------------------------

    async def _write(
        self, job: dict[str, Any], pods: list[dict[str, Any]], *, outcome: str | None = None, started: Any = None,
        suspended: bool = False,
    ) -> None:
        now = meta.format_time(meta.now())
        active = [p for p in pods if is_active(p)]
        dying = [p for p in pods if terminating(p) and not finished(p)]
        # a pod still carrying the finalizer is not counted yet: the terminal condition waits for it
        tracked = [p for p in pods if js.FINALIZER in (p["metadata"].get("finalizers") or [])]
        events: list[tuple[str, str, str]] = []

        def change(old: dict[str, Any]) -> dict[str, Any]:
            conditions = list(old.get("conditions") or [])
            suspended_now = any(c.get("type") == "Suspended" and c.get("status") == "True" for c in conditions)
            if suspended and not suspended_now:
                conditions = set_condition(conditions, js.condition("Suspended", "JobSuspended", "Job suspended", now), now=now)
                old.pop("startTime", None)
            elif not suspended and suspended_now:
                conditions = set_condition(conditions, {**js.condition("Suspended", "JobResumed", "Job resumed", now),
                                                        "status": "False"}, now=now)
            if not suspended and started is not None and not old.get("startTime"):
                old["startTime"] = meta.format_time(started)
            if outcome is not None:
                interim, terminal, message = js.OUTCOMES[outcome]
                if not any(c.get("type") == interim for c in conditions):
                    conditions.append(js.condition(interim, outcome, message, now))
                uncounted = old.get("uncountedTerminatedPods") or {}
                if not active and not dying and not uncounted.get("succeeded") and not uncounted.get("failed") \
                        and not tracked and not any(c.get("type") == terminal for c in conditions):
                    conditions.append(js.condition(terminal, outcome, message, now))
                    if terminal == "Complete":
                        old["completionTime"] = now
            old.update({"active": len(active), "ready": sum(1 for p in active if is_ready(p)), "terminating": len(dying)})
            old.setdefault("uncountedTerminatedPods", {})
            if conditions:
                old["conditions"] = conditions
            for omitted in ("active", "succeeded", "failed"):
                if not old.get(omitted):
                    old.pop(omitted, None)
            return old

        before = js.finished_type(job)
        await self.write_status(job, change)
        after = self.current((job["metadata"].get("namespace", ""), job["metadata"]["name"]))
        if after is not None and before is None:
            finished_as = js.finished_type(after)
            if finished_as == "Complete":
                events.append((NORMAL, "Completed", "Job completed"))
            elif finished_as == "Failed" and outcome is not None:
                events.append((WARNING, outcome, js.OUTCOMES[outcome][2]))
        for kind, reason, message in events:
            await self.recorder.event(after or job, kind, reason, message)

    async def _expire(self, job: dict[str, Any], key: ObjectKey) -> None:
        """ttlSecondsAfterFinished: delete the Job once that long has passed since it finished."""
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        if not isinstance(ttl, int) or terminating(job):
            return
        kind = js.finished_type(job) or ""
        condition: dict[str, Any] = next(
            (c for c in (job.get("status") or {}).get("conditions") or [] if c.get("type") == kind), {})
        since = meta.parse_time(str(condition.get("lastTransitionTime") or ""))
        if since is None:
            return
        left = ttl - (meta.now() - since).total_seconds()
        if left > 0:
            self.queue.add_after(key, left)
            return
        metadata = job["metadata"]
        await self.client.delete(self.api("batch", "jobs"), metadata.get("namespace", ""), metadata["name"], uid=metadata["uid"])
