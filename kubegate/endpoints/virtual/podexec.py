"""`pods/NAME/exec` and `pods/NAME/attach` over WebSocket, the way kubectl 1.30+ speaks them.

kubectl opens a WebSocket (GET) offering the `v5.channel.k8s.io` subprotocol; every message is
binary, its first byte the channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize, 255 close of
the channel in the next byte). The server first sends an empty message on the lowest output
channel, streams output, and ends with one `metav1.Status` on the error channel: Success, or
Failure with reason NonZeroExitCode and an ExitCode cause (kubectl: `command terminated with exit
code N`, exiting N). Nothing else is served: SPDY (kubectl up to 1.29, or any kubectl with
`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`) and the older channel protocols get a 400.

The checks come in the real server's order: the pod (404), the exec options and the container
(400) and its node, all before the upgrade; a container that is not running is the kubelet's
`container not found`, which the real server reports on the error channel after upgrading.

There are no containers, so exec is honest about it: only with `--enable-pod-exec` does it run
the command, as a subprocess of kubegate on this host (no shell unless the command is one, the
container's plain `env` values applied, a fresh temporary working directory, no pty: with
`tty=true` stderr joins stdout and resize messages are ignored). Without it the error channel
says exec is disabled. Attach has no process to attach to: it connects, discards stdin and sends
nothing until the client leaves or the container stops running.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import tempfile
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from kubegate.api import errors
from kubegate.authz.authorizer import Decision
from kubegate.endpoints.context import REQUEST_INFO, USER, server_of
from kubegate.endpoints.filters.authorization import attributes_for, forbidden_error
from kubegate.endpoints.handlers.common import Target, bool_param
from kubegate.endpoints.virtual.podlogs import PODS, container_for
from kubegate.registry.objects import Event

V5 = "v5.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
#: the error channel's payload when the command ran and exited 0 (metav1.Status, no TypeMeta)
SUCCESS: dict[str, Any] = {"metadata": {}, "status": "Success"}
DISABLED = "pods/exec is disabled in kubegate; start it with --enable-pod-exec to run commands on the host"
#: containerd's words (and exit code) for a command that cannot be started
NOT_STARTED = ('OCI runtime exec failed: exec failed: unable to start container process: exec: "{0}": '
               "executable file not found in $PATH: unknown\r\n")
NOT_STARTED_EXIT_CODE = 126
CHUNK = 32 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class Streams:
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


def _streams(query: Mapping[str, str]) -> Streams:
    streams = Streams(*(bool_param(query, name) for name in ("stdin", "stdout", "stderr", "tty")))
    if not (streams.stdin or streams.stdout or streams.stderr):
        raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
    return streams


def _status(error: errors.StatusError) -> dict[str, Any]:
    """A Status as the error channel carries it: json of metav1.Status, without kind/apiVersion."""
    status = error.to_status()
    del status["kind"], status["apiVersion"]
    return status


def _exit_status(code: int) -> dict[str, Any]:
    if code == 0:
        return SUCCESS
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: command terminated with exit code {code}",
            "reason": "NonZeroExitCode", "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


async def authorize_create(request: web.Request) -> None:
    """A WebSocket GET passed the filter chain as `get`; exec, attach and portforward also need `create`.

    1.32 asked only for `get` here; 1.35 (AuthorizePodWebsocketUpgradeCreatePermission, on by
    default) adds this second check, so `kubectl auth can-i create pods/exec` is what gates it.
    """
    attributes = dataclasses.replace(attributes_for(request[REQUEST_INFO], request[USER]), verb="create")
    verdict = await server_of(request).authorizer.authorize(attributes)
    if verdict.decision is not Decision.ALLOW:
        raise forbidden_error(attributes, verdict.reason)


def _require_websocket_v5(request: web.Request, subresource: str) -> None:
    if not request.headers.get("Upgrade"):
        raise errors.bad_request("Upgrade request required")
    offered = {p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")}
    if request.method != "GET" or request.headers["Upgrade"].lower() != "websocket" or V5 not in offered:
        raise errors.bad_request(
            f"kubegate serves pods/{subresource} only over WebSocket with the {V5} subprotocol "
            "(kubectl 1.30 or newer); SPDY and older channel protocols are not supported")


def _container_spec(pod: dict[str, Any], name: str) -> dict[str, Any]:
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for entry in (pod.get("spec") or {}).get(field) or []:
            if isinstance(entry, dict) and entry.get("name") == name:
                return entry
    return {}


def is_running(pod: dict[str, Any], container: str) -> bool:
    status = pod.get("status") or {}
    for field in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(field) or []:
            if isinstance(entry, dict) and entry.get("name") == container:
                return "running" in (entry.get("state") or {})
    return False


async def connect(request: web.Request, target: Target) -> web.StreamResponse:
    """GET (WebSocket) or POST of pods/exec and pods/attach."""
    server = server_of(request)
    query = request.rel_url.query
    if request.method == "GET":
        await authorize_create(request)
    streams = _streams(query)
    command = query.getall("command", [])
    if target.subresource == "exec" and not command:
        raise errors.bad_request("you must specify at least one command for the container")
    pod = server.rest.get(target.spec, target.namespace, target.name).obj
    container = container_for(pod, query.get("container", ""))
    if not (pod.get("spec") or {}).get("nodeName"):
        raise errors.bad_request(f"pod {target.name} does not have a host assigned")
    _require_websocket_v5(request, target.subresource)
    ws = web.WebSocketResponse(protocols=(V5,), max_msg_size=0)
    await ws.prepare(request)
    first = STDOUT if streams.stdout else STDERR if streams.stderr else ERROR
    await ws.send_bytes(bytes([first]))
    status: dict[str, Any] | None
    if not is_running(pod, container):
        status = _status(errors.internal(
            f'error stream protocol error: unable to upgrade connection: container not found ("{container}")'))
    elif target.subresource == "attach":
        status = await _attach(request, ws, pod, container)
    elif not server.config.enable_pod_exec:
        status = _status(errors.StatusError(403, "Forbidden", DISABLED))
    else:
        status = await _exec(ws, command, streams, env=_environment(pod, container))
    if status is not None and not ws.closed:
        with contextlib.suppress(ConnectionError):
            await ws.send_bytes(bytes([ERROR]) + orjson.dumps(status))
    await ws.close()
    return ws


def _environment(pod: dict[str, Any], container: str) -> dict[str, str]:
    """This host's environment, then HOSTNAME and the container's plain `value` entries."""
    env = dict(os.environ, HOSTNAME=str(pod["metadata"]["name"]))
    for entry in _container_spec(pod, container).get("env") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and "valueFrom" not in entry:
            env[entry["name"]] = str(entry.get("value") or "")
    return env


async def _read_client(ws: web.WebSocketResponse, stdin: asyncio.StreamWriter | None) -> None:
    """Forward stdin until the client closes it ([255, 0]) or leaves; resize is ignored (no pty)."""
    async for message in ws:
        if message.type is not WSMsgType.BINARY or not message.data:
            continue
        channel, data = message.data[0], message.data[1:]
        if stdin is None:
            continue
        try:
            if channel == STDIN and data:
                stdin.write(data)
                await stdin.drain()
            elif channel == CLOSE and data[:1] == bytes([STDIN]):
                stdin.close()
        except (ConnectionError, BrokenPipeError):
            pass  # the command stopped reading; its exit ends the session


async def _pump(reader: asyncio.StreamReader | None, ws: web.WebSocketResponse, channel: int) -> None:
    if reader is None:
        return
    while chunk := await reader.read(CHUNK):
        if not ws.closed:
            with contextlib.suppress(ConnectionError):
                await ws.send_bytes(bytes([channel]) + chunk)


async def _exec(ws: web.WebSocketResponse, command: list[str], streams: Streams, *,
                env: dict[str, str]) -> dict[str, Any] | None:
    """Run the command; its exit Status, or None when the client left first (the command is killed)."""
    pipe, devnull = asyncio.subprocess.PIPE, asyncio.subprocess.DEVNULL
    err_target = asyncio.subprocess.STDOUT if streams.tty else pipe if streams.stderr else devnull
    with tempfile.TemporaryDirectory(prefix="kubegate-exec-") as cwd:
        try:
            process = await asyncio.create_subprocess_exec(
                *command, cwd=cwd, env=env, start_new_session=True,
                stdin=pipe if streams.stdin else devnull, stdout=pipe if streams.stdout or streams.tty else devnull,
                stderr=err_target)
        except OSError:
            channel = STDERR if streams.stderr and not streams.tty else STDOUT
            await ws.send_bytes(bytes([channel]) + NOT_STARTED.format(command[0]).encode())
            return _exit_status(NOT_STARTED_EXIT_CODE)
        finished: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(
            _pump(process.stdout, ws, STDOUT), _pump(process.stderr, ws, STDERR), process.wait()))
        client: asyncio.Future[Any] = asyncio.ensure_future(_read_client(ws, process.stdin))
        try:
            await asyncio.wait({finished, client}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not finished.done():  # the client left (or the server stops): end the command
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(Exception):
                    await finished
            client.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await client
        if ws.closed:
            return None
        code = process.returncode or 0
        return _exit_status(128 - code if code < 0 else code)


async def _attach(request: web.Request, ws: web.WebSocketResponse, pod: dict[str, Any],
                  container: str) -> dict[str, Any] | None:
    """Nothing to attach to: wait until the client leaves, or the container stops (then Success)."""
    server = server_of(request)
    key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
    uid = pod["metadata"].get("uid")
    stopped = asyncio.Event()

    def on_event(event: Event) -> None:
        if event.resource != PODS or event.key != key:
            return
        stored = server.store.get(PODS, key)
        if stored is None or stored.obj["metadata"].get("uid") != uid or not is_running(stored.obj, container):
            stopped.set()

    unsubscribe = server.store.subscribe(on_event)
    client: asyncio.Future[Any] = asyncio.ensure_future(_read_client(ws, None))
    ended: asyncio.Future[Any] = asyncio.ensure_future(stopped.wait())
    try:
        await asyncio.wait({client, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        unsubscribe()
        for task in (client, ended):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if ws.closed else SUCCESS
