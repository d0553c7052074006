"""The CronJob controller over HTTPS, on a fake clock: Jobs per due time, concurrency, history.

The server clock is a `FakeClock`; after moving it the test hands the CronJob's key to the
controller (its real wake-up is a timer on the event loop) and waits on `settle()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from kubegate.api import clock
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
CRONJOBS = f"/apis/batch/v1/namespaces/{NS}/cronjobs"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
START = datetime(2025, 1, 15, 10, 0, 30, tzinfo=UTC)
MINUTES = int(START.timestamp()) // 60  # the minute START falls in


def cronjob(**spec: Any) -> dict[str, Any]:
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    return {"metadata": {"name": "hello"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"metadata": {"labels": {"app": "hello"}},
                                                             "spec": {"template": template}}, **spec}}


@pytest.fixture
def fake() -> Iterator[clock.FakeClock]:
    fake = clock.FakeClock(START)
    with clock.installed(fake):
        yield fake


@pytest.fixture
async def api(start_server: StartServer, fake: clock.FakeClock) -> InProcessServer:
    return await start_server(nodes=0)


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def tick(api: InProcessServer, fake: clock.FakeClock, *, minutes: int = 1, seconds: int = 0) -> None:
    fake.advance(seconds=60 * minutes + seconds)
    assert api.state.controllers is not None
    controller = next(c for c in api.state.controllers.controllers if c.name == "cronjob")
    controller.queue.add((NS, "hello"))
    await api.state.settle()


async def job_names(api: InProcessServer, admin: Identity) -> list[str]:
    return sorted(j["metadata"]["name"] for j in (await get(api, admin, JOBS))["items"] if not j["metadata"].get("deletionTimestamp"))


async def finish(api: InProcessServer, admin: Identity, name: str, kind: str = "Complete") -> None:
    job = await get(api, admin, f"{JOBS}/{name}")
    now = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    conditions = [{"type": "SuccessCriteriaMet" if kind == "Complete" else "FailureTarget", "status": "True",
                   "reason": "X", "message": "x", "lastTransitionTime": now},
                  {"type": kind, "status": "True", "reason": "X", "message": "x", "lastTransitionTime": now}]
    job["status"] = {**job.get("status", {}), "conditions": conditions, "startTime": job["status"].get("startTime", now)}
    if kind == "Complete":
        job["status"].update(completionTime=now, succeeded=1)
    response = await api.request("PUT", f"{JOBS}/{name}/status", identity=admin, json=job)
    assert response.status == 200, response.text
    await api.state.settle()


async def reasons(api: InProcessServer, admin: Identity) -> list[tuple[str, str]]:
    items = (await get(api, admin, f"/api/v1/namespaces/{NS}/events"))["items"]
    return [(e["reason"], e["message"]) for e in items if e["involvedObject"]["name"] == "hello"]


async def test_a_job_per_due_minute(api: InProcessServer, admin: Identity, fake: clock.FakeClock) -> None:
    response = await api.request("POST", CRONJOBS, identity=admin, json=cronjob())
    assert response.status == 201, response.text
    await api.state.settle()
    assert await job_names(api, admin) == []
    await tick(api, fake)
    first = f"hello-{MINUTES + 1}"
    assert await job_names(api, admin) == [first]
    job = await get(api, admin, f"{JOBS}/{first}")
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2025-01-15T10:01:00Z"
    assert job["metadata"]["labels"]["app"] == "hello"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = (await get(api, admin, f"{CRONJOBS}/hello"))["status"]
    assert status["lastScheduleTime"] == "2025-01-15T10:01:00Z"
    assert [r["name"] for r in status["active"]] == [first]

    await finish(api, admin, first)
    status = (await get(api, admin, f"{CRONJOBS}/hello"))["status"]
    assert "active" not in status and status["lastSuccessfulTime"] == "2025-01-15T10:01:30Z"
    events = await reasons(api, admin)
    assert ("SuccessfulCreate", f"Created job {first}") in events
    assert ("SawCompletedJob", f"Saw completed job: {first}, status: Complete") in events

    for _ in range(4):  # successfulJobsHistoryLimit 3 keeps the newest three
        await tick(api, fake)
        (running,) = [n for n in await job_names(api, admin) if n.endswith(str(int(clock.now().timestamp()) // 60))]
        await finish(api, admin, running)
    await tick(api, fake, minutes=0)
    assert await job_names(api, admin) == [f"hello-{MINUTES + m}" for m in (3, 4, 5)]
    assert ("SuccessfulDelete", f"Deleted job {first}") in await reasons(api, admin)


async def test_forbid_and_replace(api: InProcessServer, admin: Identity, fake: clock.FakeClock) -> None:
    response = await api.request("POST", CRONJOBS, identity=admin, json=cronjob(concurrencyPolicy="Forbid"))
    assert response.status == 201, response.text
    await tick(api, fake)
    await tick(api, fake)
    assert await job_names(api, admin) == [f"hello-{MINUTES + 1}"]  # the second run was skipped

    patch = {"spec": {"concurrencyPolicy": "Replace"}}
    response = await api.request("PATCH", f"{CRONJOBS}/hello", identity=admin, json=patch,
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert response.status == 200, response.text
    await tick(api, fake)
    assert await job_names(api, admin) == [f"hello-{MINUTES + 3}"]
    assert ("SuccessfulDelete", f"Deleted job hello-{MINUTES + 1}") in await reasons(api, admin)


async def test_suspend_and_starting_deadline(api: InProcessServer, admin: Identity, fake: clock.FakeClock) -> None:
    body = cronjob(suspend=True, startingDeadlineSeconds=20)
    assert (await api.request("POST", CRONJOBS, identity=admin, json=body)).status == 201
    await tick(api, fake, minutes=5)
    assert await job_names(api, admin) == []
    patch = {"spec": {"suspend": False}}
    response = await api.request("PATCH", f"{CRONJOBS}/hello", identity=admin, json=patch,
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert response.status == 200
    await api.state.settle()
    assert await job_names(api, admin) == []  # 10:05:00 is more than 20 s ago at 10:05:30
    await tick(api, fake, minutes=0, seconds=45)  # 10:06:15
    assert await job_names(api, admin) == [f"hello-{MINUTES + 6}"]
