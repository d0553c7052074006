"""The PodSecurity admission plugin, as kube-apiserver runs it with no exemptions configured.

- Namespaces: invalid `pod-security.kubernetes.io/*` labels are refused (422) on create and on an
  update that changes them; tightening the enforce level warns about the existing pods that would
  now be refused (`existing pods in namespace "NS" violate the new PodSecurity enforce level ...`).
- Pods (create, and updates that change a container image): the enforce level refuses with 403
  `violates PodSecurity "restricted:latest": ...`; when admitted, the warn level adds a warning.
- Workloads with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
  ReplicationController, PodTemplate): warn only, never refused, as their pods are what is enforced.
The results also go into the request's audit annotations.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.admission.podsecurity.evaluator import Evaluator, Verdict
from kubegate.admission.podsecurity.levels import (
    PRIVILEGED,
    LevelVersion,
    Policy,
    policy_of,
    stricter,
)
from kubegate.api import errors
from kubegate.registry.objects import ObjectCache

NAMESPACES = ("", "namespaces")
PODS = ("", "pods")
#: (group, plural) of the workloads whose pod template is checked, and where the template is
TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "replicationcontrollers"): ("spec", "template"),
    ("", "podtemplates"): ("template",),
    ("apps", "replicasets"): ("spec", "template"),
    ("apps", "deployments"): ("spec", "template"),
    ("apps", "statefulsets"): ("spec", "template"),
    ("apps", "daemonsets"): ("spec", "template"),
    ("batch", "jobs"): ("spec", "template"),
    ("batch", "cronjobs"): ("spec", "jobTemplate", "spec", "template"),
}
IGNORED_POD_SUBRESOURCES = frozenset({"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"})
#: how many existing pods a tightened enforce level is checked against
MAX_PODS_TO_CHECK = 3000
ENFORCE_POLICY_ANNOTATION = "pod-security.kubernetes.io/enforce-policy"
AUDIT_VIOLATIONS_ANNOTATION = "pod-security.kubernetes.io/audit-violations"


class PodSecurityAdmission:
    def __init__(self, cache: ObjectCache, *, server_minor: int) -> None:
        self._cache = cache
        self._evaluator = Evaluator(server_minor)

    async def validate(self, attributes: AdmissionAttributes) -> None:
        if attributes.operation not in (CREATE, UPDATE) or attributes.obj is None:
            return
        resource = (attributes.spec.group, attributes.spec.plural)
        if resource == NAMESPACES:
            self._namespace(attributes)
        elif resource == PODS:
            self._pod(attributes)
        elif resource in TEMPLATES and not attributes.subresource:
            self._workload(attributes, TEMPLATES[resource])

    # namespaces -----------------------------------------------------------------------------

    def _namespace(self, attributes: AdmissionAttributes) -> None:
        if attributes.subresource:
            return
        assert attributes.obj is not None
        new_policy, new_errors = policy_of(_labels(attributes.obj))
        if attributes.operation == CREATE:
            if new_errors:
                raise errors.invalid("Namespace", attributes.name, new_errors)
            return
        old_policy, old_errors = policy_of(_labels(attributes.old or {}))
        if new_errors and new_errors != old_errors:
            raise errors.invalid("Namespace", attributes.name, new_errors)
        new, old = new_policy.enforce, old_policy.enforce
        if new == old or new.level == PRIVILEGED:
            return
        if new.minor == old.minor and not stricter(new.level, old.level):
            return
        attributes.warnings.extend(self._existing_pods(attributes.name, new))

    def _existing_pods(self, namespace: str, enforce: LevelVersion) -> list[str]:
        pods = _one_per_controller([stored.obj for stored in self._cache.scan(PODS, namespace=namespace)])
        total = len(pods)
        pods = pods[:MAX_PODS_TO_CHECK]
        first_pod: dict[str, str] = {}
        counts: dict[str, int] = {}
        for pod in pods:
            verdict = self._evaluator.evaluate(enforce, pod.get("metadata") or {}, pod.get("spec") or {})
            if verdict.allowed:
                continue
            reasons, name = verdict.reasons, pod["metadata"]["name"]
            if reasons not in first_pod or name < first_pod[reasons]:
                first_pod[reasons] = name
            counts[reasons] = counts.get(reasons, 0) + 1
        warnings = []
        if len(pods) < total:
            warnings.append(
                f"new PodSecurity enforce level only checked against the first {len(pods)} of {total} existing pods")
        if counts:
            warnings.append(
                f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{enforce}"')
        return warnings + sorted(_pods_phrase(first_pod[reasons], counts[reasons]) + reasons for reasons in counts)

    # pods and workloads ---------------------------------------------------------------------

    def _pod(self, attributes: AdmissionAttributes) -> None:
        if attributes.subresource in IGNORED_POD_SUBRESOURCES:
            return
        policy, policy_errors = self._policy(attributes.namespace)
        if policy.fully_privileged and not policy_errors:
            attributes.audit_annotations[ENFORCE_POLICY_ANNOTATION] = str(LevelVersion(PRIVILEGED))
            return
        assert attributes.obj is not None
        if attributes.operation == UPDATE and not _significant_update(attributes.obj, attributes.old or {}):
            return
        self._evaluate(attributes, policy, attributes.obj, enforce=True)

    def _workload(self, attributes: AdmissionAttributes, path: tuple[str, ...]) -> None:
        policy, policy_errors = self._policy(attributes.namespace)
        if policy.warn.level == PRIVILEGED and policy.audit.level == PRIVILEGED and not policy_errors:
            return
        template: Any = attributes.obj
        for field in path:
            template = template.get(field) if isinstance(template, dict) else None
        if isinstance(template, dict):
            self._evaluate(attributes, policy, template, enforce=False)

    def _evaluate(self, attributes: AdmissionAttributes, policy: Policy, pod: dict[str, Any], *, enforce: bool) -> None:
        meta, spec = _dict(pod.get("metadata")), _dict(pod.get("spec"))
        verdicts: dict[LevelVersion, Verdict] = {}

        def verdict(level_version: LevelVersion) -> Verdict:
            if level_version not in verdicts:
                verdicts[level_version] = self._evaluator.evaluate(level_version, meta, spec)
            return verdicts[level_version]

        refusal = None
        if enforce:
            attributes.audit_annotations[ENFORCE_POLICY_ANNOTATION] = str(policy.enforce)
            enforced = verdict(policy.enforce)
            if not enforced.allowed:
                refusal = errors.forbidden(
                    "pods", attributes.name, f'violates PodSecurity "{policy.enforce}": {enforced.details}')
        audited = verdict(policy.audit)
        if not audited.allowed:
            attributes.audit_annotations[AUDIT_VIOLATIONS_ANNOTATION] = (
                f'would violate PodSecurity "{policy.audit}": {audited.details}')
        if refusal is not None:
            raise refusal
        warned = verdict(policy.warn)
        if not warned.allowed:
            attributes.warnings.append(f'would violate PodSecurity "{policy.warn}": {warned.details}')

    def _policy(self, namespace: str) -> tuple[Policy, list[Any]]:
        stored = self._cache.get(NAMESPACES, ("", namespace))
        return policy_of(_labels(stored.obj) if stored is not None else {})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = _dict(obj.get("metadata")).get("labels")
    return labels if isinstance(labels, dict) else {}


def _significant_update(pod: dict[str, Any], old: dict[str, Any]) -> bool:
    """Only a change of containers' images (or new ephemeral containers) is evaluated again."""
    spec, old_spec = _dict(pod.get("spec")), _dict(old.get("spec"))
    for field in ("containers", "initContainers"):
        new_list, old_list = spec.get(field) or [], old_spec.get(field) or []
        if len(new_list) != len(old_list):
            return True
        if any(_dict(a).get("image") != _dict(b).get("image") for a, b in zip(new_list, old_list, strict=True)):
            return True
    old_ephemeral = {_dict(c).get("name"): _dict(c) for c in old_spec.get("ephemeralContainers") or ()}
    for container in spec.get("ephemeralContainers") or ():
        before = old_ephemeral.get(_dict(container).get("name"))
        if before is None or before.get("image") != _dict(container).get("image"):
            return True
    return False


def _one_per_controller(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pods without a controller and the first pod of each controller, then the other replicas."""
    first, duplicates, seen = [], [], set()
    for pod in pods:
        owner = next((ref for ref in _dict(pod.get("metadata")).get("ownerReferences") or ()
                      if isinstance(ref, dict) and ref.get("controller") is True), None)
        if owner is None:
            first.append(pod)
        elif owner.get("uid") in seen:
            duplicates.append(pod)
        else:
            seen.add(owner.get("uid"))
            first.append(pod)
    return first + duplicates


def _pods_phrase(name: str, count: int) -> str:
    if count == 1:
        return f"{name}: "
    if count == 2:
        return f"{name} (and 1 other pod): "
    return f"{name} (and {count - 1} other pods): "
