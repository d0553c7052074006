"""The ClusterRole aggregation controller: a role with an aggregationRule gets the union of the
rules of the ClusterRoles its selectors match, kept current as those roles come, go and change.

kube-controller-manager runs it; kubegate runs it synchronously from store events, so the
moment a labelled role is written (or the server has seeded its default policy) the aggregated
roles already read right. Rules are gathered selector by selector, roles by name within each,
without repeats, and written only when they differ, as the real controller does.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from kubegate.api import errors
from kubegate.api.labels import LabelSelector, selector_from_label_selector_object
from kubegate.authz.rbac.rules import PolicyRule
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.storage.memory import Event, Stored

log = logging.getLogger("kubegate.controllers.clusterrole_aggregation")

CLUSTER_ROLES = ("rbac.authorization.k8s.io", "clusterroles")
#: how deep aggregated roles may feed each other (admin <- edit <- view is 3) before we stop
MAX_DEPTH = 16


class ClusterRoleAggregationController:
    def __init__(self, rest: GenericStore, catalog: Catalog) -> None:
        spec = catalog.lookup("rbac.authorization.k8s.io", "v1", "clusterroles")
        assert spec is not None
        self._spec = spec
        self._rest = rest
        self._depth = 0
        rest.store.add_listener(self._observe)
        for stored in list(rest.store.scan(CLUSTER_ROLES)):
            self._sync(stored.obj["metadata"]["name"])

    def _observe(self, event: Event) -> None:
        if event.resource != CLUSTER_ROLES:
            return
        changed = [event.stored.obj]
        if event.previous is not None:
            changed.append(event.previous.obj)
        for stored in list(self._rest.store.scan(CLUSTER_ROLES)):
            name = stored.obj["metadata"]["name"]
            selectors = _selectors(stored)
            if name == event.key[1] or any(
                s.matches(_labels(obj)) for s in selectors for obj in changed
            ):
                self._sync(name)

    def _sync(self, name: str) -> None:
        if self._depth >= MAX_DEPTH:
            log.warning(
                "aggregation of ClusterRole %s stopped: aggregated roles select each other",
                name,
            )
            return
        self._depth += 1
        try:
            self._aggregate(name)
        except (
            errors.StatusError
        ) as error:  # the role changed or went away meanwhile: next event retries
            log.warning("aggregating ClusterRole %s failed: %s", name, error.message)
        finally:
            self._depth -= 1

    def _aggregate(self, name: str) -> None:
        stored = self._rest.store.get(CLUSTER_ROLES, ("", name))
        if stored is None:
            return
        selectors = _selectors(stored)
        if not selectors:
            return
        rules: list[dict[str, Any]] = []
        for selector in selectors:
            matched = sorted(
                (
                    s
                    for s in self._rest.store.scan(CLUSTER_ROLES)
                    if selector.matches(_labels(s.obj))
                ),
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
        obj = copy.deepcopy(stored.obj)
        obj["rules"] = rules
        self._rest.update(self._spec, "", name, obj)


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
