"""Create the default RBAC policy at start, and reconcile what is already there.

As the real server's `rbac/bootstrap-roles` post-start hook: a missing default role or binding
is created; an existing one is left alone when annotated
`rbac.authorization.kubernetes.io/autoupdate: "false"`, and otherwise gains the labels,
annotations, rules, aggregation selectors and subjects it lacks while keeping everything users
added. A binding whose roleRef changed is recreated, since roleRef is immutable.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from kubegate.api import errors
from kubegate.authz.rbac.bootstrap_policy import (
    AUTOUPDATE_ANNOTATION,
    CLUSTER_ROLE_BINDINGS,
    CLUSTER_ROLES,
)
from kubegate.authz.rbac.coverage import covers
from kubegate.authz.rbac.rules import rules_from_json
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import DeleteOptions, GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.server.rbac_bootstrap")

#: (existing, expected) -> (object to store, whether it must be deleted and created again)
Reconciler = Callable[[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], bool]]


async def ensure_default_policy(rest: GenericStore, catalog: Catalog) -> None:
    roles = catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
    bindings = catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterrolebindings")
    assert roles is not None and bindings is not None
    for role in CLUSTER_ROLES:
        await _apply(rest, roles, role, reconcile_role)
    for binding in CLUSTER_ROLE_BINDINGS:
        await _apply(rest, bindings, binding, reconcile_binding)


async def _apply(
    rest: GenericStore, spec: ResourceSpec, expected: dict[str, Any], reconcile: Reconciler
) -> None:
    name = expected["metadata"]["name"]
    try:
        existing = rest.find(spec, "", name)
        if existing is None:
            await rest.create(spec, "", expected)
            return
        if _protected(existing.obj):
            return
        wanted, recreate = reconcile(existing.obj, expected)
        if wanted == existing.obj:
            return
        if recreate:
            await rest.delete(spec, "", name, DeleteOptions())
            fresh = copy.deepcopy(wanted)
            for server_set in ("resourceVersion", "uid", "creationTimestamp"):
                fresh["metadata"].pop(server_set, None)
            await rest.create(spec, "", fresh)
        else:
            await rest.update(spec, "", name, wanted)
    except errors.StatusError as error:  # a broken stored object must not stop the server
        if error.code == 409:
            return  # another process sharing the store reconciled it first
        log.warning("reconciling default %s %s failed: %s", spec.kind, name, error.message)


def _protected(obj: dict[str, Any]) -> bool:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    return isinstance(annotations, dict) and annotations.get(AUTOUPDATE_ANNOTATION) == "false"


def _merge_metadata(existing: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(existing)
    metadata = out.setdefault("metadata", {})
    for key in ("labels", "annotations"):
        current = metadata.get(key)
        metadata[key] = {
            **expected["metadata"].get(key, {}),
            **(current if isinstance(current, dict) else {}),
        }
    return out


def reconcile_role(
    existing: dict[str, Any], expected: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The role with what the default lacks added; user additions are kept."""
    out = _merge_metadata(existing, expected)
    if "aggregationRule" in expected:
        wanted = expected["aggregationRule"]["clusterRoleSelectors"]
        rule = out.get("aggregationRule")
        selectors = rule.get("clusterRoleSelectors") if isinstance(rule, dict) else None
        selectors = selectors if isinstance(selectors, list) else []
        missing = [s for s in wanted if s not in selectors]
        if missing or not isinstance(rule, dict):
            out["aggregationRule"] = {"clusterRoleSelectors": selectors + missing}
        return out, False  # the aggregation controller owns the rules
    out.pop("aggregationRule", None)
    current = out.get("rules")
    _, missing_rules = covers(rules_from_json(current), rules_from_json(expected["rules"]))
    if missing_rules or not isinstance(current, list):
        out["rules"] = (current if isinstance(current, list) else []) + [
            r.to_json() for r in missing_rules
        ]
    return out, False


def _subject_key(subject: Any) -> tuple[str, str, str]:
    if not isinstance(subject, dict):
        return ("", "", "")
    return (
        str(subject.get("kind", "")),
        str(subject.get("name", "")),
        str(subject.get("namespace", "")),
    )


def reconcile_binding(
    existing: dict[str, Any], expected: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The binding with the default subjects added; True when its roleRef must be replaced."""
    out = _merge_metadata(existing, expected)
    recreate = out.get("roleRef") != expected["roleRef"]
    out["roleRef"] = copy.deepcopy(expected["roleRef"])
    subjects = out.get("subjects")
    subjects = subjects if isinstance(subjects, list) else []
    have = {_subject_key(s) for s in subjects}
    missing = [s for s in expected["subjects"] if _subject_key(s) not in have]
    if missing or not isinstance(out.get("subjects"), list):
        out["subjects"] = subjects + copy.deepcopy(missing)
    return out, recreate
