"""flowcontrol.apiserver.k8s.io v1beta2 and v1beta3 <-> v1 (API Priority and Fairness).

A 1.27 or 1.28 server serves FlowSchemas and PriorityLevelConfigurations as v1beta3 and
v1beta2, a 1.29 to 1.31 server as v1 and v1beta3: the same objects seen through each version,
so kubegate stores them once, in v1 (which has every field of the betas). v1beta3 has v1's
shape; v1beta2 calls a limited priority level's `nominalConcurrencyShares` by its old name,
`assuredConcurrencyShares`.
"""

from __future__ import annotations

from typing import Any


def same_shape(obj: dict[str, Any]) -> dict[str, Any]:
    """v1beta3 <-> v1: only apiVersion changes, which the conversion table sets."""
    return dict(obj)


def _limited_renamed(obj: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("limited"), dict) or old not in spec["limited"]:
        return dict(obj)
    limited = {new if key == old else key: value for key, value in spec["limited"].items() if key != new}
    return {**obj, "spec": {**spec, "limited": limited}}


def v1beta2_to_v1(obj: dict[str, Any]) -> dict[str, Any]:
    """A v1beta2 PriorityLevelConfiguration (or FlowSchema: unchanged) as v1 stores it."""
    return _limited_renamed(obj, "assuredConcurrencyShares", "nominalConcurrencyShares")


def v1_to_v1beta2(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored v1 PriorityLevelConfiguration (or FlowSchema) as v1beta2 serves it."""
    return _limited_renamed(obj, "nominalConcurrencyShares", "assuredConcurrencyShares")
