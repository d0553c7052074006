"""The zero status fields Go always encodes, laid under stored statuses."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.registry.zerostatus import with_zero_status, zero_status


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("apps/v1", "ReplicaSet", {"replicas": 0}),
        ("apps/v1", "StatefulSet", {"replicas": 0, "availableReplicas": 0}),
        ("apps/v1", "Deployment", {}),  # every DeploymentStatus field is omitempty
        ("autoscaling/v1", "HorizontalPodAutoscaler", {"currentReplicas": 0, "desiredReplicas": 0}),
        ("autoscaling/v2", "HorizontalPodAutoscaler", {"desiredReplicas": 0}),
        ("storage.k8s.io/v1", "VolumeAttachment", {"attached": False}),
        ("v1", "Service", {"loadBalancer": {}}),
        ("v1", "ConfigMap", {}),
    ],
)
def test_zero_status(api_version: str, kind: str, expected: dict[str, Any]) -> None:
    assert zero_status(api_version, kind) == expected


def test_zero_status_is_a_fresh_copy() -> None:
    zero_status("v1", "Node")["nodeInfo"]["machineID"] = "changed"
    assert zero_status("v1", "Node")["nodeInfo"]["machineID"] == ""


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ({}, {"replicas": 0}),
        ({"readyReplicas": 2}, {"readyReplicas": 2, "replicas": 0}),
        ({"replicas": 3}, {"replicas": 3}),
        ({"replicas": None}, {"replicas": 0}),  # null decodes to Go's zero value
        ("not a status", "not a status"),  # left for validation to refuse
    ],
)
def test_with_zero_status_fills_what_is_missing(status: Any, expected: Any) -> None:
    assert with_zero_status("apps/v1", "ReplicaSet", status) == expected


def test_with_zero_status_fills_nested_structs() -> None:
    filled = with_zero_status("v1", "Node", {"nodeInfo": {"kubeletVersion": "v1.32.4"}, "phase": "Running"})
    assert filled["phase"] == "Running"
    assert filled["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert filled["nodeInfo"]["kubeletVersion"] == "v1.32.4" and filled["nodeInfo"]["osImage"] == ""
