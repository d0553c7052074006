"""The zero status fields Go always encodes, laid under stored statuses."""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.registry.zerostatus import with_zero_status, zero_status
from tests.support.builtin_specs import builtin_spec


@pytest.mark.parametrize(
    ("group", "version", "plural", "expected"),
    [
        ("apps", "v1", "replicasets", {"replicas": 0}),
        ("apps", "v1", "statefulsets", {"replicas": 0, "availableReplicas": 0}),
        ("apps", "v1", "deployments", {}),  # every DeploymentStatus field is omitempty
        ("autoscaling", "v1", "horizontalpodautoscalers", {"currentReplicas": 0, "desiredReplicas": 0}),
        ("autoscaling", "v2", "horizontalpodautoscalers", {"desiredReplicas": 0}),
        ("storage.k8s.io", "v1", "volumeattachments", {"attached": False}),
        ("", "v1", "services", {"loadBalancer": {}}),
        ("", "v1", "configmaps", {}),
    ],
)
def test_zero_status(group: str, version: str, plural: str, expected: dict[str, Any]) -> None:
    assert zero_status(builtin_spec(group, plural, version)) == expected


def test_zero_status_is_a_fresh_copy() -> None:
    zero_status(builtin_spec("", "nodes"))["nodeInfo"]["machineID"] = "changed"
    assert zero_status(builtin_spec("", "nodes"))["nodeInfo"]["machineID"] == ""


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
    assert with_zero_status(builtin_spec("apps", "replicasets"), status) == expected


def test_with_zero_status_fills_nested_structs() -> None:
    filled = with_zero_status(builtin_spec("", "nodes"), {"nodeInfo": {"kubeletVersion": "v1.32.4"}, "phase": "Running"})
    assert filled["phase"] == "Running"
    assert filled["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert filled["nodeInfo"]["kubeletVersion"] == "v1.32.4" and filled["nodeInfo"]["osImage"] == ""
