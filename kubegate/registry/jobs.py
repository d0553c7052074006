"""A new Job's generated selector (the Job strategy's PrepareForCreate).

Unless `spec.manualSelector` is true, the server gives a Job a selector of its own uid and
labels its pod template with the uid and the job's name (both the `batch.kubernetes.io/`
labels and the legacy unprefixed ones), so that its pods are only ever its own. Job objects
share their template's label map when they have no labels of their own (SetDefaults_Job), so
they show the generated labels too in that case.
"""

from __future__ import annotations

from typing import Any

JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
CONTROLLER_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
SELECTOR_LABEL = "batch.kubernetes.io/controller-uid"


def generate_selector(obj: dict[str, Any]) -> None:
    """Prepare a new Job: generated selector and template labels, unless chosen by hand."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    metadata = obj["metadata"]
    template = spec.get("template")
    if not isinstance(template, dict):
        template = spec["template"] = {}
    template_meta = template.get("metadata")
    if not isinstance(template_meta, dict):
        template_meta = template["metadata"] = {}
    had_labels = isinstance(template_meta.get("labels"), dict)
    labels = template_meta["labels"] if had_labels else {}
    for name in JOB_NAME_LABELS:
        labels.setdefault(name, metadata["name"])
    for name in CONTROLLER_UID_LABELS:
        labels.setdefault(name, metadata["uid"])
    template_meta["labels"] = labels
    if had_labels and not metadata.get("labels"):
        metadata["labels"] = dict(labels)
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        selector = spec["selector"] = {}
    match = selector.get("matchLabels")
    if not isinstance(match, dict):
        match = selector["matchLabels"] = {}
    match.setdefault(SELECTOR_LABEL, metadata["uid"])
