"""The catalog rows a CRD's served versions become, and their discovery order.

Rows use the *accepted* names (status.acceptedNames), as discovery and the handler do; each
served version is a row with the CRD's scope, the verbs a custom resource serves (in the
order apiextensions lists them), its status and scale subresources, printer columns and
selectable fields. Versions of a group are ordered as Kubernetes sorts versions (GA before
beta before alpha, higher first, then the rest alphabetically); the first is preferred.
"""

from __future__ import annotations

import re
from typing import Any

from kubegate.registry.customresources import definition
from kubegate.registry.customresources.columns import printer_columns
from kubegate.registry.spec import GET_PATCH_UPDATE, ResourceSpec, Subresource

#: The verbs of a custom resource, as the CRD discovery controller orders them.
CUSTOM_RESOURCE_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
STATUS = Subresource("status", GET_PATCH_UPDATE)
SCALE = Subresource("scale", GET_PATCH_UPDATE, kind="Scale", group="autoscaling", version="v1")
_KUBE_VERSION = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?")
_STABILITY = {None: 0, "beta": 1, "alpha": 2}


def specs_for(crd: dict[str, Any]) -> list[ResourceSpec]:
    """One row per served version, under the accepted names; none until a plural and kind are."""
    accepted = definition.accepted_names(crd)
    plural, kind = str(accepted.get("plural") or ""), str(accepted.get("kind") or "")
    if not plural or not kind:
        return []
    specs = []
    for version in definition.served_versions(crd):
        subresources = []
        if definition.has_status(version):
            subresources.append(STATUS)
        if definition.scale_of(version) is not None:
            subresources.append(SCALE)
        specs.append(ResourceSpec(
            group=definition.group_of(crd), version=str(version["name"]), kind=kind, plural=plural,
            singular=str(accepted.get("singular") or ""), namespaced=definition.namespaced(crd),
            verbs=CUSTOM_RESOURCE_VERBS,
            short_names=tuple(str(s) for s in accepted.get("shortNames") or ()),
            categories=tuple(str(c) for c in accepted.get("categories") or ()),
            subresources=tuple(subresources), custom_resource=True,
            printer_columns=printer_columns(version),
            selectable_fields=tuple(definition.selectable_paths(version)),
        ))  # fmt: skip
    return specs


def version_priority(version: str) -> tuple[int, int, int, str]:
    """A sort key: v2 < v1 < v1beta2 < v1beta1 < v1alpha1 < (others, alphabetically)."""
    match = _KUBE_VERSION.fullmatch(version)
    if match is None:
        return (3, 0, 0, version)
    major, stability, minor = match.groups()
    return (_STABILITY[stability], -int(major), -int(minor or 0), "")
