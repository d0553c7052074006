"""Pod create and update rules: a running pod's spec is almost entirely immutable.

On update the real server allows container images, `activeDeadlineSeconds` (set, or lowered),
tolerations (added only) and a negative grace period raised to 1; any other spec change is
`spec: Forbidden: pod updates may not change fields other than ...` followed by a diff of the
specs, and a change of QoS class is `metadata: Invalid value: ...: Pod QoS is immutable`.
Both specs are compared as the real server sees them, i.e. with the defaults filled in that
defaulting would have filled, since kubegate stores pods as sent. The diff lists the changed
fields by path, where the real server prints a go-cmp diff of the internal Go structs.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from kubegate.registry.validation.field import (
    Errors,
    forbidden,
    index,
    integer,
    invalid,
    items,
    mapping,
    required,
    text,
)
from kubegate.registry.validation.pods import validate_pod_spec

UPDATABLE = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
MAX_INT32 = 2**31 - 1
_DIFF_LINES = 20

#: What SetDefaults_PodSpec / SetDefaults_Container fill in, for comparing like with like.
SPEC_DEFAULTS: dict[str, Any] = {
    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
    "schedulerName": "default-scheduler", "securityContext": {}, "enableServiceLinks": True,
    "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
}
CONTAINER_DEFAULTS: dict[str, Any] = {
    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "resources": {},
}


def validate_pod(obj: Any) -> Errors:
    """ValidatePodCreate."""
    spec = mapping(obj.get("spec"))
    problems = validate_pod_spec(spec, "spec")
    if items(spec.get("ephemeralContainers")):
        problems.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    return problems


def _pull_policy(image: str) -> str:
    tag = image.rsplit("/", 1)[-1]
    return "Always" if image.endswith(":latest") or (":" not in tag and "@" not in tag) else "IfNotPresent"


def defaulted(spec: Any) -> dict[str, Any]:
    """A copy of a pod spec with the v1 defaults in place."""
    out = {**SPEC_DEFAULTS, **copy.deepcopy(dict(mapping(spec)))}
    if out.get("serviceAccountName") and not out.get("serviceAccount"):
        out["serviceAccount"] = out["serviceAccountName"]
    for group in ("containers", "initContainers"):
        containers = []
        for container in items(out.get(group)):
            container = {**CONTAINER_DEFAULTS, **mapping(container)}
            container.setdefault("imagePullPolicy", _pull_policy(text(container.get("image"))))
            container["ports"] = [{"protocol": "TCP", **mapping(port)} for port in items(container.get("ports"))]
            if not container["ports"]:
                del container["ports"]
            containers.append(container)
        if group in out:
            out[group] = containers
    return out


def _qos(spec: Any) -> str:
    containers = [mapping(c) for c in items(mapping(spec).get("containers"))]
    guaranteed, burstable = bool(containers), False
    for container in containers:
        resources = mapping(container.get("resources"))
        limits, requests = mapping(resources.get("limits")), mapping(resources.get("requests"))
        burstable = burstable or bool(limits) or bool(requests)
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                guaranteed = False
    return "Guaranteed" if guaranteed else "Burstable" if burstable else "BestEffort"


def _container_updates(new: Any, old: Any, path: str) -> tuple[Errors, bool]:
    """ValidateContainerUpdates: (errors, whether to stop)."""
    if len(items(new)) != len(items(old)):
        return [forbidden(path, "pod updates may not add or remove containers")], True
    problems: Errors = []
    for position, container in enumerate(items(new)):
        image = text(mapping(container).get("image"))
        image_path = index(path, position) + ".image"
        if not image:
            problems.append(required(image_path))
        if image.strip() != image:
            problems.append(invalid(image_path, image, "must not have leading or trailing whitespace"))
    return problems, False


def _tolerations(new: Any, old: Any) -> Errors:
    """validateOnlyAddedTolerations: old tolerations stay, but for their tolerationSeconds."""
    added = [mapping(t) for t in items(new)]
    for toleration in (mapping(t) for t in items(old)):
        if not any({**toleration, "tolerationSeconds": t.get("tolerationSeconds")} == {
            **t, "tolerationSeconds": t.get("tolerationSeconds")} for t in added):
            return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")]
    return []


def validate_pod_update(obj: Any, old: Any) -> Errors:
    problems = validate_pod_spec(obj.get("spec"), "spec")
    new_spec, old_spec = defaulted(obj.get("spec")), defaulted(old.get("spec"))
    for group in ("containers", "initContainers"):
        found, stop = _container_updates(new_spec.get(group), old_spec.get(group), f"spec.{group}")
        problems += found
        if stop:
            return problems
    deadline, old_deadline = integer(new_spec.get("activeDeadlineSeconds")), integer(old_spec.get("activeDeadlineSeconds"))
    if deadline is not None:
        if not 0 <= deadline <= MAX_INT32:
            return [*problems, invalid("spec.activeDeadlineSeconds", deadline, f"must be between 0 and {MAX_INT32}, inclusive")]
        if old_deadline is not None and old_deadline < deadline:
            return [*problems, invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value")]
    elif old_deadline is not None:
        problems.append(invalid("spec.activeDeadlineSeconds", "null", "must not update from a positive integer to nil value"))
    problems += _tolerations(new_spec.get("tolerations"), old_spec.get("tolerations"))
    if new_spec == old_spec:
        return problems
    if _qos(old_spec) != _qos(new_spec):
        qos = text(mapping(obj.get("status")).get("qosClass")) or _qos(old_spec)
        problems.append(invalid("metadata", qos, "Pod QoS is immutable"))
    munged = _munged(new_spec, old_spec)
    if munged != old_spec:
        detail = "pod updates may not change fields other than " + ",".join(UPDATABLE) + "\n" + _diff(old_spec, munged)
        problems.append(forbidden("spec", detail))
    return problems


def _munged(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """The new spec with every field a pod update may change set back to its old value."""
    munged = copy.deepcopy(new)
    for group in ("containers", "initContainers"):
        for container, before in zip(items(munged.get(group)), items(old.get(group)), strict=False):
            container["image"] = mapping(before).get("image")
    for name in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        if name in old:
            munged[name] = old[name]
        else:
            munged.pop(name, None)
    grace, old_grace = integer(new.get("terminationGracePeriodSeconds")), integer(old.get("terminationGracePeriodSeconds"))
    if old_grace is not None and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def _diff(old: Any, new: Any) -> str:
    lines: list[str] = []
    _diff_into(old, new, "spec", lines)
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], "  \t... // more differences"]
    return "\n".join(["  core.PodSpec{", *lines, "  }"])


def _diff_into(old: Any, new: Any, path: str, lines: list[str]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for name in sorted(set(old) | set(new)):
            _diff_into(old.get(name), new.get(name), f"{path}.{name}", lines)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for position, (was, now) in enumerate(zip(old, new, strict=True)):
            _diff_into(was, now, f"{path}[{position}]", lines)
        return
    if old is not None:
        lines.append(f"- \t{path}: {orjson.dumps(old).decode()}")
    if new is not None:
        lines.append(f"+ \t{path}: {orjson.dumps(new).decode()}")
