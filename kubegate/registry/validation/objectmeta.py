"""Labels and annotations: the ObjectMeta checks every kind shares (and pod templates too).

Names, namespaces and generateName are checked by `kubegate.api.meta` as objects are
prepared; this module adds what apimachinery's ValidateObjectMeta checks next, with its
messages: label keys are qualified names and values label values, annotation keys are
qualified names (case-insensitively), and all annotations together stay under 256 KiB.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.validation import names
from kubegate.registry.validation.field import Errors, child, invalid, mapping, too_long

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_labels(labels: Any, path: str) -> Errors:
    """metav1validation.ValidateLabels: every problem is reported at the map's path."""
    problems: Errors = []
    for name, value in mapping(labels).items():
        problems.extend(invalid(path, name, message) for message in names.qualified_name_errors(name))
        if isinstance(value, str):
            problems.extend(invalid(path, value, message) for message in names.label_value_errors(value))
    return problems


def validate_annotations(annotations: Any, path: str) -> Errors:
    entries = mapping(annotations)
    problems: Errors = []
    for name in entries:
        problems.extend(invalid(path, name, message) for message in names.qualified_name_errors(name.lower()))
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in entries.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        problems.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return problems


def validate_meta(metadata: Any, path: str = "metadata") -> Errors:
    """The label and annotation checks of `metadata` (an object's, or a template's)."""
    meta = mapping(metadata)
    return [*validate_labels(meta.get("labels"), child(path, "labels")),
            *validate_annotations(meta.get("annotations"), child(path, "annotations"))]
