"""The official Python client (`kubernetes` on PyPI), configured as its users configure it.

Each client reads a kubeconfig that kubegate's own tooling wrote (embedded CA and client
certificate, or a bearer token), through the client's kubeconfig loader. The client is
synchronous: tests run it with `asyncio.to_thread` so that the in-process server, which lives
on the test's event loop, keeps answering.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from kubegate import pki
from tests.support.inprocess import Identity, InProcessServer

T = TypeVar("T")
#: The namespace the scenarios work in.
NS = "pyclient"
M = client.V1ObjectMeta


async def in_thread(scenario: Callable[[], T]) -> T:
    """Run a synchronous client scenario while the test's event loop keeps serving."""
    return await asyncio.to_thread(scenario)


@contextmanager
def api_client(
    server: InProcessServer, identity: Identity, *, workdir: Path, token: str | None = None
) -> Iterator[client.ApiClient]:
    """An ApiClient for `identity` (or a bearer `token`), closed on exit.

    The loader writes the embedded certificate data to files; `workdir` keeps them out of /tmp.
    """
    cert = identity.cert.read_bytes() if identity.cert is not None else None
    key = identity.key.read_bytes() if identity.key is not None else None
    kubeconfig = pki.build_kubeconfig(
        server_url=server.url, ca_pem=server.ca_file.read_bytes(), user_name="python-client",
        client_cert_pem=cert, client_key_pem=key, token=token,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    api = config.new_client_from_config_dict(kubeconfig, persist_config=False, temp_file_path=str(workdir))
    try:
        yield api
    finally:
        # urllib3 2's PoolManager.clear() (what api.close() calls) forgets its pools without
        # closing their sockets, which then close whenever the garbage collector gets to them,
        # possibly after the server's event loop is gone; close them now.
        manager = api.rest_client.pool_manager
        for key in list(manager.pools.keys()):
            pool = manager.pools.get(key)
            if pool is not None:
                pool.close()
        api.close()


def api_class_name(group: str, version: str) -> str:
    """The typed API class for a group version, as the client generator names it
    (`apps`/v1 -> AppsV1Api, `rbac.authorization.k8s.io` -> RbacAuthorizationV1Api, core -> CoreV1Api)."""
    parts = [part for part in group.removesuffix(".k8s.io").split(".") if part] or ["core"]
    return "".join(part.capitalize() for part in parts) + version.capitalize() + "Api"


def method_stem(kind: str) -> str:
    """The snake-case kind in the typed methods' names: CSIStorageCapacity -> csi_storage_capacity."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", kind).lower()


def typed_api(api: client.ApiClient, group: str, version: str) -> Any:
    return getattr(client, api_class_name(group, version))(api)


@dataclass(frozen=True)
class Refusal:
    """What an `ApiException` told the caller: code, reason phrase, headers and the decoded Status."""

    status: int
    reason: str
    headers: dict[str, str]
    body: Any

    @property
    def message(self) -> str:
        return str(self.body["message"])


def refusal(call: Callable[[], object]) -> Refusal:
    """The error a client call ends in, as plain data.

    A test must not hold on to the exception itself: it keeps the HTTP response, and with it a
    connection the client never returned to its pool, alive in a reference cycle (exception ->
    traceback -> frame -> exception) until the garbage collector runs, possibly after the
    server's event loop has closed.
    """
    try:
        call()
    except ApiException as error:  # the dynamic client's errors are subclasses
        body = json.loads(error.body) if error.body else None
        return Refusal(int(error.status), str(error.reason), dict(error.headers or {}), body)
    raise AssertionError("the call succeeded")


def create_namespace(api: client.ApiClient, name: str = NS) -> None:
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=M(name=name)))


def pod_template(app: str, image: str = "nginx:1.27") -> client.V1PodTemplateSpec:
    return client.V1PodTemplateSpec(
        metadata=M(labels={"app": app}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="web", image=image)]),
    )


def deployment(name: str, *, image: str = "nginx:1.27") -> client.V1Deployment:
    return client.V1Deployment(
        metadata=M(name=name, labels={"app": name}),
        spec=client.V1DeploymentSpec(
            replicas=2, selector=client.V1LabelSelector(match_labels={"app": name}),
            template=pod_template(name, image),
        ),
    )
