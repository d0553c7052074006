"""SetDefaults_LimitRangeItem: what a LimitRange's `Container` items default on every write.

A missing `default` (limit) for a resource takes the item's `max`; a missing `defaultRequest`
takes the `default`, else the `min`. The stored object carries them, so `kubectl get limitrange
-o yaml` and `kubectl describe` show them, and the LimitRanger admission plugin reads them from
there. Other item types get nothing.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import dicts


def limit_range_defaults(obj: dict[str, Any]) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    for item in dicts(spec.get("limits")):
        if item.get("type") == "Container":
            _container_item(item)


def _resources(item: dict[str, Any], key: str) -> dict[str, Any]:
    value = item.get(key)
    return dict(value) if isinstance(value, dict) else {}


def _container_item(item: dict[str, Any]) -> None:
    if any(key in item and not isinstance(item[key], (dict, type(None))) for key in ("default", "defaultRequest")):
        return  # not a ResourceList: validation answers for it
    default = _resources(item, "default")
    request = _resources(item, "defaultRequest")
    for name, value in _resources(item, "max").items():
        default.setdefault(name, value)
    for name, value in default.items():
        request.setdefault(name, value)
    for name, value in _resources(item, "min").items():
        request.setdefault(name, value)
    if default:
        item["default"] = default
    if request:
        item["defaultRequest"] = request
