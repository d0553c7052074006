"""Workload defaults (apps/v1 and batch/v1 SetDefaults_*), as tables.

Applied on every write, as the real server's decoding does, so a PUT or apply that leaves a
defaulted field out stores the same object as before. The pod templates inside get the pod
spec defaults (`kubegate.registry.defaults.pods`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubegate.registry.defaults import storage
from kubegate.registry.defaults.engine import Default, apply, dicts, equals, lookup
from kubegate.registry.defaults.pods import template_defaults

ROLLING = "RollingUpdate"

DEPLOYMENT: tuple[Default, ...] = (
    Default("spec.replicas", 1),
    Default("spec.strategy.type", ROLLING),
    Default("spec.strategy.rollingUpdate.maxUnavailable", "25%", when=equals("spec.strategy.type", ROLLING)),
    Default("spec.strategy.rollingUpdate.maxSurge", "25%", when=equals("spec.strategy.type", ROLLING)),
    Default("spec.revisionHistoryLimit", 10),
    Default("spec.progressDeadlineSeconds", 600),
)
REPLICA_SET: tuple[Default, ...] = (Default("spec.replicas", 1),)
STATEFUL_SET: tuple[Default, ...] = (
    Default("spec.replicas", 1),
    Default("spec.podManagementPolicy", "OrderedReady"),
    # An unset strategy becomes RollingUpdate with partition 0; an explicit RollingUpdate
    # without rollingUpdate stays as sent.
    Default("spec.updateStrategy.rollingUpdate", {}, when=lambda obj: not lookup(obj, "spec.updateStrategy.type")),
    Default("spec.updateStrategy.type", ROLLING),
    Default("spec.updateStrategy.rollingUpdate.partition", 0,
            when=lambda obj: lookup(obj, "spec.updateStrategy.type") == ROLLING
            and isinstance(lookup(obj, "spec.updateStrategy.rollingUpdate"), dict)),
    Default("spec.revisionHistoryLimit", 10),
    Default("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain"),
    Default("spec.persistentVolumeClaimRetentionPolicy.whenScaled", "Retain"),
)
DAEMON_SET: tuple[Default, ...] = (
    Default("spec.updateStrategy.type", ROLLING),
    Default("spec.updateStrategy.rollingUpdate.maxUnavailable", 1, when=equals("spec.updateStrategy.type", ROLLING)),
    Default("spec.updateStrategy.rollingUpdate.maxSurge", 0, when=equals("spec.updateStrategy.type", ROLLING)),
    Default("spec.revisionHistoryLimit", 10),
)
JOB: tuple[Default, ...] = (
    # both unset: a single pod; otherwise only parallelism defaults
    Default("spec.completions", 1,
            when=lambda obj: lookup(obj, "spec.completions") is None and lookup(obj, "spec.parallelism") is None),
    Default("spec.parallelism", 1),
    Default("spec.backoffLimit", 2**31 - 1, when=lambda obj: lookup(obj, "spec.backoffLimitPerIndex") is not None),
    Default("spec.backoffLimit", 6),
    Default("spec.completionMode", "NonIndexed"),
    Default("spec.suspend", False),
    Default("spec.podReplacementPolicy", "Failed", when=lambda obj: lookup(obj, "spec.podFailurePolicy") is not None),
    Default("spec.podReplacementPolicy", "TerminatingOrFailed"),
)
CRON_JOB: tuple[Default, ...] = (
    Default("spec.concurrencyPolicy", "Allow"),
    Default("spec.suspend", False),
    Default("spec.successfulJobsHistoryLimit", 3),
    Default("spec.failedJobsHistoryLimit", 1),
)
#: a PersistentVolumeClaim's (and a StatefulSet claim template's) volume mode
CLAIM: tuple[Default, ...] = (Default("spec.volumeMode", "Filesystem"),)


def _with_template(rows: tuple[Default, ...], template: str = "spec.template") -> Callable[[dict[str, Any]], None]:
    parent, _, last = template.rpartition(".")

    def defaults(obj: dict[str, Any]) -> None:
        apply(obj, rows)
        holder = lookup(obj, parent)
        if isinstance(holder, dict):
            template_defaults(holder.get(last))

    return defaults


deployment_defaults = _with_template(DEPLOYMENT)
replica_set_defaults = _with_template(REPLICA_SET)
daemon_set_defaults = _with_template(DAEMON_SET)
cron_job_defaults = _with_template(CRON_JOB, "spec.jobTemplate.spec.template")
pod_template_defaults = _with_template((), "template")
_stateful_set = _with_template(STATEFUL_SET)
_job = _with_template(JOB)


def stateful_set_defaults(obj: dict[str, Any]) -> None:
    _stateful_set(obj)
    for claim in dicts(lookup(obj, "spec.volumeClaimTemplates")):
        # a claim template is a whole claim to the defaulter: Pending, though no claim exists yet
        apply(claim, CLAIM)
        apply(claim, storage.PENDING)


def replication_controller_defaults(obj: dict[str, Any]) -> None:
    """SetDefaults_ReplicationController: selector and labels default to the template's labels."""
    template_labels = lookup(obj, "spec.template.metadata.labels")
    if isinstance(template_labels, dict) and template_labels and isinstance(obj.get("spec", {}), dict):
        spec = obj.setdefault("spec", {})
        if not spec.get("selector"):
            spec["selector"] = dict(template_labels)
        metadata = obj.get("metadata")
        if isinstance(metadata, dict) and not metadata.get("labels"):
            metadata["labels"] = dict(template_labels)
    replica_set_defaults(obj)


def job_defaults(obj: dict[str, Any]) -> None:
    """SetDefaults_Job but the labels (see `job_labels_from_template`); a pod failure policy's
    condition patterns match status True unless they say otherwise."""
    _job(obj)
    for rule in dicts(lookup(obj, "spec.podFailurePolicy.rules")):
        for pattern in dicts(rule.get("onPodConditions")):
            if not pattern.get("status"):
                pattern["status"] = "True"


def job_labels_from_template(obj: dict[str, Any]) -> None:
    """A Job without labels shows its template's. The real server shares the template's label
    map, so the labels the Job strategy generates on create show on the Job too; kubegate
    applies this after the selector is generated (`kubegate.registry.jobs`) to the same effect."""
    template_labels = lookup(obj, "spec.template.metadata.labels")
    metadata = obj.get("metadata")
    if isinstance(template_labels, dict) and template_labels and isinstance(metadata, dict) and not metadata.get("labels"):
        metadata["labels"] = dict(template_labels)
