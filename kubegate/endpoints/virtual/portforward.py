"""`pods/NAME/portforward`, as kubectl 1.31+ and the kubelet's WebSocket clients speak it.

kubectl (and client-go) open a WebSocket offering `SPDY/3.1+portforward.k8s.io` and tunnel
SPDY/3.1 streams through it (`spdytunnel`). Other clients, such as the official Python client,
open a WebSocket with `?ports=` and the kubelet's channel protocol (`wschannels`). SPDY itself
(kubectl up to 1.30, or KUBECTL_PORT_FORWARD_WEBSOCKETS=false) is not served: 400.

The checks come in the real server's order, all before the upgrade: `create` on the
subresource for a WebSocket GET (1.35 asks it besides the filter's `get`), the `ports` option
(400), the pod (404) and its node (400), an Upgrade header at all (400), then the kubelet's: a
`port` for the channel protocol (400) and a sandbox to forward into (500, the runtime's words).
Then kubegate's own switch: there are no containers, a pod's port is this host's loopback, so
only with `--enable-pod-port-forward` does anything connect; without it the answer is a 403
saying so, which kubectl prints as `error: error upgrading connection: ...` (its SPDY retry gets
the same answer) instead of forwarding into nothing.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from aiohttp import web

from kubegate.api import errors
from kubegate.endpoints.context import server_of
from kubegate.endpoints.handlers.common import Target
from kubegate.endpoints.virtual import podports, spdytunnel, wschannels
from kubegate.endpoints.virtual.podexec import authorize_create

TUNNEL = "SPDY/3.1+portforward.k8s.io"
DISABLED = ("pods/portforward is disabled in kubegate; start it with --enable-pod-port-forward "
            "to forward to ports on this host")
ONLY_WEBSOCKET = (f"kubegate serves pods/portforward only over WebSocket, with the {TUNNEL} subprotocol "
                  "(kubectl 1.31 or newer) or v4.channel.k8s.io; SPDY is not supported")
#: a SPDY frame is at most 16 MiB and 8 bytes; no WebSocket message needs to be larger
MAX_MESSAGE = (1 << 24) + 64
_DIGITS = re.compile(r"[0-9]+")


async def connect(request: web.Request, target: Target) -> web.StreamResponse:
    """GET (WebSocket) or POST (SPDY, refused) of pods/NAME/portforward."""
    server = server_of(request)
    if request.method == "GET":
        await authorize_create(request)
    ports = ports_option(request.rel_url.query.getall("ports", []))
    pod = server.rest.get(target.spec, target.namespace, target.name).obj
    if not (pod.get("spec") or {}).get("nodeName"):
        raise errors.bad_request(f"pod {target.name} does not have a host assigned")
    if not request.headers.get("Upgrade"):
        raise errors.bad_request("Upgrade request required")
    offered = _offered_protocols(request)
    websocket = is_websocket(request)
    tunnel = websocket and TUNNEL in offered
    if websocket and not tunnel:
        _kubelet_ports(ports)
    _require_sandbox(pod)
    if not server.config.enable_pod_port_forward:
        raise errors.StatusError(403, "Forbidden", DISABLED)
    sandbox = podports.sandbox_id(pod)
    if websocket:
        _check_handshake(request)
    if tunnel:
        ws = web.WebSocketResponse(protocols=(TUNNEL,), max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        await spdytunnel.Session(ws, sandbox=sandbox).run()
        return ws
    protocol = wschannels.negotiate(offered) if websocket else None
    if protocol is None:
        raise errors.bad_request(ONLY_WEBSOCKET)
    ws = web.WebSocketResponse(protocols=(protocol,) if protocol else (), max_msg_size=MAX_MESSAGE)
    await ws.prepare(request)
    await wschannels.ChannelSession(ws, ports=ports, sandbox=sandbox).run()
    return ws


def ports_option(values: list[str]) -> list[int]:
    """PodPortForwardOptions.ports: repeated or comma-separated, each a 16-bit unsigned number."""
    ports = []
    for value in values:
        for text in value.split(","):
            if not _DIGITS.fullmatch(text):
                raise errors.bad_request(f'cannot convert to []int32: strconv.ParseUint: parsing "{text}": invalid syntax')
            if int(text) > 0xFFFF:
                raise errors.bad_request(f'cannot convert to []int32: strconv.ParseUint: parsing "{text}": value out of range')
            ports.append(int(text))
    return ports


def _kubelet_ports(ports: list[int]) -> None:
    """The kubelet's own check for the channel protocol, which names ports in the query."""
    if not ports:
        raise errors.bad_request('query parameter "port" is required')
    for port in ports:
        if port < 1:
            raise errors.bad_request(f'port "{port}" must be > 0')


def is_websocket(request: web.Request) -> bool:
    """A GET asking to upgrade to WebSocket (`Upgrade: websocket`, `upgrade` among Connection's tokens)."""
    tokens = {token.strip().lower() for token in request.headers.get("Connection", "").split(",")}
    return request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket" and "upgrade" in tokens


def _check_handshake(request: web.Request) -> None:
    """gorilla/websocket's checks (the real tunnel's), so that a bad handshake gets a Status."""
    if request.headers.get("Sec-WebSocket-Version") != "13":
        raise errors.bad_request("websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header")
    try:
        key = base64.b64decode(request.headers.get("Sec-WebSocket-Key", ""), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 16:
        raise errors.bad_request("websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be "
                                 "Base64 encoded value of 16-byte in length")


def _offered_protocols(request: web.Request) -> list[str]:
    return [protocol.strip() for header in request.headers.getall("Sec-WebSocket-Protocol", [])
            for protocol in header.split(",") if protocol.strip()]


def _require_sandbox(pod: dict[str, Any]) -> None:
    """The runtime forwards into the pod's sandbox; without a ready one the kubelet answers 500."""
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and (condition.get("type"), condition.get("status")) == (
                "PodReadyToStartContainers", "True"):
            return
    if status.get("phase") in ("Succeeded", "Failed"):
        raise errors.StatusError(500, "InternalError", "rpc error: code = Unknown desc = sandbox container is not running")
    metadata = pod.get("metadata") or {}
    raise errors.StatusError(500, "InternalError", "failed to find sandboxID for pod "
                             f"{metadata.get('name')}_{metadata.get('namespace')}({metadata.get('uid')})")
