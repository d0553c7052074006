"""Who is asking: the identity every authenticator produces and every authorizer reads.

Mirrors k8s.io/apiserver's `user.Info`. It is immutable so that one decoded identity can be
cached (per client certificate or token) and shared between concurrent requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ANONYMOUS_USER = "system:anonymous"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ALL_AUTHENTICATED = "system:authenticated"
SYSTEM_PRIVILEGED_GROUP = "system:masters"


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user name, uid, groups and extra values, as `authentication.k8s.io/v1 UserInfo`."""

    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def with_groups(self, *groups: str) -> UserInfo:
        """A copy with `groups` appended where not already present."""
        missing = tuple(g for g in groups if g not in self.groups)
        if not missing:
            return self
        return UserInfo(self.name, self.uid, self.groups + missing, self.extra)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by TokenReview, SelfSubjectReview and SubjectAccessReview."""
        out: dict[str, Any] = {"username": self.name}
        if self.uid:
            out["uid"] = self.uid
        if self.groups:
            out["groups"] = list(self.groups)
        if self.extra:
            out["extra"] = {k: list(v) for k, v in self.extra.items()}
        return out


ANONYMOUS = UserInfo(ANONYMOUS_USER, groups=(ALL_UNAUTHENTICATED,))
