"""Writers racing on one object, as `GuaranteedUpdate` settles them on a real apiserver.

Every patch type, scale and PUT without a resourceVersion apply to whatever the object is when
they are written: a loser of the race computes again instead of answering 409. A PUT that names
a resourceVersion no longer current still gets the real 409.
"""

from __future__ import annotations

import asyncio

from kubegate.admission.attributes import AdmissionAttributes
from tests.support.inprocess import Identity, InProcessServer

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


class YieldingAdmission:
    """An admission step that awaits (as a webhook call would), so writers interleave."""

    def __init__(self) -> None:
        self.calls = 0

    async def admit(self, attributes: AdmissionAttributes) -> None:
        self.calls += 1
        for _ in range(3):
            await asyncio.sleep(0)


async def test_concurrent_merge_patches_all_land(api: InProcessServer, admin: Identity) -> None:
    plugin = YieldingAdmission()
    api.state.admission.plugins.append(plugin)
    created = await api.request("POST", CONFIGMAPS, identity=admin, json={"metadata": {"name": "shared"}})
    assert created.status == 201
    responses = await asyncio.gather(*(
        api.request(
            "PATCH", f"{CONFIGMAPS}/shared", identity=admin, data=f'{{"metadata":{{"labels":{{"l{i}":"v"}}}}}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
        for i in range(20)
    ))
    assert [r.status for r in responses] == [200] * 20
    final = (await api.request("GET", f"{CONFIGMAPS}/shared", identity=admin)).body
    assert final["metadata"]["labels"] == {f"l{i}": "v" for i in range(20)}
    # each write took its own revision: twenty patches, twenty new resourceVersions
    assert len({r.body["metadata"]["resourceVersion"] for r in responses}) == 20


async def test_concurrent_strategic_patches_and_scales_all_land(api: InProcessServer, admin: Identity) -> None:
    api.state.admission.plugins.append(YieldingAdmission())
    deployment = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        },
    }
    assert (await api.request("POST", DEPLOYMENTS, identity=admin, json=deployment)).status == 201
    patches = [
        api.request(
            "PATCH", f"{DEPLOYMENTS}/web", identity=admin,
            data=f'{{"metadata":{{"annotations":{{"a{i}":"v"}}}}}}',
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        for i in range(10)
    ]
    scale = api.request(
        "PATCH", f"{DEPLOYMENTS}/web/scale", identity=admin, data='{"spec":{"replicas":5}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    responses = await asyncio.gather(*patches, scale)
    assert [r.status for r in responses] == [200] * 11
    final = (await api.request("GET", f"{DEPLOYMENTS}/web", identity=admin)).body
    assert final["spec"]["replicas"] == 5
    annotations = final["metadata"]["annotations"]
    assert {key: value for key, value in annotations.items() if key.startswith("a")} == {f"a{i}": "v" for i in range(10)}
    assert annotations["deployment.kubernetes.io/revision"] == "1"  # the deployment controller wrote meanwhile


async def test_a_put_naming_a_stale_resource_version_is_a_conflict(api: InProcessServer, admin: Identity) -> None:
    created = (await api.request("POST", CONFIGMAPS, identity=admin, json={"metadata": {"name": "cm"}})).body
    stale = created["metadata"]["resourceVersion"]
    patched = await api.request(
        "PATCH", f"{CONFIGMAPS}/cm", identity=admin, data='{"data":{"k":"v"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status == 200
    put = await api.request(
        "PUT", f"{CONFIGMAPS}/cm", identity=admin,
        json={"metadata": {"name": "cm", "resourceVersion": stale}, "data": {"k": "other"}},
    )
    assert put.status == 409
    assert put.body["message"] == (
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


async def test_concurrent_puts_without_a_resource_version_all_land(api: InProcessServer, admin: Identity) -> None:
    api.state.admission.plugins.append(YieldingAdmission())
    await api.request("POST", CONFIGMAPS, identity=admin, json={"metadata": {"name": "cm"}})
    responses = await asyncio.gather(*(
        api.request("PUT", f"{CONFIGMAPS}/cm", identity=admin, json={"metadata": {"name": "cm"}, "data": {"k": str(i)}})
        for i in range(8)
    ))
    assert [r.status for r in responses] == [200] * 8
