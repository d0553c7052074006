"""Whether a webhook rule covers a request: operations, API groups and versions, resources
(`pods`, `pods/status`, `*/scale`, `*/*`, `*` for no subresource) and scope, as the real
predicates/rules matcher decides. Webhook and policy configurations are exempt from every
webhook, so that a broken webhook can always be removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubegate.admission.webhook.configuration import CLUSTER_SCOPE, GROUP, NAMESPACED_SCOPE, Rule

ALL = "*"
#: admission configuration resources no webhook is ever called for
EXEMPT_KINDS = frozenset({
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    """What a rule is checked against: the request, or one of its equivalent resources."""

    operation: str
    group: str
    version: str
    resource: str
    subresource: str
    #: the request's namespace; for a Namespace itself, its name
    namespace: str


def is_exempt(group: str, kind: str) -> bool:
    return group == GROUP and kind in EXEMPT_KINDS


def _exact_or_wildcard(items: tuple[str, ...], requested: str) -> bool:
    return any(item in (ALL, requested) for item in items)


def _is_namespace(target: Target) -> bool:
    return (target.group, target.version, target.resource) == ("", "v1", "namespaces")


def _scope(rule: Rule, target: Target) -> bool:
    if rule.scope == NAMESPACED_SCOPE:
        return not _is_namespace(target) and target.namespace != ""
    if rule.scope == CLUSTER_SCOPE:
        return _is_namespace(target) or target.namespace == ""
    return rule.scope == ALL


def _resource(rule: Rule, target: Target) -> bool:
    for entry in rule.resources:
        resource, _, subresource = entry.partition("/")
        if resource in (ALL, target.resource) and subresource in (ALL, target.subresource):
            return True
    return False


def matches(rule: Rule, target: Target) -> bool:
    return (
        _scope(rule, target)
        and _exact_or_wildcard(rule.operations, target.operation)
        and _exact_or_wildcard(rule.api_groups, target.group)
        and _exact_or_wildcard(rule.api_versions, target.version)
        and _resource(rule, target)
    )
