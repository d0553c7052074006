"""HorizontalPodAutoscaler defaults (autoscaling/v2 SetDefaults_HorizontalPodAutoscaler and
_HorizontalPodAutoscalerBehavior).

HPAs are stored as autoscaling/v2 (`kubegate.registry.conversion`), so the v2 rows apply to
autoscaling/v1 writes too, as the real server's read back through v2 does: an HPA created
without a target shows a CPU utilization target of 80%. A behavior that is given gets every
scaling rule filled; one that is not stays absent. An object still in autoscaling/v1 (as a
mutating webhook matched in v1 sees it) gets only the v1 default, minReplicas.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, present

#: the controller's historical scale-up and scale-down limits
SCALE_UP_POLICIES = [{"type": "Pods", "value": 4, "periodSeconds": 15},
                     {"type": "Percent", "value": 100, "periodSeconds": 15}]
SCALE_DOWN_POLICIES = [{"type": "Percent", "value": 100, "periodSeconds": 15}]
CPU_UTILIZATION = [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                              "averageUtilization": 80}}}]

HORIZONTAL_POD_AUTOSCALER: tuple[Default, ...] = (
    Default("spec.minReplicas", 1),
    Default("spec.metrics", CPU_UTILIZATION, zero=True),
    # scale-down keeps an unset stabilization window: the controller's flag decides it
    Default("spec.behavior.scaleUp.stabilizationWindowSeconds", 0, when=present("spec.behavior")),
    Default("spec.behavior.scaleUp.selectPolicy", "Max", when=present("spec.behavior")),
    Default("spec.behavior.scaleUp.policies", SCALE_UP_POLICIES, when=present("spec.behavior")),
    Default("spec.behavior.scaleDown.selectPolicy", "Max", when=present("spec.behavior")),
    Default("spec.behavior.scaleDown.policies", SCALE_DOWN_POLICIES, when=present("spec.behavior")),
)


HORIZONTAL_POD_AUTOSCALER_V1: tuple[Default, ...] = (Default("spec.minReplicas", 1),)


def horizontal_pod_autoscaler_defaults(obj: dict[str, Any]) -> None:
    if isinstance(obj.get("spec", {}), dict):
        v1 = obj.get("apiVersion") == "autoscaling/v1"
        apply(obj, HORIZONTAL_POD_AUTOSCALER_V1 if v1 else HORIZONTAL_POD_AUTOSCALER)
