"""The strategy of one served version of a custom resource (apiextensions' customresource).

Decoding prunes what the schema does not declare and applies its defaults; creating drops a
client's `status` when the status subresource is on; generation starts at 1 and moves with any
change outside metadata (outside status too, when status is a subresource); and every write is
validated: the openAPIV3Schema, the scale subresource's replica paths, embedded resources and
list-type uniqueness. A status update is pruned, defaulted and validated as status only.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.errors import CAUSE_INVALID, CAUSE_REQUIRED, FieldError
from kubegate.api.user import UserInfo
from kubegate.registry.customresources import cel_rules, definition, pruning, validator
from kubegate.registry.customresources.defaulting import apply_defaults
from kubegate.registry.customresources.govalues import go_v
from kubegate.registry.customresources.listtype import validate_lists
from kubegate.registry.strategy import Strategy

Obj = dict[str, Any]
MAX_INT32 = 2**31 - 1
_GO_TYPES = {bool: "bool", str: "string", int: "int64", float: "float64", dict: "map[string]interface {}", list: "[]interface {}"}


class CustomResourceHooks:
    """WriteHooks of one CRD version: its schema, status and scale subresources."""

    def __init__(self, version: Obj) -> None:
        self.schema = definition.schema_of(version)
        self.status_enabled = definition.has_status(version)
        self.scale = definition.scale_of(version)
        properties = (self.schema or {}).get("properties")
        status_schema = properties.get("status") if isinstance(properties, dict) else None
        self.status_schema = status_schema if isinstance(status_schema, dict) else None

    # decoding ---------------------------------------------------------------------------------

    def decode(self, obj: Obj) -> None:
        """What apiextensions' decoder does to every incoming object: prune, then default."""
        pruning.prune(obj, self.schema)
        apply_defaults(obj, self.schema)

    def unknown_fields(self, obj: Obj) -> list[str]:
        """The paths pruning would drop from `obj` (what fieldValidation=Strict reports)."""
        return pruning.unknown_fields(obj, self.schema)

    # WriteHooks -------------------------------------------------------------------------------

    def before_create(self, obj: Obj, *, user: UserInfo | None) -> list[FieldError]:
        if self.status_enabled:
            obj.pop("status", None)
        return self._validate(obj, None)

    def before_update(self, obj: Obj, old: Obj, *, sent: Obj, subresource: str) -> list[FieldError]:
        if subresource == "status":
            if "status" not in sent:
                obj.pop("status", None)
            self.decode(obj)
            errors: list[FieldError] = []
            if "status" in obj:
                errors += validator.validate(self.status_schema, obj["status"], prefix="status")
                if not errors:
                    errors += cel_rules.validate(self.status_schema, obj["status"], old.get("status"), prefix="status")
            return errors + self._scale_status(obj)
        metadata, old_metadata = obj["metadata"], old.get("metadata") or {}
        status_changed = not self.status_enabled and obj.get("status") != old.get("status")
        if status_changed and metadata.get("generation") == old_metadata.get("generation"):
            metadata["generation"] = int(old_metadata.get("generation") or 0) + 1
        return self._validate(obj, old)

    # validation -------------------------------------------------------------------------------

    def _validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errors = validator.validate(self.schema, obj)
        errors += self._scale_spec(obj) + self._scale_status(obj)
        errors += embedded_resource_errors(obj, self.schema)
        errors += validate_lists(obj, self.schema)
        if not errors:  # x-kubernetes-validations run on objects the schema accepts
            errors += cel_rules.validate(self.schema, obj, old)
        return errors

    def _scale_spec(self, obj: Obj) -> list[FieldError]:
        if self.scale is None:
            return []
        return _replicas_errors(obj, str(self.scale.get("specReplicasPath") or ""))

    def _scale_status(self, obj: Obj) -> list[FieldError]:
        if self.scale is None:
            return []
        errors = _replicas_errors(obj, str(self.scale.get("statusReplicasPath") or ""))
        selector_path = self.scale.get("labelSelectorPath")
        if isinstance(selector_path, str) and selector_path:
            value, problem = nested(obj, selector_path, str, "string")
            if problem:
                errors.append(FieldError(CAUSE_INVALID, selector_path, problem, value if isinstance(value, str) else ""))
        return errors


def nested(obj: Obj, path: str, kind: type, kind_name: str) -> tuple[Any, str]:
    """unstructured.NestedInt64/NestedString: (value or None, accessor error or "")."""
    fields = [part for part in path.lstrip(".").split(".") if part]
    current: Any = obj
    for index, part in enumerate(fields):
        if not isinstance(current, dict):
            shown = "." + ".".join(fields[:index])
            return None, f"{shown} accessor error: {current} is of the type {_go_type(current)}, expected map[string]interface{{}}"
        if part not in current:
            return None, ""
        current = current[part]
    if current is None:
        return None, ""
    if not isinstance(current, kind) or isinstance(current, bool) and kind is not bool:
        shown = "." + ".".join(fields)
        return current, f"{shown} accessor error: {go_v(current)} is of the type {_go_type(current)}, expected {kind_name}"
    return current, ""


def _go_type(value: Any) -> str:
    return _GO_TYPES.get(type(value), "interface {}")


def _replicas_errors(obj: Obj, path: str) -> list[FieldError]:
    if not path:
        return []
    value, problem = nested(obj, path, int, "int64")
    if problem:
        return [FieldError(CAUSE_INVALID, path, problem, 0)]
    if value is None:
        return []
    if value < 0:
        return [FieldError(CAUSE_INVALID, path, "should be a non-negative integer", value)]
    if value > MAX_INT32:
        return [FieldError(CAUSE_INVALID, path, f"should be less than or equal to {MAX_INT32}", value)]
    return []


def embedded_resource_errors(value: Any, schema: Obj | None, path: str = "") -> list[FieldError]:
    """objectmeta.Validate below the root: embedded resources need a string apiVersion and kind."""
    if schema is None:
        return []
    errors: list[FieldError] = []
    if isinstance(value, dict):
        if path and schema.get("x-kubernetes-embedded-resource") is True:
            for name in ("apiVersion", "kind"):
                if name not in value:
                    errors.append(FieldError(CAUSE_REQUIRED, f"{path}.{name}"))
                elif not isinstance(value[name], str):
                    errors.append(FieldError(CAUSE_INVALID, f"{path}.{name}", "must be a string", value[name]))
                elif not value[name]:
                    errors.append(FieldError(CAUSE_INVALID, f"{path}.{name}", "must not be empty", ""))
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        assert isinstance(properties, dict)
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if isinstance(properties.get(key), dict):
                errors += embedded_resource_errors(item, properties[key], f"{path}.{key}" if path else key)
            elif isinstance(additional, dict):
                errors += embedded_resource_errors(item, additional, f"{path}[{key}]")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            errors += embedded_resource_errors(item, schema["items"], f"{path}[{index}]")
    return errors


def strategy_for_version(version: Obj) -> Strategy:
    """The Strategy row the generic store uses for objects served through `version`."""
    hooks = CustomResourceHooks(version)
    return Strategy(tracks_generation=True, on_write=hooks.decode, hooks=hooks)
