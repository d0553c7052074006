"""Usage of one object in quota terms, and whether a quota's scopes select it.

Pods count while not finished: `pods`, and compute as `requests.X` (also plain `cpu`/`memory`)
and `limits.X`, each the larger of what the containers need together and what the largest init
container needs. Services count `services`, `services.nodeports` and `services.loadbalancers`;
PersistentVolumeClaims `persistentvolumeclaims` and `requests.storage`, also per StorageClass.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kubegate.registry.quota.amounts import Amounts, add, parse_list

#: compute resources that require every container to state them (quota's old validation rule)
MUST_SPECIFY = {
    "cpu": ("requests", "cpu"), "requests.cpu": ("requests", "cpu"), "memory": ("requests", "memory"),
    "requests.memory": ("requests", "memory"), "limits.cpu": ("limits", "cpu"), "limits.memory": ("limits", "memory"),
}
#: (group, plural) counted under their own short name too
SHORT_NAMES = {
    ("", "configmaps"): "configmaps", ("", "secrets"): "secrets", ("", "resourcequotas"): "resourcequotas",
    ("", "replicationcontrollers"): "replicationcontrollers",
}
STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
ONE = Decimal(1)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def count_name(group: str, plural: str) -> str:
    return f"count/{plural}" if not group else f"count/{plural}.{group}"


def usage(group: str, plural: str, obj: dict[str, Any]) -> Amounts:
    used: Amounts = {count_name(group, plural): ONE}
    if (group, plural) in SHORT_NAMES:
        used[SHORT_NAMES[group, plural]] = ONE
    elif (group, plural) == ("", "pods"):
        used.update(pod_usage(obj))
    elif (group, plural) == ("", "services"):
        used.update(service_usage(obj))
    elif (group, plural) == ("", "persistentvolumeclaims"):
        used.update(claim_usage(obj))
    return used


def pod_finished(pod: dict[str, Any]) -> bool:
    return _dict(pod.get("status")).get("phase") in ("Succeeded", "Failed")


def _containers(spec: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [c for c in spec.get(field) or () if isinstance(c, dict)]


def _resources(container: dict[str, Any], kind: str) -> Amounts:
    return parse_list(_dict(container.get("resources")).get(kind))


def pod_compute(pod: dict[str, Any], kind: str) -> Amounts:
    spec = _dict(pod.get("spec"))
    total: Amounts = {}
    for container in _containers(spec, "containers"):
        total = add(total, _resources(container, kind))
    for container in _containers(spec, "initContainers"):
        for name, amount in _resources(container, kind).items():
            total[name] = max(total.get(name, Decimal(0)), amount)
    return total


def pod_usage(pod: dict[str, Any]) -> Amounts:
    if pod_finished(pod):
        return {}
    used: Amounts = {"pods": ONE}
    for name, amount in pod_compute(pod, "requests").items():
        used[f"requests.{name}"] = amount
        if name in ("cpu", "memory", "ephemeral-storage"):
            used[name] = amount
    for name, amount in pod_compute(pod, "limits").items():
        used[f"limits.{name}"] = amount
    return used


def service_usage(service: dict[str, Any]) -> Amounts:
    spec = _dict(service.get("spec"))
    kind = spec.get("type", "ClusterIP")
    ports = [p for p in spec.get("ports") or () if isinstance(p, dict)]
    used: Amounts = {"services": ONE}
    if kind == "NodePort":
        used["services.nodeports"] = Decimal(len(ports))
    elif kind == "LoadBalancer":
        used["services.loadbalancers"] = ONE
        if spec.get("allocateLoadBalancerNodePorts", True) is not False:
            used["services.nodeports"] = Decimal(len(ports))
    return used


def claim_usage(claim: dict[str, Any]) -> Amounts:
    spec = _dict(claim.get("spec"))
    storage = parse_list(_dict(spec.get("resources")).get("requests")).get("storage", Decimal(0))
    used: Amounts = {"persistentvolumeclaims": ONE, "requests.storage": storage}
    storage_class = spec.get("storageClassName")
    if isinstance(storage_class, str) and storage_class:
        used[f"{storage_class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"] = ONE
        used[f"{storage_class}{STORAGE_CLASS_SUFFIX}requests.storage"] = storage
    return used


def missing_compute(pod: dict[str, Any], tracked: set[str]) -> str:
    """`must specify limits.cpu for: a; memory for: a,b` for the tracked compute resources containers leave out."""
    spec = _dict(pod.get("spec"))
    missing: dict[str, set[str]] = {}
    for container in _containers(spec, "containers") + _containers(spec, "initContainers"):
        for quota_name in tracked & MUST_SPECIFY.keys():
            kind, name = MUST_SPECIFY[quota_name]
            if name not in _dict(_dict(container.get("resources")).get(kind)):
                missing.setdefault(quota_name, set()).add(str(container.get("name", "")))
    if not missing:
        return ""
    return "must specify " + "; ".join(f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing))


def scopes_select(quota: dict[str, Any], group: str, plural: str, obj: dict[str, Any]) -> bool:
    """Whether a quota's scopes (and scopeSelector) select this object; unscoped quotas select all."""
    spec = _dict(quota.get("spec"))
    scopes = [str(s) for s in spec.get("scopes") or ()]
    for expression in _dict(spec.get("scopeSelector")).get("matchExpressions") or ():
        if isinstance(expression, dict):
            scopes.append(str(expression.get("scopeName")))
    if not scopes:
        return True
    if (group, plural) != ("", "pods"):
        return False
    pod_spec = _dict(obj.get("spec"))
    best_effort = all(
        not _dict(c.get("resources")).get("requests") and not _dict(c.get("resources")).get("limits")
        for c in _containers(pod_spec, "containers") + _containers(pod_spec, "initContainers"))
    terminating = pod_spec.get("activeDeadlineSeconds") is not None
    checks = {
        "Terminating": terminating, "NotTerminating": not terminating,
        "BestEffort": best_effort, "NotBestEffort": not best_effort,
        "PriorityClass": _priority_matches(spec, pod_spec),
    }
    return all(checks.get(scope, False) for scope in scopes)


def _priority_matches(quota_spec: dict[str, Any], pod_spec: dict[str, Any]) -> bool:
    name = pod_spec.get("priorityClassName", "")
    for expression in _dict(quota_spec.get("scopeSelector")).get("matchExpressions") or ():
        if not isinstance(expression, dict) or expression.get("scopeName") != "PriorityClass":
            continue
        operator, values = expression.get("operator"), expression.get("values") or []
        if operator == "In" and name not in values:
            return False
        if operator == "NotIn" and name in values:
            return False
        if operator == "Exists" and not name:
            return False
        if operator == "DoesNotExist" and name:
            return False
    return True
