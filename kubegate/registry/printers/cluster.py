"""Printers for cluster administration kinds: access, certificates, scheduling, API plumbing.

Role and cluster role bindings (ROLE `ClusterRole/view`; wide USERS, GROUPS, SERVICEACCOUNTS),
certificate signing requests (CONDITION `Pending`, `Approved,Issued`, `Denied`), leases,
priority and runtime classes, API priority and fairness, admission webhook and policy
configurations, and APIServices (kube-aggregator's own columns). Roles, cluster roles, limit
ranges and custom resource definitions have no printer in a real server: they get the default
`NAME  CREATED AT` table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    NONE,
    UNSET,
    Column,
    dig,
    doc,
    flag,
    human_duration,
    items,
    mapping,
    number,
    selector_string,
    text,
)
from kubegate.registry.spec import ResourceKey


def _role_ref(binding: dict[str, Any], _: datetime) -> str:
    return f"{text(binding, 'roleRef', 'kind')}/{text(binding, 'roleRef', 'name')}"


def _subjects(kind: str) -> Any:
    def getter(binding: dict[str, Any], _: datetime) -> str:
        found = []
        for subject in items(binding, "subjects"):
            if isinstance(subject, dict) and subject.get("kind") == kind:
                name = str(subject.get("name", ""))
                found.append(f"{subject.get('namespace', '')}/{name}" if kind == "ServiceAccount" else name)
        return ", ".join(found)

    return getter


def _binding_columns(of: str) -> tuple[Column, ...]:
    return (
        NAME,
        Column("Role", _role_ref, description=doc(f"rbac.v1.{of}", "roleRef")),
        AGE,
        Column("Users", _subjects("User"), priority=1, description=f"Users in the {of[0].lower()}{of[1:]}"),
        Column("Groups", _subjects("Group"), priority=1, description=f"Groups in the {of[0].lower()}{of[1:]}"),
        Column("ServiceAccounts", _subjects("ServiceAccount"), priority=1,
               description=f"ServiceAccounts in the {of[0].lower()}{of[1:]}"),
    )  # fmt: skip


def csr_condition(csr: dict[str, Any], _: datetime | None = None) -> str:
    kinds = {c.get("type") for c in items(csr, "status", "conditions") if isinstance(c, dict)}
    status = "Denied" if "Denied" in kinds else "Approved" if "Approved" in kinds else "Pending"
    if "Failed" in kinds:
        status += ",Failed"
    if dig(csr, "status", "certificate"):
        status += ",Issued"
    return status


def _requested_duration(csr: dict[str, Any], _: datetime) -> str:
    seconds = dig(csr, "spec", "expirationSeconds")
    return human_duration(seconds) if isinstance(seconds, int) else NONE


CSR_COLUMNS = (
    NAME,
    AGE,
    Column("SignerName", lambda o, _: text(o, "spec", "signerName", default=NONE),
           description=doc("certificates.v1.CertificateSigningRequestSpec", "signerName")),
    Column("Requestor", lambda o, _: text(o, "spec", "username"),
           description=doc("certificates.v1.CertificateSigningRequestSpec", "request")),
    Column("RequestedDuration", _requested_duration,
           description=doc("certificates.v1.CertificateSigningRequestSpec", "expirationSeconds")),
    Column("Condition", csr_condition, description=doc("certificates.v1.CertificateSigningRequestStatus", "conditions")),
)  # fmt: skip

LEASE_COLUMNS = (
    NAME,
    Column("Holder", lambda o, _: text(o, "spec", "holderIdentity"), description=doc("coordination.v1.LeaseSpec", "holderIdentity")),
    AGE,
)  # fmt: skip

PRIORITY_CLASS_COLUMNS = (
    NAME,
    Column("Value", lambda o, _: number(o, "value"), type="integer", description=doc("scheduling.v1.PriorityClass", "value")),
    Column("Global-Default", lambda o, _: flag(o, "globalDefault"), type="boolean",
           description=doc("scheduling.v1.PriorityClass", "globalDefault")),
    AGE,
    Column("PreemptionPolicy", lambda o, _: text(o, "preemptionPolicy", default="PreemptLowerPriority"),
           description=doc("scheduling.v1.PriorityClass", "preemptionPolicy")),
)  # fmt: skip

RUNTIME_CLASS_COLUMNS = (
    NAME,
    Column("Handler", lambda o, _: text(o, "handler"), description=doc("node.v1.RuntimeClass", "handler")),
    AGE,
)

# --- API priority and fairness ----------------------------------------------------------------


def flow_schema_precedence(obj: dict[str, Any]) -> int:
    return number(obj, "spec", "matchingPrecedence") or 1000  # 0 defaults to 1000


def _missing_priority_level(obj: dict[str, Any], _: datetime) -> str:
    for condition in items(obj, "status", "conditions"):
        if isinstance(condition, dict) and condition.get("type") == "Dangling":
            return str(condition.get("status", ""))
    return "?"


FLOW_SCHEMA_COLUMNS = (
    NAME,
    Column("PriorityLevel", lambda o, _: text(o, "spec", "priorityLevelConfiguration", "name"),
           description=doc("flowcontrol.v1.PriorityLevelConfigurationReference", "name")),
    Column("MatchingPrecedence", lambda o, _: flow_schema_precedence(o),
           description=doc("flowcontrol.v1.FlowSchemaSpec", "matchingPrecedence")),
    Column("DistinguisherMethod", lambda o, _: text(o, "spec", "distinguisherMethod", "type", default=NONE),
           description=doc("flowcontrol.v1.FlowSchemaSpec", "distinguisherMethod")),
    AGE,
    Column("MissingPL", _missing_priority_level, description="references a broken or non-existent PriorityLevelConfiguration"),
)  # fmt: skip

#: v1 defaults for a Limited priority level and its queuing.
_LIMITED_DEFAULTS = {"nominalConcurrencyShares": 30, "queues": 64, "handSize": 8, "queueLengthLimit": 50}


def _limited(field: str) -> Any:
    def getter(obj: dict[str, Any], _: datetime) -> int | str:
        limited = dig(obj, "spec", "limited")
        if not isinstance(limited, dict):
            return NONE
        if field == "nominalConcurrencyShares":
            return number(limited, field, default=_LIMITED_DEFAULTS[field])
        queuing = dig(limited, "limitResponse", "queuing")
        if not isinstance(queuing, dict):
            return NONE
        return number(queuing, field, default=_LIMITED_DEFAULTS[field])

    return getter


PRIORITY_LEVEL_COLUMNS = (
    NAME,
    Column("Type", lambda o, _: text(o, "spec", "type"), description=doc("flowcontrol.v1.PriorityLevelConfigurationSpec", "type")),
    Column("NominalConcurrencyShares", _limited("nominalConcurrencyShares"),
           description=doc("flowcontrol.v1.LimitedPriorityLevelConfiguration", "nominalConcurrencyShares")),
    Column("Queues", _limited("queues"), description=doc("flowcontrol.v1.QueuingConfiguration", "queues")),
    Column("HandSize", _limited("handSize"), description=doc("flowcontrol.v1.QueuingConfiguration", "handSize")),
    Column("QueueLengthLimit", _limited("queueLengthLimit"), description=doc("flowcontrol.v1.QueuingConfiguration", "queueLengthLimit")),
    AGE,
)  # fmt: skip

# --- admission and API registration ---------------------------------------------------------------

WEBHOOK_COLUMNS = (
    NAME,
    Column("Webhooks", lambda o, _: len(items(o, "webhooks")), type="integer",
           description="Webhooks indicates the number of webhooks registered in this configuration"),
    AGE,
)  # fmt: skip


def _param_kind(obj: dict[str, Any], _: datetime) -> str:
    kind = mapping(obj, "spec", "paramKind")
    return f"{kind.get('apiVersion', '')}/{kind.get('kind', '')}" if kind else UNSET


def _param_ref(obj: dict[str, Any], _: datetime) -> str:
    ref = mapping(obj, "spec", "paramRef")
    if not ref:
        return UNSET
    if ref.get("name"):
        return f"{ref.get('namespace') or '*'}/{ref['name']}"
    if isinstance(ref.get("selector"), dict):
        return selector_string(ref["selector"])
    return UNSET


VALIDATING_ADMISSION_POLICY_COLUMNS = (
    NAME,
    Column("Validations", lambda o, _: len(items(o, "spec", "validations")), type="integer",
           description="Validations indicates the number of validation rules defined in this configuration"),
    Column("ParamKind", _param_kind, description="ParamKind specifies the kind of resources used to parameterize this policy"),
    AGE,
)  # fmt: skip

VALIDATING_ADMISSION_POLICY_BINDING_COLUMNS = (
    NAME,
    Column("PolicyName", lambda o, _: text(o, "spec", "policyName"),
           description="PolicyName indicates the policy definition which the policy binding binded to"),
    Column("ParamRef", _param_ref, description="ParamRef indicates the param resource which sets the configration param"),
    AGE,
)  # fmt: skip


def _api_service_target(obj: dict[str, Any], _: datetime) -> str:
    service = dig(obj, "spec", "service")
    if not isinstance(service, dict):
        return "Local"
    return f"{service.get('namespace', '')}/{service.get('name', '')}"


def _api_service_available(obj: dict[str, Any], _: datetime) -> str:
    for condition in items(obj, "status", "conditions"):
        if isinstance(condition, dict) and condition.get("type") == "Available":
            status = str(condition.get("status", ""))
            if status != "True" and condition.get("reason"):
                return f"{status} ({condition['reason']})"
            return status
    return "Unknown"


API_SERVICE_COLUMNS = (
    NAME,
    Column("Service", _api_service_target, description="The reference to the service that hosts this API endpoint."),
    Column("Available", _api_service_available, description="Whether this service is available."),
    AGE,
)

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("rbac.authorization.k8s.io", "rolebindings"): _binding_columns("RoleBinding"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): _binding_columns("ClusterRoleBinding"),
    ("certificates.k8s.io", "certificatesigningrequests"): CSR_COLUMNS,
    ("coordination.k8s.io", "leases"): LEASE_COLUMNS,
    ("scheduling.k8s.io", "priorityclasses"): PRIORITY_CLASS_COLUMNS,
    ("node.k8s.io", "runtimeclasses"): RUNTIME_CLASS_COLUMNS,
    ("flowcontrol.apiserver.k8s.io", "flowschemas"): FLOW_SCHEMA_COLUMNS,
    ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): PRIORITY_LEVEL_COLUMNS,
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): WEBHOOK_COLUMNS,
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): WEBHOOK_COLUMNS,
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"): VALIDATING_ADMISSION_POLICY_COLUMNS,
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): VALIDATING_ADMISSION_POLICY_BINDING_COLUMNS,
    ("apiregistration.k8s.io", "apiservices"): API_SERVICE_COLUMNS,
}
