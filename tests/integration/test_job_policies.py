"""Job failure and success policies over HTTPS: podFailurePolicy, podReplacementPolicy,
backoffLimitPerIndex with maxFailedIndexes, successPolicy, and their validation.

Most tests run no node (`nodes=0`) and end pods themselves by writing their status as a kubelet
would (phase, container exit codes, conditions), then wait on `settle()`; the last one lets the
simulated kubelet run the pods, their exit code set by the `kubegate.io/exit-code` annotation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"
INDEX = "batch.kubernetes.io/job-completion-index"
FAILURES = "batch.kubernetes.io/job-index-failure-count"
IGNORED = "batch.kubernetes.io/job-index-ignored-failure-count"


def job(name: str, *, annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    template: dict[str, Any] = {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}
    if annotations:
        template["metadata"] = {"annotations": annotations}
    return {"metadata": {"name": name}, "spec": {"template": template, **spec}}


def exit_codes(action: str, *codes: int, operator: str = "In", container: str | None = "main") -> dict[str, Any]:
    requirement: dict[str, Any] = {"operator": operator, "values": list(codes)}
    if container is not None:
        requirement["containerName"] = container
    return {"action": action, "onExitCodes": requirement}


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def create(api: InProcessServer, admin: Identity, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", JOBS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()
    created: dict[str, Any] = response.body
    return created


async def pods_of(api: InProcessServer, admin: Identity, name: str) -> list[dict[str, Any]]:
    await api.state.settle()
    items = (await get(api, admin, f"{PODS}?labelSelector=job-name%3D{name}"))["items"]
    return sorted(items, key=lambda p: p["metadata"]["creationTimestamp"] + p["metadata"]["name"])


def pending(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in pods if p.get("status", {}).get("phase", "Pending") == "Pending"
            and not p["metadata"].get("deletionTimestamp")]


def by_index(pods: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {int(p["metadata"]["annotations"][INDEX]): p for p in pending(pods)}


async def end(api: InProcessServer, admin: Identity, pod: dict[str, Any], *, code: int,
              conditions: list[dict[str, Any]] | None = None) -> None:
    """Write what a kubelet writes when the pod's only container exits with `code`."""
    name = pod["metadata"]["name"]
    live = await get(api, admin, f"{PODS}/{name}")
    terminated = {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                  "startedAt": "2025-01-01T00:00:00Z", "finishedAt": "2025-01-01T00:00:01Z"}
    live["status"] = {
        "phase": "Succeeded" if code == 0 else "Failed",
        "conditions": conditions or [],
        "containerStatuses": [{"name": "main", "image": "busybox", "imageID": "", "ready": False,
                               "restartCount": 0, "state": {"terminated": terminated}}],
    }
    response = await api.request("PUT", f"{PODS}/{name}/status", identity=admin, json=live)
    assert response.status == 200, response.text
    await api.state.settle()


def conditions(job: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(c["type"], c["status"], c.get("reason", ""), c.get("message", "")) for c in job["status"].get("conditions", [])]


async def events(api: InProcessServer, admin: Identity, name: str) -> list[tuple[str, str, str]]:
    items = (await get(api, admin, f"/api/v1/namespaces/{NS}/events"))["items"]
    return [(e["type"], e["reason"], e["message"]) for e in items if e["involvedObject"]["name"] == name]


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0, system_workloads=False)


# podFailurePolicy ----------------------------------------------------------------------------------


async def test_a_fail_job_rule_fails_the_job_at_the_first_match(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, job("fatal", parallelism=2, completions=4, podFailurePolicy={"rules": [
        exit_codes("FailJob", 42), {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}))
    assert created["spec"]["podReplacementPolicy"] == "Failed"  # implied by the policy
    assert created["spec"]["podFailurePolicy"]["rules"][1]["onPodConditions"] == [
        {"type": "DisruptionTarget", "status": "True"}]
    first, second = await pods_of(api, admin, "fatal")
    await end(api, admin, first, code=42)
    failed = await get(api, admin, f"{JOBS}/fatal")
    message = f"Container main for pod default/{first['metadata']['name']} failed with exit code 42 matching FailJob rule at index 0"
    assert [c[:3] for c in conditions(failed)] == [
        ("FailureTarget", "True", "PodFailurePolicy"), ("Failed", "True", "PodFailurePolicy")]
    assert {c[3] for c in conditions(failed)} == {message}
    # the other pod was deleted and counted as a failure too, as the Job ended
    assert failed["status"]["failed"] == 2 and "active" not in failed["status"]
    assert failed["status"]["terminating"] == 0 and failed["status"]["uncountedTerminatedPods"] == {}
    assert ("Warning", "PodFailurePolicy", message) in await events(api, admin, "fatal")
    assert [p["metadata"]["name"] for p in await pods_of(api, admin, "fatal")] == [first["metadata"]["name"]]
    del second


async def test_an_ignored_failure_does_not_count_against_the_backoff_limit(api: InProcessServer, admin: Identity) -> None:
    policy = {"rules": [exit_codes("Ignore", 42), exit_codes("Count", 0, operator="NotIn", container=None)]}
    await create(api, admin, job("patient", backoffLimit=0, podFailurePolicy=policy))
    (pod,) = await pods_of(api, admin, "patient")
    await end(api, admin, pod, code=42)
    status = (await get(api, admin, f"{JOBS}/patient"))["status"]
    assert "failed" not in status and "conditions" not in status and status["active"] == 1
    (replacement,) = pending(await pods_of(api, admin, "patient"))
    await end(api, admin, replacement, code=1)
    failed = await get(api, admin, f"{JOBS}/patient")
    assert failed["status"]["failed"] == 1
    assert conditions(failed)[-1] == ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")


async def test_a_condition_rule_matches_the_pod_condition(api: InProcessServer, admin: Identity) -> None:
    rule = {"action": "FailJob", "onPodConditions": [{"type": "ConfigIssue"}]}
    await create(api, admin, job("picky", podFailurePolicy={"rules": [rule]}))
    (pod,) = await pods_of(api, admin, "picky")
    await end(api, admin, pod, code=1, conditions=[{"type": "ConfigIssue", "status": "True"}])
    failed = await get(api, admin, f"{JOBS}/picky")
    assert conditions(failed)[-1] == (
        "Failed", "True", "PodFailurePolicy",
        f"Pod default/{pod['metadata']['name']} has condition ConfigIssue matching FailJob rule at index 0")


# podReplacementPolicy ------------------------------------------------------------------------------


async def test_replacement_waits_for_a_deleted_pod_to_fail(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, job("careful", podReplacementPolicy="Failed"))
    (pod,) = await pods_of(api, admin, "careful")
    assert (await api.request("DELETE", f"{PODS}/{pod['metadata']['name']}", identity=admin)).status == 200
    await api.state.settle()
    status = (await get(api, admin, f"{JOBS}/careful"))["status"]
    assert status["terminating"] == 1 and "active" not in status and "failed" not in status
    assert len(await pods_of(api, admin, "careful")) == 1  # no replacement while it terminates
    await end(api, admin, pod, code=137)  # the kubelet has stopped it
    status = (await get(api, admin, f"{JOBS}/careful"))["status"]
    assert (status["terminating"], status["active"], status["failed"]) == (0, 1, 1)
    assert len(pending(await pods_of(api, admin, "careful"))) == 1


async def test_by_default_a_deleted_pod_is_replaced_at_once(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, job("eager"))
    assert created["spec"]["podReplacementPolicy"] == "TerminatingOrFailed"
    (pod,) = await pods_of(api, admin, "eager")
    assert (await api.request("DELETE", f"{PODS}/{pod['metadata']['name']}", identity=admin)).status == 200
    pods = await pods_of(api, admin, "eager")
    assert [p["metadata"]["name"] for p in pods] != [pod["metadata"]["name"]] and len(pending(pods)) == 1
    status = (await get(api, admin, f"{JOBS}/eager"))["status"]
    assert (status["active"], status["failed"], status["terminating"]) == (1, 1, 0)


# backoffLimitPerIndex ------------------------------------------------------------------------------


async def test_an_index_that_fails_too_often_fails_the_job_once_the_others_end(api: InProcessServer, admin: Identity) -> None:
    created = await create(api, admin, job("sweep", completionMode="Indexed", completions=3, parallelism=3,
                                           backoffLimitPerIndex=1))
    assert created["spec"]["backoffLimit"] == 2147483647
    pods = by_index(await pods_of(api, admin, "sweep"))
    assert {p["metadata"]["annotations"][FAILURES] for p in pods.values()} == {"0"}
    status = (await get(api, admin, f"{JOBS}/sweep"))["status"]
    assert status["failedIndexes"] == ""
    await end(api, admin, pods[1], code=1)
    retry = by_index(await pods_of(api, admin, "sweep"))[1]
    assert retry["metadata"]["annotations"][FAILURES] == "1"
    await end(api, admin, retry, code=1)
    status = (await get(api, admin, f"{JOBS}/sweep"))["status"]
    assert (status["failedIndexes"], status["failed"], "conditions" in status) == ("1", 2, False)
    assert sorted(by_index(await pods_of(api, admin, "sweep"))) == [0, 2]  # index 1 is given up
    await end(api, admin, pods[0], code=0)
    await end(api, admin, pods[2], code=0)
    failed = await get(api, admin, f"{JOBS}/sweep")
    assert (failed["status"]["completedIndexes"], failed["status"]["succeeded"]) == ("0,2", 2)
    assert [c[:3] for c in conditions(failed)] == [("FailureTarget", "True", "FailedIndexes"), ("Failed", "True", "FailedIndexes")]
    assert conditions(failed)[-1][3] == "Job has failed indexes"
    assert ("Warning", "FailedIndexes", "Job has failed indexes") in await events(api, admin, "sweep")


async def test_max_failed_indexes_and_the_fail_index_rule(api: InProcessServer, admin: Identity) -> None:
    policy = {"rules": [exit_codes("FailIndex", 3), exit_codes("Ignore", 4)]}
    await create(api, admin, job("strict", completionMode="Indexed", completions=4, parallelism=4, backoffLimitPerIndex=5,
                                 maxFailedIndexes=1, podFailurePolicy=policy))
    pods = by_index(await pods_of(api, admin, "strict"))
    await end(api, admin, pods[0], code=4)  # ignored: the index runs again, the count stays
    retry = by_index(await pods_of(api, admin, "strict"))[0]
    assert (retry["metadata"]["annotations"][FAILURES], retry["metadata"]["annotations"][IGNORED]) == ("0", "1")
    await end(api, admin, pods[1], code=3)  # FailIndex: given up at once, whatever the limit
    status = (await get(api, admin, f"{JOBS}/strict"))["status"]
    assert (status["failedIndexes"], status["failed"], "conditions" in status) == ("1", 1, False)
    await end(api, admin, pods[2], code=3)
    failed = await get(api, admin, f"{JOBS}/strict")
    assert conditions(failed)[-1] == ("Failed", "True", "MaxFailedIndexesExceeded",
                                      "Job has exceeded the specified maximal number of failed indexes")
    assert failed["status"]["failedIndexes"] == "1,2" and "active" not in failed["status"]


# successPolicy -------------------------------------------------------------------------------------


async def test_a_success_policy_completes_the_job_early(api: InProcessServer, admin: Identity) -> None:
    policy = {"rules": [{"succeededIndexes": "0-1", "succeededCount": 2}, {"succeededIndexes": "3"}]}
    await create(api, admin, job("leader", completionMode="Indexed", completions=4, parallelism=4, successPolicy=policy))
    pods = by_index(await pods_of(api, admin, "leader"))
    await end(api, admin, pods[0], code=0)
    await end(api, admin, pods[3], code=0)
    done = await get(api, admin, f"{JOBS}/leader")
    assert conditions(done) == [
        ("SuccessCriteriaMet", "True", "SuccessPolicy", "Matched rules at index 1"),
        ("Complete", "True", "SuccessPolicy", "Matched rules at index 1"),
    ]
    status = done["status"]
    assert (status["succeeded"], status["completedIndexes"], "failed" in status, "active" in status) == (2, "0,3", False, False)
    assert "completionTime" in status
    assert len(await pods_of(api, admin, "leader")) == 2  # the pods still running were deleted, uncounted


# validation --------------------------------------------------------------------------------------


async def test_the_policies_are_validated(api: InProcessServer, admin: Identity) -> None:
    async def invalid(body: dict[str, Any]) -> str:
        response = await api.request("POST", JOBS, identity=admin, json=body)
        assert response.status == 422, response.text
        message: str = response.body["message"]
        return message

    on_failure = job("restarts", podFailurePolicy={"rules": [exit_codes("FailJob", 1)]})
    on_failure["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert await invalid(on_failure) == (
        'Job.batch "restarts" is invalid: spec.template.spec.restartPolicy: Invalid value: "OnFailure": '
        'only "Never" is supported when podFailurePolicy is specified')
    rules = [exit_codes("FailIndex", 2, 1, 1, container="sidecar"), {"action": "Retry", "onExitCodes": {"operator": "In", "values": [0]}}]
    assert await invalid(job("rules", podFailurePolicy={"rules": rules})) == (
        'Job.batch "rules" is invalid: [spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": '
        "requires the backoffLimitPerIndex to be set, "
        'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "sidecar": '
        "must be one of the container or initContainer names in the pod template, "
        "spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 1, "
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{2, 1, 1}: must be ordered, "
        'spec.podFailurePolicy.rules[1].action: Unsupported value: "Retry": supported values: '
        '"Count", "FailIndex", "FailJob", "Ignore", '
        "spec.podFailurePolicy.rules[1].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator]")
    replaced = job("replaced", podReplacementPolicy="TerminatingOrFailed", podFailurePolicy={"rules": [exit_codes("Count", 1)]})
    assert await invalid(replaced) == (
        'Job.batch "replaced" is invalid: spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": '
        'supported values: "Failed"')
    assert await invalid(job("flat", backoffLimitPerIndex=1, maxFailedIndexes=1)) == (
        'Job.batch "flat" is invalid: [spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode, '
        "spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode]")
    success = {"rules": [{"succeededIndexes": "1-0"}, {"succeededIndexes": "0-1", "succeededCount": 3}]}
    assert await invalid(job("success", completionMode="Indexed", completions=2, successPolicy=success)) == (
        'Job.batch "success" is invalid: [spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1-0": '
        "error parsing succeededIndexes: non-increasing order, previous: 1, current: 0, "
        "spec.successPolicy.rules[1].succeededCount: Invalid value: 3: must be less than or equal to 2 "
        "(the number of specified completions), "
        "spec.successPolicy.rules[1].succeededCount: Invalid value: 3: must be less than or equal to 2 "
        "(the number of indexes in the specified succeededIndexes field)]")


async def test_the_simulated_kubelet_exit_code_meets_the_policy(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=1, system_workloads=False, pod_start_delay=0.01, pod_run_time=0.05)
    await create(api, admin, job("crash", annotations={"kubegate.io/exit-code": "42"},
                                 podFailurePolicy={"rules": [exit_codes("FailJob", 42)]}))
    await api.state.settle()
    (pod,) = await pods_of(api, admin, "crash")
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (pod["status"]["phase"], terminated["exitCode"], terminated["reason"]) == ("Failed", 42, "Error")
    failed = await get(api, admin, f"{JOBS}/crash")
    assert conditions(failed)[-1] == (
        "Failed", "True", "PodFailurePolicy",
        f"Container main for pod default/{pod['metadata']['name']} failed with exit code 42 matching FailJob rule at index 0")
