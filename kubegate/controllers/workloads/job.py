"""The Job controller (kube-controller-manager's `job-controller`), with TTL-after-finished.

A Job runs pods until `completions` of them succeed (Indexed: one per index, each pod told its
index by annotation, label, hostname and `JOB_COMPLETION_INDEX`), at most `parallelism` at a
time; it fails once more than `backoffLimit` pods failed, or it has been active longer than
`activeDeadlineSeconds`, or a `podFailurePolicy` FailJob rule matches a failed pod. Indexed Jobs
may also fail per index (`backoffLimitPerIndex`, `maxFailedIndexes`) and succeed early by a
`successPolicy`. Pods are counted exactly once, as upstream's tracking with finalizers does: each
pod carries `batch.kubernetes.io/job-tracking`; a finished pod's uid goes to
`status.uncountedTerminatedPods` (an Indexed Job's succeeded pods to `completedIndexes`), then
its finalizer is removed, then it moves into `succeeded`/`failed`. How each pod counts is
`job_status.counted_as`; outcomes follow 1.32 (`job_status`). `suspend` deletes the active pods.
`podReplacementPolicy: Failed` (and any pod failure policy) replaces a deleted pod only once it
has failed. A finished Job with `ttlSecondsAfterFinished` is deleted when that time has passed
(upstream's separate ttl-after-finished controller). Not simulated: the exponential delay before
replacing failed pods.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import meta
from kubegate.controllers.events import NORMAL, WARNING
from kubegate.controllers.workloads import job_indexes as ji
from kubegate.controllers.workloads import job_policy
from kubegate.controllers.workloads import job_status as js
from kubegate.controllers.workloads.controlled import (
    WorkloadController,
    finished,
    int_field,
    set_condition,
    terminating,
)
from kubegate.controllers.workloads.job_pods import JobPods
from kubegate.controllers.workloads.podcontrol import is_active, is_ready
from kubegate.registry.objects import ObjectKey

PODS = ("", "pods")


class JobController(WorkloadController):
    name = "job"
    component = "job-controller"
    resource = ("batch", "jobs")
    kind = "Job"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job_pods = JobPods(self.client, self.recorder, self.pods)

    async def reconcile(self, key: ObjectKey) -> None:
        job = self.current(key)
        if job is None:
            return
        pods = self.owned(PODS, job)
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
        pods = self.owned(PODS, job)
        spec, status = job.get("spec") or {}, job.get("status") or {}
        now = meta.now()
        if spec.get("suspend") is True:
            for pod in filter(is_active, pods):
                await self.job_pods.delete_uncounted(job, pod)
            await self._write(job, pods, suspended=True)
            return
        started = meta.parse_time(str(status.get("startTime") or "")) or now
        active = [p for p in pods if is_active(p)]
        # pods may have ended while _release wrote (the cache moves on during its awaits): those still
        # carry the finalizer and are counted by the next pass, but are already judged on, as upstream does
        counts = js.tally(job, pods)
        if outcome is None:
            outcome = self._judge(job, pods, active=active, counts=counts, started=started, now=now)
            if outcome is not None:
                await self._finish(key, job, active, outcome)
                job = self.current(key) or job
        elif active:
            for pod in active:
                await self.pods.delete_pod(job, pod)
        if outcome is None:
            await self._scale(job, pods, active, counts)
            deadline = spec.get("activeDeadlineSeconds")
            if isinstance(deadline, int):
                self.queue.add_after(key, max(0.0, deadline - (now - started).total_seconds()))
        await self._write(job, self.owned(PODS, job), outcome=outcome, started=started)

    def _judge(
        self, job: dict[str, Any], pods: list[dict[str, Any]], *, active: list[dict[str, Any]], counts: js.Tally,
        started: Any, now: Any,
    ) -> js.Outcome | None:
        """syncJob's order: pod failure policy, backoff limit, deadline, failed indexes, success
        policy, then completions."""
        spec = job.get("spec") or {}
        message = js.fail_job_message(job, pods)
        if message is not None:
            return js.pod_failure_policy(message)
        if counts.failed > int_field(spec, "backoffLimit", 6) or js.restarts_exceed_backoff(job, pods):
            return js.OUTCOMES["BackoffLimitExceeded"]
        deadline = spec.get("activeDeadlineSeconds")
        if isinstance(deadline, int) and (now - started).total_seconds() >= deadline:
            return js.OUTCOMES["DeadlineExceeded"]
        wanted = js.completions(job)
        if js.indexed(job) and wanted is not None:
            if js.per_index(job):
                limit = spec.get("maxFailedIndexes")
                failed = len(counts.failed_indexes)
                if isinstance(limit, int) and failed > limit:
                    return js.OUTCOMES["MaxFailedIndexesExceeded"]
                if failed and failed + len(counts.done) >= wanted:
                    return js.OUTCOMES["FailedIndexes"]
            message = job_policy.match_success(job, counts.done)
            if message is not None:
                return js.success_policy(message)
        if wanted is None:
            return js.OUTCOMES["CompletionsReached"] if counts.succeeded > 0 and not active else None
        return js.OUTCOMES["CompletionsReached"] if counts.succeeded >= wanted else None

    async def _finish(self, key: ObjectKey, job: dict[str, Any], active: list[dict[str, Any]], outcome: js.Outcome) -> None:
        """The Job has just met its outcome: delete what runs, record the interim condition, and
        count and release every pod in its light (upstream does all three in one sync)."""
        for pod in active:
            await self.pods.delete_pod(job, pod)
        now = meta.format_time(meta.now())

        def interim(old: dict[str, Any]) -> dict[str, Any]:
            conditions = list(old.get("conditions") or [])
            if not any(c.get("type") == outcome.interim for c in conditions):
                conditions.append(js.condition(outcome.interim, outcome.reason, outcome.message, now))
            old["conditions"] = conditions
            return old

        await self.write_status(job, interim)
        current = self.current(key) or job
        if js.pending_outcome(current) is None:  # the cache has not caught up with the write yet
            current = {**current, "status": interim(copy.deepcopy(current.get("status") or {}))}
        await self._release(current, self.owned(PODS, current), count=True)

    # pods ----------------------------------------------------------------------------------------

    async def _scale(self, job: dict[str, Any], pods: list[dict[str, Any]], active: list[dict[str, Any]],
                     counts: js.Tally) -> None:
        parallelism = js.parallelism(job)
        wanted = js.completions(job)
        # podReplacementPolicy Failed: a pod being deleted takes its place until it has failed
        dying = [p for p in pods if terminating(p) and not finished(p)] if js.only_replace_failed(job) else []
        if js.indexed(job) and wanted is not None:
            busy = {ji.index_of(p) for p in [*active, *dying]}
            pending = [i for i in range(wanted) if i not in counts.done and i not in counts.failed_indexes and i not in busy]
            room = min(parallelism, max(0, wanted - len(counts.done))) - len(active) - len(dying)
            for index in pending[: max(0, room)]:
                await self.job_pods.create(job, index, pods)
            return
        if wanted is None:
            want = len(active) if counts.succeeded > 0 else parallelism
        else:
            want = min(parallelism, max(0, wanted - counts.succeeded))
        for _ in range(want - len(active) - len(dying)):
            await self.job_pods.create(job, None, pods)
        for pod in sorted(active, key=lambda p: (is_ready(p), p["metadata"].get("creationTimestamp", "")))[: max(0, len(active) - want)]:
            await self.job_pods.delete_uncounted(job, pod)

    async def _release(self, job: dict[str, Any], pods: list[dict[str, Any]], *, count: bool) -> None:
        """Count finished pods once: uncounted uids, finalizers off, then into succeeded/failed."""
        status = job.get("status") or {}
        uncounted = status.get("uncountedTerminatedPods") or {}
        listed = {str(u): "succeeded" for u in uncounted.get("succeeded") or []}
        listed.update({str(u): "failed" for u in uncounted.get("failed") or []})
        finishing = js.pending_outcome(job)
        new: dict[str, str] = {}
        new_indexes: set[int] = set()
        new_failed_indexes: set[int] = set()
        releasable: list[dict[str, Any]] = []
        for pod in filter(js.tracked, pods):
            uid = pod["metadata"]["uid"]
            verdict = None if uid in listed or not count else js.counted_as(job, pod, finishing)
            if uid in listed or not count or verdict is not None:
                releasable.append(pod)  # the Job is finished or finishing: nothing more to count
            index = ji.index_of(pod)
            if verdict == "succeeded":
                if js.indexed(job) and index is not None:
                    new_indexes.add(index)  # an Indexed Job counts indexes, not pods
                else:
                    new[uid] = "succeeded"
            elif verdict == "failed":
                new[uid] = "failed"
                if js.per_index(job) and index is not None and js.index_failed(job, pod):
                    new_failed_indexes.add(index)
        if new or new_indexes or new_failed_indexes:
            await self.write_status(job, lambda old: js.with_listed(job, old, new, new_indexes, new_failed_indexes))
            listed.update(new)
        for pod in releasable:
            await self.job_pods.unfinalize(pod)
        if listed:
            still = {p["metadata"]["uid"] for p in self.owned(PODS, job) if js.tracked(p)}

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
        self, job: dict[str, Any], pods: list[dict[str, Any]], *, outcome: js.Outcome | None = None,
        started: Any = None, suspended: bool = False,
    ) -> None:
        now = meta.format_time(meta.now())
        active = [p for p in pods if is_active(p)]
        dying = [p for p in pods if terminating(p) and not finished(p)]
        # a pod still carrying the finalizer is not counted yet: the terminal condition waits for it
        tracked = [p for p in pods if js.tracked(p)]

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
                if not any(c.get("type") == outcome.interim for c in conditions):
                    conditions.append(js.condition(outcome.interim, outcome.reason, outcome.message, now))
                uncounted = old.get("uncountedTerminatedPods") or {}
                if not active and not dying and not uncounted.get("succeeded") and not uncounted.get("failed") \
                        and not tracked and not any(c.get("type") == outcome.terminal for c in conditions):
                    conditions.append(js.condition(outcome.terminal, outcome.reason, outcome.message, now))
                    if outcome.terminal == "Complete":
                        old["completionTime"] = now
            old.update({"active": len(active), "ready": sum(1 for p in active if is_ready(p)), "terminating": len(dying)})
            old.setdefault("uncountedTerminatedPods", {})
            if js.per_index(job):
                old.setdefault("failedIndexes", "")
            if conditions:
                old["conditions"] = conditions
            for omitted in ("active", "succeeded", "failed"):
                if not old.get(omitted):
                    old.pop(omitted, None)
            return old

        before = js.finished_type(job)
        await self.write_status(job, change)
        after = self.current((job["metadata"].get("namespace", ""), job["metadata"]["name"]))
        if after is not None and before is None and outcome is not None:
            finished_as = js.finished_type(after)
            if finished_as == "Complete":
                await self.recorder.event(after, NORMAL, "Completed", "Job completed")
            elif finished_as == "Failed":
                await self.recorder.event(after, WARNING, outcome.reason, outcome.message)

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

