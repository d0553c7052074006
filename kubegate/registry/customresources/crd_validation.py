"""ValidateCustomResourceDefinition (and its update form) over a stored-form v1 CRD.

The real server validates the internal type (see `crd_internal`: a one-version CRD's schema
errors name `spec.validation.openAPIV3Schema...`), and the checks run in the real order: metadata.name, spec (group, scope, schemas, versions, names, top-level
parts, conversion), status, API approval, preserveUnknownFields.
"""

from __future__ import annotations

import re
from typing import Any

from kubegate.api import meta
from kubegate.api.errors import (
    CAUSE_FORBIDDEN,
    CAUSE_INVALID,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    FieldError,
)
from kubegate.registry.customresources import cel_rules, definition
from kubegate.registry.customresources.crd_internal import Internal, go_versions, hoist
from kubegate.registry.customresources.crd_parts import (
    validate_column,
    validate_selectable_fields,
    validate_subresources,
)
from kubegate.registry.customresources.crd_schema import validate_version_schema
from kubegate.registry.customresources.defaulting import has_defaults
from kubegate.registry.customresources.govalues import GoValue
from kubegate.registry.customresources.structural import child

Obj = dict[str, Any]
APPROVAL_ANNOTATION = "api-approved.kubernetes.io"
_APPROVAL_URL = "https://github.com/kubernetes/enhancements/pull/1111"


# --- the checks -------------------------------------------------------------------------------


def validate_crd(crd: Obj, old: Obj | None = None) -> list[FieldError]:
    """All field errors of `crd` (already defaulted); `old` is the live CRD on update."""
    spec = definition.spec_of(crd)
    errors: list[FieldError] = []
    if old is None:
        names = definition.names_of(crd)
        wanted = f"{names.get('plural') or ''}.{spec.get('group') or ''}"
        name = str((crd.get("metadata") or {}).get("name") or "")
        if name and name != wanted:
            errors.append(FieldError(CAUSE_INVALID, "metadata.name", 'must be spec.names.plural+"."+spec.group', name))
    internal = hoist(spec)
    errors += _spec(spec, internal, old)
    errors += validate_names(definition.accepted_names(crd), "status.acceptedNames")
    errors += _stored_versions(crd, internal)
    errors += _approval(crd, old)
    old_preserves = old is not None and definition.spec_of(old).get("preserveUnknownFields") is True
    if spec.get("preserveUnknownFields") is True and not old_preserves:
        errors.append(FieldError(CAUSE_INVALID, "spec.preserveUnknownFields",
                                 "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in "
                                 "spec.versions[*].schema instead", True))  # fmt: skip
    return errors


def validate_status_update(crd: Obj) -> list[FieldError]:
    return validate_names(definition.accepted_names(crd), "status.acceptedNames")


def _spec(spec: Obj, internal: Internal, old: Obj | None) -> list[FieldError]:
    errors: list[FieldError] = []
    group = spec.get("group")
    if not group:
        errors.append(FieldError(CAUSE_REQUIRED, "spec.group"))
    elif problems := meta.dns1123_subdomain_errors(str(group)):
        errors.append(FieldError(CAUSE_INVALID, "spec.group", ",".join(problems), group))
    elif len(str(group).split(".")) < 2:
        errors.append(FieldError(CAUSE_INVALID, "spec.group", "should be a domain with at least one dot", group))
    errors += _enum("spec.scope", spec.get("scope"), ("Cluster", "Namespaced"))
    schema_top = internal.top.get("schema")
    old_has_all_schemas = old is None or all(
        definition.schema_of(v) is not None for v in definition.versions_of(old)
    ) or bool(hoist(definition.spec_of(old)).top.get("schema"))
    if old_has_all_schemas and not (schema_top or {}).get("openAPIV3Schema"):
        for index, version in enumerate(internal.versions):
            if not (version.get("schema") or {}).get("openAPIV3Schema"):
                errors.append(FieldError(CAUSE_REQUIRED, f"spec.versions[{index}].schema.openAPIV3Schema"))
    all_schemas = [(schema_top or {}).get("openAPIV3Schema")] + [(v.get("schema") or {}).get("openAPIV3Schema") for v in internal.versions]
    if any(has_defaults(s) for s in all_schemas) and spec.get("preserveUnknownFields") is True:
        errors.append(FieldError(CAUSE_INVALID, "spec.preserveUnknownFields", "must be false in order to use defaults in the schema", True))
    storage, seen, unique = 0, set(), True
    any_status = isinstance((internal.top.get("subresources") or {}).get("status"), dict) or any(
        isinstance((v.get("subresources") or {}).get("status"), dict) for v in internal.versions
    )
    for index, version in enumerate(internal.versions):
        path = f"spec.versions[{index}]"
        storage += version.get("storage") is True
        name = str(version.get("name") or "")
        unique = unique and name not in seen
        seen.add(name)
        if problems := meta.dns1035_label_errors(name):
            errors.append(FieldError(CAUSE_INVALID, child(path, "name"), ",".join(problems), name))
        errors += _version(version, path, internal)
    if not unique:
        errors.append(FieldError(CAUSE_INVALID, "spec.versions", "must contain unique version names", go_versions(internal)))
    if storage != 1:
        errors.append(FieldError(CAUSE_INVALID, "spec.versions", "must have exactly one version marked as storage version", go_versions(internal)))
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    assert isinstance(names, dict)
    for required in ("plural", "singular", "kind", "listKind"):
        if not names.get(required):
            errors.append(FieldError(CAUSE_REQUIRED, f"spec.names.{required}"))
    errors += validate_names(names, "spec.names")
    errors += validate_version_schema((schema_top or {}).get("openAPIV3Schema"), "spec.validation", status_enabled=any_status)
    errors += cel_rules.rule_errors((schema_top or {}).get("openAPIV3Schema"), "spec.validation.openAPIV3Schema")
    errors += validate_subresources(internal.top.get("subresources"), "spec.subresources")
    for index, column in enumerate(internal.top.get("additionalPrinterColumns") or ()):
        if isinstance(column, dict):
            errors += validate_column(column, f"spec.additionalPrinterColumns[{index}]")
    if internal.top.get("selectableFields"):
        errors += validate_selectable_fields(internal.top["selectableFields"], (schema_top or {}).get("openAPIV3Schema"), "spec.selectableFields")
    errors += _conversion(spec.get("conversion"))
    if old is not None:
        errors += _immutable(spec, definition.spec_of(old), established=definition.is_true(old, definition.ESTABLISHED))
    return errors


def _version(version: Obj, path: str, internal: Internal) -> list[FieldError]:
    errors: list[FieldError] = []
    warning = version.get("deprecationWarning")
    if warning is not None:
        if version.get("deprecated") is not True:
            errors.append(FieldError(CAUSE_INVALID, child(path, "deprecationWarning"), "can only be set for deprecated versions", warning))
        elif isinstance(warning, str) and not warning:
            errors.append(FieldError(CAUSE_INVALID, child(path, "deprecationWarning"), "must not be an empty string", warning))
        elif isinstance(warning, str) and len(warning) > 256:
            errors.append(FieldError(CAUSE_INVALID, child(path, "deprecationWarning"), "must be <= 256 characters long", warning))
    subresources = version.get("subresources") if "subresources" in version else internal.top.get("subresources")
    status_enabled = isinstance((subresources or {}).get("status"), dict)
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    errors += validate_version_schema(schema, child(path, "schema"), status_enabled=status_enabled)
    errors += cel_rules.rule_errors(schema, child(child(path, "schema"), "openAPIV3Schema"))
    errors += validate_subresources(version.get("subresources"), child(path, "subresources"))
    for index, column in enumerate(version.get("additionalPrinterColumns") or ()):
        if isinstance(column, dict):
            errors += validate_column(column, f"{child(path, 'additionalPrinterColumns')}[{index}]")
    if version.get("selectableFields"):
        if schema is None:
            errors.append(FieldError(CAUSE_INVALID, child(path, "selectableFields"), "may only be set when `version.schema.openAPIV3Schema` is not included", ""))
        else:
            errors += validate_selectable_fields(version["selectableFields"], schema, child(path, "selectableFields"))
    return errors


def _enum(path: str, value: Any, accepted: tuple[str, ...], *, required: bool = True) -> list[FieldError]:
    if not value:
        return [FieldError(CAUSE_REQUIRED, path)] if required else []
    if value in accepted:
        return []
    return [FieldError(CAUSE_NOT_SUPPORTED, path, "supported values: " + ", ".join(f'"{a}"' for a in accepted), value)]


def validate_names(names: Obj, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in ("plural", "singular"):
        value = names.get(name)
        if value and (problems := meta.dns1035_label_errors(str(value))):
            errors.append(FieldError(CAUSE_INVALID, f"{path}.{name}", ",".join(problems), value))
    for name in ("kind", "listKind"):
        value = names.get(name)
        if value and (problems := meta.dns1035_label_errors(str(value).lower())):
            errors.append(FieldError(CAUSE_INVALID, f"{path}.{name}", "may have mixed case, but should otherwise match: " + ",".join(problems), value))
    for index, short in enumerate(names.get("shortNames") or ()):
        if problems := meta.dns1035_label_errors(str(short)):
            errors.append(FieldError(CAUSE_INVALID, f"{path}.shortNames[{index}]", ",".join(problems), short))
    if names.get("kind") and names.get("kind") == names.get("listKind"):
        errors.append(FieldError(CAUSE_INVALID, f"{path}.listKind", "kind and listKind may not be the same", names["listKind"]))
    for index, category in enumerate(names.get("categories") or ()):
        if problems := meta.dns1035_label_errors(str(category)):
            errors.append(FieldError(CAUSE_INVALID, f"{path}.categories[{index}]", ",".join(problems), category))
    return errors


def _conversion(conversion: Any) -> list[FieldError]:
    if not isinstance(conversion, dict):
        return []
    errors = _enum("spec.conversion.strategy", conversion.get("strategy"), ("None", "Webhook"))
    config = conversion.get("webhook") if isinstance(conversion.get("webhook"), dict) else {}
    assert isinstance(config, dict)
    client = config.get("clientConfig")
    review_versions = config.get("conversionReviewVersions")
    if conversion.get("strategy") == "Webhook":
        if not isinstance(client, dict):
            errors.append(FieldError(CAUSE_REQUIRED, "spec.conversion.webhookClientConfig", "required when strategy is set to Webhook"))
        elif (client.get("url") is None) == (client.get("service") is None):
            errors.append(FieldError(CAUSE_REQUIRED, "spec.conversion.webhookClientConfig", "exactly one of url or service is required"))
        if not review_versions:
            errors.append(FieldError(CAUSE_REQUIRED, "spec.conversion.conversionReviewVersions"))
        elif not {"v1", "v1beta1"} & set(review_versions):
            shown = GoValue("[]string{" + ", ".join(f'"{v}"' for v in review_versions) + "}")
            errors.append(FieldError(CAUSE_INVALID, "spec.conversion.conversionReviewVersions", "must include at least one of v1, v1beta1", shown))
    else:
        if client is not None:
            errors.append(FieldError(CAUSE_FORBIDDEN, "spec.conversion.webhookClientConfig", "should not be set when strategy is not set to Webhook"))
        if review_versions:
            errors.append(FieldError(CAUSE_FORBIDDEN, "spec.conversion.conversionReviewVersions", "should not be set when strategy is not set to Webhook"))
    return errors


def _immutable(spec: Obj, old: Obj, *, established: bool) -> list[FieldError]:
    checks = [("spec.group", spec.get("group"), old.get("group"))]
    new_names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    old_names = old.get("names") if isinstance(old.get("names"), dict) else {}
    assert isinstance(new_names, dict) and isinstance(old_names, dict)
    if established:
        checks = [("spec.scope", spec.get("scope"), old.get("scope")),
                  ("spec.names.kind", new_names.get("kind"), old_names.get("kind")), *checks]  # fmt: skip
    checks.append(("spec.names.plural", new_names.get("plural"), old_names.get("plural")))
    return [FieldError(CAUSE_INVALID, path, "field is immutable", new or "") for path, new, was in checks if new != was]


def _stored_versions(crd: Obj, internal: Internal) -> list[FieldError]:
    raw = definition.status_of(crd).get("storedVersions")
    stored = [str(v) for v in raw] if isinstance(raw, list) else []
    path = "status.storedVersions"
    shown = GoValue("[]string{" + ", ".join(f'"{v}"' for v in stored) + "}" if raw is not None else "[]string(nil)")
    if not stored:
        return [FieldError(CAUSE_INVALID, path, "must have at least one stored version", shown)]
    errors = []
    remaining = dict.fromkeys(stored)
    for version in internal.versions:
        name = str(version.get("name") or "")
        if version.get("storage") is True and name not in stored:
            errors.append(FieldError(CAUSE_INVALID, path, f"must have the storage version {name}", shown))
        remaining.pop(name, None)
    for name in remaining:
        errors.append(FieldError(
            CAUSE_INVALID, f"{path}[{stored.index(name)}]",
            f"missing from spec.versions; {name} was previously a storage version, and must remain in spec.versions "
            f"until a storage migration ensures no data remains persisted in {name} and removes {name} from "
            "status.storedVersions", name,
        ))  # fmt: skip
    return errors


def _approval(crd: Obj, old: Obj | None) -> list[FieldError]:
    group = definition.group_of(crd)
    if not (group in ("k8s.io", "kubernetes.io") or group.endswith((".k8s.io", ".kubernetes.io"))):
        return []
    new_state, reason = approval_state(crd)
    if old is not None and approval_state(old)[0] == new_state:
        return []
    path = f"metadata.annotations[{APPROVAL_ANNOTATION}]"
    if new_state == "missing":
        return [FieldError(CAUSE_REQUIRED, path, reason)]
    if new_state == "invalid":
        annotations = (crd.get("metadata") or {}).get("annotations") or {}
        return [FieldError(CAUSE_INVALID, path, reason, annotations.get(APPROVAL_ANNOTATION, ""))]
    return []


def approval_state(crd: Obj) -> tuple[str, str]:
    annotations = (crd.get("metadata") or {}).get("annotations") or {}
    value = str(annotations.get(APPROVAL_ANNOTATION) or "") if isinstance(annotations, dict) else ""
    if not value:
        return "missing", f'protected groups must have approval annotation "{APPROVAL_ANNOTATION}", see {_APPROVAL_URL}'
    if value.startswith("unapproved"):
        return "bypassed", f'not approved: "{value}"'
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/\s]+", value):
        return "approved", f"approved in {value}"
    return "invalid", (
        f'protected groups must have approval annotation "{APPROVAL_ANNOTATION}" with either a URL or a reason '
        f'starting with "unapproved", see {_APPROVAL_URL}'
    )
