"""The ClusterRole aggregation controller: a role with an aggregationRule gets the union of the
rules of the ClusterRoles its selectors match, kept current as those roles come, go and change.

kube-controller-manager runs it; so does kubegate, as an informer controller keyed by the names
of aggregated roles: a role that changes is looked at itself, and so is every role whose
selectors match its labels before or after the change. Rules are gathered selector by selector,
roles by name within each, without repeats, and written only when they differ, as the real
controller does. Roles that select each other settle like the real ones: each write is an event
that makes the others look again, until none changes.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

from kubegate.api import errors
from kubegate.api.labels import LabelSelector, selector_from_label_selector_object
from kubegate.authz.rbac.rules import PolicyRule
from kubegate.controllers.informer import Controller, Informers
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import Event, Stored
from kubegate.registry.rest import GenericStore

log = logging.getLogger("kubegate.controllers.clusterrole_aggregation")

CLUSTER_ROLES = ("rbac.authorization.k8s.io", "clusterroles")


class ClusterRoleAggregationController(Controller):
    """Keys are names of ClusterRoles (those with an aggregationRule do something)."""

    name = "clusterrole-aggregation"

    def __init__(self, informers: Informers, rest: GenericStore, catalog: Catalog) -> None:
        super().__init__(informers)
        spec = catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
        assert spec is not None
        self._spec = spec
        self._rest = rest
        self.watch(CLUSTER_ROLES, self._role_changed)

    def _role_changed(self, event: Event) -> Iterable[str]:
        changed = [event.stored.obj]
        if event.previous is not None:
            changed.append(event.previous.obj)
        keys = []
        for stored in self.informers.list(CLUSTER_ROLES):
            name = stored.obj["metadata"]["name"]
            if name == event.key[1] or any(s.matches(_labels(obj)) for s in _selectors(stored) for obj in changed):
                keys.append(name)
        return keys

    def initial_keys(self) -> Iterable[str]:
        return [stored.obj["metadata"]["name"] for stored in self.informers.list(CLUSTER_ROLES)]

    async def reconcile(self, name: str) -> None:
        stored = self.cache.get(CLUSTER_ROLES, ("", name))
        if stored is None:
            return
        selectors = _selectors(stored)
        if not selectors:
            return
        rules: list[dict[str, Any]] = []
        for selector in selectors:
            matched = sorted(
                (s for s in self.informers.list(CLUSTER_ROLES) if selector.matches(_labels(s.obj))),
                key=lambda s: str(s.obj["metadata"]["name"]),
            )
            for role in matched:
                if role.obj["metadata"]["name"] == name:
                    continue
                for raw in role.obj.get("rules") or []:
                    rule = PolicyRule.from_json(raw).to_json()
                    if rule not in rules:
                        rules.append(rule)
        if stored.obj.get("rules") == rules:
            return
        uid = stored.obj["metadata"].get("uid")

        async def aggregated(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None or live["metadata"].get("uid") != uid:
                raise errors.not_found(self._spec.plural, name, group=self._spec.group)
            obj = copy.deepcopy(live)
            obj["rules"] = rules
            return obj

        try:  # computed on the live role, so a concurrent change of it is kept
            await self._rest.update(self._spec, "", name, aggregated)
        except errors.StatusError as error:
            if error.code not in (404, 409):  # gone meanwhile: nothing to aggregate into
                raise


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = obj.get("metadata", {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def _selectors(stored: Stored) -> list[LabelSelector]:
    """The role's clusterRoleSelectors; none if it has no aggregationRule or a malformed one."""
    rule = stored.obj.get("aggregationRule")
    raw = rule.get("clusterRoleSelectors") if isinstance(rule, dict) else None
    if not isinstance(raw, list):
        return []
    try:
        return [selector_from_label_selector_object(s) for s in raw if isinstance(s, dict)]
    except (errors.StatusError, TypeError, AttributeError, ValueError) as error:
        log.warning(
            "ClusterRole %s has an invalid aggregationRule: %s",
            stored.obj["metadata"]["name"],
            error,
        )
        return []
