"""`GET pods/NAME/log`: the text a simulated container printed, as kubectl logs reads it.

In the real server's order (pkg/registry/core/pod/rest/log.go, then the kubelet's checks):
the pod must exist (404); the container must be named unless the pod has exactly one, and must
be one of the pod's (400, with the real texts); a pod not yet bound to a node answers an empty
log; a container that has not started, or whose `previous` run does not exist, is a 400 with the
kubelet's words. Then the lines (controllers/nodes/logs.py) are filtered by `sinceSeconds` /
`sinceTime`, cut to `tailLines` and `limitBytes`, prefixed with RFC 3339 times on `timestamps`;
`follow` keeps the response open until the container stops, the pod goes, or the client leaves.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from kubegate.api import errors, meta
from kubegate.controllers.nodes import images
from kubegate.controllers.nodes.logs import LogLine, lines_of_run
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target, bool_param, int_param
from kubegate.registry.objects import Event

PODS = ("", "pods")


def _names(pod: dict[str, Any], field: str) -> list[str]:
    return [str(c.get("name")) for c in (pod.get("spec") or {}).get(field) or [] if isinstance(c, dict)]


def container_for(pod: dict[str, Any], wanted: str) -> str:
    """validateContainer: the named container, or the only one; else the real 400s."""
    name = pod["metadata"]["name"]
    mains, inits, ephemeral = (_names(pod, f) for f in ("containers", "initContainers", "ephemeralContainers"))
    if not wanted:
        if len(mains) == 1:
            return mains[0]
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(mains)}]"
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        if ephemeral:
            message += f" or one of the ephemeral containers: [{' '.join(ephemeral)}]"
        raise errors.bad_request(message)
    if wanted not in (*mains, *inits, *ephemeral):
        raise errors.bad_request(f"container {wanted} is not valid for pod {name}")
    return wanted


def _status_of(pod: dict[str, Any], container: str) -> dict[str, Any] | None:
    status = pod.get("status") or {}
    for field in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(field) or []:
            if isinstance(entry, dict) and entry.get("name") == container:
                return entry
    return None


def _image(pod: dict[str, Any], container: str) -> str:
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for entry in (pod.get("spec") or {}).get(field) or []:
            if isinstance(entry, dict) and entry.get("name") == container:
                return images.qualified(str(entry.get("image") or ""))
    return ""


def run_state(pod: dict[str, Any], container: str, *, previous: bool) -> dict[str, Any]:
    """validateContainerLogStatus: the state whose log is read, or the kubelet's 400."""
    quoted, pod_name = f'"{container}"', f'"{pod["metadata"]["name"]}"'
    status = _status_of(pod, container)
    if status is None:
        raise errors.bad_request(f"container {quoted} in pod {pod_name} is waiting to start: ContainerCreating")
    state, last = status.get("state") or {}, (status.get("lastState") or {}).get("terminated")
    if previous:
        if not isinstance(last, dict) or not last.get("containerID"):
            raise errors.bad_request(f"previous terminated container {quoted} in pod {pod_name} not found")
        return {"terminated": last}
    if "running" in state or "terminated" in state:
        return dict(state)
    if isinstance(last, dict) and last.get("containerID"):
        return {"terminated": last}
    reason = (state.get("waiting") or {}).get("reason")
    if reason == "ErrImagePull":
        raise errors.bad_request(f"container {quoted} in pod {pod_name} is waiting to start: image can't be pulled")
    if reason == "ImagePullBackOff":
        raise errors.bad_request(
            f"container {quoted} in pod {pod_name} is waiting to start: trying and failing to pull image")
    if reason:
        raise errors.bad_request(f"container {quoted} in pod {pod_name} is waiting to start: {reason}")
    raise errors.bad_request(f"container {quoted} in pod {pod_name} is waiting to start - no logs yet")


def _since(query: Any) -> datetime | None:
    seconds = int_param(query, "sinceSeconds")
    if seconds > 0:
        return meta.now() - timedelta(seconds=seconds)
    raw = query.get("sinceTime")
    return meta.parse_time(raw) if raw else None


async def get_log(request: web.Request, target: Target) -> web.StreamResponse:
    server = server_of(request)
    query = request.rel_url.query
    pod = server.rest.get(target.spec, target.namespace, target.name).obj
    container = container_for(pod, query.get("container", ""))
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    if not (pod.get("spec") or {}).get("nodeName"):
        await response.prepare(request)  # not scheduled: no kubelet to ask, an empty log
        await response.write_eof()
        return response
    previous = bool_param(query, "previous")
    state = run_state(pod, container, previous=previous)
    lines = lines_of_run(container, _image(pod, container), state)
    since = _since(query)
    if since is not None:
        lines = [line for line in lines if line.time >= since]
    tail = query.get("tailLines")
    if tail not in (None, ""):
        count = int_param(query, "tailLines")
        lines = lines[-count:] if count > 0 else []
    timestamps = bool_param(query, "timestamps")
    limit = int_param(query, "limitBytes")
    text = "".join(line.render(timestamps=timestamps) for line in lines).encode()
    follow = bool_param(query, "follow") and not previous and "running" in state
    if limit > 0:
        text = text[:limit]
        follow = follow and len(text) < limit
    if follow:
        response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(text)
    if follow:
        await _follow(request, response, pod, container, timestamps=timestamps)
    await response.write_eof()
    return response


async def _follow(request: web.Request, response: web.StreamResponse, pod: dict[str, Any], container: str, *,
                  timestamps: bool) -> None:
    """Write the exit line once the running container stops; return when it does or the pod goes."""
    server = server_of(request)
    key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
    uid = pod["metadata"].get("uid")
    started = ((_status_of(pod, container) or {}).get("state") or {}).get("running", {}).get("startedAt")
    changed = asyncio.Event()

    def on_event(event: Event) -> None:
        if event.resource == PODS and event.key == key:
            changed.set()

    unsubscribe = server.store.subscribe(on_event)
    try:
        while True:
            await changed.wait()
            changed.clear()
            stored = server.store.get(PODS, key)
            if stored is None or stored.obj["metadata"].get("uid") != uid:
                return
            status = _status_of(stored.obj, container) or {}
            state = status.get("state") or {}
            if "running" in state:
                continue
            ended = state.get("terminated") or (status.get("lastState") or {}).get("terminated")
            if isinstance(ended, dict) and ended.get("startedAt") == started:
                line = LogLine(meta.parse_time(str(ended.get("finishedAt"))) or meta.now(),
                               f"kubegate: container {container} exited with code {ended.get('exitCode', 0)}")
                await response.write(line.render(timestamps=timestamps).encode())
            return
    finally:
        unsubscribe()
