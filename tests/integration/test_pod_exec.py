"""pods/exec and pods/attach over WebSocket v5 (v5.channel.k8s.io), as kubectl 1.30+ speaks them.

Pods run on the default simulated node with small stage timings; `settle()` waits for them to
be Running. Frames are checked byte for byte: the first byte of every binary message is the
channel (1 stdout, 2 stderr, 3 error), and the error channel ends every session with a Status.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson

from kubegate.endpoints.virtual.podexec import DISABLED
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
FAST = {"pod_start_delay": 0.05, "pod_run_time": 0.2}
V5 = "v5.channel.k8s.io"
UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": V5}
RBAC = "/apis/rbac.authorization.k8s.io/v1/namespaces/default"


def _context(api: InProcessServer, identity: Identity) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(api.ca_file))
    context.load_cert_chain(str(identity.cert), str(identity.key))
    return context


async def _pod(api: InProcessServer, admin: Identity, name: str, **spec: Any) -> None:
    body = {"metadata": {"name": name}, "spec": {
        "nodeName": "kubegate-node",
        "containers": [{"name": "app", "image": "busybox", "env": [{"name": "GREETING", "value": "hello there"}]}],
        **spec}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()


def _query(command: list[str], **flags: str) -> str:
    params = [("command", c) for c in command] + [("stdout", "true"), ("stderr", "true"), *flags.items()]
    return urlencode(params)


async def _session(api: InProcessServer, identity: Identity, path: str, *, stdin: tuple[bytes, ...] = ()
                   ) -> tuple[list[bytes], dict[str, Any]]:
    """Open the WebSocket, send `stdin` frames, and return the frames received and the final Status."""
    connector = aiohttp.TCPConnector(ssl=_context(api, identity))
    async with (aiohttp.ClientSession(connector=connector) as session,
                session.ws_connect(api.url + path, protocols=(V5,)) as ws):
        assert ws.protocol == V5
        for frame in stdin:
            await ws.send_bytes(frame)
        frames = [message.data async for message in ws if message.type is aiohttp.WSMsgType.BINARY]
    errors = [frame[1:] for frame in frames if frame[0] == 3]
    assert len(errors) == 1, frames
    return frames, orjson.loads(errors[0])


def _channel(frames: list[bytes], channel: int) -> bytes:
    return b"".join(frame[1:] for frame in frames if frame[0] == channel)


async def test_exec_is_refused_on_the_error_channel_unless_enabled(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _pod(api, admin, "p")
    frames, status = await _session(api, admin, f"{PODS}/p/exec?{_query(['echo', 'hi'])}")
    assert frames[0] == b"\x01"  # the empty first message on stdout
    assert status == {"metadata": {}, "status": "Failure", "message": DISABLED, "reason": "Forbidden", "code": 403}
    assert _channel(frames, 1) == b""


async def test_exec_runs_the_command_and_reports_its_exit(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_exec=True)
    await _pod(api, admin, "p")
    frames, status = await _session(api, admin, f"{PODS}/p/exec?{_query(['echo', 'hi'])}")
    assert frames[0] == b"\x01" and _channel(frames, 1) == b"hi\n"
    assert status == {"metadata": {}, "status": "Success"}

    frames, status = await _session(api, admin, f"{PODS}/p/exec?{_query(['sh', '-c', 'echo $GREETING >&2; exit 3'])}")
    assert _channel(frames, 2) == b"hello there\n"
    assert status == {
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
        "message": "command terminated with non-zero exit code: command terminated with exit code 3",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
    }

    frames, status = await _session(api, admin, f"{PODS}/p/exec?{_query(['no-such-binary-kubegate'])}")
    assert b'exec: "no-such-binary-kubegate": executable file not found in $PATH' in _channel(frames, 2)
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "126"}]


async def test_stdin_reaches_the_command_until_closed(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_exec=True)
    await _pod(api, admin, "p")
    path = f"{PODS}/p/exec?{_query(['cat'], stdin='true')}"
    frames, status = await _session(api, admin, path, stdin=(b"\x00hello\n", b"\x00world\n", b"\xff\x00"))
    assert _channel(frames, 1) == b"hello\nworld\n"
    assert status == {"metadata": {}, "status": "Success"}


async def test_checks_before_the_upgrade_answer_real_statuses(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_exec=True)
    await _pod(api, admin, "p")
    cases = [
        ("GET", f"{PODS}/p/exec?{_query(['true'], container='x')}", UPGRADE, 400, "container x is not valid for pod p"),
        ("GET", f"{PODS}/nope/exec?{_query(['true'])}", UPGRADE, 404, 'pods "nope" not found'),
        ("GET", f"{PODS}/p/exec?stdout=true", UPGRADE, 400, "you must specify at least one command for the container"),
        ("GET", f"{PODS}/p/exec?command=true", UPGRADE, 400, "you must specify at least 1 of stdin, stdout, stderr"),
        ("GET", f"{PODS}/p/exec?{_query(['true'])}", {}, 400, "Upgrade request required"),
        ("GET", f"{PODS}/p/exec?{_query(['true'])}", {**UPGRADE, "Sec-WebSocket-Protocol": "v4.channel.k8s.io"},
         400, "kubegate serves pods/exec only over WebSocket with the v5.channel.k8s.io subprotocol"),
        ("POST", f"{PODS}/p/exec?{_query(['true'])}",
         {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": V5},
         400, "kubegate serves pods/exec only over WebSocket with the v5.channel.k8s.io subprotocol"),
    ]
    for method, path, headers, code, message in cases:
        response = await api.request(method, path, identity=admin, headers=headers)
        assert response.status == code, (path, response.text)
        assert response.body["message"].startswith(message), response.body


async def test_a_container_not_running_is_not_found_on_the_error_channel(
        start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST, enable_pod_exec=True)
    await _pod(api, admin, "done", restartPolicy="Never")  # runs pod_run_time, then Succeeded
    _, status = await _session(api, admin, f"{PODS}/done/exec?{_query(['true'])}")
    message = 'error stream protocol error: unable to upgrade connection: container not found ("app")'
    assert status == {"metadata": {}, "status": "Failure", "message": f"Internal error occurred: {message}",
                      "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


async def test_exec_needs_create_on_pods_exec(start_server: StartServer, admin: Identity, alice: Identity) -> None:
    api = await start_server(**FAST, enable_pod_exec=True)
    await _pod(api, admin, "p")
    path = f"{PODS}/p/exec?{_query(['echo', 'hi'])}"
    response = await api.request("GET", path, identity=alice, headers=UPGRADE)
    assert response.status == 403
    assert response.body["message"] == ('pods "p" is forbidden: User "alice" cannot get resource "pods/exec" '
                                        'in API group "" in the namespace "default"')
    rule: dict[str, list[str]] = {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]}
    role = {"metadata": {"name": "exec-get"}, "rules": [rule]}
    binding = {"metadata": {"name": "alice-exec"}, "subjects": [{"kind": "User", "name": "alice"}],
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec-get"}}
    assert (await api.request("POST", f"{RBAC}/roles", identity=admin, json=role)).status == 201
    assert (await api.request("POST", f"{RBAC}/rolebindings", identity=admin, json=binding)).status == 201
    await api.state.settle()
    response = await api.request("GET", path, identity=alice, headers=UPGRADE)
    assert response.status == 403  # `get` lets the upgrade through the filters; `create` is still needed
    assert response.body["message"] == ('pods "p" is forbidden: User "alice" cannot create resource "pods/exec" '
                                        'in API group "" in the namespace "default"')
    rule["verbs"] = ["get", "create"]
    updated = await api.request("PUT", f"{RBAC}/roles/exec-get", identity=admin, json=role)
    assert updated.status == 200, updated.text
    await api.state.settle()
    frames, status = await _session(api, alice, path)
    assert _channel(frames, 1) == b"hi\n" and status["status"] == "Success"


async def test_attach_waits_for_the_client_or_the_container(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _pod(api, admin, "p")
    connector = aiohttp.TCPConnector(ssl=_context(api, admin))
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"{api.url}{PODS}/p/attach?stdin=true&stdout=true&stderr=true"
        async with session.ws_connect(url, protocols=(V5,)) as ws:
            first = await ws.receive_bytes()
            assert first == b"\x01"
            await ws.send_bytes(b"\x00ignored\n")
            deleted = await api.request("DELETE", f"{PODS}/p?gracePeriodSeconds=0", identity=admin)
            assert deleted.status == 200, deleted.text
            frames = [m.data async for m in ws if m.type is aiohttp.WSMsgType.BINARY]
    assert frames == [b"\x03" + orjson.dumps({"metadata": {}, "status": "Success"})]
