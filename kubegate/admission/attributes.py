"""What an admission plugin sees of a write, and the contract every plugin follows.

As in k8s.io/apiserver: a plugin may change the new object (mutating admission) or refuse the
request by raising a `StatusError`. Plugins run in the order the chain lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from kubegate.api.user import UserInfo
from kubegate.registry.spec import ResourceSpec

CREATE = "CREATE"
UPDATE = "UPDATE"
DELETE = "DELETE"


@dataclass(slots=True)
class AdmissionAttributes:
    operation: str
    spec: ResourceSpec
    namespace: str
    name: str
    subresource: str
    user: UserInfo
    #: the object to be written (None for DELETE); plugins may change it in place
    obj: dict[str, Any] | None
    #: the live object (None for CREATE)
    old: dict[str, Any] | None
    dry_run: bool = False
    #: warnings for the client (`Warning: 299` headers), in the order plugins add them
    warnings: list[str] = field(default_factory=list)
    #: annotations for the request's audit event (`pod-security.kubernetes.io/enforce-policy`,
    #: `validation.policy.admission.k8s.io/validation_failure`, ...)
    audit_annotations: dict[str, str] = field(default_factory=dict)


class AdmissionPlugin(Protocol):
    async def admit(self, attributes: AdmissionAttributes) -> None: ...
