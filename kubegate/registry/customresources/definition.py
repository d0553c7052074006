"""Reading a CustomResourceDefinition (apiextensions.k8s.io/v1, as stored JSON).

The stored CRD is plain JSON; this module answers the questions every other part asks of it:
which versions are served and stored, each version's schema, subresources, printer columns
and selectable fields, the names, and the status conditions (set the way apihelpers sets
them: a condition keeps its lastTransitionTime unless its status changes).
"""

from __future__ import annotations

from typing import Any

from kubegate.api import meta

GROUP = "apiextensions.k8s.io"
PLURAL = "customresourcedefinitions"
#: held by a CRD from its DELETE until every instance is gone (apiextensions' finalizer)
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"

NAMES_ACCEPTED = "NamesAccepted"
ESTABLISHED = "Established"
TERMINATING = "Terminating"

Obj = dict[str, Any]


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def spec_of(crd: Obj) -> Obj:
    return _dict(crd.get("spec"))


def status_of(crd: Obj) -> Obj:
    return _dict(crd.get("status"))


def group_of(crd: Obj) -> str:
    return str(spec_of(crd).get("group") or "")


def names_of(crd: Obj) -> Obj:
    return _dict(spec_of(crd).get("names"))


def accepted_names(crd: Obj) -> Obj:
    return _dict(status_of(crd).get("acceptedNames"))


def namespaced(crd: Obj) -> bool:
    return spec_of(crd).get("scope") == "Namespaced"


def versions_of(crd: Obj) -> list[Obj]:
    return [v for v in _list(spec_of(crd).get("versions")) if isinstance(v, dict)]


def version_of(crd: Obj, name: str) -> Obj | None:
    return next((v for v in versions_of(crd) if v.get("name") == name), None)


def served_versions(crd: Obj) -> list[Obj]:
    return [v for v in versions_of(crd) if v.get("served") is True and isinstance(v.get("name"), str)]


def storage_version(crd: Obj) -> str:
    return next((str(v.get("name")) for v in versions_of(crd) if v.get("storage") is True), "")


def schema_of(version: Obj) -> Obj | None:
    """A version's openAPIV3Schema, or None when it declares none."""
    schema = _dict(version.get("schema")).get("openAPIV3Schema")
    return schema if isinstance(schema, dict) else None


def subresources_of(version: Obj) -> Obj:
    return _dict(version.get("subresources"))


def has_status(version: Obj) -> bool:
    return isinstance(subresources_of(version).get("status"), dict)


def scale_of(version: Obj) -> Obj | None:
    scale = subresources_of(version).get("scale")
    return scale if isinstance(scale, dict) else None


def columns_of(version: Obj) -> list[Obj]:
    return [c for c in _list(version.get("additionalPrinterColumns")) if isinstance(c, dict)]


def selectable_paths(version: Obj) -> list[str]:
    fields = _list(version.get("selectableFields"))
    return [str(f["jsonPath"]) for f in fields if isinstance(f, dict) and isinstance(f.get("jsonPath"), str)]


# --- conditions ------------------------------------------------------------------------------


def conditions_of(crd: Obj) -> list[Obj]:
    return [c for c in _list(status_of(crd).get("conditions")) if isinstance(c, dict)]


def find_condition(crd: Obj, kind: str) -> Obj | None:
    return next((c for c in conditions_of(crd) if c.get("type") == kind), None)


def is_true(crd: Obj, kind: str) -> bool:
    condition = find_condition(crd, kind)
    return condition is not None and condition.get("status") == "True"


def set_condition(crd: Obj, kind: str, status: str, reason: str, message: str) -> None:
    """SetCRDCondition on a private copy: update in place, new transition time on change."""
    status_obj = crd.setdefault("status", {})
    conditions = status_obj.setdefault("conditions", [])
    now = meta.format_time(meta.now())
    for condition in conditions:
        if isinstance(condition, dict) and condition.get("type") == kind:
            if condition.get("status") != status or not condition.get("lastTransitionTime"):
                condition["lastTransitionTime"] = now
            condition.update(status=status, reason=reason, message=message)
            return
    conditions.append(
        {"type": kind, "status": status, "lastTransitionTime": now, "reason": reason, "message": message}
    )


def is_terminating(crd: Obj) -> bool:
    return bool(_dict(crd.get("metadata")).get("deletionTimestamp")) or is_true(crd, TERMINATING)
