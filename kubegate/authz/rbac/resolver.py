"""Which rules apply to a user in a namespace, and where each one comes from.

The visitor walks ClusterRoleBindings first, then the RoleBindings of the namespace, handing
each rule of each applicable binding's role to a callback with a source that describes itself
the way the real server does (`ClusterRoleBinding "x" of ClusterRole "y" to User "z"`). The
callback stops the walk by returning False, so an authorizer stops at the first allowing rule.
A binding whose role is missing contributes an error instead of rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kubegate.api.gofmt import go_quote
from kubegate.api.user import UserInfo
from kubegate.authz.rbac.index import (
    GROUP_KIND,
    SERVICE_ACCOUNT,
    USER,
    Binding,
    PolicyIndex,
    Subject,
    SubjectKey,
    service_account_user,
)
from kubegate.authz.rbac.rules import PolicyRule


class RoleNotFound(Exception):
    """A binding names a Role or ClusterRole that does not exist (or a kind that is neither)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(kind, name)
        self.kind = kind
        self.name = name

    def __str__(self) -> str:
        # the message of the real authorizer's listers: singular lower-case resource
        if self.kind in ("Role", "ClusterRole"):
            return f"{self.kind.lower()}.rbac.authorization.k8s.io {go_quote(self.name)} not found"
        return f"unsupported role reference kind: {go_quote(self.kind)}"


def applies_to_user(user: UserInfo, subject: Subject, namespace: str) -> bool:
    if subject.kind == USER:
        return user.name == subject.name
    if subject.kind == GROUP_KIND:
        return subject.name in user.groups
    if subject.kind == SERVICE_ACCOUNT:
        sa_namespace = subject.namespace or namespace
        return bool(sa_namespace) and user.name == service_account_user(sa_namespace, subject.name)
    return False


def first_applicable(user: UserInfo, subjects: Sequence[Subject], namespace: str) -> Subject | None:
    return next((s for s in subjects if applies_to_user(user, s, namespace)), None)


def describe_subject(subject: Subject, binding_namespace: str) -> str:
    if subject.kind == SERVICE_ACCOUNT:
        namespace = subject.namespace or binding_namespace
        return f"{subject.kind} {go_quote(subject.name + '/' + namespace)}"
    return f"{subject.kind} {go_quote(subject.name)}"


@dataclass(frozen=True, slots=True)
class RuleSource:
    """The binding (and its subject) a rule was granted through."""

    binding: Binding
    subject: Subject

    def __str__(self) -> str:
        b = self.binding
        name = f"{b.name}/{b.namespace}" if b.namespace else b.name
        return (
            f"{b.kind} {go_quote(name)} of {b.role_kind} {go_quote(b.role_name)} "
            f"to {describe_subject(self.subject, b.namespace)}"
        )


#: (source, rule, error) -> keep going?  Exactly one of rule and error is set.
Visitor = Callable[[RuleSource | None, PolicyRule | None, RoleNotFound | None], bool]


class RuleResolver:
    def __init__(self, index: PolicyIndex) -> None:
        self._index = index

    @property
    def generation(self) -> int:
        """Changes whenever a role or binding does (see PolicyIndex.generation)."""
        return self._index.generation

    def role_reference_rules(self, kind: str, name: str, namespace: str) -> tuple[PolicyRule, ...]:
        """The rules of the role a binding in `namespace` ("" for cluster bindings) refers to."""
        if kind == "Role":
            rules = self._index.role_rules(namespace, name) if namespace else None
        elif kind == "ClusterRole":
            rules = self._index.cluster_role_rules(name)
        else:
            rules = None
        if rules is None:
            raise RoleNotFound(kind, name)
        return rules

    def visit_rules_for(self, user: UserInfo, namespace: str, visitor: Visitor) -> None:
        keys: list[SubjectKey] = [(USER, user.name), *((GROUP_KIND, g) for g in user.groups)]
        scopes = ("", namespace) if namespace else ("",)
        for scope in scopes:
            for binding in self._index.bindings_for(scope, keys):
                subject = first_applicable(user, binding.subjects, scope)
                if subject is None:
                    continue
                try:
                    rules = self.role_reference_rules(binding.role_kind, binding.role_name, scope)
                except RoleNotFound as error:
                    if not visitor(None, None, error):
                        return
                    continue
                source = RuleSource(binding, subject)
                for rule in rules:
                    if not visitor(source, rule, None):
                        return

    def rules_for(
        self, user: UserInfo, namespace: str
    ) -> tuple[list[PolicyRule], list[RoleNotFound]]:
        """Every rule that applies, and the errors met resolving them (the rules still count)."""
        rules: list[PolicyRule] = []
        problems: list[RoleNotFound] = []

        def collect(
            source: RuleSource | None, rule: PolicyRule | None, error: RoleNotFound | None
        ) -> bool:
            if rule is not None:
                rules.append(rule)
            if error is not None:
                problems.append(error)
            return True

        self.visit_rules_for(user, namespace, collect)
        return rules, problems


