"""autoscaling/v1 HorizontalPodAutoscaler <-> autoscaling/v2 (the storage version).

autoscaling/v1 knows one metric, a CPU utilization target. As in the real
pkg/apis/autoscaling/v1 conversion, that metric maps to a v2 `Resource` metric on cpu with a
`Utilization` target, and whatever v1 cannot express (other metrics, current metrics,
conditions, behavior) travels in annotations, so that a v2 -> v1 -> v2 round trip loses nothing.
The annotated metrics use autoscaling/v1's own MetricSpec/MetricStatus shape (the v2beta1 one:
`targetAverageUtilization`, `metricName`, ...).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"

#: metric source type -> its field in a MetricSpec/MetricStatus
_SOURCES = {
    "Object": "object", "Pods": "pods", "Resource": "resource",
    "ContainerResource": "containerResource", "External": "external",
}
#: v2 MetricTarget field -> v1 field, per source
_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "object": (("value", "targetValue"), ("averageValue", "averageValue")),
    "pods": (("averageValue", "targetAverageValue"),),
    "resource": (("averageUtilization", "targetAverageUtilization"), ("averageValue", "targetAverageValue")),
    "containerResource": (("averageUtilization", "targetAverageUtilization"), ("averageValue", "targetAverageValue")),
    "external": (("value", "targetValue"), ("averageValue", "targetAverageValue")),
}
#: v2 MetricValueStatus field -> v1 field, per source
_CURRENT: dict[str, tuple[tuple[str, str], ...]] = {
    "object": (("value", "currentValue"), ("averageValue", "averageValue")),
    "pods": (("averageValue", "currentAverageValue"),),
    "resource": (("averageUtilization", "currentAverageUtilization"), ("averageValue", "currentAverageValue")),
    "containerResource": (("averageUtilization", "currentAverageUtilization"), ("averageValue", "currentAverageValue")),
    "external": (("value", "currentValue"), ("averageValue", "currentAverageValue")),
}
_TARGET_TYPE = {"value": "Value", "averageValue": "AverageValue", "averageUtilization": "Utilization"}
#: v1 names of the metric identifier fields of the sources that carry a MetricIdentifier
_IDENTIFIED = {"object": "selector", "pods": "selector", "external": "metricSelector"}


def _is_cpu_utilization(metric: dict[str, Any]) -> bool:
    resource = metric.get("resource") or {}
    return bool(
        metric.get("type") == "Resource" and resource.get("name") == "cpu"
        and (resource.get("target") or {}).get("type") == "Utilization"
    )


def _metric_to_v1(metric: dict[str, Any], table: dict[str, tuple[tuple[str, str], ...]], key: str) -> dict[str, Any]:
    """One v2 MetricSpec (key="target") or MetricStatus (key="current") in v1's shape."""
    field = _SOURCES.get(str(metric.get("type")), "")
    source = metric.get(field)
    if not isinstance(source, dict):
        return dict(metric)
    out = {k: v for k, v in source.items() if k not in (key, "metric", "describedObject")}
    values = source.get(key) or {}
    for v2_name, v1_name in table[field]:
        if v2_name in values:
            out[v1_name] = values[v2_name]
    identifier = source.get("metric") or {}
    if "name" in identifier:
        out["metricName"] = identifier["name"]
    if field in _IDENTIFIED and "selector" in identifier:
        out[_IDENTIFIED[field]] = identifier["selector"]
    if "describedObject" in source:
        out["target"] = source["describedObject"]
    return {"type": metric["type"], field: out}


def _metric_to_v2(metric: dict[str, Any], table: dict[str, tuple[tuple[str, str], ...]], key: str) -> dict[str, Any]:
    field = _SOURCES.get(str(metric.get("type")), "")
    source = metric.get(field)
    if not isinstance(source, dict):
        return dict(metric)
    renamed = {v1_name for _, v1_name in table[field]} | {"metricName", "target", _IDENTIFIED.get(field, "")}
    out = {k: v for k, v in source.items() if k not in renamed}
    values: dict[str, Any] = {}
    for v2_name, v1_name in table[field]:
        if v1_name in source:
            values[v2_name] = source[v1_name]
            if key == "target":
                values.setdefault("type", _TARGET_TYPE[v2_name])
    out[key] = values
    if "metricName" in source:
        identifier: dict[str, Any] = {"name": source["metricName"]}
        if field in _IDENTIFIED and _IDENTIFIED[field] in source:
            identifier["selector"] = source[_IDENTIFIED[field]]
        out["metric"] = identifier
    if field == "object" and "target" in source:
        out["describedObject"] = source["target"]
    return {"type": metric["type"], field: out}


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def to_v1(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored autoscaling/v2 HPA as autoscaling/v1 serves it."""
    out = copy.deepcopy(obj)
    spec = out.get("spec") or {}
    status = out.get("status") or {}
    metrics = spec.pop("metrics", None) or []
    annotations = dict((out.get("metadata") or {}).get("annotations") or {})
    others = [_metric_to_v1(m, _TARGETS, "target") for m in metrics if not _is_cpu_utilization(m)]
    for metric in metrics:
        if _is_cpu_utilization(metric):
            spec["targetCPUUtilizationPercentage"] = metric["resource"]["target"].get("averageUtilization")
            break
    if others:
        annotations[METRICS] = _dumps(others)
    behavior = spec.pop("behavior", None)
    if behavior:
        annotations[BEHAVIOR] = _dumps(behavior)
    current = status.pop("currentMetrics", None) or []
    if current:
        annotations[CURRENT_METRICS] = _dumps([_metric_to_v1(m, _CURRENT, "current") for m in current])
        for metric in current:
            resource = metric.get("resource") or {}
            if metric.get("type") == "Resource" and resource.get("name") == "cpu":
                utilization = (resource.get("current") or {}).get("averageUtilization")
                if utilization is not None:
                    status["currentCPUUtilizationPercentage"] = utilization
    conditions = status.pop("conditions", None)
    if conditions:
        annotations[CONDITIONS] = _dumps(conditions)
    if "status" in out:
        for always_sent in ("currentReplicas", "desiredReplicas"):  # not omitempty in v1
            status.setdefault(always_sent, 0)
        out["status"] = status
    if annotations:
        out.setdefault("metadata", {})["annotations"] = annotations
    return out


def _loads(annotations: dict[str, Any], name: str) -> Any:
    text = annotations.pop(name, None)
    if not isinstance(text, str):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None  # a hand-written bad annotation is dropped, not a 500


def to_v2(obj: dict[str, Any]) -> dict[str, Any]:
    """An autoscaling/v1 HPA as autoscaling/v2 stores it."""
    out = copy.deepcopy(obj)
    spec = out.get("spec")
    if not isinstance(spec, dict):
        return out
    status = out.get("status") if isinstance(out.get("status"), dict) else None
    metadata: dict[str, Any] = out["metadata"] if isinstance(out.get("metadata"), dict) else {}
    found = metadata.get("annotations")
    annotations: dict[str, Any] = dict(found) if isinstance(found, dict) else {}
    metrics: list[Any] = []
    cpu = spec.pop("targetCPUUtilizationPercentage", None)
    if cpu is not None:
        metrics.append({"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}})
    others = _loads(annotations, METRICS)
    if isinstance(others, list):
        metrics += [_metric_to_v2(m, _TARGETS, "target") for m in others if isinstance(m, dict)]
    if metrics:
        spec["metrics"] = metrics
    behavior = _loads(annotations, BEHAVIOR)
    if isinstance(behavior, dict):
        spec["behavior"] = behavior
    current = _loads(annotations, CURRENT_METRICS)
    conditions = _loads(annotations, CONDITIONS)
    if status is not None:
        cpu_now = status.pop("currentCPUUtilizationPercentage", None)
        if isinstance(current, list):
            # the annotation carries more than the one CPU number, so it wins
            status["currentMetrics"] = [_metric_to_v2(m, _CURRENT, "current") for m in current if isinstance(m, dict)]
        elif cpu_now is not None:
            status["currentMetrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "current": {"averageUtilization": cpu_now}}}]
        if isinstance(conditions, list):
            status["conditions"] = conditions
    if metadata:
        if annotations:
            metadata["annotations"] = annotations
        else:
            metadata.pop("annotations", None)
    return out
