"""RBAC binding defaults (rbac/v1 SetDefaults_RoleBinding, _ClusterRoleBinding and _Subject).

A binding's roleRef and its User and Group subjects belong to rbac.authorization.k8s.io; a
ServiceAccount subject to the core group, spelled `""` (so it does not show). Other kinds are
left as sent, for validation to judge.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, apply_each, equals

GROUP = "rbac.authorization.k8s.io"

BINDING: tuple[Default, ...] = (Default("roleRef.apiGroup", GROUP),)
SUBJECT: tuple[Default, ...] = (
    Default("apiGroup", GROUP, when=equals("kind", "User")),
    Default("apiGroup", GROUP, when=equals("kind", "Group")),
)


def binding_defaults(obj: dict[str, Any]) -> None:
    apply(obj, BINDING)
    apply_each(obj.get("subjects"), SUBJECT)
