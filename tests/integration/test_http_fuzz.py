"""No request crashes the server: seeded random requests over real HTTPS get an object or a Status.

A few hundred requests drawn from `tests.support.fuzz_inputs` with a fixed seed: creates and
updates with JSON, YAML and (mutated) protobuf bodies of several kinds, every patch type against
live objects, lists, gets and watches with random query parameters, deletes with random options,
and random paths under random methods. Each answer must be what a client can read: a JSON object,
a `Status` whose code is the HTTP status, a watch stream of JSON events, or one of the few plain
texts the real server also sends (`404 page not found`, health checks). No 5xx but the few the
real server gives for the same input (`_the_real_servers_5xx`), no traceback, nothing in the
error log; and afterwards the server still answers.

`KUBEGATE_FUZZ_SEED` and `KUBEGATE_FUZZ_CASES` run other or longer sequences when hunting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import orjson
import pytest
import yaml

from kubegate.registry import listing
from tests.support import fuzz_inputs as fuzz
from tests.support.inprocess import Identity, InProcessServer

SEED = int(os.environ.get("KUBEGATE_FUZZ_SEED", "20260523"))
CASES = int(os.environ.get("KUBEGATE_FUZZ_CASES", "500"))
NS = "default"
#: A namespace and object no random request names: the server must still serve them at the end.
SENTINEL = "/api/v1/namespaces/sentinel/configmaps/kept"

SEEDS: dict[str, dict[str, Any]] = {
    f"/api/v1/namespaces/{NS}/configmaps": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "labels": {"app": "web"}}, "data": {"k": "v"}},
    f"/api/v1/namespaces/{NS}/secrets": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"}, "type": "Opaque", "data": {"k": "dg=="}},
    f"/api/v1/namespaces/{NS}/serviceaccounts": {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
    f"/api/v1/namespaces/{NS}/services": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}]}},
    f"/api/v1/namespaces/{NS}/pods": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod"}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}},
    "/api/v1/namespaces": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fuzz"}},
    f"/apis/apps/v1/namespaces/{NS}/deployments": {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}}},
    },
    f"/apis/rbac.authorization.k8s.io/v1/namespaces/{NS}/roles": {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    },
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions": {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                               "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                   "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}]},
    },
    f"/apis/example.com/v1/namespaces/{NS}/widgets": {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}},
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews": {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": NS, "verb": "get", "resource": "pods"}},
    },
}
#: Texts a real server answers in plain text, by the status they come with.
PLAIN_TEXTS = {404: (b"404 page not found\n",)}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    events: list[bytes]


class Client:
    """Raw HTTPS requests as the admin, reading a watch stream for a moment instead of to its end."""

    def __init__(self, api: InProcessServer, admin: Identity) -> None:
        context = ssl.create_default_context(cafile=str(api.ca_file))
        context.load_cert_chain(str(admin.cert), str(admin.key))
        self.url = api.url
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))

    async def send(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None) -> Answer:
        async with self.session.request(method, self.url + path, data=body or None, headers=headers or {}) as resp:
            content_type = resp.headers.get("Content-Type", "")
            if resp.status == 200 and content_type.startswith("application/json") and "chunked" in resp.headers.get("Transfer-Encoding", ""):
                return Answer(resp.status, content_type, b"", await self._events(resp))
            return Answer(resp.status, content_type, await asyncio.wait_for(resp.read(), timeout=10), [])

    @staticmethod
    async def _events(resp: aiohttp.ClientResponse) -> list[bytes]:
        """The first lines of a watch (or a streamed list): read for a moment, then hung up on."""
        lines: list[bytes] = []
        try:
            async with asyncio.timeout(0.05):
                while len(lines) < 5 and (line := await resp.content.readline()):
                    lines.append(line)
        except TimeoutError:
            pass
        return lines


@pytest.fixture
async def client(api: InProcessServer, admin: Identity) -> AsyncIterator[Client]:
    client = Client(api, admin)
    yield client
    await client.session.close()


@dataclass
class Case:
    method: str
    path: str
    media: str  # the request body's Content-Type
    described: str

    @property
    def watching(self) -> bool:
        # as apimachinery reads a bool parameter: present means true, unless `0` or `false`
        watch = parse_qs(urlsplit(self.path).query, keep_blank_values=True).get("watch")
        return "/watch/" in self.path or (watch is not None and watch[0].lower() not in ("0", "false"))


def check(case: Case, answer: Answer, where: str) -> None:
    """What every answer must be, whatever was asked."""
    status, body = answer.status, answer.body
    assert b"Traceback" not in body and b'File "' not in body, where
    if status >= 500:
        assert _the_real_servers_5xx(case, answer), where
        return
    for line in answer.events:
        event = orjson.loads(line)
        assert isinstance(event, dict) and ("type" in event or "kind" in event), where
        if event.get("type") == "ERROR":
            assert event["object"]["kind"] == "Status", where
    if answer.events or case.method == "HEAD" or status in (204, 304) or (status == 406 and not body):
        return
    if status == 200 and not body and case.watching:
        return  # a watch that timed out at once (timeoutSeconds <= 0) ends without an event
    if answer.content_type.startswith("text/plain"):
        assert status < 400 or body in PLAIN_TEXTS.get(status, ()), where
        return
    if answer.content_type.startswith("application/yaml"):
        assert status < 400 and isinstance(yaml.safe_load(body), dict), where
        return
    assert answer.content_type.startswith("application/json"), where
    decoded = orjson.loads(body)
    assert isinstance(decoded, dict), where
    if status >= 400:
        assert decoded["kind"] == "Status" and decoded["code"] == status, where
        assert isinstance(decoded["message"], str) and "unexpected error" not in decoded["message"], where


def _the_real_servers_5xx(case: Case, answer: Answer) -> bool:
    """The 5xx answers the real server itself gives for a client's input, reproduced on purpose.

    Three are plain Go errors no handler maps to an API status, which the apiserver answers as
    a reasonless 500 Status: an unparsable resourceVersion (its storage layer's error, see
    kubegate.api.listoptions), etcd's refusal of a paged read at a future revision (see
    kubegate.registry.listing), and a strategic merge patch whose shape the merge code cannot
    follow (`interpretStrategicMergePatchError`'s default, see kubegate.api.strategicpatch).
    Two filters answer with a plain-text 500 (`responsewriters.InternalError`): request-info for
    a path that names a special verb and nothing after it (`/api/v1/watch`), impersonation for
    groups, extras or a uid without a user. A read at a resourceVersion the server has not
    reached yet gets a 504.
    """
    if answer.content_type.startswith("text/plain"):
        return answer.status == 500 and answer.body.startswith(b"Internal Server Error: ") and (
            b": failed to create RequestInfo: unable to determine kind and namespace from url, " in answer.body
            or answer.body.endswith(b"] without impersonating a user\n")
        )
    status = orjson.loads(answer.body)
    if status["code"] == 504:
        return status["reason"] == "Timeout" and status["message"].startswith("Timeout: Too large resource version: ")
    if status["code"] != 500 or status.get("reason", "") != "":
        return False
    message = status["message"]
    return (
        message.startswith("resourceVersion: Invalid value: ")
        or message == listing.FUTURE_REVISION
        or case.media == "application/strategic-merge-patch+json"
    )


async def one_case(rng: random.Random, client: Client) -> tuple[Case, Answer]:
    collection = rng.choice(list(SEEDS))
    seed = SEEDS[collection]
    item = f"{collection}/{seed['metadata'].get('name', 'x')}" if "reviews" not in collection else collection
    roll = rng.random()
    if roll < 0.25:
        body, media = fuzz.body_for(rng, seed)
        method, path = "POST", f"{collection}?{fuzz.query(rng, names=('dryRun', 'fieldManager', 'fieldValidation', 'pretty'))}"
    elif roll < 0.4:
        body, media = fuzz.body_for(rng, seed)
        method, path = "PUT", item + rng.choice(("", "", "/status", "/scale"))
    elif roll < 0.65:
        media = rng.choice(fuzz.PATCH_TYPES)
        body = fuzz.patch_body(rng, media)
        method = "PATCH"
        path = item + rng.choice(("", "", "/status", "/scale")) + "?" + fuzz.query(rng, names=("fieldManager", "force", "dryRun", "fieldValidation"))
    elif roll < 0.8:
        method, body, media = "GET", b"", ""
        path = rng.choice((collection, item, "/api/v1/pods", f"/api/v1/watch/namespaces/{NS}/configmaps")) + "?" + fuzz.query(rng)
    elif roll < 0.88:
        method, media = "DELETE", fuzz.JSON
        options = {"propagationPolicy": rng.choice(fuzz.QUERY_VALUES["propagationPolicy"]), "gracePeriodSeconds": rng.choice(fuzz.NUMBERS),
                   "dryRun": rng.choice((["All"], ["x"], "All", None)), "preconditions": rng.choice(({"uid": "x"}, {"resourceVersion": "1"}, None, 5))}
        body = orjson.dumps(fuzz.mutate(rng, options, rounds=1)) if rng.random() < 0.7 else b""
        path = rng.choice((item, collection)) + "?" + fuzz.query(rng, names=("propagationPolicy", "gracePeriodSeconds", "dryRun", "orphanDependents"))
    else:
        method, path = rng.choice(fuzz.METHODS), fuzz.path(rng) + ("?" + fuzz.query(rng) if rng.random() < 0.3 else "")
        body, media = (fuzz.body_for(rng, seed) if rng.random() < 0.5 else (b"", ""))
    headers = {"Content-Type": media} if media else {}
    if rng.random() < 0.05:
        headers[rng.choice(("Impersonate-User", "Impersonate-Group", "Authorization"))] = rng.choice(
            ("alice", "system:admin", "Bearer junk", "Basic Zm9vOmJhcg==", "", "\u00e9")
        )
    if rng.random() < 0.1:
        headers["Accept"] = rng.choice(("application/yaml", "text/html", "application/json;as=Table;v=v1;g=meta.k8s.io", "application/vnd.kubernetes.protobuf", "*/*;q=0"))
    case = Case(method, path, media, f"{method} {path} {headers} {body[:200]!r}")
    answer = await client.send(method, path, body=body, headers=headers)
    if method == "HEAD" and answer.status >= 500:  # no body to judge by: ask again with GET
        case = Case("GET", path, media, case.described + " (again as GET)")
        answer = await client.send("GET", path, body=body, headers=headers)
    return case, answer


async def test_random_requests_get_an_object_or_a_status(
    api: InProcessServer, admin: Identity, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await client.send("POST", "/api/v1/namespaces", body=b'{"metadata":{"name":"sentinel"}}', headers={"Content-Type": fuzz.JSON})
    kept = await client.send("POST", SENTINEL.rsplit("/", 1)[0], body=b'{"metadata":{"name":"kept"},"data":{"a":"1"}}', headers={"Content-Type": fuzz.JSON})
    assert kept.status == 201
    for collection, seed in SEEDS.items():
        created = await client.send("POST", collection, body=orjson.dumps(seed), headers={"Content-Type": fuzz.JSON})
        # (custom resources are served once the CRD above is established)
        assert created.status == 201 or "example.com/v1" in collection, (collection, created.body)

    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    with caplog.at_level(logging.ERROR, logger="kubegate.errors"):
        for index in range(CASES):
            case, answer = await one_case(rng, client)
            check(case, answer, f"case {index}: {case.described} -> {answer.status} {answer.body[:300]!r}")
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
    assert not [r.getMessage() for r in caplog.records if r.name == "kubegate.errors"]
    # the cases reach every outcome: successes, refusals of several kinds, and streams
    assert {200, 201, 400, 404, 409, 415, 422} <= set(statuses), statuses

    still = await client.send("GET", SENTINEL)
    assert still.status == 200 and orjson.loads(still.body)["data"] == {"a": "1"}
    health = await client.send("GET", "/readyz")
    assert (health.status, health.body) == (200, b"ok")
