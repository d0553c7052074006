"""The ValidatingAdmissionPolicy admission plugin (admissionregistration.k8s.io/v1).

For every write, each policy whose `matchConstraints` match is evaluated once per binding that
names it and matches too (and once per param object the binding selects). A failed validation
acts as the binding's `validationActions` say: Deny refuses the request, Warn adds the Warning
`Validation failed for ValidatingAdmissionPolicy 'P' with binding 'B': MESSAGE`, Audit records
the annotation `validation.policy.admission.k8s.io/validation_failure`. The first denial answers:

    deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'P' with binding 'B' denied
    request: failed expression: object.spec.replicas <= 5

with the validation's reason (Invalid, 422, by default; Forbidden 403, Unauthorized 401,
RequestEntityTooLarge 413). Errors (an expression that fails, params that cannot be found) deny
under `failurePolicy: Fail` and are ignored under `Ignore`. The policy and binding objects (and
webhook configurations) are never subject to policies, so that a bad one can be removed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from kubegate.admission import validating_policy_match as matching
from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.validating_policy_compile import CompiledPolicy, compile_policy
from kubegate.admission.validating_policy_validator import DENY, Decision, validate
from kubegate.api import labels
from kubegate.api.errors import StatusError, qualified_resource
from kubegate.registry import conversion
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import ObjectCache

GROUP = "admissionregistration.k8s.io"
POLICIES = (GROUP, "validatingadmissionpolicies")
BINDINGS = (GROUP, "validatingadmissionpolicybindings")
#: resources no policy applies to (k8s.io/apiserver rules.IsExemptAdmissionConfigurationResource)
EXEMPT = frozenset({
    "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings", "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
})
FAILURE_ANNOTATION = "validation.policy.admission.k8s.io/validation_failure"
MAX_ANNOTATION_VALUE = 10 * 1024
_CODES = {"Forbidden": 403, "Unauthorized": 401, "RequestEntityTooLarge": 413, "Invalid": 422}


class ConfigurationError(Exception):
    """A binding that cannot be used for this request (its params, mostly)."""


class ValidatingAdmissionPolicyAdmission:
    def __init__(self, cache: ObjectCache, catalog: Catalog) -> None:
        self._cache = cache
        self._catalog = catalog
        self._compiled: dict[tuple[str, str], CompiledPolicy] = {}

    async def validate(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if spec.group == GROUP and spec.plural in EXEMPT:
            return
        policies = [stored.obj for stored in self._cache.scan(POLICIES)]
        if not policies:
            return
        bindings: dict[str, list[dict[str, Any]]] = {}
        for stored in self._cache.scan(BINDINGS):
            name = _spec(stored.obj).get("policyName")
            if isinstance(name, str):
                bindings.setdefault(name, []).append(stored.obj)
        denied: list[tuple[str, str | None, Decision]] = []
        for policy in policies:
            denied += self._policy(policy, bindings.get(_name(policy), []), attributes)
        if denied:
            raise _denial(attributes, *denied[0])

    def _policy(self, policy: dict[str, Any], bindings: list[dict[str, Any]],
                attributes: AdmissionAttributes) -> list[tuple[str, str | None, Decision]]:
        spec = _spec(policy)
        versions = self._equivalent_versions(attributes)
        if not matching.matches(spec.get("matchConstraints"), attributes, namespace=self._namespace,
                                equivalent_versions=versions):
            return []
        failure_policy = str(spec.get("failurePolicy") or "Fail")
        compiled = self._compile(policy)
        policy_name = _name(policy)
        denied: list[tuple[str, str | None, Decision]] = []
        collected: dict[str, list[str]] = {}
        for binding in bindings:
            binding_spec = _spec(binding)
            if not matching.matches(binding_spec.get("matchResources"), attributes, namespace=self._namespace,
                                    equivalent_versions=versions):
                continue
            binding_name = _name(binding)
            try:
                params = list(self._params(spec, binding_spec, attributes))
            except ConfigurationError as exc:
                if failure_policy != "Ignore":
                    denied.append((policy_name, binding_name, Decision(DENY, f"failed to configure binding: {exc}")))
                continue
            actions = [a for a in binding_spec.get("validationActions") or () if isinstance(a, str)]
            for param in params:
                result = validate(compiled, self._values(attributes, spec, param), failure_policy=failure_policy)
                for index, decision in enumerate(result.decisions):
                    if decision.action != DENY:
                        continue
                    if "Deny" in actions:
                        denied.append((policy_name, binding_name, decision))
                    if "Warn" in actions:
                        attributes.warnings.append(
                            f"Validation failed for ValidatingAdmissionPolicy '{policy_name}' with binding "
                            f"'{binding_name}': {decision.message}"
                        )
                    if "Audit" in actions:
                        attributes.audit_annotations[FAILURE_ANNOTATION] = orjson.dumps([{
                            "message": decision.message, "policy": policy_name, "binding": binding_name,
                            "expressionIndex": index, "validationActions": actions,
                        }]).decode()
                for annotation in result.annotations:
                    if annotation.error:
                        denied.append((policy_name, binding_name, Decision(DENY, annotation.error, error=True)))
                    elif annotation.value:
                        values = collected.setdefault(annotation.key, [])
                        value = annotation.value[:MAX_ANNOTATION_VALUE]
                        if value not in values:
                            values.append(value)
        for key, values in collected.items():
            attributes.audit_annotations[f"{policy_name}/{key}"] = ", ".join(values)
        return denied

    # --- pieces ---------------------------------------------------------------------------------

    def _compile(self, policy: dict[str, Any]) -> CompiledPolicy:
        metadata = policy.get("metadata") or {}
        key = (str(metadata.get("uid") or metadata.get("name")), str(metadata.get("resourceVersion") or ""))
        compiled = self._compiled.get(key)
        if compiled is None:
            if len(self._compiled) > 512:
                self._compiled.clear()
            compiled = self._compiled[key] = compile_policy(policy)
        return compiled

    def _namespace(self, name: str) -> Mapping[str, Any] | None:
        stored = self._cache.get(("", "namespaces"), ("", name))
        return stored.obj if stored is not None else None

    def _equivalent_versions(self, attributes: AdmissionAttributes) -> tuple[str, ...]:
        spec = attributes.spec
        return tuple(
            other.version for other in self._catalog
            if other.group == spec.group and other.plural == spec.plural and other.version != spec.version
        )

    def _params(self, spec: Mapping[str, Any], binding_spec: Mapping[str, Any],
                attributes: AdmissionAttributes) -> Iterator[Any]:
        """The param objects a binding selects, as CollectParams finds them ([None]: no params)."""
        kind = spec.get("paramKind")
        ref = binding_spec.get("paramRef")
        if not isinstance(kind, Mapping) or not isinstance(ref, Mapping):
            yield None
            return
        api_version, kind_name = str(kind.get("apiVersion") or ""), str(kind.get("kind") or "")
        group, _, version = api_version.rpartition("/")
        param_spec = self._catalog.by_kind(group, version, kind_name)
        if param_spec is None:
            raise ConfigurationError(f"paramKind kind `&ParamKind{{APIVersion:{api_version},Kind:{kind_name},}}` not known")
        namespace = ""
        ref_namespace = str(ref.get("namespace") or "")
        if param_spec.namespaced:
            namespace = ref_namespace or attributes.namespace
            if not namespace:
                raise ConfigurationError(
                    "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources"
                )
        elif ref_namespace:
            raise ConfigurationError("paramRef.namespace must not be provided for a cluster-scoped `paramKind`")
        key = conversion.storage_key(param_spec)
        name, selector = ref.get("name"), ref.get("selector")
        found: list[dict[str, Any]] = []
        if name:
            stored = self._cache.get(key, (namespace, str(name)))
            found = [stored.obj] if stored is not None else []
        elif isinstance(selector, Mapping):
            try:
                chosen = labels.selector_from_label_selector_object(selector)
            except StatusError as exc:
                raise ConfigurationError(exc.message) from None
            found = [
                stored.obj for stored in self._cache.scan(key, namespace=namespace)
                if chosen.matches((stored.obj.get("metadata") or {}).get("labels"))
            ]
        else:
            raise ConfigurationError("one of name or selector must be provided")
        if not found and ref.get("parameterNotFoundAction") == "Deny":
            raise ConfigurationError("no params found for policy binding with `Deny` parameterNotFoundAction")
        yield from found

    def _values(self, attributes: AdmissionAttributes, spec: Mapping[str, Any], param: Any) -> dict[str, Any]:
        resource = attributes.spec
        namespace_object = None
        if resource.namespaced and attributes.namespace:
            namespace_object = self._namespace(attributes.namespace)
        values: dict[str, Any] = {
            "object": attributes.obj,
            "oldObject": attributes.old,
            "request": admission_request(attributes),
            "namespaceObject": namespace_object,
        }
        if spec.get("paramKind") is not None:
            values["params"] = param
        return values


def admission_request(attributes: AdmissionAttributes) -> dict[str, Any]:
    """The `request` variable: an AdmissionRequest without its objects."""
    spec = attributes.spec
    kind = {"group": spec.group, "version": spec.version, "kind": spec.kind}
    resource = {"group": spec.group, "version": spec.version, "resource": spec.plural}
    options_kind = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}.get(
        attributes.operation)
    request: dict[str, Any] = {
        "uid": str(uuid.uuid4()), "kind": kind, "resource": resource, "requestKind": kind,
        "requestResource": resource, "name": attributes.name, "namespace": attributes.namespace,
        "operation": attributes.operation, "userInfo": attributes.user.to_dict(), "dryRun": attributes.dry_run,
    }
    if attributes.subresource:
        request["subResource"] = request["requestSubResource"] = attributes.subresource
    if options_kind:
        request["options"] = {"kind": options_kind, "apiVersion": "meta.k8s.io/v1"}
    return request


def _denial(attributes: AdmissionAttributes, policy: str, binding: str | None, decision: Decision) -> StatusError:
    if binding is not None:
        message = f"ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: {decision.message}"
    else:
        message = f"ValidatingAdmissionPolicy '{policy}' denied request: {decision.message}"
    spec = attributes.spec
    name = attributes.name or _object_name(attributes.obj)
    text = f'{qualified_resource(spec.plural, spec.group)} "{name}" is forbidden: {message}'
    reason = decision.reason or "Invalid"
    details: dict[str, Any] = {"name": name}
    if spec.group:
        details["group"] = spec.group
    details["kind"] = spec.plural
    details["causes"] = [{"message": message}]
    return StatusError(_CODES.get(reason, 422), reason, text, details)


def _object_name(obj: Mapping[str, Any] | None) -> str:
    metadata = obj.get("metadata") if isinstance(obj, Mapping) else None
    if isinstance(metadata, Mapping):
        for key in ("name", "generateName"):
            if isinstance(metadata.get(key), str) and metadata[key]:
                return str(metadata[key])
    return "Unknown"


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
