"""The official Python client's `kubernetes.stream.portforward`: the kubelet's channel protocol.

The client offers `v5.channel.k8s.io, v4.channel.k8s.io` and `?ports=A,B`; it checks the port
number that opens each channel, then hands out one socket per port. A port where nothing
listens gets the kubelet's error text, and its socket is closed.
"""

from __future__ import annotations

import socket
from pathlib import Path

from kubernetes import client
from kubernetes.stream import portforward

from tests.integration.conftest import StartServer
from tests.support.echo import closed_port, serving
from tests.support.inprocess import Identity
from tests.support.python_client import api_client, in_thread


async def test_portforward_gives_a_socket_per_port(start_server: StartServer, admin: Identity, tmp_path: Path) -> None:
    api = await start_server(pod_start_delay=0.05, enable_pod_port_forward=True)
    pod = {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    assert (await api.request("POST", "/api/v1/namespaces/default/pods", identity=admin, json=pod)).status == 201
    await api.state.settle()
    refused = closed_port()
    async with serving() as port:
        def scenario() -> tuple[bytes, bytes, str | None]:
            with api_client(api, admin, workdir=tmp_path / "client") as python_api:
                core = client.CoreV1Api(python_api)
                forward = portforward(core.connect_get_namespaced_pod_portforward, "web", "default",
                                      ports=f"{port},{refused}")
                try:
                    conn: socket.socket = forward.socket(port)
                    conn.settimeout(10)
                    conn.sendall(b"from python")
                    answer = conn.recv(1024)
                    failed: socket.socket = forward.socket(refused)
                    failed.settimeout(10)
                    closed = failed.recv(1024)  # the client closes it once the error arrives
                    return answer, closed, forward.error(refused)
                finally:
                    forward.close()

        answer, closed, error = await in_thread(scenario)
    assert answer == b"FROM PYTHON"
    assert closed == b""
    assert error is not None and error.startswith(f"error forwarding port {refused} to pod ")
    assert f"dial tcp4 127.0.0.1:{refused}: connect: connection refused" in error
