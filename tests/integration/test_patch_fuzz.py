"""No patch crashes the server: seeded random bodies of every patch type get an object or a Status.

The bodies mix the vocabulary of real patches (directives, merge keys, nulls, lists of maps)
with wrong types and garbage, against a Deployment and its scale subresource. Every answer
must be JSON: the patched object, or a Status (a 500 Status is fine where the real server
answers a Go error so). What must never happen is the unexpected-error path.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import orjson
import pytest
import yaml

from tests.support.inprocess import Identity, InProcessServer

SEED = 5_2025
ROUNDS = 300
WEB = "/apis/apps/v1/namespaces/default/deployments/web"
KEYS = (
    "spec", "metadata", "template", "containers", "name", "image", "replicas", "labels", "finalizers",
    "strategy", "rollingUpdate", "selector", "matchLabels", "ports", "containerPort", "x",
    "$patch", "$retainKeys", "$setElementOrder/containers", "$deleteFromPrimitiveList/finalizers",
    "$setElementOrder/finalizers", "$setElementOrder", "$deleteFromPrimitiveList",
)
WORDS = ("delete", "replace", "merge", "main", "side", "web", "", "$patch", "a")
MEDIA = (
    "application/strategic-merge-patch+json", "application/merge-patch+json",
    "application/json-patch+json", "application/apply-patch+yaml",
)


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.3:
        return rng.choice([None, True, 0, 1, -3, 2.5, rng.choice(WORDS), rng.randint(0, 9)])
    if roll < 0.55:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.7:  # a list of maps with merge keys, the common shape
        return [{"name": rng.choice(WORDS), **obj(rng, depth + 1)} for _ in range(rng.randint(1, 3))]
    return obj(rng, depth + 1)


def obj(rng: random.Random, depth: int) -> dict[str, Any]:
    return {rng.choice(KEYS): value(rng, depth) for _ in range(rng.randint(0, 4))}


def body_for(rng: random.Random, media: str) -> bytes:
    if rng.random() < 0.05:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 20)))
    if media == "application/json-patch+json":
        ops = [
            {"op": rng.choice(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
             "path": "/" + "/".join(rng.choice(KEYS + ("0", "-")) for _ in range(rng.randint(0, 3))),
             "from": "/spec", "value": value(rng, 2)}
            for _ in range(rng.randint(0, 3))
        ]
        return orjson.dumps(ops if rng.random() < 0.9 else value(rng))
    document: Any = value(rng) if rng.random() < 0.2 else obj(rng, 0)
    if media == "application/apply-patch+yaml":
        if isinstance(document, dict) and rng.random() < 0.6:
            document.update(apiVersion="apps/v1", kind="Deployment", metadata={"name": "web"})
        return yaml.safe_dump(document).encode()
    return orjson.dumps(document)


@pytest.fixture
async def web(api: InProcessServer, admin: Identity) -> None:
    spec = {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "main", "image": "nginx", "ports": [{"containerPort": 80}]}, {"name": "side", "image": "b"},
        ]}},
    }
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "finalizers": ["a"]}, "spec": spec}
    created = await api.request("POST", "/apis/apps/v1/namespaces/default/deployments", identity=admin, json=body)
    assert created.status == 201


async def test_random_patches_get_an_object_or_a_status(
    api: InProcessServer, admin: Identity, web: None, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(SEED)
    answers: dict[int, int] = {}
    with caplog.at_level(logging.ERROR, logger="kubegate.errors"):
        for _ in range(ROUNDS):
            media = rng.choice(MEDIA)
            path = WEB + rng.choice(["", "", "", "/scale"]) + "?fieldManager=fuzz" + rng.choice(["", "&force=true"])
            response = await api.request(
                "PATCH", path, identity=admin, data=body_for(rng, media), headers={"Content-Type": media}
            )
            answer = response.body  # always JSON
            answers[response.status] = answers.get(response.status, 0) + 1
            if response.status >= 400:
                assert answer["kind"] == "Status" and answer["code"] == response.status, answer
                assert "unexpected error" not in answer["message"], answer
            else:
                assert answer["kind"] in ("Deployment", "Scale"), answer
    assert not [r for r in caplog.records if r.name == "kubegate.errors"]
    assert answers.get(200, 0) > 20 and len(answers) >= 4  # the bodies reach both outcomes
