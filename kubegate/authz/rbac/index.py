"""Roles by name and bindings by subject, kept current from store events.

An authorization decision looks up the bindings whose subjects name the user, one of the
user's groups or (as a user name) the service account, so its cost grows with the bindings
that apply to the user and not with every binding in the cluster. Each event makes the index
read the object's current state from the store rather than trust the event's copy: controllers
write from inside store listeners, so events can reach a listener out of order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kubegate.authz.rbac.rules import PolicyRule, rules_from_json
from kubegate.registry.objects import Event, ObjectCache, Stored

GROUP = "rbac.authorization.k8s.io"
ROLES = (GROUP, "roles")
CLUSTER_ROLES = (GROUP, "clusterroles")
ROLE_BINDINGS = (GROUP, "rolebindings")
CLUSTER_ROLE_BINDINGS = (GROUP, "clusterrolebindings")

USER = "User"
GROUP_KIND = "Group"
SERVICE_ACCOUNT = "ServiceAccount"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"

#: what a binding subject is indexed under: ("User", name) or ("Group", name); a service
#: account is indexed under its user name, `system:serviceaccount:NS:NAME`
SubjectKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Subject:
    kind: str
    name: str
    namespace: str = ""

    def key(self, binding_namespace: str) -> SubjectKey | None:
        if self.kind in (USER, GROUP_KIND):
            return (self.kind, self.name)
        if self.kind == SERVICE_ACCOUNT:
            # A RoleBinding's service account defaults to the binding's namespace.
            namespace = self.namespace or binding_namespace
            return (USER, service_account_user(namespace, self.name)) if namespace else None
        return None


@dataclass(frozen=True, slots=True)
class Binding:
    """A RoleBinding (namespace set) or a ClusterRoleBinding, reduced to what RBAC reads."""

    namespace: str
    name: str
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...]

    @property
    def kind(self) -> str:
        return "RoleBinding" if self.namespace else "ClusterRoleBinding"

    @classmethod
    def from_json(cls, obj: dict[str, Any], *, namespace: str) -> Binding:
        metadata = obj.get("metadata") or {}
        ref = obj.get("roleRef")
        ref = ref if isinstance(ref, dict) else {}
        subjects = obj.get("subjects")
        return cls(
            namespace=namespace,
            name=str(metadata.get("name") or ""),
            role_kind=_text(ref.get("kind")),
            role_name=_text(ref.get("name")),
            subjects=tuple(
                Subject(_text(s.get("kind")), _text(s.get("name")), _text(s.get("namespace")))
                for s in (subjects if isinstance(subjects, list) else [])
                if isinstance(s, dict)
            ),
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def service_account_user(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


#: how many (scope, subjects) answers `bindings_for` remembers before starting over
FOUND_LIMIT = 4096


class PolicyIndex:
    """Roles, cluster roles and bindings of one store, indexed for lookups by subject."""

    def __init__(self, store: ObjectCache) -> None:
        self._store = store
        self._roles: dict[tuple[str, str], tuple[PolicyRule, ...]] = {}
        self._cluster_roles: dict[str, tuple[PolicyRule, ...]] = {}
        self._bindings: dict[tuple[str, str], tuple[Binding, frozenset[SubjectKey]]] = {}
        # (namespace, subject key) -> names of bindings; namespace "" holds ClusterRoleBindings
        self._by_subject: dict[tuple[str, SubjectKey], set[str]] = {}
        self._found: dict[tuple[str, tuple[SubjectKey, ...]], tuple[Binding, ...]] = {}
        #: bumped on every change of a role or binding, so callers can tell a remembered answer is stale
        self.generation = 0
        store.subscribe(self._observe)
        for resource in (ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS):
            for stored in store.scan(resource):
                self._refresh(resource, _key_of(stored))

    # lookups ------------------------------------------------------------------------------

    def cluster_role_rules(self, name: str) -> tuple[PolicyRule, ...] | None:
        return self._cluster_roles.get(name)

    def role_rules(self, namespace: str, name: str) -> tuple[PolicyRule, ...] | None:
        return self._roles.get((namespace, name))

    def bindings_for(self, namespace: str, keys: Iterable[SubjectKey]) -> Iterator[Binding]:
        """Bindings in `namespace` ("" for ClusterRoleBindings) naming any of `keys`, by name."""
        # a request asks this for the same user several times: remembered until a binding changes
        wanted = (namespace, tuple(keys))
        found = self._found.get(wanted)
        if found is None:
            names: set[str] = set()
            for key in wanted[1]:
                names.update(self._by_subject.get((namespace, key), ()))
            found = tuple(self._bindings[(namespace, name)][0] for name in sorted(names))
            if len(self._found) >= FOUND_LIMIT:
                self._found.clear()
            self._found[wanted] = found
        return iter(found)

    # maintenance --------------------------------------------------------------------------

    def _observe(self, event: Event) -> None:
        if event.resource in (ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS):
            self._refresh(event.resource, event.key)

    def _refresh(self, resource: tuple[str, str], key: tuple[str, str]) -> None:
        self.generation += 1
        stored = self._store.get(resource, key)
        if resource == ROLES:
            _put(self._roles, key, stored)
        elif resource == CLUSTER_ROLES:
            _put(self._cluster_roles, key[1], stored)
        else:
            self._unindex(key)
            if stored is not None:
                self._index(key, Binding.from_json(stored.obj, namespace=key[0]))

    def _index(self, key: tuple[str, str], binding: Binding) -> None:
        self._found.clear()
        subject_keys = frozenset(
            k for k in (s.key(binding.namespace) for s in binding.subjects) if k is not None
        )
        self._bindings[key] = (binding, subject_keys)
        for subject_key in subject_keys:
            self._by_subject.setdefault((key[0], subject_key), set()).add(key[1])

    def _unindex(self, key: tuple[str, str]) -> None:
        entry = self._bindings.pop(key, None)
        if entry is None:
            return
        self._found.clear()
        for subject_key in entry[1]:
            names = self._by_subject.get((key[0], subject_key))
            if names is not None:
                names.discard(key[1])
                if not names:
                    del self._by_subject[(key[0], subject_key)]


def _put(table: dict[Any, tuple[PolicyRule, ...]], key: Any, stored: Stored | None) -> None:
    if stored is None:
        table.pop(key, None)
    else:
        table[key] = rules_from_json(stored.obj.get("rules"))


def _key_of(stored: Stored) -> tuple[str, str]:
    metadata = stored.obj["metadata"]
    return (str(metadata.get("namespace") or ""), str(metadata["name"]))
