"""The LimitRanger admission plugin: a namespace's LimitRanges default and bound resources.

Mutating (pod CREATE): each container missing a request or limit that a `Container` item of a
LimitRange defaults (`defaultRequest`, `default`) gets it, and the pod is annotated with what was
set: `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container c;
cpu limit for container c`. Validating (pod CREATE, PVC CREATE and UPDATE): `min`, `max` and
`maxLimitRequestRatio` of `Container` items (each container and init container), `Pod` items
(the pod's totals) and `PersistentVolumeClaim` items (the claim's storage request) are enforced,
with the real messages, all of one LimitRange's violations in one 403
(`[minimum cpu usage per Container is 100m, but request is 50m, ...]`).

The stored LimitRange already carries the defaults its own defaulting adds on write
(`kubegate.registry.defaults.limitranges`: default <- max, defaultRequest <- default or min).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.admission.forbidden import forbidden
from kubegate.registry.objects import ObjectCache
from kubegate.registry.quota import amounts
from kubegate.registry.validation import quantity

LIMIT_RANGES = ("", "limitranges")
ANNOTATION = "kubernetes.io/limit-ranger"
CONTAINER, POD, CLAIM = "Container", "Pod", "PersistentVolumeClaim"
#: resource.MaxMilliValue: beyond it quantities are compared in whole units
MAX_MILLI_VALUE = ((1 << 63) - 1) // 1000

ResourceList = Mapping[str, Any]


class LimitRangerAdmission:
    def __init__(self, cache: ObjectCache) -> None:
        self._cache = cache

    async def admit(self, attributes: AdmissionAttributes) -> None:
        if self._resource(attributes) != "pods":
            return
        pod_spec = _pod_spec(attributes.obj)
        if pod_spec is None:
            return
        for limit_range in self._limit_ranges(attributes.namespace):
            _default_pod(attributes.obj or {}, pod_spec, _items(limit_range))

    async def validate(self, attributes: AdmissionAttributes) -> None:
        resource = self._resource(attributes)
        if resource is None:
            return
        for limit_range in self._limit_ranges(attributes.namespace):
            if resource == "pods":
                pod_spec = _pod_spec(attributes.obj)
                problems = _pod_problems(pod_spec, _items(limit_range)) if pod_spec is not None else []
            else:
                problems = _claim_problems(attributes.obj or {}, _items(limit_range))
            if problems:
                raise forbidden(attributes, _aggregate(problems))

    def _resource(self, attributes: AdmissionAttributes) -> str | None:
        """pods (CREATE: containers cannot change afterwards) or persistentvolumeclaims, else None."""
        spec = attributes.spec
        if spec.group or attributes.subresource or attributes.obj is None:
            return None
        if attributes.operation not in (CREATE, UPDATE):
            return None
        old = attributes.old or {}
        if (old.get("metadata") or {}).get("deletionTimestamp"):
            return None  # objects on their way out are left alone
        if spec.plural == "pods" and attributes.operation == CREATE:
            return "pods"
        if spec.plural == "persistentvolumeclaims":
            return "persistentvolumeclaims"
        return None

    def _limit_ranges(self, namespace: str) -> list[dict[str, Any]]:
        return [stored.obj for stored in self._cache.scan(LIMIT_RANGES, namespace=namespace)]


def _pod_spec(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    spec = (obj or {}).get("spec")
    return spec if isinstance(spec, dict) else None


def _items(limit_range: dict[str, Any]) -> list[dict[str, Any]]:
    limits = (limit_range.get("spec") or {}).get("limits")
    return [item for item in limits if isinstance(item, dict)] if isinstance(limits, list) else []


def _containers(pod_spec: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = pod_spec.get(key)
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def _resources(container: dict[str, Any]) -> dict[str, Any]:
    resources = container.get("resources")
    if not isinstance(resources, dict):
        resources = container["resources"] = {}
    return resources


def _list(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


# defaults -------------------------------------------------------------------------------------


def _default_pod(pod: dict[str, Any], pod_spec: dict[str, Any], items: list[dict[str, Any]]) -> None:
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for item in items:
        if item.get("type") == CONTAINER:
            requests.update(_list(item.get("defaultRequest")))
            limits.update(_list(item.get("default")))
    notes: list[str] = []
    for key, prefix in (("containers", "container"), ("initContainers", "init container")):
        for container in _containers(pod_spec, key):
            notes += _default_container(container, requests, limits, prefix)
    if notes:
        metadata = pod.setdefault("metadata", {})
        annotations = metadata.get("annotations")
        if not isinstance(annotations, dict):
            annotations = metadata["annotations"] = {}
        annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _default_container(
    container: dict[str, Any], requests: ResourceList, limits: ResourceList, prefix: str,
) -> list[str]:
    resources = _resources(container)
    have_limits, have_requests = _list(resources.get("limits")), _list(resources.get("requests"))
    # decoding a v1 Pod has already copied limits into missing requests on a real server
    for name, value in have_limits.items():
        have_requests.setdefault(name, value)
    set_limits = sorted(name for name in limits if name not in have_limits)
    set_requests = sorted(name for name in requests if name not in have_requests)
    have_limits.update({name: limits[name] for name in set_limits})
    have_requests.update({name: requests[name] for name in set_requests})
    for key, value in (("limits", have_limits), ("requests", have_requests)):
        if value:
            resources[key] = value
    notes = []
    name = container.get("name", "")
    if set_requests:
        notes.append(f"{', '.join(set_requests)} request for {prefix} {name}")
    if set_limits:
        notes.append(f"{', '.join(set_limits)} limit for {prefix} {name}")
    return notes


# constraints ----------------------------------------------------------------------------------


def _pod_problems(pod_spec: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    containers = _containers(pod_spec, "containers")
    init_containers = _containers(pod_spec, "initContainers")
    for item in items:
        kind = item.get("type")
        if kind == CONTAINER:
            for container in [*containers, *init_containers]:
                request, limit = _effective(_list(container.get("resources")))
                problems += _bounds(CONTAINER, item, request, limit)
        elif kind == POD:
            request, limit = _pod_totals(containers, init_containers)
            problems += _bounds(POD, item, request, limit)
    return problems


def _claim_problems(claim: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    spec = _list(claim.get("spec"))
    request = _list(_list(spec.get("resources")).get("requests"))
    problems: list[str] = []
    for item in items:
        if item.get("type") != CLAIM:
            continue
        for name, bound in _list(item.get("min")).items():
            problems += _minimum(CLAIM, name, bound, request, {})
        for name, bound in _list(item.get("max")).items():
            if name not in request:
                problems.append(f"maximum {name} usage per {CLAIM} is {quantity.canonical(bound)}.  No request is specified")
            elif _compare(request[name], bound) > 0:
                problems.append(_exceeds("maximum", name, CLAIM, bound, "request", request[name]))
    return problems


def _effective(resources: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(requests, limits) of a container, requests filled from limits as decoding does."""
    limits = _list(resources.get("limits"))
    requests = {**limits, **_list(resources.get("requests"))}
    return requests, limits


def _bounds(kind: str, item: Mapping[str, Any], request: ResourceList, limit: ResourceList) -> list[str]:
    problems: list[str] = []
    for name, bound in _list(item.get("min")).items():
        problems += _minimum(kind, name, bound, request, limit)
    for name, bound in _list(item.get("max")).items():
        problems += _maximum(kind, name, bound, request, limit)
    for name, bound in _list(item.get("maxLimitRequestRatio")).items():
        problems += _ratio(kind, name, bound, request, limit)
    return problems


def _minimum(kind: str, name: str, bound: Any, request: ResourceList, limit: ResourceList) -> list[str]:
    if name not in request:
        return [f"minimum {name} usage per {kind} is {quantity.canonical(bound)}.  No request is specified"]
    if _compare(request[name], bound, limit.get(name)) < 0:
        return [_exceeds("minimum", name, kind, bound, "request", request[name])]
    if name in limit and _compare(limit[name], bound, request[name]) < 0:
        return [_exceeds("minimum", name, kind, bound, "limit", limit[name])]
    return []


def _maximum(kind: str, name: str, bound: Any, request: ResourceList, limit: ResourceList) -> list[str]:
    if name not in limit:
        return [f"maximum {name} usage per {kind} is {quantity.canonical(bound)}.  No limit is specified"]
    if _compare(limit[name], bound, request.get(name)) > 0:
        return [_exceeds("maximum", name, kind, bound, "limit", limit[name])]
    if name in request and _compare(request[name], bound, limit[name]) > 0:
        return [_exceeds("maximum", name, kind, bound, "request", request[name])]
    return []


def _ratio(kind: str, name: str, bound: Any, request: ResourceList, limit: ResourceList) -> list[str]:
    shown = quantity.canonical(bound)
    request_value, limit_value = _common_units(request.get(name), limit.get(name), bound)
    if name not in request or request_value == 0:
        return [f"{name} max limit to request ratio per {kind} is {shown}, but no request is specified or request is 0"]
    if name not in limit or limit_value == 0:
        return [f"{name} max limit to request ratio per {kind} is {shown}, but no limit is specified or limit is 0"]
    observed = float(limit_value) / float(request_value)
    enforced = amounts.parse(bound)
    whole = math.ceil(enforced)
    if whole <= MAX_MILLI_VALUE:
        exceeded = observed * 1000 > math.ceil(enforced * 1000)
    else:
        exceeded = observed > whole
    if exceeded:
        return [f"{name} max limit to request ratio per {kind} is {shown}, but provided ratio is {observed:f}"]
    return []


def _exceeds(which: str, name: str, kind: str, bound: Any, what: str, value: Any) -> str:
    return f"{which} {name} usage per {kind} is {quantity.canonical(bound)}, but {what} is {quantity.canonical(value)}"


def _common_units(request: Any, limit: Any, enforced: Any) -> tuple[int, int]:
    """requestLimitEnforcedValues: request and limit in milli-units, or whole units if that overflows."""
    values = [amounts.parse(v) if v is not None else Decimal(0) for v in (request, limit, enforced)]
    if all(math.ceil(v) <= MAX_MILLI_VALUE for v in values):
        return math.ceil(values[0] * 1000), math.ceil(values[1] * 1000)
    return math.ceil(values[0]), math.ceil(values[1])


def _compare(value: Any, bound: Any, other: Any = None) -> int:
    """Compare a request or limit with a bound at the common precision the real plugin uses."""
    parsed = [amounts.parse(v) if v is not None else Decimal(0) for v in (value, other, bound)]
    if all(math.ceil(v) <= MAX_MILLI_VALUE for v in parsed):
        a, b = math.ceil(parsed[0] * 1000), math.ceil(parsed[2] * 1000)
    else:
        a, b = math.ceil(parsed[0]), math.ceil(parsed[2])
    return (a > b) - (a < b)


def _pod_totals(
    containers: list[dict[str, Any]], init_containers: list[dict[str, Any]],
) -> tuple[dict[str, str], dict[str, str]]:
    """The pod's requests and limits: containers and sidecars added, the largest init container step."""
    totals: list[dict[str, str]] = []
    for index in (0, 1):
        total: dict[str, Decimal] = {}
        like: dict[str, Any] = {}
        sidecars: dict[str, Decimal] = {}
        init_peak: dict[str, Decimal] = {}
        for container in containers:
            for name, value in _side(container, index).items():
                total[name] = total.get(name, Decimal(0)) + amounts.parse(value)
                like.setdefault(name, value)
        for container in init_containers:
            own = {name: amounts.parse(value) for name, value in _side(container, index).items()}
            for name, value in _side(container, index).items():
                like.setdefault(name, value)
            if container.get("restartPolicy") == "Always":
                total = amounts.add(total, own)
                sidecars = amounts.add(sidecars, own)
                step = dict(sidecars)
            else:
                step = amounts.add(own, sidecars)
            for name, value in step.items():
                if name not in init_peak or value > init_peak[name]:
                    init_peak[name] = value
        for name, value in init_peak.items():
            if name not in total or value > total[name]:
                total[name] = value
        totals.append({name: amounts.text(value, like.get(name)) for name, value in total.items()})
    return totals[0], totals[1]


def _side(container: dict[str, Any], index: int) -> dict[str, Any]:
    request, limit = _effective(_list(container.get("resources")))
    return request if index == 0 else limit


def _aggregate(problems: list[str]) -> str:
    """utilerrors.NewAggregate's text: one message alone, several deduplicated in brackets."""
    unique = list(dict.fromkeys(problems))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
