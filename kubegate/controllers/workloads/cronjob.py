"""The CronJob controller (kube-controller-manager's `cronjob-controller`, the v2 one).

Each pass over a CronJob: drop finished and vanished Jobs from `status.active` (recording
`SawCompletedJob` / `MissingJob`), trim finished Jobs to the history limits, then, unless
suspended, find the most recent time the schedule was due since the last run (or creation;
never earlier than `startingDeadlineSeconds` ago) and start a Job for it, named
`<cronjob>-<scheduled time in unix minutes>` so a time is never run twice, honouring
`concurrencyPolicy` (Forbid skips while one runs, Replace deletes the running ones first).
The next due time is put on the queue with `add_after`; all times come from the server clock
(`meta.now`), so tests move the clock instead of waiting. `timeZone` and `CRON_TZ=` use the
system's zoneinfo.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from kubegate.api import errors, meta
from kubegate.controllers.events import NORMAL, WARNING
from kubegate.controllers.workloads import schedule as cron
from kubegate.controllers.workloads.controlled import WorkloadController, int_field, terminating
from kubegate.controllers.workloads.job_status import finished_type
from kubegate.controllers.workloads.podcontrol import controller_ref
from kubegate.registry.objects import ObjectKey

JOBS = ("batch", "jobs")
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"


_outcome = finished_type


def _rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339: `Z` for UTC, else the numeric offset."""
    text = moment.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _reference(job: dict[str, Any]) -> dict[str, Any]:
    metadata = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": metadata["name"], "namespace": metadata.get("namespace", ""),
            "resourceVersion": metadata.get("resourceVersion", ""), "uid": metadata.get("uid", "")}


class CronJobController(WorkloadController):
    name = "cronjob"
    component = "cronjob-controller"
    resource = ("batch", "cronjobs")
    kind = "CronJob"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watch(JOBS, self.owner_keys)

    async def reconcile(self, key: ObjectKey) -> None:
        cronjob = self.current(key)
        if cronjob is None:
            return
        jobs = self.owned(JOBS, cronjob)
        await self._tidy(cronjob, jobs)
        await self._trim_history(cronjob, jobs)
        cronjob = self.current(key)
        spec = (cronjob or {}).get("spec") or {}
        if cronjob is None or terminating(cronjob) or spec.get("suspend") is True:
            return
        try:
            parsed = cron.parse(str(spec.get("schedule") or ""), time_zone=spec.get("timeZone"))
        except cron.ScheduleError as error:
            await self.recorder.event(cronjob, WARNING, "UnparseableSchedule",
                                      f"unparseable schedule: \"{spec.get('schedule')}\" : {error}")
            return
        now = meta.now()
        status = cronjob.get("status") or {}
        earliest = (meta.parse_time(str(status.get("lastScheduleTime") or ""))
                    or meta.parse_time(str(cronjob["metadata"].get("creationTimestamp") or "")) or now)
        deadline = spec.get("startingDeadlineSeconds")
        if isinstance(deadline, int):
            earliest = max(earliest, now - timedelta(seconds=deadline))
        upcoming = parsed.next_after(now)
        if upcoming is not None:
            self.queue.add_after(key, (upcoming - now).total_seconds() + 0.1)
        due = parsed.times_between(earliest, now, limit=1)
        if due:
            await self._run(cronjob, due[-1], parsed)

    async def _run(self, cronjob: dict[str, Any], scheduled: datetime, parsed: cron.Schedule) -> None:
        namespace, name = cronjob["metadata"].get("namespace", ""), cronjob["metadata"]["name"]
        job_name = f"{name}-{int(scheduled.timestamp()) // 60}"
        if self.cache.get(JOBS, (namespace, job_name)) is not None:
            return  # this time has run already
        active = [r for r in (cronjob.get("status") or {}).get("active") or [] if isinstance(r, dict)]
        policy = (cronjob.get("spec") or {}).get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and active:
            return
        jobs_api = self.api(*JOBS)
        if policy == "Replace":
            for reference in active:
                await self.client.delete(jobs_api, namespace, str(reference.get("name")), uid=str(reference.get("uid", "")))
                await self.recorder.event(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {reference.get('name')}")
            active = []
        template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
        template_meta = template.get("metadata") or {}
        body = {
            "metadata": {
                "name": job_name,
                "labels": dict(template_meta.get("labels") or {}),
                "annotations": {**(template_meta.get("annotations") or {}),
                                SCHEDULED_ANNOTATION: _rfc3339(scheduled.astimezone(parsed.zone))},
                "ownerReferences": [controller_ref(cronjob)],
            },
            "spec": template.get("spec") or {},
        }
        if not body["metadata"]["labels"]:
            del body["metadata"]["labels"]
        try:
            created = await self.client.create(jobs_api, namespace, body)
        except errors.StatusError as error:
            await self.recorder.event(cronjob, WARNING, "FailedCreate", f"Error creating job: {error.message}")
            return
        if created is None:
            return
        await self.recorder.event(cronjob, NORMAL, "SuccessfulCreate", f"Created job {job_name}")
        references = [*active, _reference(created.obj)]
        when = meta.format_time(scheduled)
        await self.write_status(cronjob, lambda old: {**old, "active": references, "lastScheduleTime": when})

    async def _tidy(self, cronjob: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
        """Finished and missing Jobs leave status.active; running ones of ours join it."""
        by_uid = {j["metadata"]["uid"]: j for j in jobs}
        active = [r for r in (cronjob.get("status") or {}).get("active") or [] if isinstance(r, dict)]
        kept: list[dict[str, Any]] = []
        last_success = meta.parse_time(str((cronjob.get("status") or {}).get("lastSuccessfulTime") or ""))
        for reference in active:
            job = by_uid.get(str(reference.get("uid")))
            if job is None:
                await self.recorder.event(cronjob, NORMAL, "MissingJob", f"Active job went missing: {reference.get('name')}")
                continue
            outcome = _outcome(job)
            if outcome is None:
                kept.append(reference)
                continue
            await self.recorder.event(cronjob, NORMAL, "SawCompletedJob", f"Saw completed job: {job['metadata']['name']}, status: {outcome}")
        listed = {str(r.get("uid")) for r in kept}
        kept += [_reference(j) for j in jobs if _outcome(j) is None and j["metadata"]["uid"] not in listed and not terminating(j)]
        for job in jobs:
            completed = meta.parse_time(str((job.get("status") or {}).get("completionTime") or ""))
            if _outcome(job) == "Complete" and completed is not None and (last_success is None or completed > last_success):
                last_success = completed

        def change(old: dict[str, Any]) -> dict[str, Any]:
            new = {**old}
            if kept:
                new["active"] = kept
            else:
                new.pop("active", None)
            if last_success is not None:
                new["lastSuccessfulTime"] = meta.format_time(last_success)
            return new

        await self.write_status(cronjob, change)

    async def _trim_history(self, cronjob: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
        spec = cronjob.get("spec") or {}
        jobs_api = self.api(*JOBS)
        for outcome, field, default in (("Complete", "successfulJobsHistoryLimit", 3), ("Failed", "failedJobsHistoryLimit", 1)):
            done = sorted((j for j in jobs if _outcome(j) == outcome and not terminating(j)),
                          key=lambda j: str((j.get("status") or {}).get("startTime") or j["metadata"].get("creationTimestamp", "")))
            for job in done[: max(0, len(done) - int_field(spec, field, default))]:
                metadata = job["metadata"]
                await self.client.delete(jobs_api, metadata.get("namespace", ""), metadata["name"], uid=metadata["uid"])
                await self.recorder.event(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {metadata['name']}")
