"""pods/NAME/portforward over WebSocket: kubectl's SPDY/3.1 tunnel and the kubelet's channels.

The tunnel is driven frame by frame with kubegate's own codec as the client (kubectl itself is
in tests/e2e/test_kubectl_port_forward.py); the "container port" is an upper-casing server on
loopback, so a reply in capitals has crossed the forward both ways. Everything refused is
refused before the upgrade, with the real server's status and words.
"""

from __future__ import annotations

import base64
import ssl
from typing import Any

import aiohttp
import pytest

from kubegate.endpoints.virtual import spdy, spdytunnel
from kubegate.endpoints.virtual.portforward import DISABLED, ONLY_WEBSOCKET, TUNNEL
from tests.integration.conftest import StartServer
from tests.support.echo import closed_port, serving
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
RBAC = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"
FAST = {"pod_start_delay": 0.05, "pod_run_time": 0.2}
WEBSOCKET = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


async def _pod(api: InProcessServer, admin: Identity, name: str, **spec: Any) -> None:
    body = {"metadata": {"name": name}, "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()


def _session(api: InProcessServer, identity: Identity) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=str(api.ca_file))
    context.load_cert_chain(str(identity.cert), str(identity.key))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


class Tunnel:
    """The client end of the SPDY tunnel, as client-go's port-forward drives it."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.writer, self.reader = spdy.FrameWriter(), spdy.FrameReader()
        self.pending: list[spdy.Frame] = []

    async def send(self, frame: spdy.Frame) -> None:
        await self.ws.send_bytes(self.writer.encode(frame))

    async def receive(self) -> spdy.Frame:
        while not self.pending:
            message = await self.ws.receive(timeout=10)
            assert message.type is aiohttp.WSMsgType.BINARY, message
            self.pending += self.reader.feed(message.data)
        return self.pending.pop(0)

    async def open(self, stream_id: int, kind: str, port: int, request_id: str) -> None:
        await self.send(spdy.SynStream(stream_id, {"streamtype": kind, "port": str(port), "requestid": request_id}))
        assert await self.receive() == spdy.SynReply(stream_id, {})


async def test_the_tunnel_forwards_each_connection_on_its_own_stream_pair(
        start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_port_forward=True)
    await _pod(api, admin, "web")
    async with serving() as port, _session(api, admin) as session, \
            session.ws_connect(f"{api.url}{PODS}/web/portforward", protocols=(TUNNEL,)) as ws:
        assert ws.protocol == TUNNEL
        tunnel = Tunnel(ws)
        await tunnel.open(1, "error", port, "0")
        await tunnel.open(3, "data", port, "0")
        await tunnel.send(spdy.Data(3, b"hello through the tunnel"))
        assert await tunnel.receive() == spdy.Data(3, b"HELLO THROUGH THE TUNNEL")
        await tunnel.send(spdy.Ping(1))
        assert await tunnel.receive() == spdy.Ping(1)
        # the client half-closes; the target sees EOF and closes; both streams end, no error text
        await tunnel.send(spdy.Data(3, b"", fin=True))
        assert [await tunnel.receive(), await tunnel.receive()] == [spdy.Data(3, b"", fin=True),
                                                                   spdy.Data(1, b"", fin=True)]
        # a second connection on the same WebSocket, to a port where nothing listens
        refused = closed_port()
        await tunnel.open(5, "error", refused, "1")
        await tunnel.open(7, "data", refused, "1")
        error = await tunnel.receive()
        assert isinstance(error, spdy.Data) and error.stream_id == 5
        text = error.data.decode()
        assert text.startswith(f"error forwarding port {refused} to pod ")
        assert f', uid : failed to execute portforward in network namespace "host": failed to connect to ' \
               f"localhost:{refused} inside namespace " in text
        assert f"IPv4: dial tcp4 127.0.0.1:{refused}: connect: connection refused IPv6 dial tcp6 [::1]:{refused}: " in text
        assert [await tunnel.receive(), await tunnel.receive()] == [spdy.Data(5, b"", fin=True),
                                                                   spdy.Data(7, b"", fin=True)]


async def test_the_tunnel_resets_bad_streams_and_ends_on_bad_frames(
        start_server: StartServer, admin: Identity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spdytunnel, "STREAM_CREATION_TIMEOUT", 0.2)  # the kubelet waits 30 s
    api = await start_server(**FAST, enable_pod_port_forward=True)
    await _pod(api, admin, "web")
    async with _session(api, admin) as session, \
            session.ws_connect(f"{api.url}{PODS}/web/portforward", protocols=(TUNNEL,)) as ws:
        tunnel = Tunnel(ws)
        for stream_id, headers in [(1, {"streamtype": "data"}), (3, {"port": "80"}),
                                   (5, {"port": "x", "streamtype": "data"}), (7, {"port": "80", "streamtype": "x"})]:
            await tunnel.send(spdy.SynStream(stream_id, headers))
            assert await tunnel.receive() == spdy.RstStream(stream_id, spdy.CANCEL)
        await tunnel.send(spdy.SynStream(3, {"port": "80", "streamtype": "data"}))  # ids must grow
        assert await tunnel.receive() == spdy.RstStream(3, spdy.PROTOCOL_ERROR_STATUS)
        # a second error stream for one request is reported on the first; a lone one times out
        await tunnel.open(9, "error", 80, "a")
        await tunnel.open(11, "error", 80, "a")
        assert [await tunnel.receive() for _ in range(3)] == [
            spdy.Data(9, b"error processing stream for request a: error stream already assigned"),
            spdy.Data(9, b"(request=a) timed out waiting for streams"),
            spdy.Data(9, b"", fin=True),
        ]
        await ws.send_bytes(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01")  # SPDY/2
        assert await tunnel.receive() == spdy.GoAway(11, spdy.GOAWAY_PROTOCOL_ERROR)
        assert (await ws.receive(timeout=10)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


@pytest.mark.parametrize("protocol", ["v4.channel.k8s.io", "v4.base64.channel.k8s.io"])
async def test_the_channel_protocol_forwards_every_port_at_once(
        start_server: StartServer, admin: Identity, protocol: str) -> None:
    api = await start_server(**FAST, enable_pod_port_forward=True)
    await _pod(api, admin, "web")
    text = "base64" in protocol

    def frame(message: aiohttp.WSMessage) -> tuple[int, bytes]:
        if text:
            assert message.type is aiohttp.WSMsgType.TEXT, message
            return ord(message.data[0]) - ord("0"), base64.b64decode(message.data[1:])
        assert message.type is aiohttp.WSMsgType.BINARY, message
        return message.data[0], message.data[1:]

    refused = closed_port()
    async with serving() as port, _session(api, admin) as session, session.ws_connect(
            f"{api.url}{PODS}/web/portforward?ports={port},{refused}", protocols=("v5.channel.k8s.io", protocol)) as ws:
        assert ws.protocol == protocol
        firsts = [frame(await ws.receive(timeout=10)) for _ in range(4)]
        assert firsts == [(0, port.to_bytes(2, "little")), (1, port.to_bytes(2, "little")),
                          (2, refused.to_bytes(2, "little")), (3, refused.to_bytes(2, "little"))]
        error = frame(await ws.receive(timeout=10))
        assert error[0] == 3 and f"dial tcp4 127.0.0.1:{refused}: connect: connection refused" in error[1].decode()
        if text:
            await ws.send_str("0" + base64.b64encode(b"over channels").decode())
        else:
            await ws.send_bytes(b"\x00over channels")
        assert frame(await ws.receive(timeout=10)) == (0, b"OVER CHANNELS")


async def test_checks_before_the_upgrade_answer_real_statuses(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_port_forward=True)
    await _pod(api, admin, "web")
    await _pod(api, admin, "unbound", schedulerName="nobody")
    await _pod(api, admin, "done", restartPolicy="Never")  # runs pod_run_time, then Succeeded
    await api.state.settle()
    tunnel = {**WEBSOCKET, "Sec-WebSocket-Protocol": TUNNEL}
    spdy_post = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io"}
    cases = [
        ("GET", "nope/portforward", tunnel, 404, 'pods "nope" not found'),
        ("GET", "web/portforward?ports=http", tunnel, 400,
         'cannot convert to []int32: strconv.ParseUint: parsing "http": invalid syntax'),
        ("GET", "web/portforward?ports=80,70000", WEBSOCKET, 400,
         'cannot convert to []int32: strconv.ParseUint: parsing "70000": value out of range'),
        ("GET", "unbound/portforward", tunnel, 400, "pod unbound does not have a host assigned"),
        ("GET", "web/portforward", {}, 400, "Upgrade request required"),
        ("GET", "web/portforward", WEBSOCKET, 400, 'query parameter "port" is required'),
        ("GET", "web/portforward?ports=0", WEBSOCKET, 400, 'port "0" must be > 0'),
        ("GET", "done/portforward", tunnel, 500, "rpc error: code = Unknown desc = sandbox container is not running"),
        ("GET", "web/portforward?ports=80", {**WEBSOCKET, "Sec-WebSocket-Protocol": "portforward.k8s.io"}, 400,
         ONLY_WEBSOCKET),
        ("POST", "web/portforward", spdy_post, 400, ONLY_WEBSOCKET),
        ("GET", "web/portforward", {**tunnel, "Connection": "keep-alive"}, 400, ONLY_WEBSOCKET),
        ("GET", "web/portforward", {**tunnel, "Sec-WebSocket-Version": "8"}, 400,
         "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header"),
        ("GET", "web/portforward", {**tunnel, "Sec-WebSocket-Key": "short"}, 400,
         ("websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of "
          "16-byte in length")),
    ]
    for method, path, headers, code, message in cases:
        response = await api.request(method, f"{PODS}/{path}", identity=admin, headers=headers)
        assert (response.status, response.body["message"]) == (code, message), path


async def test_forwarding_is_refused_before_the_upgrade_unless_enabled(
        start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _pod(api, admin, "web")
    for method, headers in [("GET", {**WEBSOCKET, "Sec-WebSocket-Protocol": TUNNEL}),
                            ("POST", {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"})]:
        response = await api.request(method, f"{PODS}/web/portforward", identity=admin, headers=headers)
        assert response.status == 403
        assert response.body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                 "message": DISABLED, "reason": "Forbidden", "code": 403}


async def test_a_websocket_needs_create_on_pods_portforward(
        start_server: StartServer, admin: Identity, alice: Identity) -> None:
    api = await start_server(**FAST, enable_pod_port_forward=True)
    await _pod(api, admin, "web")
    headers = {**WEBSOCKET, "Sec-WebSocket-Protocol": TUNNEL}
    rule: dict[str, list[str]] = {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["get"]}
    role = {"metadata": {"name": "forward"}, "rules": [rule]}
    binding = {"metadata": {"name": "alice-forward"}, "subjects": [{"kind": "User", "name": "alice"}],
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "forward"}}
    assert (await api.request("POST", f"{RBAC}/roles", identity=admin, json=role)).status == 201
    assert (await api.request("POST", f"{RBAC}/rolebindings", identity=admin, json=binding)).status == 201
    await api.state.settle()
    response = await api.request("GET", f"{PODS}/web/portforward", identity=alice, headers=headers)
    assert response.status == 403  # `get` let the upgrade through the filters; `create` is still needed
    assert response.body["message"] == ('pods "web" is forbidden: User "alice" cannot create resource '
                                        '"pods/portforward" in API group "" in the namespace "default"')
    rule["verbs"] = ["get", "create"]
    assert (await api.request("PUT", f"{RBAC}/roles/forward", identity=admin, json=role)).status == 200
    await api.state.settle()
    async with serving() as port, _session(api, alice) as session, \
            session.ws_connect(f"{api.url}{PODS}/web/portforward", protocols=(TUNNEL,)) as ws:
        tunnel = Tunnel(ws)
        await tunnel.open(1, "error", port, "0")
        await tunnel.open(3, "data", port, "0")
        await tunnel.send(spdy.Data(3, b"alice"))
        assert await tunnel.receive() == spdy.Data(3, b"ALICE")
