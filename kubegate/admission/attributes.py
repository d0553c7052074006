"""What an admission plugin sees of a write, and the contract every plugin follows.

As in k8s.io/apiserver: a plugin's mutating step (`admit`) may change the new object, its
validating step (`validate`) may only look; either refuses the request by raising a
`StatusError`. The chain runs every mutating step, then every validating step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

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
    #: annotations for the request's audit event (`pod-security.kubernetes.io/enforce-policy`, ...)
    audit_annotations: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class AdmissionPlugin(Protocol):
    async def admit(self, attributes: AdmissionAttributes) -> None: ...


@runtime_checkable
class ValidatingPlugin(Protocol):
    async def validate(self, attributes: AdmissionAttributes) -> None: ...
