"""The Job controller over HTTPS: completions, Indexed mode, backoff, deadline, suspend, TTL.

No node runs (`nodes=0`): the test finishes pods itself by writing their status, as a kubelet
would, then waits on `settle()`.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api import clock
from kubegate.controllers.workloads.job import JobController
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"
FINALIZER = "batch.kubernetes.io/job-tracking"


def job(name: str, **spec: Any) -> dict[str, Any]:
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    return {"metadata": {"name": name}, "spec": {"template": template, **spec}}


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def create(api: InProcessServer, admin: Identity, body: dict[str, Any]) -> None:
    response = await api.request("POST", JOBS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()


async def pods_of(api: InProcessServer, admin: Identity, name: str) -> list[dict[str, Any]]:
    await api.state.settle()
    items = (await get(api, admin, f"{PODS}?labelSelector=job-name%3D{name}"))["items"]
    return sorted(items, key=lambda p: p["metadata"]["name"])


async def finish(api: InProcessServer, admin: Identity, pod: dict[str, Any], phase: str, *, settle: bool = True) -> None:
    live = await get(api, admin, f"{PODS}/{pod['metadata']['name']}")
    live["status"] = {"phase": phase}
    response = await api.request("PUT", f"{PODS}/{pod['metadata']['name']}/status", identity=admin, json=live)
    assert response.status == 200, response.text
    if settle:
        await api.state.settle()
    else:
        await api.state.store.wait_fresh()  # the controllers' cache has it; they have not acted on it


def ended_during_count(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch, *, counted: dict[str, Any], ending: dict[str, Any],
    phase: str,
) -> list[bool]:
    """Make `ending` end (as a kubelet would, through the status subresource) just after the Job
    controller has counted `counted` and before it judges the Job: the interleaving a real
    kubelet finishing several pods at once produces by chance. The list returned holds True once
    that happened."""
    assert api.state.controllers is not None
    controller = next(c for c in api.state.controllers.controllers if c.name == "job")
    assert isinstance(controller, JobController)
    release = controller._release
    fired: list[bool] = []

    async def racing(job: dict[str, Any], pods: list[dict[str, Any]], *, count: bool) -> None:
        await release(job, pods, count=count)
        uid = counted["metadata"]["uid"]
        if not fired and any(p["metadata"]["uid"] == uid and p.get("status", {}).get("phase") in ("Succeeded", "Failed")
               for p in pods):
            fired.append(True)
            await finish(api, admin, ending, phase, settle=False)

    monkeypatch.setattr(controller, "_release", racing)
    return fired


def conditions(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["type"], c["reason"], c["message"]) for c in job["status"].get("conditions", [])]


async def events(api: InProcessServer, admin: Identity, name: str) -> list[tuple[str, str]]:
    items = (await get(api, admin, f"/api/v1/namespaces/{NS}/events"))["items"]
    return [(e["reason"], e["message"]) for e in items if e["involvedObject"]["name"] == name]


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0)


async def test_completions_with_parallelism(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("work", completions=3, parallelism=2))
    pods = await pods_of(api, admin, "work")
    assert len(pods) == 2
    assert all(FINALIZER in p["metadata"]["finalizers"] for p in pods)
    labels = pods[0]["metadata"]["labels"]
    assert labels["batch.kubernetes.io/job-name"] == "work" and "controller-uid" in labels
    status = (await get(api, admin, f"{JOBS}/work"))["status"]
    assert status["active"] == 2 and status["ready"] == 0 and status["terminating"] == 0
    assert status["uncountedTerminatedPods"] == {} and "startTime" in status

    await finish(api, admin, pods[0], "Succeeded")
    finished = await get(api, admin, f"{PODS}/{pods[0]['metadata']['name']}")
    assert FINALIZER not in (finished["metadata"].get("finalizers") or [])
    pods = [p for p in await pods_of(api, admin, "work") if p["status"].get("phase") != "Succeeded"]
    assert len(pods) == 2
    for pod in pods:
        await finish(api, admin, pod, "Succeeded")
    done = await get(api, admin, f"{JOBS}/work")
    assert done["status"]["succeeded"] == 3 and "active" not in done["status"]
    assert conditions(done) == [
        ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
        ("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
    ]
    assert "completionTime" in done["status"]
    assert ("Completed", "Job completed") in await events(api, admin, "work")
    assert sum(1 for reason, _ in await events(api, admin, "work") if reason == "SuccessfulCreate") == 3


async def test_work_queue_job_counts_every_succeeded_pod(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no completions: a work queue; it is complete once a pod succeeded and none is active,
    # and every pod that succeeded is counted (kubectl prints `3/1 of 3`)
    await create(api, admin, job("queue", parallelism=3))
    pods = await pods_of(api, admin, "queue")
    assert len(pods) == 3 and all(FINALIZER in p["metadata"]["finalizers"] for p in pods)
    first, second, last = pods

    await finish(api, admin, first, "Succeeded")
    status = (await get(api, admin, f"{JOBS}/queue"))["status"]
    assert status["succeeded"] == 1 and status["active"] == 2 and "conditions" not in status
    assert len(await pods_of(api, admin, "queue")) == 3  # no replacement once one succeeded

    # the last pod ends while the controller is counting the second
    fired = ended_during_count(api, admin, monkeypatch, counted=second, ending=last, phase="Succeeded")
    await finish(api, admin, second, "Succeeded")
    assert fired == [True]
    done = await get(api, admin, f"{JOBS}/queue")
    assert done["status"]["succeeded"] == 3 and "active" not in done["status"] and "failed" not in done["status"]
    assert done["status"]["uncountedTerminatedPods"] == {}
    assert conditions(done) == [
        ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"),
        ("Complete", "CompletionsReached", "Reached expected number of succeeded pods"),
    ]
    assert "completionTime" in done["status"]
    assert all(FINALIZER not in (p["metadata"].get("finalizers") or []) for p in await pods_of(api, admin, "queue"))
    assert sum(1 for reason, _ in await events(api, admin, "queue") if reason == "Completed") == 1


async def test_failing_job_still_counts_pods_that_ended(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # backoffLimit 0: the first failure fails the Job; a pod that succeeded meanwhile is still counted
    await create(api, admin, job("doomed", parallelism=2, completions=2, backoffLimit=0))
    failing, lucky = await pods_of(api, admin, "doomed")
    fired = ended_during_count(api, admin, monkeypatch, counted=failing, ending=lucky, phase="Succeeded")
    await finish(api, admin, failing, "Failed")
    assert fired == [True]
    failed = await get(api, admin, f"{JOBS}/doomed")
    assert failed["status"]["failed"] == 1 and failed["status"]["succeeded"] == 1
    assert failed["status"]["uncountedTerminatedPods"] == {}
    assert conditions(failed) == [
        ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ]
    assert all(FINALIZER not in (p["metadata"].get("finalizers") or []) for p in await pods_of(api, admin, "doomed"))


async def test_indexed_job(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("idx", completions=3, parallelism=3, completionMode="Indexed"))
    pods = await pods_of(api, admin, "idx")
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods)
    assert indexes == ["0", "1", "2"]
    by_index = {p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"]: p for p in pods}
    assert by_index["1"]["spec"]["hostname"] == "idx-1"
    assert by_index["1"]["metadata"]["name"].startswith("idx-1-")
    await finish(api, admin, by_index["0"], "Succeeded")
    await finish(api, admin, by_index["2"], "Succeeded")
    assert (await get(api, admin, f"{JOBS}/idx"))["status"]["completedIndexes"] == "0,2"
    await finish(api, admin, by_index["1"], "Failed")
    replacement = [p for p in await pods_of(api, admin, "idx") if p["status"].get("phase", "Pending") == "Pending"]
    assert [p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in replacement] == ["1"]
    await finish(api, admin, replacement[0], "Succeeded")
    status = (await get(api, admin, f"{JOBS}/idx"))["status"]
    assert status["completedIndexes"] == "0-2" and status["failed"] == 1 and status["succeeded"] == 3


async def test_backoff_limit_fails_the_job(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("flaky", backoffLimit=1))
    for _ in range(2):
        (pod,) = [p for p in await pods_of(api, admin, "flaky") if p["status"].get("phase", "Pending") == "Pending"]
        await finish(api, admin, pod, "Failed")
    failed = await get(api, admin, f"{JOBS}/flaky")
    assert failed["status"]["failed"] == 2
    assert conditions(failed) == [
        ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ]
    assert "completionTime" not in failed["status"]
    assert ("BackoffLimitExceeded", "Job has reached the specified backoff limit") in await events(api, admin, "flaky")
    assert all(p["status"]["phase"] == "Failed" for p in await pods_of(api, admin, "flaky"))


async def test_suspend_and_deadline(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("later", suspend=True))
    assert await pods_of(api, admin, "later") == []
    suspended = await get(api, admin, f"{JOBS}/later")
    assert conditions(suspended) == [("Suspended", "JobSuspended", "Job suspended")]
    await create(api, admin, job("slow", activeDeadlineSeconds=5))
    assert len(await pods_of(api, admin, "slow")) == 1
    fake = clock.FakeClock()
    with clock.installed(fake):
        fake.advance(seconds=6)
        assert api.state.controllers is not None  # the deadline's timer runs on the loop: wake the key now
        next(c for c in api.state.controllers.controllers if c.name == "job").queue.add((NS, "slow"))
        await api.state.settle()
        failed = await get(api, admin, f"{JOBS}/slow")
    assert conditions(failed)[-1] == ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
    assert await pods_of(api, admin, "slow") == []


async def test_ttl_after_finished_deletes_the_job(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("brief", ttlSecondsAfterFinished=0))
    (pod,) = await pods_of(api, admin, "brief")
    await finish(api, admin, pod, "Succeeded")
    response = await api.request("GET", f"{JOBS}/brief", identity=admin)
    assert response.status == 404
