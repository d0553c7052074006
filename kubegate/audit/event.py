"""One `audit.k8s.io/v1 Event`, and the two ways the log backend writes it (json and legacy).

The JSON form keeps the Go struct's field order and its omitempty rules: `user` is always there
(`{}` when authentication failed), `objectRef` only for resource requests, the objects only at
the levels that record them, timestamps in microseconds (RFC 3339, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubegate.api.gofmt import go_quote
from kubegate.api.user import UserInfo
from kubegate.audit.policy import Level

API_VERSION = "audit.k8s.io/v1"

#: objectRef's fields in the order the Go struct declares them
OBJECT_REF_FIELDS = ("resource", "namespace", "name", "uid", "apiGroup", "apiVersion", "resourceVersion", "subresource")


def micro_time(moment: datetime) -> str:
    """metav1.MicroTime as JSON: `2006-01-02T15:04:05.000000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user_json(user: UserInfo | None) -> dict[str, Any]:
    return {} if user is None else user.to_dict()


@dataclass
class Event:
    level: Level
    audit_id: str
    request_uri: str
    verb: str
    user: UserInfo | None
    request_received: datetime
    source_ips: tuple[str, ...] = ()
    user_agent: str = ""
    #: resource requests only; empty values are left out when written
    object_ref: dict[str, str] | None = None
    stage: str = ""
    stage_timestamp: datetime | None = None
    impersonated_user: UserInfo | None = None
    response_status: dict[str, Any] | None = None
    request_object: Any = None
    response_object: Any = None
    annotations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Event",
            "apiVersion": API_VERSION,
            "level": self.level.text,
            "auditID": self.audit_id,
            "stage": self.stage,
            "requestURI": self.request_uri,
            "verb": self.verb,
            "user": _user_json(self.user),
        }
        if self.impersonated_user is not None:
            out["impersonatedUser"] = _user_json(self.impersonated_user)
        if self.source_ips:
            out["sourceIPs"] = list(self.source_ips)
        if self.user_agent:
            out["userAgent"] = self.user_agent
        if self.object_ref is not None:
            out["objectRef"] = {key: self.object_ref[key] for key in OBJECT_REF_FIELDS if self.object_ref.get(key)}
        if self.response_status is not None:
            out["responseStatus"] = self.response_status
        if self.request_object is not None:
            out["requestObject"] = self.request_object
        if self.response_object is not None:
            out["responseObject"] = self.response_object
        out["requestReceivedTimestamp"] = micro_time(self.request_received)
        out["stageTimestamp"] = micro_time(self.stage_timestamp or self.request_received)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out

    def legacy_line(self) -> str:
        """`--audit-log-format=legacy`: the real server's one-line text form."""
        username = groups = "<none>"
        if self.user is not None and self.user.name:
            username = self.user.name
            if self.user.groups:
                groups = ",".join(go_quote(group) for group in self.user.groups)
        as_user, as_groups = "<self>", "<lookup>"
        if self.impersonated_user is not None:
            as_user = self.impersonated_user.name
            as_groups = ",".join(go_quote(group) for group in self.impersonated_user.groups)
        namespace = (self.object_ref or {}).get("namespace") or "<none>"
        response = str(self.response_status["code"]) if self.response_status is not None else "<deferred>"
        ip = self.source_ips[0] if self.source_ips else "<unknown>"
        fields = (
            ("id", self.audit_id), ("stage", self.stage), ("ip", ip), ("method", self.verb),
            ("user", username), ("groups", groups), ("as", as_user), ("asgroups", as_groups),
            ("user-agent", self.user_agent), ("namespace", namespace), ("uri", self.request_uri),
        )
        quoted = " ".join(f"{name}={go_quote(value)}" for name, value in fields)
        return f'{_rfc3339_nano(self.request_received)} AUDIT: {quoted} response="{response}"'


def _rfc3339_nano(moment: datetime) -> str:
    """Go's time.RFC3339Nano in local time: trailing zeros of the fraction dropped."""
    local = moment.astimezone()
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{local.microsecond:06d}".rstrip("0")
    if fraction:
        text += "." + fraction
    offset = local.strftime("%z")
    return text + ("Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}")
