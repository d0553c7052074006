"""What an admission plugin sees of a write, and the contract every plugin follows.

As in k8s.io/apiserver: a mutating plugin may change the new object (`admit`), a validating
plugin only looks (`validate`, run once the registry has defaulted and validated the object);
either refuses the request by raising a `StatusError`. Plugins run in the order the chain lists
them. Besides the objects, the attributes carry what plugins hand back besides a verdict:
warnings for the response, audit annotations, and the reinvocation state of the mutating round.
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
class Reinvocation:
    """admission.ReinvocationContext: whether the mutating plugins run a second time.

    A plugin that changed the object after a plugin wanting to see later changes
    (reinvocationPolicy IfNeeded) sets `should_reinvoke`; the chain then runs its mutating
    plugins once more with `is_reinvoke` set. Plugins keep their own state in `values`.
    """

    is_reinvoke: bool = False
    should_reinvoke: bool = False
    values: dict[str, Any] = field(default_factory=dict)


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
    #: the request's CreateOptions, UpdateOptions or DeleteOptions (meta.k8s.io/v1, with kind
    #: and apiVersion), as admission webhooks receive them
    options: dict[str, Any] | None = None
    #: warnings for the client (`Warning: 299` headers), in the order plugins add them
    warnings: list[str] = field(default_factory=list)
    #: annotations for the request's audit event (`pod-security.kubernetes.io/enforce-policy`,
    #: `validation.policy.admission.k8s.io/validation_failure`, `<webhook name>/<key>`, ...)
    audit_annotations: dict[str, str] = field(default_factory=dict)
    reinvocation: Reinvocation = field(default_factory=Reinvocation)


@runtime_checkable
class AdmissionPlugin(Protocol):
    async def admit(self, attributes: AdmissionAttributes) -> None: ...


@runtime_checkable
class ValidationPlugin(Protocol):
    async def validate(self, attributes: AdmissionAttributes) -> None: ...
