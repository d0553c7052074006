"""Every built-in kind through its typed API: create, read, list and read status.

The client's generated models refuse an answer that lacks a required field (a ReplicaSet status
without `replicas`, say), so this is where kubegate's objects meet a strict reader. One server
serves the module; each namespaced kind works in a namespace of its own, so that one kind's
objects never show up in another's list.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from kubernetes import client

from kubegate import pki
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.spec import ResourceSpec
from tests.support.inprocess import Identity, start_in_process
from tests.support.minimal_objects import minimal_object
from tests.support.python_client import (
    M,
    api_client,
    create_namespace,
    in_thread,
    method_stem,
    typed_api,
)

TYPED_VERBS = frozenset({"create", "get", "list"})
TYPED_SPECS = [spec for spec in BUILTIN_RESOURCES if TYPED_VERBS <= set(spec.verbs)]


def spec_id(spec: ResourceSpec) -> str:
    return f"{spec.plural}.{spec.group or 'core'}.{spec.version}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def typed_client(
    pki_files: pki.PkiFiles, admin: Identity, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[client.ApiClient]:
    server = await start_in_process(pki_files)
    with api_client(server, admin, workdir=tmp_path_factory.mktemp("typed-models")) as api:
        yield api
    await server.close()


def _typed_cycle(api: client.ApiClient, spec: ResourceSpec) -> None:
    typed = typed_api(api, spec.group, spec.version)
    stem = method_stem(spec.kind)
    scope, args = "", ()
    if spec.namespaced:
        namespace = f"typed-{TYPED_SPECS.index(spec)}"
        create_namespace(api, namespace)
        scope, args = "namespaced_", (namespace,)
    body: dict[str, Any] = minimal_object(spec, f"typed-{spec.version}-{spec.singular[:30]}")
    created = getattr(typed, f"create_{scope}{stem}")(*args, body)
    name = created.metadata.name
    assert getattr(typed, f"read_{scope}{stem}")(name, *args).metadata.uid == created.metadata.uid
    assert name in {item.metadata.name for item in getattr(typed, f"list_{scope}{stem}")(*args).items}
    if spec.subresource("status") is not None:
        assert getattr(typed, f"read_{scope}{stem}_status")(name, *args).metadata.name == name


def test_the_typed_kinds_cover_the_registry() -> None:
    assert len(TYPED_SPECS) > 40


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("spec", TYPED_SPECS, ids=spec_id)
async def test_typed_api_reads_what_it_wrote(typed_client: client.ApiClient, spec: ResourceSpec) -> None:
    await in_thread(lambda: _typed_cycle(typed_client, spec))


@pytest.mark.asyncio(loop_scope="module")
async def test_autoscaling_v1_reads_an_hpa_written_through_v2(typed_client: client.ApiClient) -> None:
    def scenario() -> client.V1HorizontalPodAutoscaler:
        create_namespace(typed_client, "hpa-versions")
        target = client.V2CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="web")
        client.AutoscalingV2Api(typed_client).create_namespaced_horizontal_pod_autoscaler("hpa-versions", client.V2HorizontalPodAutoscaler(
            metadata=M(name="web"),
            spec=client.V2HorizontalPodAutoscalerSpec(scale_target_ref=target, max_replicas=3),
        ))
        return client.AutoscalingV1Api(typed_client).read_namespaced_horizontal_pod_autoscaler("web", "hpa-versions")

    hpa = await in_thread(scenario)
    assert (hpa.api_version, hpa.status.current_replicas) == ("autoscaling/v1", 0)
