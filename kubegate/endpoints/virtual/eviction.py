"""Eviction (`kubectl drain`): `POST pods/NAME/eviction` deletes the pod its budget allows.

As kube-apiserver's EvictionREST (pkg/registry/core/pod/storage/eviction.go) in outline: the
body is a policy/v1 (or v1beta1) Eviction naming the pod; its `deleteOptions` (grace period,
preconditions) go to the pod's delete, so the kubelet stops the pod as for any delete. A pod
that is not running (Pending, Succeeded, Failed) or already being deleted ignores budgets.
Otherwise the pod's PodDisruptionBudget is checked as the real server does, in a simple form:
more than one budget is a 500, a budget whose status has not caught up with its generation or
allows no disruption is a 429 with the real message and cause, and an allowed eviction takes one
from `status.disruptionsAllowed` (recording the pod in `disruptedPods`) before the delete.
The answer is 201 with a Success Status.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kubegate.api import deleteoptions, errors, meta
from kubegate.api.labels import selector_from_label_selector_object
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, read_object
from kubegate.endpoints.responses import value_response
from kubegate.endpoints.state import APIServer
from kubegate.registry.rest import GenericStore

API_VERSIONS = ("policy/v1", "policy/v1beta1")
BUDGET_VIOLATED = "Cannot evict pod as it would violate the pod's disruption budget."
IGNORES_BUDGETS = ("Pending", "Succeeded", "Failed")


def _too_many(cause: str) -> errors.StatusError:
    return errors.StatusError(429, "TooManyRequests", BUDGET_VIOLATED,
                              details={"causes": [{"reason": "DisruptionBudget", "message": cause}]})


async def create_eviction(request: web.Request, target: Target) -> web.StreamResponse:
    body = await read_object(request)
    if body.get("apiVersion") not in (None, "", *API_VERSIONS) or body.get("kind") not in (None, "", "Eviction"):
        raise errors.bad_request(f"the kind in the data ({body.get('kind')}) does not match the expected kind (Eviction)")
    metadata: dict[str, Any] = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
    if metadata.get("name") and metadata["name"] != target.name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    raw_options = body.get("deleteOptions")
    options = deleteoptions.from_body(raw_options) if raw_options is not None else deleteoptions.DeleteOptions()
    rest = server_of(request).rest
    pod = rest.get(target.spec, target.namespace, target.name).obj
    if options.precondition_uid and options.precondition_uid != pod["metadata"].get("uid"):
        raise errors.conflict(
            "pods", target.name,
            f"Precondition failed: UID in precondition: {options.precondition_uid}, "
            f"UID in object meta: {pod['metadata'].get('uid')}")
    phase = (pod.get("status") or {}).get("phase")
    if phase not in IGNORES_BUDGETS and not pod["metadata"].get("deletionTimestamp"):
        await _take_disruption(rest, server_of(request), target.namespace, pod)
    await rest.delete(target.spec, target.namespace, target.name, options)
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    return value_response(status, target.accepted, status=201)


async def _take_disruption(rest: GenericStore, state: APIServer, namespace: str, pod: dict[str, Any]) -> None:
    spec = state.catalog.lookup("policy", "v1", "poddisruptionbudgets")
    if spec is None:
        return
    labels = pod["metadata"].get("labels") or {}
    budgets = []
    for stored in state.store.scan(("policy", "poddisruptionbudgets"), namespace=namespace):
        try:
            selector = selector_from_label_selector_object((stored.obj.get("spec") or {}).get("selector"))
        except errors.StatusError:
            continue  # a selector the real server would not accept selects nothing
        if selector.matches(labels):
            budgets.append(stored.obj)
    if not budgets:
        return
    if len(budgets) > 1:
        raise errors.internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
    name = budgets[0]["metadata"]["name"]
    pod_name = pod["metadata"]["name"]

    async def taken(live: dict[str, Any] | None) -> dict[str, Any]:
        if live is None:
            raise errors.not_found("poddisruptionbudgets", name, group="policy")
        status = dict(live.get("status") or {})
        if int(status.get("observedGeneration") or 0) < int(live["metadata"].get("generation") or 0):
            raise _too_many(f"The disruption budget {name} is still being processed by the server.")
        allowed = int(status.get("disruptionsAllowed") or 0)
        if allowed < 0:
            raise errors.forbidden("poddisruptionbudgets", name, "pdb disruptions allowed is negative", group="policy")
        if allowed == 0:
            raise _too_many(
                f"The disruption budget {name} needs {int(status.get('desiredHealthy') or 0)} healthy pods "
                f"and has {int(status.get('currentHealthy') or 0)} currently")
        disrupted = dict(status.get("disruptedPods") or {})
        disrupted[pod_name] = meta.format_time(meta.now())
        return {**live, "status": {**status, "disruptionsAllowed": allowed - 1, "disruptedPods": disrupted}}

    await rest.update(spec, namespace, name, taken, subresource="status")


def install(state: APIServer) -> None:
    state.virtual_creates[("", "pods", "eviction")] = create_eviction
