"""Audit over real HTTPS: what each policy level writes, denied requests, stages and the Audit-Id header."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from kubegate import pki
from kubegate.audit.policy import PolicyError
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

HEAD = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "fast"}}
PODS = "/api/v1/namespaces/default/pods"
CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def mallory(pki_files: pki.PkiFiles, tmp_path_factory: pytest.TempPathFactory) -> Identity:
    ca_cert, ca_key = pki.load_ca(pki_files.ca_cert.parent)
    cert, key = pki.issue_client_cert(ca_cert_pem=ca_cert, ca_key_pem=ca_key, user="mallory", groups=())
    directory = tmp_path_factory.mktemp("mallory")
    (directory / "mallory.crt").write_bytes(cert)
    (directory / "mallory.key").write_bytes(key)
    return Identity(directory / "mallory.crt", directory / "mallory.key")


class AuditedServer:
    def __init__(self, server: InProcessServer, log: Path) -> None:
        self.server = server
        self.log = log

    def events(self, **where: Any) -> list[dict[str, Any]]:
        """The events written so far, those whose top-level fields equal `where`."""
        lines = self.log.read_bytes().splitlines() if self.log.exists() else []
        events = [orjson.loads(line) for line in lines]
        return [e for e in events if all(e.get(key) == value for key, value in where.items())]

    def of(self, response: Any) -> list[dict[str, Any]]:
        return self.events(auditID=response.headers["Audit-Id"])


async def audited(start_server: StartServer, tmp_path: Path, policy: str, **options: Any) -> AuditedServer:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(HEAD + policy)
    log = tmp_path / "audit" / "audit.log"
    server = await start_server(
        nodes=0, system_workloads=False, audit_policy_file=policy_file, audit_log_path=str(log), **options
    )
    return AuditedServer(server, log)


async def test_a_forbidden_request_is_logged_with_decision_forbid(
    start_server: StartServer, tmp_path: Path, mallory: Identity
) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: Metadata\n")
    answer = await api.server.request("GET", PODS, identity=mallory)
    assert answer.status == 403
    raw = [line for line in api.log.read_bytes().splitlines() if answer.headers["Audit-Id"].encode() in line]
    assert len(raw) == 2  # RequestReceived, ResponseComplete
    assert b'"authorization.k8s.io/decision":"forbid"' in raw[1]
    received, complete = (orjson.loads(line) for line in raw)
    assert received["stage"] == "RequestReceived"
    assert "annotations" not in received and "responseStatus" not in received
    assert complete["stage"] == "ResponseComplete"
    assert complete["level"] == "Metadata"
    assert complete["verb"] == "list"
    assert complete["requestURI"] == PODS
    assert complete["user"]["username"] == "mallory"
    assert complete["user"]["groups"] == ["system:authenticated"]
    assert complete["sourceIPs"] == ["127.0.0.1"]
    assert complete["objectRef"] == {"resource": "pods", "namespace": "default", "apiVersion": "v1"}
    assert complete["responseStatus"] == {
        "metadata": {}, "status": "Failure", "reason": "Forbidden", "details": {"kind": "pods"}, "code": 403,
        "message": 'pods is forbidden: User "mallory" cannot list resource "pods" in API group "" in the '
                   'namespace "default"',
    }
    assert complete["annotations"] == {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}
    assert "requestObject" not in complete and "responseObject" not in complete
    assert complete["requestReceivedTimestamp"] == received["stageTimestamp"]


async def test_an_allowed_request_carries_the_rbac_reason(
    start_server: StartServer, tmp_path: Path, alice: Identity, admin: Identity
) -> None:
    api = await audited(start_server, tmp_path, "omitStages: [RequestReceived]\nrules:\n- level: Metadata\n")
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "alice-view", "namespace": "default"},
        "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}],
        "roleRef": {"kind": "ClusterRole", "name": "view", "apiGroup": "rbac.authorization.k8s.io"},
    }
    made = await api.server.request(
        "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", identity=admin, json=binding
    )
    assert made.status == 201
    await api.server.state.settle()
    answer = await api.server.request("GET", PODS, identity=alice)
    assert answer.status == 200
    [event] = api.of(answer)
    assert event["annotations"] == {
        "authorization.k8s.io/decision": "allow",
        "authorization.k8s.io/reason": 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" '
                                       'to User "alice"',
    }
    assert event["responseStatus"] == {"metadata": {}, "code": 200}
    # the create: objectRef's name comes from the body, even at Metadata level
    [create] = api.of(made)
    assert create["objectRef"]["name"] == "alice-view"
    assert create["objectRef"]["apiGroup"] == "rbac.authorization.k8s.io"


async def test_request_response_for_configmaps_records_both_objects(
    start_server: StartServer, tmp_path: Path, admin: Identity
) -> None:
    policy = """\
rules:
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Request
  verbs: ["create"]
- level: Metadata
"""
    api = await audited(start_server, tmp_path, policy)
    made = await api.server.request("POST", CONFIGMAPS, identity=admin, json=CONFIGMAP)
    assert made.status == 201
    received, complete = api.of(made)
    assert "requestObject" not in received  # sent before the handler read the body
    assert complete["requestObject"] == CONFIGMAP
    assert complete["responseObject"]["metadata"]["name"] == "settings"
    assert complete["responseObject"]["metadata"]["uid"] == made.body["metadata"]["uid"]
    assert complete["responseObject"]["data"] == {"mode": "fast"}
    # Request level: the body, not the answer
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    created = await api.server.request("POST", "/api/v1/namespaces", identity=admin, json=namespace)
    [_, event] = api.of(created)
    assert event["level"] == "Request"
    assert event["requestObject"] == namespace
    assert "responseObject" not in event
    # Metadata level: neither
    listed = await api.server.request("GET", PODS, identity=admin)
    assert all("requestObject" not in e and "responseObject" not in e for e in api.of(listed))
    # a failure at RequestResponse: the Status is the responseObject too
    again = await api.server.request("POST", CONFIGMAPS, identity=admin, json=CONFIGMAP)
    assert again.status == 409
    [_, conflict] = api.of(again)
    assert conflict["responseStatus"]["reason"] == "AlreadyExists"
    assert conflict["responseObject"]["kind"] == "Status"


async def test_omit_managed_fields(start_server: StartServer, tmp_path: Path, admin: Identity) -> None:
    api = await audited(start_server, tmp_path, "omitManagedFields: true\nrules:\n- level: RequestResponse\n")
    made = await api.server.request("POST", CONFIGMAPS, identity=admin, json=CONFIGMAP)
    assert "managedFields" in made.body["metadata"]
    [_, event] = api.of(made)
    assert "managedFields" not in event["responseObject"]["metadata"]
    listed = await api.server.request("GET", CONFIGMAPS, identity=admin)
    [_, event] = api.of(listed)
    assert all("managedFields" not in item["metadata"] for item in event["responseObject"]["items"])


async def test_level_none_for_a_user_writes_nothing_for_them(
    start_server: StartServer, tmp_path: Path, alice: Identity, admin: Identity
) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: None\n  users: [alice]\n- level: Metadata\n")
    refused = await api.server.request("GET", PODS, identity=alice)
    assert refused.status == 403
    assert refused.headers["Audit-Id"]  # the ID is answered all the same
    allowed = await api.server.request("GET", PODS, identity=admin)
    assert allowed.status == 200
    assert api.events(user={"username": "alice"}) == []
    assert not [e for e in api.events() if e["user"].get("username") == "alice"]
    assert len(api.of(allowed)) == 2


async def test_a_failed_authentication_is_one_event_without_a_user(start_server: StartServer, tmp_path: Path) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: None\n  users: [system:anonymous]\n- level: Metadata\n")
    answer = await api.server.request("GET", PODS, identity=Identity(), headers={"Authorization": "Bearer not-a-token"})
    assert answer.status == 401
    [event] = api.of(answer)
    assert event["stage"] == "ResponseStarted"
    assert event["user"] == {}
    assert event["responseStatus"] == {
        "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401,
    }
    assert b"not-a-token" not in api.log.read_bytes()  # credentials never reach the log


async def test_a_watch_has_a_response_started_stage(start_server: StartServer, tmp_path: Path, admin: Identity) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: Metadata\n")
    answer = await api.server.request("GET", f"{PODS}?watch=true&timeoutSeconds=1", identity=admin)
    assert answer.status == 200
    stages = [(e["stage"], e.get("responseStatus")) for e in api.of(answer)]
    assert stages == [
        ("RequestReceived", None),
        ("ResponseStarted", {"metadata": {}, "code": 200}),
        ("ResponseComplete", {"metadata": {}, "code": 200}),
    ]
    assert api.of(answer)[0]["verb"] == "watch"


async def test_tokens_stay_out_of_the_log(start_server: StartServer, tmp_path: Path, admin: Identity) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: RequestResponse\n")
    await api.server.state.settle()
    asked = await api.server.request(
        "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", identity=admin,
        json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    assert asked.status == 201
    token = asked.body["status"]["token"]
    [_, issued] = api.of(asked)
    assert issued["annotations"]["authentication.kubernetes.io/issued-credential-id"].startswith("JTI=")
    assert "token" not in issued["responseObject"]["status"]
    assert issued["responseObject"]["status"]["expirationTimestamp"] == asked.body["status"]["expirationTimestamp"]
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}
    reviewed = await api.server.request(
        "POST", "/apis/authentication.k8s.io/v1/tokenreviews", identity=admin, json=review
    )
    assert reviewed.body["status"]["authenticated"] is True
    used = await api.server.request(
        "GET", "/api/v1/namespaces/default/configmaps", identity=Identity(), headers={"Authorization": f"Bearer {token}"}
    )
    assert used.status == 403
    [_, checked] = api.of(reviewed)
    assert "token" not in checked["requestObject"]["spec"]
    assert checked["responseObject"]["status"]["user"]["username"] == "system:serviceaccount:default:default"
    assert token.encode() not in api.log.read_bytes()
    assert token.split(".")[2].encode() not in api.log.read_bytes()


async def test_impersonation_is_recorded(start_server: StartServer, tmp_path: Path, admin: Identity) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: Metadata\n")
    answer = await api.server.request("GET", PODS, identity=admin, headers={"Impersonate-User": "bob"})
    assert answer.status == 403
    received, complete = api.of(answer)
    assert received["user"]["username"] == "kubernetes-admin"
    assert "impersonatedUser" not in received
    assert complete["impersonatedUser"] == {"username": "bob", "groups": ["system:authenticated"]}
    assert complete["annotations"]["authorization.k8s.io/decision"] == "forbid"


async def test_every_answer_carries_an_audit_id(api: InProcessServer, admin: Identity) -> None:
    ok = await api.request("GET", "/version", identity=Identity())
    refused = await api.request("GET", PODS, identity=Identity())
    unauthenticated = await api.request("GET", PODS, identity=Identity(), headers={"Authorization": "Bearer x"})
    missing = await api.request("GET", "/api/v1/namespaces/default/pods/nope", identity=admin)
    assert [r.status for r in (ok, refused, unauthenticated, missing)] == [200, 403, 401, 404]
    ids = {r.headers["Audit-Id"] for r in (ok, refused, unauthenticated, missing)}
    assert len(ids) == 4
    echoed = await api.request("GET", "/version", identity=Identity(), headers={"Audit-ID": "trace-42"})
    assert echoed.headers["Audit-Id"] == "trace-42"


async def test_legacy_format_and_stdout(start_server: StartServer, tmp_path: Path, admin: Identity,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: Metadata\n", audit_log_format="legacy")
    await api.server.request("GET", PODS, identity=admin)
    lines = api.log.read_text().splitlines()
    assert lines[-1].split(" AUDIT: ")[1].startswith('id="')
    assert 'stage="ResponseComplete" ip="127.0.0.1" method="list" user="kubernetes-admin"' in lines[-1]
    assert lines[-1].endswith('response="200"')
    policy_file = tmp_path / "policy.yaml"
    server = await start_server(nodes=0, system_workloads=False, audit_policy_file=policy_file, audit_log_path="-")
    answer = await server.request("GET", PODS, identity=admin)
    written = [orjson.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith('{"kind":"Event"')]
    assert [e["stage"] for e in written if e["auditID"] == answer.headers["Audit-Id"]] == [
        "RequestReceived", "ResponseComplete",
    ]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("rules:\n- level: Verbose\n", "rules[0].level: Unsupported value: \"Verbose\""),
        ("rules: []\n", "loaded illegal policy with 0 rules"),
    ],
)
async def test_a_bad_policy_file_stops_the_start(
    start_server: StartServer, tmp_path: Path, policy: str, message: str
) -> None:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(HEAD + policy)
    with pytest.raises(PolicyError) as raised:
        await start_server(nodes=0, system_workloads=False, audit_policy_file=policy_file, audit_log_path="-")
    assert message in str(raised.value)
    assert str(raised.value).endswith(f"from file {policy_file}")


class EventSink:
    """An audit webhook on loopback (plain HTTP) that keeps every EventList it is sent."""

    def __init__(self) -> None:
        self.lists: list[dict[str, Any]] = []
        self.authorizations: set[str] = set()
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for sent in self.lists for event in sent["items"]]

    async def receive(self, request: web.Request) -> web.Response:
        self.lists.append(await request.json())
        self.authorizations.add(request.headers.get("Authorization", ""))
        self.arrived.set()
        return web.Response(status=200)  # an empty answer is fine, as for the real client

    async def start(self, directory: Path) -> Path:
        app = web.Application()
        app.router.add_post("/audit", self.receive)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        config = directory / "audit-webhook.kubeconfig"
        config.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: sink, cluster: {{server: 'http://127.0.0.1:{port}/audit'}}}}]\n"
            "users: [{name: apiserver, user: {token: sink-token}}]\n"
            "contexts: [{name: sink, context: {cluster: sink, user: apiserver}}]\ncurrent-context: sink\n"
        )
        return config

    async def wait_for(self, audit_id: str, stages: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(10):
            while len([e for e in self.events if e["auditID"] == audit_id]) < stages:
                self.arrived.clear()
                await self.arrived.wait()
        return [e for e in self.events if e["auditID"] == audit_id]


async def test_events_reach_an_audit_webhook_in_batches(
    start_server: StartServer, tmp_path: Path, mallory: Identity
) -> None:
    sink = EventSink()
    config = await sink.start(tmp_path)
    try:
        policy = tmp_path / "policy.yaml"
        policy.write_text(HEAD + "rules:\n- level: Metadata\n")
        server = await start_server(
            nodes=0, system_workloads=False, audit_policy_file=policy, audit_webhook_config_file=config,
            audit_webhook_batch_max_wait=0.05,
        )
        answer = await server.request("GET", PODS, identity=mallory)
        events = await sink.wait_for(answer.headers["Audit-Id"], 2)
        assert [e["stage"] for e in events] == ["RequestReceived", "ResponseComplete"]
        assert events[1]["annotations"]["authorization.k8s.io/decision"] == "forbid"
        assert {(sent["kind"], sent["apiVersion"]) for sent in sink.lists} == {("EventList", "audit.k8s.io/v1")}
        assert sink.authorizations == {"Bearer sink-token"}  # the kubeconfig's user
    finally:
        assert sink.runner is not None
        await sink.runner.cleanup()


async def test_a_crash_is_audited_at_the_panic_stage(
    start_server: StartServer, tmp_path: Path, admin: Identity, caplog: pytest.LogCaptureFixture
) -> None:
    api = await audited(start_server, tmp_path, "rules:\n- level: Metadata\n")

    async def boom(request: web.Request, parts: list[str]) -> web.StreamResponse:
        raise RuntimeError("the disk is on fire")

    api.server.state.nonresource_routes["boom"] = boom
    answer = await api.server.request("GET", "/boom", identity=admin)
    assert answer.status == 500
    _, panic = api.of(answer)  # RequestReceived, then Panic (no ResponseComplete)
    assert panic["stage"] == "Panic"
    assert panic["responseStatus"] == {
        "metadata": {}, "status": "Failure", "message": "APIServer panic'd: the disk is on fire",
        "reason": "InternalError", "code": 500,
    }
    assert "the disk is on fire" in caplog.text  # the errors filter logged it, as before
