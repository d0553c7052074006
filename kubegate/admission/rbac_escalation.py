"""RBAC escalation prevention: nobody grants, through a role or a binding, what they do not hold.

Creating or updating a Role or ClusterRole needs every permission it grants (in the role's
namespace, or cluster-wide for a ClusterRole) or the `escalate` verb on roles/clusterroles; an
aggregationRule, which can gather anything, needs full authority. Creating or updating a binding
needs every permission of the role it refers to (in the binding's namespace) or the `bind` verb
on that role, which may be narrowed to it by resourceNames. Members of `system:masters` pass.
The real server makes these checks in the RBAC registry (pkg/registry/rbac/*/policybased); the
messages are the same.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.api import errors
from kubegate.api.gofmt import aggregate_errors, go_quote, go_quote_list
from kubegate.api.user import SYSTEM_PRIVILEGED_GROUP, UserInfo
from kubegate.authz.authorizer import Attributes, Authorizer, Decision
from kubegate.authz.rbac.coverage import covers, describe_missing
from kubegate.authz.rbac.index import PolicyIndex
from kubegate.authz.rbac.resolver import RoleNotFound, RuleResolver
from kubegate.authz.rbac.rules import PolicyRule, rules_from_json
from kubegate.registry.objects import ObjectCache

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_RESOURCES = ("roles", "clusterroles")
BINDING_RESOURCES = ("rolebindings", "clusterrolebindings")
#: what an aggregationRule may gather, and so what setting one requires
FULL_AUTHORITY = (
    PolicyRule(verbs=("*",), api_groups=("*",), resources=("*",)),
    PolicyRule(verbs=("*",), non_resource_urls=("*",)),
)
#: the roleRef kinds each binding resource accepts (validation's supported values)
ROLE_REF_KINDS = {"rolebindings": ("Role", "ClusterRole"), "clusterrolebindings": ("ClusterRole",)}
#: metadata a write may change without being an escalation (garbage collection, server-set)
_UNCHECKED_METADATA = frozenset({
    "ownerReferences", "finalizers", "resourceVersion", "managedFields", "uid",
    "creationTimestamp", "generation", "selfLink", "deletionTimestamp",
    "deletionGracePeriodSeconds", "name", "namespace",
})  # fmt: skip


class RBACEscalationAdmission:
    def __init__(self, *, authorizer: Authorizer, resolver: RuleResolver) -> None:
        self._authorizer = authorizer
        self._resolver = resolver

    @classmethod
    def for_store(cls, store: ObjectCache, *, authorizer: Authorizer) -> RBACEscalationAdmission:
        """Checks against the roles and bindings in `store`, whatever the authorization modes."""
        return cls(authorizer=authorizer, resolver=RuleResolver(PolicyIndex(store)))

    async def admit(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if spec.group != RBAC_GROUP or attributes.subresource or attributes.obj is None:
            return
        if (
            attributes.operation not in (CREATE, UPDATE)
            or SYSTEM_PRIVILEGED_GROUP in attributes.user.groups
        ):
            return
        if spec.plural in ROLE_RESOURCES:
            await self._check_role(attributes, attributes.obj)
        elif spec.plural in BINDING_RESOURCES:
            await self._check_binding(attributes, attributes.obj)

    async def _check_role(self, attributes: AdmissionAttributes, obj: dict[str, Any]) -> None:
        plural = attributes.spec.plural
        # as RequestInfo names it: a POST to the collection has no name yet
        request_name = attributes.name if attributes.operation == UPDATE else ""
        if await self._allowed(
            attributes.user, "escalate", RBAC_GROUP, plural, request_name, attributes.namespace
        ):
            return
        if attributes.old is not None and only_gc_fields_changed(attributes.old, obj):
            return
        self._confirm_no_escalation(attributes, rules_from_json(obj.get("rules")))
        aggregated = _has_aggregation_rule(obj) or (
            attributes.old is not None and _has_aggregation_rule(attributes.old)
        )
        if plural == "clusterroles" and aggregated:
            owner, _ = self._resolver.rules_for(attributes.user, attributes.namespace)
            if not covers(owner, FULL_AUTHORITY)[0]:
                raise errors.forbidden(
                    plural,
                    attributes.name,
                    "must have cluster-admin privileges to use the aggregationRule",
                    group=RBAC_GROUP,
                )

    async def _check_binding(self, attributes: AdmissionAttributes, obj: dict[str, Any]) -> None:
        if attributes.old is not None and only_gc_fields_changed(attributes.old, obj):
            return
        ref = obj.get("roleRef")
        ref = ref if isinstance(ref, dict) else {}
        kind, name, group = (str(ref.get(k) or "") for k in ("kind", "name", "apiGroup"))
        supported = ROLE_REF_KINDS[attributes.spec.plural]
        if kind not in supported:
            detail = "supported values: " + ", ".join(go_quote(k) for k in supported)
            problem = errors.FieldError(errors.CAUSE_NOT_SUPPORTED, "roleRef.kind", detail, kind)
            raise errors.invalid(attributes.spec.kind, attributes.name, [problem], group=RBAC_GROUP)
        role_resource = "roles" if kind == "Role" else "clusterroles"
        if await self._allowed(
            attributes.user, "bind", group, role_resource, name, attributes.namespace
        ):
            return
        try:
            rules = self._resolver.role_reference_rules(kind, name, attributes.namespace)
        except RoleNotFound:
            raise errors.not_found(role_resource, name, group=RBAC_GROUP) from None
        self._confirm_no_escalation(attributes, rules)

    def _confirm_no_escalation(
        self, attributes: AdmissionAttributes, rules: tuple[PolicyRule, ...]
    ) -> None:
        """validation.ConfirmNoEscalation: the requester's own rules must cover `rules`."""
        user = attributes.user
        owner, problems = self._resolver.rules_for(user, attributes.namespace)
        covered, missing = covers(owner, rules)
        if covered:
            return
        message = (
            f"user {go_quote(user.name)} (groups={go_quote_list(user.groups)}) is attempting "
            f"to grant RBAC permissions not currently held:\n{describe_missing(missing)}"
        )
        if problems:
            message += f"; resolution errors: [{aggregate_errors(str(p) for p in problems)}]"
        raise errors.forbidden(attributes.spec.plural, attributes.name, message, group=RBAC_GROUP)

    async def _allowed(
        self, user: UserInfo, verb: str, group: str, resource: str, name: str, namespace: str
    ) -> bool:
        verdict = await self._authorizer.authorize(Attributes(
            user=user, verb=verb, is_resource_request=True, namespace=namespace,
            api_group=group, api_version="*", resource=resource, name=name,
        ))  # fmt: skip
        return verdict.decision is Decision.ALLOW


def _has_aggregation_rule(obj: dict[str, Any]) -> bool:
    rule = obj.get("aggregationRule")
    return isinstance(rule, dict) and bool(rule.get("clusterRoleSelectors"))


def _comparable(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    body = {
        k: v
        for k, v in obj.items()
        if k not in ("apiVersion", "kind", "metadata") and v not in (None, {}, [])
    }
    meta = {
        k: v
        for k, v in metadata.items()
        if k not in _UNCHECKED_METADATA and v not in (None, {}, [])
    }
    return body, meta


def only_gc_fields_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when a write changes only owner references and finalizers (IsOnlyMutatingGCFields)."""
    return _comparable(old) == _comparable(new)
