"""The audit log backend: event JSON shape, the legacy line, size rotation and pruning of backups."""

from __future__ import annotations

import base64
import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from kubegate.api.user import UserInfo
from kubegate.audit.backends.log import LogBackend
from kubegate.audit.backends.rotation import MEGABYTE, RotatingFile
from kubegate.audit.backends.webhook import WebhookBackend
from kubegate.audit.credentials import issued_credential_id, without_credential
from kubegate.audit.event import Event
from kubegate.audit.factory import AuditConfigError, build_auditor
from kubegate.audit.policy import Level
from kubegate.config import ServerConfig
from kubegate.webhook.kubeconfig import WebhookClientConfig

RECEIVED = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def event(**changes: object) -> Event:
    base = Event(
        level=Level.METADATA, audit_id="a-1", request_uri="/api/v1/namespaces/default/pods?limit=500",
        verb="list", user=UserInfo("alice", groups=("dev", "system:authenticated")), request_received=RECEIVED,
        source_ips=("127.0.0.1",), user_agent="kubectl/v1.32.4",
        object_ref={"resource": "pods", "namespace": "default", "name": "", "apiGroup": "", "apiVersion": "v1"},
        stage="ResponseComplete", stage_timestamp=RECEIVED + timedelta(milliseconds=2),
        response_status={"metadata": {}, "code": 200},
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_event_json_keeps_the_go_field_order_and_omits_empty_fields() -> None:
    data = event(annotations={"authorization.k8s.io/decision": "allow"}).to_dict()
    assert list(data) == [
        "kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "sourceIPs", "userAgent",
        "objectRef", "responseStatus", "requestReceivedTimestamp", "stageTimestamp", "annotations",
    ]
    assert data["objectRef"] == {"resource": "pods", "namespace": "default", "apiVersion": "v1"}
    assert data["requestReceivedTimestamp"] == "2024-05-01T10:00:00.123456Z"
    assert data["stageTimestamp"] == "2024-05-01T10:00:00.125456Z"
    assert event(user=None).to_dict()["user"] == {}


def test_legacy_line() -> None:
    line = event().legacy_line()
    assert line.endswith(
        ' AUDIT: id="a-1" stage="ResponseComplete" ip="127.0.0.1" method="list" user="alice" '
        'groups="\\"dev\\",\\"system:authenticated\\"" as="<self>" asgroups="<lookup>" '
        'user-agent="kubectl/v1.32.4" namespace="default" uri="/api/v1/namespaces/default/pods?limit=500" '
        'response="200"'
    )


def test_log_backend_writes_one_json_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "audit.log"
    writer = RotatingFile(path)
    backend = LogBackend(writer)
    assert backend.process(event()) and backend.process(event(stage="RequestReceived"))
    writer.close()
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line)["stage"] for line in lines] == ["ResponseComplete", "RequestReceived"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_rotation_by_size_keeps_maxbackup_newest_copies(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    log = RotatingFile(path, max_size_mb=1, max_backups=2, max_age_days=0)
    chunk = b"x" * (MEGABYTE // 2 - 1) + b"\n"
    for _ in range(2):
        log.write(chunk)
    assert log.backups() == []
    moments = [datetime(2024, 5, 1, 10, minute, tzinfo=UTC) for minute in range(3)]
    for moment in moments:
        log.rotate(now=moment)
        log.write(chunk)
    names = [backup.name for _, backup in log.backups()]
    assert names == ["audit-2024-05-01T10-02-00.000.log", "audit-2024-05-01T10-01-00.000.log"]
    log.write(chunk)
    log.write(chunk)  # passes 1 MiB: rotated on its own
    log.close()
    assert len(log.backups()) == 2
    assert path.stat().st_size == len(chunk)


def test_old_backups_go_after_maxage_days(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    log = RotatingFile(path, max_size_mb=1, max_backups=0, max_age_days=2)
    now = datetime(2024, 5, 10, tzinfo=UTC)
    for days in (5, 3, 1):
        log.rotate(now=now - timedelta(days=days))
    log.prune(now=now)
    log.close()
    assert [moment.day for moment, _ in log.backups()] == [9]


def test_token_fields_are_dropped_and_the_jti_kept() -> None:
    claims = orjson.dumps({"jti": "4b1c-uuid", "sub": "system:serviceaccount:default:app"})
    payload = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
    answer = {"kind": "TokenRequest", "spec": {"audiences": ["api"]}, "status": {"token": f"h.{payload}.s",
                                                                                  "expirationTimestamp": "x"}}
    assert without_credential(answer, ("status", "token"))["status"] == {"expirationTimestamp": "x"}
    assert answer["status"]["token"].startswith("h.")  # the answer itself is untouched
    assert issued_credential_id(answer) == "JTI=4b1c-uuid"
    assert issued_credential_id({"status": {"token": "opaque"}}) == ""


async def test_a_webhook_that_keeps_failing_loses_the_batch_and_says_so() -> None:
    lost: list[tuple[str, int]] = []
    sent: list[bytes] = []

    def refuse(config: WebhookClientConfig, body: bytes) -> None:
        sent.append(body)
        raise ConnectionRefusedError("connection refused")

    backend = WebhookBackend(WebhookClientConfig("http://127.0.0.1:9/", None), max_wait=60, initial_backoff=0,
                             send=refuse)
    backend.report_error = lambda plugin, count: lost.append((plugin, count))
    assert backend.process(event()) and backend.process(event(stage="RequestReceived"))
    await backend.close()  # flushes at once rather than after max_wait
    assert len(sent) == 5  # tried five times
    assert orjson.loads(sent[0])["kind"] == "EventList"
    assert len(orjson.loads(sent[0])["items"]) == 2
    assert lost == [("webhook", 2)]


def test_flags_are_checked_and_a_backend_without_policy_records_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = ServerConfig(audit_log_path=str(tmp_path / "a.log"), audit_log_format="xml", audit_log_maxage=-1)
    with pytest.raises(AuditConfigError) as raised:
        build_auditor(bad)
    assert str(raised.value) == (
        'invalid audit log format xml, allowed formats are "legacy,json"; --audit-log-maxage -1 can\'t be a '
        "negative number"
    )
    with caplog.at_level(logging.WARNING, logger="kubegate.audit"):
        assert build_auditor(ServerConfig(audit_log_path=str(tmp_path / "a.log"))) is None
    assert "no --audit-policy-file was given: no audit events will be recorded" in caplog.text
    policy = tmp_path / "policy.yaml"
    policy.write_text("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n")
    assert build_auditor(ServerConfig(audit_policy_file=policy)) is None  # nowhere to write
