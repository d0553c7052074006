"""YAML request bodies on every path that reads them: converted as sigs.k8s.io/yaml converts them.

Both found by the HTTP fuzz test: a YAML mapping with non-string keys crashed the scale
subresource (500), and a few hundred bytes of nested aliases took the server 40 s and 1.2 GB
to expand before it even looked at the object.
"""

from __future__ import annotations

import time

import pytest

from tests.support.inprocess import Identity, InProcessServer

CMS = "/api/v1/namespaces/default/configmaps"
BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    + ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}"]
) + "\n"
DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
        "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}}},
}


async def test_mapping_keys_become_strings(api: InProcessServer, admin: Identity) -> None:
    created = await api.request(
        "POST", CMS, identity=admin, data=b"metadata: {name: keys}\ndata: {1: one, 2.5: two, k: 2024-01-01}\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert created.status == 201, created.text
    assert created.body["data"] == {"1": "one", "2.5": "two", "k": "2024-01-01"}
    await api.request("POST", "/apis/apps/v1/namespaces/default/deployments", identity=admin, json=DEPLOYMENT)
    scaled = await api.request(
        "PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", identity=admin,
        data=b"{1: a, true: b, null: c, 1.5: d}\n", headers={"Content-Type": "application/yaml"},
    )
    assert scaled.status < 500, scaled.text


@pytest.mark.parametrize(
    ("method", "path", "media", "prefix"),
    [
        ("POST", CMS, "application/yaml", ""),
        ("PATCH", CMS + "/bomb?fieldManager=me", "application/apply-patch+yaml", "error decoding patch: "),
    ],
)
async def test_a_billion_laughs_is_a_quick_400(
    api: InProcessServer, admin: Identity, method: str, path: str, media: str, prefix: str
) -> None:
    started = time.monotonic()
    response = await api.request(method, path, identity=admin, data=BOMB.encode(), headers={"Content-Type": media})
    assert time.monotonic() - started < 2
    assert response.status == 400
    assert response.body["message"] == prefix + "error converting YAML to JSON: yaml: document contains excessive aliasing"
