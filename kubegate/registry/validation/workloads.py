"""Workload controllers (apps, batch, core ReplicationController and PodTemplate).

They share one shape: a selector that must select the pod template's labels, a replica count
that may not be negative, a pod template validated as a pod, and a restart policy the
controller can live with (`Always` for long-running workloads, `OnFailure`/`Never` for jobs).
A template without a restart policy would be defaulted to `Always`, so that is what is
checked. Updates add the immutable selectors (apps/v1, Jobs) and Job templates.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.gotypes import GoValue
from kubegate.registry.validation import job_policies, selectors
from kubegate.registry.validation.field import (
    IMMUTABLE,
    IS_NEGATIVE,
    Errors,
    child,
    forbidden,
    go_label_selector,
    go_map,
    integer,
    invalid,
    items,
    mapping,
    not_supported,
    required,
    text,
)
from kubegate.registry.validation.pods import validate_pod_template

NOT_MATCHING = "`selector` does not match template `labels`"
ALWAYS = ("Always",)
JOB_RESTART_POLICIES = ("OnFailure", "Never")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
CRONJOB_NAME_MAX = 52
CONTROLLER_UID = "batch.kubernetes.io/controller-uid"


def nonnegative(value: Any, path: str) -> Errors:
    number = integer(value)
    return [invalid(path, number, IS_NEGATIVE)] if number is not None and number < 0 else []


def _restart_policy(template: Any, allowed: tuple[str, ...], path: str) -> Errors:
    policy = mapping(mapping(template).get("spec")).get("restartPolicy") or "Always"
    return [] if policy in allowed else [not_supported(child(path, "spec", "restartPolicy"), policy, allowed)]


def _template_labels(template: Any) -> Any:
    return mapping(mapping(template).get("metadata")).get("labels")


def _selector_and_template(
    spec: Any, path: str, *, kind: str, required_selector: bool = True, claims: frozenset[str] = frozenset()
) -> Errors:
    """The selector checks, then the template checked against it (ValidateDeploymentSpec...)."""
    selector = spec.get("selector")
    template = spec.get("template")
    problems: Errors = []
    if selector is None:
        if required_selector:
            problems.append(required(child(path, "selector")))
    else:
        problems += selectors.validate_label_selector(selector, child(path, "selector"))
        if selectors.is_empty(selector):
            problems.append(invalid(child(path, "selector"), go_label_selector(selector),
                                    f"empty selector is invalid for {kind}"))
    matched = selectors.selects(selector, _template_labels(template))
    if matched is None:
        problems.append(invalid(child(path, "selector"), go_label_selector(selector), "invalid label selector"))
        return problems
    template_path = child(path, "template")
    if not matched:
        problems.append(invalid(child(template_path, "metadata", "labels"), go_map(_template_labels(template)),
                                NOT_MATCHING))
    problems += validate_pod_template(template, template_path, claims=claims)
    return problems


def _replicated(spec: Any, path: str, *, kind: str, owner: str) -> Errors:
    """Deployment and ReplicaSet: replicas, selector and template, always-restarting pods."""
    problems = nonnegative(spec.get("replicas"), child(path, "replicas"))
    problems += _selector_and_template(spec, path, kind="deployment")
    template = spec.get("template")
    problems += _restart_policy(template, ALWAYS, child(path, "template"))
    if mapping(mapping(template).get("spec")).get("activeDeadlineSeconds") is not None:
        problems.append(forbidden(child(path, "template", "spec", "activeDeadlineSeconds"),
                                  f"activeDeadlineSeconds in {owner} is not Supported"))
    problems += nonnegative(spec.get("minReadySeconds"), child(path, "minReadySeconds"))
    return problems


def validate_deployment(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    problems = _replicated(spec, "spec", kind="deployment", owner="ReplicaSet")
    strategy = spec.get("strategy")
    if strategy is not None:
        problems += _deployment_strategy(mapping(strategy), "spec.strategy")
    problems += nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    deadline = integer(spec.get("progressDeadlineSeconds"))
    if deadline is not None:
        problems += nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= (integer(spec.get("minReadySeconds")) or 0):
            problems.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return problems


def _deployment_strategy(strategy: Any, path: str) -> Errors:
    kind = strategy.get("type")
    if kind in (None, "RollingUpdate"):
        return []
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
        return []
    rolling = "(*apps.RollingUpdateDeployment)(nil)" if strategy.get("rollingUpdate") is None else \
        "&apps.RollingUpdateDeployment{...}"
    shown = GoValue(f"apps.DeploymentStrategy{{Type:{_quote(kind)}, RollingUpdate:{rolling}}}")
    return [not_supported(path, shown, ("Recreate", "RollingUpdate"))]


def _quote(value: Any) -> str:
    return '"' + text(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def validate_replica_set(obj: Any) -> Errors:
    return _replicated(mapping(obj.get("spec")), "spec", kind="deployment", owner="ReplicaSet")


def validate_stateful_set(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    problems: Errors = []
    policy = spec.get("podManagementPolicy")
    if policy is not None and policy not in ("OrderedReady", "Parallel"):
        problems.append(invalid("spec.podManagementPolicy", text(policy), "must be 'OrderedReady' or 'Parallel'"))
    problems += nonnegative(spec.get("replicas"), "spec.replicas")
    problems += nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    claims = frozenset(
        text(mapping(mapping(claim).get("metadata")).get("name")) for claim in items(spec.get("volumeClaimTemplates"))
    )
    problems += _selector_and_template(spec, "spec", kind="statefulset", claims=claims)
    template = spec.get("template")
    problems += _restart_policy(template, ALWAYS, "spec.template")
    if mapping(mapping(template).get("spec")).get("activeDeadlineSeconds") is not None:
        problems.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                  "activeDeadlineSeconds in StatefulSet is not Supported"))
    return problems


def validate_daemon_set(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    problems = _selector_and_template(spec, "spec", kind="daemonset", required_selector=False)
    problems += _restart_policy(spec.get("template"), ALWAYS, "spec.template")
    problems += nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    problems += nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    return problems


def validate_replication_controller(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    template = spec.get("template")
    problems = nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    # An absent selector defaults to the template's labels.
    selector = mapping(spec.get("selector")) or mapping(_template_labels(template))
    if not selector:
        problems.append(required("spec.selector"))
    problems += nonnegative(spec.get("replicas"), "spec.replicas")
    if template is None:
        return [*problems, required("spec.template")]
    if selector and not selectors.selects({"matchLabels": selector}, _template_labels(template)):
        problems.append(invalid("spec.template.metadata.labels", go_map(_template_labels(template)), NOT_MATCHING))
    problems += validate_pod_template(template, "spec.template")
    problems += _restart_policy(template, ALWAYS, "spec.template")
    return problems


def validate_pod_template_object(obj: Any) -> Errors:
    return validate_pod_template(obj.get("template"), "template")


# --- batch ----------------------------------------------------------------------------------------


def _job_spec(spec: Any, path: str) -> Errors:
    """validateJobSpec: counts, failure and success policies, then the template and its restart policy."""
    problems: Errors = []
    for name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        problems += nonnegative(spec.get(name), child(path, name))
    problems += job_policies.policies(spec, path)
    template = spec.get("template")
    problems += _restart_policy(template, JOB_RESTART_POLICIES, child(path, "template"))
    problems += validate_pod_template(template, child(path, "template"))
    policy = mapping(mapping(template).get("spec")).get("restartPolicy")
    if spec.get("podFailurePolicy") is not None and policy == "OnFailure":
        problems.append(invalid(child(path, "template", "spec", "restartPolicy"), policy,
                                'only "Never" is supported when podFailurePolicy is specified'))
    return problems


def validate_job(obj: Any) -> Errors:
    spec = mapping(obj.get("spec"))
    selector = spec.get("selector")
    problems: Errors = []
    uid = text(mapping(obj.get("metadata")).get("uid"))
    generated = spec.get("manualSelector") is not True and _template_labels(spec.get("template")) is not None
    if generated and selector is not None and not selectors.selects(selector, {CONTROLLER_UID: uid}):
        problems.append(invalid("spec.selector", go_label_selector(selector), "`selector` not auto-generated"))
    problems += _job_spec(spec, "spec")
    if selector is None:
        problems.append(required("spec.selector"))
    else:
        problems += selectors.validate_label_selector(selector, "spec.selector")
    if selectors.selects(selector, _template_labels(spec.get("template"))) is False:
        problems.append(invalid("spec.template.metadata.labels", go_map(_template_labels(spec.get("template"))),
                                NOT_MATCHING))
    return problems


def validate_job_update(obj: Any, old: Any) -> Errors:
    spec, old_spec = mapping(obj.get("spec")), mapping(old.get("spec"))
    problems: Errors = []
    if spec.get("selector") != old_spec.get("selector"):
        problems.append(invalid("spec.selector", go_label_selector(spec.get("selector")), IMMUTABLE))
    if spec.get("template") != old_spec.get("template"):
        problems.append(invalid("spec.template", GoValue("core.PodTemplateSpec{...}"), IMMUTABLE))
    if spec.get("completionMode", "NonIndexed") != old_spec.get("completionMode", "NonIndexed"):
        problems.append(invalid("spec.completionMode", text(spec.get("completionMode")), IMMUTABLE))
    for name, go_type in (("podFailurePolicy", "batch.PodFailurePolicy"), ("backoffLimitPerIndex", ""),
                          ("successPolicy", "batch.SuccessPolicy")):
        value = spec.get(name)
        if value != old_spec.get(name):
            shown = GoValue("null") if value is None else value if not go_type else GoValue(go_type + "{...}")
            problems.append(invalid(f"spec.{name}", shown, IMMUTABLE))
    return problems


def validate_cron_job(obj: Any) -> Errors:
    problems: Errors = []
    name = text(mapping(obj.get("metadata")).get("name"))
    if len(name) > CRONJOB_NAME_MAX:
        problems.append(invalid("metadata.name", name, f"must be no more than {CRONJOB_NAME_MAX} characters"))
    spec = mapping(obj.get("spec"))
    schedule = spec.get("schedule")
    if not text(schedule):
        problems.append(required("spec.schedule"))
    else:
        problems += _schedule(text(schedule), "spec.schedule")
    policy = spec.get("concurrencyPolicy")
    if policy is not None and policy not in CONCURRENCY_POLICIES:
        problems.append(not_supported("spec.concurrencyPolicy", policy, CONCURRENCY_POLICIES))
    problems += nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds")
    job_template = mapping(spec.get("jobTemplate"))
    job_spec = mapping(job_template.get("spec"))
    problems += _job_spec(job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        problems.append(invalid("spec.jobTemplate.spec.selector", go_label_selector(job_spec.get("selector")),
                                "`selector` will be auto-generated"))
    return problems


_CRON_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})


def _schedule(schedule: str, path: str) -> Errors:
    """cron.ParseStandard's first check: five fields, or a descriptor."""
    fields = schedule.split()
    if schedule.startswith("@"):
        if schedule in _CRON_DESCRIPTORS or schedule.startswith("@every "):
            return []
        return [invalid(path, schedule, f"unrecognized descriptor: {schedule}")]
    if fields and fields[0].startswith(("TZ=", "CRON_TZ=")):
        fields = fields[1:]
    if len(fields) != 5:
        listed = "[" + " ".join(fields) + "]"
        return [invalid(path, schedule, f"expected exactly 5 fields, found {len(fields)}: {listed}")]
    return []


#: What a StatefulSet update may change; the rest of its spec is fixed at creation.
STATEFUL_SET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                        "minReadySeconds")
STATEFUL_SET_DEFAULTS = {"podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10}


def validate_stateful_set_update(obj: Any, old: Any) -> Errors:
    """ValidateStatefulSetUpdate: the StatefulSet's own rules, then only the mutable fields moved."""
    problems = validate_stateful_set(obj)

    def fixed(spec: Any) -> dict[str, Any]:
        rest = {**STATEFUL_SET_DEFAULTS, **mapping(spec)}
        return {name: value for name, value in rest.items() if name not in STATEFUL_SET_MUTABLE}

    if fixed(obj.get("spec")) != fixed(old.get("spec")):
        problems.append(forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                          "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                                          "'minReadySeconds' are forbidden"))
    return problems
