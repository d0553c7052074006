"""DeleteOptions: decoding from a body or a query, and the validation the real handler runs.

A DELETE carries its options either as a JSON body (kubectl: `{"propagationPolicy":"Background"}`)
or, when the body is empty, as query parameters; the real handler reads one or the other, never
both. Values of the wrong JSON type are a 400 with encoding/json's words; combinations that
`ValidateDeleteOptions` refuses are a 422 on the kind `DeleteOptions.meta.k8s.io` with an empty
name, exactly as k8s.io/apiserver's delete handler answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors, gotypes, strconv
from kubegate.api.mergepatch import go_kind

FOREGROUND = "Foreground"
BACKGROUND = "Background"
ORPHAN = "Orphan"
#: The order in which the real validation lists the supported values ("nil" = not set).
PROPAGATION_POLICIES = (FOREGROUND, BACKGROUND, ORPHAN)

#: The finalizers the garbage collector owns (metav1.FinalizerOrphanDependents / DeleteDependents).
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"

DRY_RUN_ALL = "All"

_PRECONDITIONS = gotypes.Struct("Preconditions", {"uid": gotypes.STRING, "resourceVersion": gotypes.STRING})
DELETE_OPTIONS = gotypes.Struct("DeleteOptions", {
    "gracePeriodSeconds": gotypes.INT64,
    "preconditions": _PRECONDITIONS,
    "orphanDependents": gotypes.BOOL,
    "propagationPolicy": gotypes.STRING,
    "dryRun": gotypes.STRINGS,
})
_KIND_GROUP = "meta.k8s.io"


@dataclass(frozen=True, slots=True)
class DeleteOptions:
    """metav1.DeleteOptions; `None` (and "" for the preconditions) means "not set"."""

    precondition_uid: str = ""
    precondition_resource_version: str = ""
    propagation_policy: str = ""
    dry_run: bool = False
    grace_period_seconds: int | None = None
    #: deprecated: true orphans; false does not (the generic store then deletes dependents in
    #: the background, the namespace registry in the foreground); never combined with a policy
    orphan_dependents: bool | None = None


def from_body(value: Any) -> DeleteOptions:
    """Options decoded from a JSON (or YAML) body; raises 400/422 like the real handler."""
    if not isinstance(value, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {go_kind(value)} into Go value of type v1.DeleteOptions"
        )
    kind = value.get("kind")
    if kind not in (None, "", "DeleteOptions"):
        raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
    problem = gotypes.first_type_error(value, DELETE_OPTIONS)
    if problem is not None:
        raise errors.bad_request(problem)
    preconditions = value.get("preconditions") or {}
    grace = value.get("gracePeriodSeconds")
    return _validated(
        policy=value.get("propagationPolicy"),
        orphan=value.get("orphanDependents"),
        grace=None if grace is None else int(grace),
        dry_run=[str(item) for item in value.get("dryRun") or [] if item is not None],
        uid=str(preconditions.get("uid") or ""),
        resource_version=str(preconditions.get("resourceVersion") or ""),
    )


def from_query(query: Mapping[str, Sequence[str]]) -> DeleteOptions:
    """Options decoded from query parameters (runtime.ParameterCodec's conversions)."""
    grace: int | None = None
    if query.get("gracePeriodSeconds"):
        raw = query["gracePeriodSeconds"][0]
        try:
            grace = strconv.parse_int(raw)
        except strconv.NumError as exc:
            raise errors.bad_request(str(exc)) from None
    orphan: bool | None = None
    if query.get("orphanDependents"):
        # Go's string-to-bool conversion: "0" and "false" (any case) are false, anything else true.
        raw = query["orphanDependents"][0]
        orphan = not (raw == "0" or raw.lower() == "false")
    policies = query.get("propagationPolicy")
    return _validated(
        policy=policies[0] if policies else None,
        orphan=orphan,
        grace=grace,
        dry_run=list(query.get("dryRun") or ()),
    )


def _validated(
    *, policy: str | None, orphan: bool | None, grace: int | None, dry_run: list[str],
    uid: str = "", resource_version: str = "",
) -> DeleteOptions:
    """metav1 validation.ValidateDeleteOptions, then the options as kubegate carries them."""
    problems: list[errors.FieldError] = []
    if orphan is not None and policy is not None:
        problems.append(errors.FieldError(
            errors.CAUSE_INVALID, "propagationPolicy", "orphanDependents and deletionPropagation cannot be both set",
            policy,
        ))
    if policy is not None and policy not in PROPAGATION_POLICIES:
        supported = ", ".join(f'"{value}"' for value in (*PROPAGATION_POLICIES, "nil"))
        problems.append(errors.FieldError(
            errors.CAUSE_NOT_SUPPORTED, "propagationPolicy", f"supported values: {supported}", policy,
        ))
    if any(value != DRY_RUN_ALL for value in dry_run):
        problems.append(errors.FieldError(
            errors.CAUSE_NOT_SUPPORTED, "dryRun", f'supported values: "{DRY_RUN_ALL}"', _go_strings(dry_run),
        ))
    if problems:
        raise errors.invalid("DeleteOptions", "", problems, group=_KIND_GROUP)
    return DeleteOptions(
        precondition_uid=uid,
        precondition_resource_version=resource_version,
        propagation_policy=policy or "",
        dry_run=bool(dry_run),
        grace_period_seconds=grace,
        orphan_dependents=orphan,
    )


def _go_strings(values: list[str]) -> gotypes.GoValue:
    quoted = ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return gotypes.GoValue("[]string{" + quoted + "}")

