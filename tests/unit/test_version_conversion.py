"""The converters between served versions and storage versions (kubegate.registry.conversion)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kubegate.registry import conversion
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.conversion import autoscaling, events
from kubegate.registry.spec import ResourceSpec


def spec_of(group: str, version: str, plural: str) -> ResourceSpec:
    return next(s for s in BUILTIN_RESOURCES if (s.group, s.version, s.plural) == (group, version, plural))


HPA_V1 = spec_of("autoscaling", "v1", "horizontalpodautoscalers")
HPA_V2 = spec_of("autoscaling", "v2", "horizontalpodautoscalers")
CORE_EVENTS = spec_of("", "v1", "events")
NEW_EVENTS = spec_of("events.k8s.io", "v1", "events")

TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
CPU_70 = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
PODS_METRIC = {"type": "Pods", "pods": {
    "metric": {"name": "qps", "selector": {"matchLabels": {"a": "b"}}},
    "target": {"type": "AverageValue", "averageValue": "10"},
}}
OBJECT_METRIC = {"type": "Object", "object": {
    "describedObject": {"apiVersion": "v1", "kind": "Service", "name": "front"},
    "metric": {"name": "hits"}, "target": {"type": "Value", "value": "5"},
}}
EXTERNAL_METRIC = {"type": "External", "external": {
    "metric": {"name": "queue", "selector": {"matchLabels": {"q": "jobs"}}},
    "target": {"type": "AverageValue", "averageValue": "3"},
}}
MEMORY_METRIC = {"type": "ContainerResource", "containerResource": {
    "name": "memory", "container": "app", "target": {"type": "AverageValue", "averageValue": "100Mi"},
}}
BEHAVIOR = {"scaleDown": {"stabilizationWindowSeconds": 60}}
CONDITIONS = [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"}]
CURRENT = [
    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42, "averageValue": "420m"}}},
    {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "7"}}},
]


def hpa_v2(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default", "annotations": {"team": "a"}},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 5, **spec},
        "status": {"currentReplicas": 2, "desiredReplicas": 3, "currentMetrics": CURRENT, "conditions": CONDITIONS},
    }


def test_the_cpu_utilization_metric_is_v1s_target_percentage() -> None:
    v1 = autoscaling.to_v1(hpa_v2(metrics=[CPU_70]))
    assert v1["spec"] == {"scaleTargetRef": TARGET, "maxReplicas": 5, "targetCPUUtilizationPercentage": 70}
    assert v1["status"]["currentCPUUtilizationPercentage"] == 42
    assert autoscaling.METRICS not in v1["metadata"]["annotations"]


def test_what_v1_cannot_say_travels_in_annotations_in_v1s_metric_shape() -> None:
    v1 = autoscaling.to_v1(hpa_v2(metrics=[CPU_70, PODS_METRIC], behavior=BEHAVIOR))
    annotations = v1["metadata"]["annotations"]
    assert orjson.loads(annotations[autoscaling.METRICS]) == [{"type": "Pods", "pods": {
        "metricName": "qps", "selector": {"matchLabels": {"a": "b"}}, "targetAverageValue": "10",
    }}]
    assert orjson.loads(annotations[autoscaling.CURRENT_METRICS])[0] == {"type": "Resource", "resource": {
        "name": "cpu", "currentAverageUtilization": 42, "currentAverageValue": "420m",
    }}
    assert orjson.loads(annotations[autoscaling.CONDITIONS]) == CONDITIONS
    assert orjson.loads(annotations[autoscaling.BEHAVIOR]) == BEHAVIOR
    assert "conditions" not in v1["status"] and "behavior" not in v1["spec"]


@pytest.mark.parametrize("metrics", [
    [CPU_70], [], [PODS_METRIC], [CPU_70, PODS_METRIC, OBJECT_METRIC, EXTERNAL_METRIC, MEMORY_METRIC],
], ids=["cpu", "none", "pods", "every-source"])
def test_v2_to_v1_to_v2_loses_nothing(metrics: list[dict[str, Any]]) -> None:
    original = hpa_v2(metrics=metrics, behavior=BEHAVIOR) if metrics else hpa_v2()
    assert autoscaling.to_v2(autoscaling.to_v1(original)) == original


def test_a_v1_hpa_becomes_a_cpu_metric_and_back() -> None:
    v1 = {
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 4, "targetCPUUtilizationPercentage": 55},
        "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 30},
    }
    v2 = autoscaling.to_v2(v1)
    assert v2["spec"]["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 55}}}
    ]
    assert v2["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 30}}}
    ]
    back = autoscaling.to_v1(v2)
    # the current metrics are annotated even when they are just the CPU number, as the real server does
    assert back.pop("metadata")["annotations"] == {autoscaling.CURRENT_METRICS: '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":30}}]'}
    assert back == {k: v for k, v in v1.items() if k != "metadata"}


def test_a_broken_annotation_is_dropped_not_a_crash() -> None:
    v1 = {"metadata": {"name": "web", "annotations": {autoscaling.METRICS: "{not json"}}, "spec": {"maxReplicas": 2}}
    assert autoscaling.to_v2(v1) == {"metadata": {"name": "web"}, "spec": {"maxReplicas": 2}}


CORE_EVENT = {
    "metadata": {"name": "e1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
    "reason": "Started", "message": "Started container", "type": "Normal",
    "source": {"component": "kubelet", "host": "node-1"},
    "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:01:00Z", "count": 2,
    "reportingComponent": "kubelet", "reportingInstance": "node-1", "action": "Start",
    "eventTime": None, "series": {"count": 2, "lastObservedTime": "2024-01-01T00:01:00.000000Z"},
}


def test_events_rename_fields_between_groups() -> None:
    new = events.from_core(CORE_EVENT)
    assert new["regarding"] == CORE_EVENT["involvedObject"]
    assert (new["note"], new["deprecatedCount"], new["reportingController"]) == ("Started container", 2, "kubelet")
    assert new["deprecatedSource"] == {"component": "kubelet", "host": "node-1"}
    assert (new["deprecatedFirstTimestamp"], new["deprecatedLastTimestamp"]) == (
        "2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z",
    )
    assert not {"involvedObject", "message", "source", "count", "reportingComponent"} & set(new)
    assert events.to_core(new) == CORE_EVENT


def test_the_table_shares_one_store_key_per_resource() -> None:
    assert conversion.storage_key(HPA_V1) == conversion.storage_key(HPA_V2) == ("autoscaling", "horizontalpodautoscalers")
    assert conversion.storage_key(NEW_EVENTS) == conversion.storage_key(CORE_EVENTS) == ("", "events")
    assert conversion.storage_spec(NEW_EVENTS).api_version == "v1"


def test_served_objects_carry_the_served_apiversion_and_kind() -> None:
    stored = conversion.to_storage(HPA_V1, {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
                                            "metadata": {"name": "x"}, "spec": {"maxReplicas": 1}})
    assert stored["apiVersion"] == "autoscaling/v2"
    assert conversion.to_served(HPA_V1, stored)["apiVersion"] == "autoscaling/v1"
    assert conversion.to_served(HPA_V2, stored) is stored
