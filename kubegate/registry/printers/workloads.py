"""Printers for workloads: controllers of pods and what scales or shields them.

Deployments, replica sets, replication controllers, stateful sets, daemon sets, jobs, cron jobs,
pod templates, controller revisions, horizontal pod autoscalers and pod disruption budgets.
Replica counts read with the v1 defaults (`spec.replicas` 1; a job with neither completions nor
parallelism runs one pod), since the real server stores objects defaulted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubegate.registry.printers.cells import (
    AGE,
    NAME,
    NONE,
    UNSET,
    Column,
    dig,
    doc,
    format_labels,
    format_selector,
    human_duration,
    items,
    mapping,
    number,
    quantity,
    selector_string,
    since,
    template_columns,
    text,
    timestamp,
)
from kubegate.registry.spec import ResourceKey


def _replicas(obj: dict[str, Any]) -> int:
    return number(obj, "spec", "replicas", default=1)


def _status(field: str) -> Any:
    return lambda obj, _: number(obj, "status", field)


def _ready_of_desired(obj: dict[str, Any], _: datetime) -> str:
    return f"{number(obj, 'status', 'readyReplicas')}/{_replicas(obj)}"


DEPLOYMENT_COLUMNS = (
    NAME,
    Column("Ready", _ready_of_desired, description="Number of the pod with ready state"),
    Column("Up-to-date", _status("updatedReplicas"), description=doc("apps.v1.DeploymentStatus", "updatedReplicas")),
    Column("Available", _status("availableReplicas"), description=doc("apps.v1.DeploymentStatus", "availableReplicas")),
    AGE,
    *template_columns("spec", "template", selector=lambda o, _: selector_string(dig(o, "spec", "selector")),
                      selector_doc=doc("apps.v1.DeploymentSpec", "selector")),
)  # fmt: skip

REPLICA_SET_COLUMNS = (
    NAME,
    Column("Desired", lambda o, _: _replicas(o), type="integer", description=doc("apps.v1.ReplicaSetSpec", "replicas")),
    Column("Current", _status("replicas"), type="integer", description=doc("apps.v1.ReplicaSetStatus", "replicas")),
    Column("Ready", _status("readyReplicas"), type="integer", description=doc("apps.v1.ReplicaSetStatus", "readyReplicas")),
    AGE,
    *template_columns("spec", "template", selector=lambda o, _: format_selector(dig(o, "spec", "selector")),
                      selector_doc=doc("apps.v1.ReplicaSetSpec", "selector")),
)  # fmt: skip


def _rc_selector(obj: dict[str, Any], _: datetime) -> str:
    # An empty selector defaults to the template's labels.
    return format_labels(mapping(obj, "spec", "selector") or mapping(obj, "spec", "template", "metadata", "labels"))


REPLICATION_CONTROLLER_COLUMNS = (
    NAME,
    Column("Desired", lambda o, _: _replicas(o), type="integer",
           description=doc("core.v1.ReplicationControllerSpec", "replicas")),
    Column("Current", _status("replicas"), type="integer", description=doc("core.v1.ReplicationControllerStatus", "replicas")),
    Column("Ready", _status("readyReplicas"), type="integer",
           description=doc("core.v1.ReplicationControllerStatus", "readyReplicas")),
    AGE,
    *template_columns("spec", "template", selector=_rc_selector,
                      selector_doc=doc("core.v1.ReplicationControllerSpec", "selector")),
)  # fmt: skip

STATEFUL_SET_COLUMNS = (
    NAME,
    Column("Ready", _ready_of_desired, description="Number of the pod with ready state"),
    AGE,
    *template_columns("spec", "template"),
)

DAEMON_SET_COLUMNS = (
    NAME,
    Column("Desired", _status("desiredNumberScheduled"), type="integer",
           description=doc("apps.v1.DaemonSetStatus", "desiredNumberScheduled")),
    Column("Current", _status("currentNumberScheduled"), type="integer",
           description=doc("apps.v1.DaemonSetStatus", "currentNumberScheduled")),
    Column("Ready", _status("numberReady"), type="integer", description=doc("apps.v1.DaemonSetStatus", "numberReady")),
    Column("Up-to-date", _status("updatedNumberScheduled"), type="integer",
           description=doc("apps.v1.DaemonSetStatus", "updatedNumberScheduled")),
    Column("Available", _status("numberAvailable"), type="integer", description=doc("apps.v1.DaemonSetStatus", "numberAvailable")),
    Column("Node Selector", lambda o, _: format_labels(dig(o, "spec", "template", "spec", "nodeSelector")),
           description=doc("core.v1.PodSpec", "nodeSelector")),
    AGE,
    *template_columns("spec", "template", selector=lambda o, _: format_selector(dig(o, "spec", "selector")),
                      selector_doc=doc("apps.v1.DaemonSetSpec", "selector")),
)  # fmt: skip

# --- jobs ---------------------------------------------------------------------------------------


def _job_condition(job: dict[str, Any], kind: str) -> bool:
    for condition in items(job, "status", "conditions"):
        if isinstance(condition, dict) and condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _job_status(job: dict[str, Any], _: datetime) -> str:
    if _job_condition(job, "Complete"):
        return "Complete"
    if _job_condition(job, "Failed"):
        return "Failed"
    if dig(job, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _job_condition(job, "Suspended"):
        return "Suspended"
    if _job_condition(job, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(job: dict[str, Any], _: datetime) -> str:
    succeeded = number(job, "status", "succeeded")
    spec = mapping(job, "spec")
    if "completions" not in spec and "parallelism" not in spec:
        return f"{succeeded}/1"  # both unset: the v1 defaults make it a one-pod job
    if isinstance(spec.get("completions"), int):
        return f"{succeeded}/{spec['completions']}"
    parallelism = number(job, "spec", "parallelism", default=1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: dict[str, Any], moment: datetime) -> str:
    start = timestamp(dig(job, "status", "startTime"))
    if start is None:
        return ""
    end = timestamp(dig(job, "status", "completionTime")) or moment
    return human_duration((end - start).total_seconds())


JOB_COLUMNS = (
    NAME,
    Column("Status", _job_status, description="Status of the job."),
    Column("Completions", _job_completions, description=doc("batch.v1.JobStatus", "succeeded")),
    Column("Duration", _job_duration, description="Time required to complete the job."),
    AGE,
    *template_columns("spec", "template", selector=lambda o, _: format_selector(dig(o, "spec", "selector")),
                      selector_doc=doc("batch.v1.JobSpec", "selector")),
)  # fmt: skip


def _bool_pointer(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return UNSET


CRON_JOB_COLUMNS = (
    NAME,
    Column("Schedule", lambda o, _: text(o, "spec", "schedule"), description=doc("batch.v1.CronJobSpec", "schedule")),
    Column("Timezone", lambda o, _: text(o, "spec", "timeZone", default=NONE), description=doc("batch.v1.CronJobSpec", "timeZone")),
    # suspend defaults to false on write
    Column("Suspend", lambda o, _: _bool_pointer(dig(o, "spec", "suspend") or False), type="boolean",
           description=doc("batch.v1.CronJobSpec", "suspend")),
    Column("Active", lambda o, _: len(items(o, "status", "active")), type="integer",
           description=doc("batch.v1.CronJobStatus", "active")),
    Column("Last Schedule", lambda o, m: since(dig(o, "status", "lastScheduleTime"), m)
           if dig(o, "status", "lastScheduleTime") else NONE, description=doc("batch.v1.CronJobStatus", "lastScheduleTime")),
    AGE,
    *template_columns("spec", "jobTemplate", "spec", "template",
                      selector=lambda o, _: format_selector(dig(o, "spec", "jobTemplate", "spec", "selector")),
                      selector_doc=doc("batch.v1.JobSpec", "selector")),
)  # fmt: skip

# --- templates, revisions, autoscaling, disruption budgets ----------------------------------------

POD_TEMPLATE_COLUMNS = (
    NAME,
    *(Column(c.name, c.getter, description=c.description) for c in template_columns("template")),
    Column("Pod Labels", lambda o, _: format_labels(dig(o, "template", "metadata", "labels")),
           description="The labels for the pod template."),
)  # fmt: skip


def _controller(obj: dict[str, Any], _: datetime) -> str:
    for owner in items(obj, "metadata", "ownerReferences"):
        if isinstance(owner, dict) and owner.get("controller") is True:
            group = str(owner.get("apiVersion", "")).rpartition("/")[0]
            kind = str(owner.get("kind", ""))
            if not kind:
                return str(owner.get("name", ""))
            qualified = f"{kind}.{group}" if group else kind
            return f"{qualified.lower()}/{owner.get('name', '')}"
    return NONE


CONTROLLER_REVISION_COLUMNS = (
    NAME,
    Column("Controller", _controller, description="Controller of the object"),
    Column("Revision", lambda o, _: number(o, "revision"), description=doc("apps.v1.ControllerRevision", "revision")),
    AGE,
)


def _metric(spec: dict[str, Any], status: dict[str, Any] | None) -> str:
    kind = spec.get("type")
    source_key = {"External": "external", "Pods": "pods", "Object": "object", "Resource": "resource",
                  "ContainerResource": "containerResource"}.get(str(kind))  # fmt: skip
    if source_key is None:
        return "<unknown type>"
    target = mapping(spec, source_key, "target")
    current = mapping(status, source_key, "current") if status and isinstance(status.get(source_key), dict) else None
    if kind in ("Resource", "ContainerResource"):
        name = text(spec, source_key, "name")
        if "averageValue" in target:
            now = quantity(current.get("averageValue")) if current is not None else "<unknown>"
            return f"{name}: {now}/{quantity(target['averageValue'])}"
        now = f"{current['averageUtilization']}%" if current and isinstance(current.get("averageUtilization"), int) else "<unknown>"
        goal = f"{target['averageUtilization']}%" if isinstance(target.get("averageUtilization"), int) else "<auto>"
        return f"{name}: {now}/{goal}"
    if kind == "Pods":
        now = quantity(current.get("averageValue")) if current is not None else "<unknown>"
        return f"{now}/{quantity(target.get('averageValue'))}"
    if "averageValue" in target:  # External or Object
        now = quantity(current.get("averageValue")) if current is not None and "averageValue" in current else "<unknown>"
        return f"{now}/{quantity(target['averageValue'])} (avg)"
    now = quantity(current.get("value")) if current is not None else "<unknown>"
    return f"{now}/{quantity(target.get('value'))}"


def _hpa_targets(hpa: dict[str, Any], _: datetime) -> str:
    specs = [m for m in items(hpa, "spec", "metrics") if isinstance(m, dict)]
    statuses = items(hpa, "status", "currentMetrics")
    if not specs:
        # autoscaling/v1 keeps one CPU target; both versions default it to 80% when unset.
        target = number(hpa, "spec", "targetCPUUtilizationPercentage", default=80)
        current = dig(hpa, "status", "currentCPUUtilizationPercentage")
        now = f"{current}%" if isinstance(current, int) else "<unknown>"
        return f"cpu: {now}/{target}%"
    shown = [_metric(spec, statuses[i] if i < len(statuses) and isinstance(statuses[i], dict) else None)
             for i, spec in enumerate(specs)]  # fmt: skip
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


HPA_COLUMNS = (
    NAME,
    Column("Reference", lambda o, _: f"{text(o, 'spec', 'scaleTargetRef', 'kind')}/{text(o, 'spec', 'scaleTargetRef', 'name')}",
           description=doc("autoscaling.v2.HorizontalPodAutoscalerSpec", "scaleTargetRef")),
    Column("Targets", _hpa_targets, description=doc("autoscaling.v2.HorizontalPodAutoscalerSpec", "metrics")),
    Column("MinPods", lambda o, _: str(number(o, "spec", "minReplicas", default=1)),
           description=doc("autoscaling.v2.HorizontalPodAutoscalerSpec", "minReplicas")),
    Column("MaxPods", lambda o, _: number(o, "spec", "maxReplicas"),
           description=doc("autoscaling.v2.HorizontalPodAutoscalerSpec", "maxReplicas")),
    Column("Replicas", _status("currentReplicas"), description=doc("autoscaling.v2.HorizontalPodAutoscalerStatus", "currentReplicas")),
    AGE,
)  # fmt: skip


def _int_or_string(field: str) -> Any:
    return lambda o, _: "N/A" if dig(o, "spec", field) is None else str(dig(o, "spec", field))


PDB_COLUMNS = (
    NAME,
    Column("Min Available", _int_or_string("minAvailable"), description="The minimum number of pods that must be available."),
    Column("Max Unavailable", _int_or_string("maxUnavailable"), description="The maximum number of pods that may be unavailable."),
    Column("Allowed Disruptions", _status("disruptionsAllowed"), type="integer",
           description="Calculated number of pods that may be disrupted at this time."),
    AGE,
)  # fmt: skip

#: resource (group, plural) -> its Table columns
PRINTERS: dict[ResourceKey, tuple[Column, ...]] = {
    ("apps", "deployments"): DEPLOYMENT_COLUMNS,
    ("apps", "replicasets"): REPLICA_SET_COLUMNS,
    ("apps", "statefulsets"): STATEFUL_SET_COLUMNS,
    ("apps", "daemonsets"): DAEMON_SET_COLUMNS,
    ("apps", "controllerrevisions"): CONTROLLER_REVISION_COLUMNS,
    ("", "replicationcontrollers"): REPLICATION_CONTROLLER_COLUMNS,
    ("", "podtemplates"): POD_TEMPLATE_COLUMNS,
    ("batch", "jobs"): JOB_COLUMNS,
    ("batch", "cronjobs"): CRON_JOB_COLUMNS,
    ("autoscaling", "horizontalpodautoscalers"): HPA_COLUMNS,
    ("policy", "poddisruptionbudgets"): PDB_COLUMNS,
}
