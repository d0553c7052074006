"""The conformance ring: every stored resource a real 1.32 server serves, through one cycle.

For each resource spec with the CRUD and watch verbs: create two minimal objects, get one,
list them by label one page at a time, update, refuse an update carrying a stale
resourceVersion (409), resume a watch from a resourceVersion, get 410 Expired (as an ERROR
event) for one older than the kept history, and delete. One in-process server serves the whole
module, with a small watch history so that "too old" is reached without thousands of writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from kubegate import pki
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.spec import ResourceSpec
from tests.support.inprocess import Identity, InProcessServer, start_in_process
from tests.support.minimal_objects import BODIES, minimal_object
from tests.support.watching import count, watch_events

NAMESPACE = "conformance"
FULL_VERBS = frozenset({"create", "get", "list", "update", "delete", "watch"})
#: The kept history: small, yet larger than the writes one resource's cycle needs.
HISTORY = 20
CONFORMANCE_SPECS = [spec for spec in BUILTIN_RESOURCES if FULL_VERBS <= set(spec.verbs)]


def spec_id(spec: ResourceSpec) -> str:
    return f"{spec.plural}.{spec.group or 'core'}.{spec.version}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def cluster(pki_files: pki.PkiFiles, admin: Identity) -> AsyncIterator[InProcessServer]:
    server = await start_in_process(pki_files, watch_cache_size=HISTORY)
    created = await server.request("POST", "/api/v1/namespaces", identity=admin, json={"metadata": {"name": NAMESPACE}})
    assert created.status == 201, created.text
    yield server
    await server.close()


def collection(spec: ResourceSpec) -> str:
    prefix = f"/apis/{spec.group}/{spec.version}" if spec.group else "/api/v1"
    return f"{prefix}/namespaces/{NAMESPACE}/{spec.plural}" if spec.namespaced else f"{prefix}/{spec.plural}"


def test_every_conformance_resource_has_a_minimal_object() -> None:
    assert {(s.group, s.plural) for s in CONFORMANCE_SPECS} <= set(BODIES) | {
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("apiregistration.k8s.io", "apiservices"),
    }


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("spec", CONFORMANCE_SPECS, ids=spec_id)
async def test_resource_lifecycle(cluster: InProcessServer, admin: Identity, spec: ResourceSpec) -> None:
    base = collection(spec)
    stem = f"cf-{spec.plural[:20]}-{spec.version}"
    label = f"conformance={spec.plural}.{spec.version}"
    labels = {"conformance": f"{spec.plural}.{spec.version}"}

    first = await cluster.request("POST", base, identity=admin, json=minimal_object(spec, f"{stem}-a", labels=labels))
    assert first.status == 201, first.text
    created = first.body
    name = created["metadata"]["name"]
    assert created["kind"] == spec.kind and created["apiVersion"] == spec.api_version

    await cluster.state.settle()  # the resource's controllers (a Deployment's, a CRD's) have had their say
    got = await cluster.request("GET", f"{base}/{name}", identity=admin)
    assert got.status == 200 and got.body["metadata"]["uid"] == created["metadata"]["uid"]

    # update: a label change at the current resourceVersion succeeds...
    current = got.body
    changed = {**current, "metadata": {**current["metadata"], "labels": {**labels, "changed": "yes"}}}
    updated = await cluster.request("PUT", f"{base}/{name}", identity=admin, json=changed)
    assert updated.status == 200, updated.text
    assert int(updated.body["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    # ...and the same change from the stale resourceVersion is a conflict.
    stale = await cluster.request("PUT", f"{base}/{name}", identity=admin, json=changed)
    assert stale.status == 409, stale.text
    resource = f"{spec.plural}.{spec.group}" if spec.group else spec.plural
    assert stale.body["message"] == (
        f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    await cluster.state.settle()
    resume_from = str(cluster.state.store.revision)

    second = await cluster.request("POST", base, identity=admin, json=minimal_object(spec, f"{stem}-b", labels=labels))
    assert second.status == 201, second.text
    other = second.body["metadata"]["name"]

    # list by label, one object per page, through the continue tokens; every page is read at
    # the first page's resourceVersion (a trailing page may be empty: objects the selector
    # skips still count as "more" for the server, as on a real one)
    page = await cluster.request("GET", f"{base}?labelSelector={label}&limit=1", identity=admin)
    assert page.status == 200, page.text
    assert page.body["kind"] == spec.list_kind
    pages = [[i["metadata"]["name"] for i in page.body["items"]]]
    snapshot = page.body["metadata"]["resourceVersion"]
    while token := page.body["metadata"].get("continue"):
        page = await cluster.request("GET", f"{base}?labelSelector={label}&limit=1&continue={token}", identity=admin)
        assert page.status == 200, page.text
        assert page.body["metadata"]["resourceVersion"] == snapshot
        pages.append([i["metadata"]["name"] for i in page.body["items"]])
    assert [p for p in pages if p] == [[name], [other]]

    # a watch resumed after the update sees the second object arrive
    events = await asyncio.wait_for(
        watch_events(cluster, admin, f"{base}?watch=true&labelSelector={label}&resourceVersion={resume_from}", until=count(1)),
        10,
    )
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", other)]

    # a resourceVersion older than the kept history is gone: 410 as an ERROR event
    [expired] = await asyncio.wait_for(watch_events(cluster, admin, f"{base}?watch=true&resourceVersion=1", until=count(1)), 10)
    assert expired["type"] == "ERROR"
    assert expired["object"]["code"] == 410 and expired["object"]["reason"] == "Expired"

    for doomed in (name, other):
        deleted = await cluster.request("DELETE", f"{base}/{doomed}", identity=admin)
        assert deleted.status == 200, deleted.text
    after = await cluster.request("GET", f"{base}/{name}", identity=admin)
    if (spec.group, spec.plural) == ("", "namespaces"):
        # a namespace terminates first; the namespace controller removes it once empty
        assert after.status == 404 or after.body["metadata"].get("deletionTimestamp")
    else:
        assert after.status == 404, after.text
