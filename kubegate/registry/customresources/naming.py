"""Which names a CRD gets, and its NamesAccepted/Established conditions (naming controller).

Names are accepted unless another CRD of the same group already holds them: a plural,
singular or short name among the group's accepted resource names, or a kind or list kind
among its accepted kinds. A name a CRD already holds stays its own. The first time all names
are accepted the CRD becomes Established (the establishing controller's
InitialNamesAccepted); a later conflict leaves Established as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kubegate.api.gofmt import aggregate_errors
from kubegate.registry.customresources import definition

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str


def _used_names(others: Iterable[Obj]) -> tuple[set[str], set[str]]:
    resources: set[str] = set()
    kinds: set[str] = set()
    for other in others:
        accepted = definition.accepted_names(other)
        resources.update(str(accepted.get(k) or "") for k in ("plural", "singular"))
        resources.update(str(s) for s in accepted.get("shortNames") or ())
        kinds.update(str(accepted.get(k) or "") for k in ("kind", "listKind"))
    return resources, kinds


def _conflict(requested: Any, accepted: Any, used: set[str]) -> str:
    """equalToAcceptedOrFresh: "" when the name may be taken, else the error."""
    if requested == accepted or requested not in used:
        return ""
    return f'"{requested}" is already in use'


def accept_names(crd: Obj, group_crds: Iterable[Obj]) -> tuple[Obj, Condition, Condition]:
    """(acceptedNames, NamesAccepted, Established) for `crd`, given every CRD of its group
    (itself included; its own accepted names never conflict with themselves)."""
    name = crd["metadata"]["name"]
    resources, kinds = _used_names(c for c in group_crds if c["metadata"]["name"] != name)
    requested = definition.names_of(crd)
    accepted = definition.accepted_names(crd)
    names = dict(accepted)
    reason = message = ""

    def check(field: str, used: set[str], why: str) -> None:
        nonlocal reason, message
        if problem := _conflict(requested.get(field), accepted.get(field), used):
            reason, message = why, problem
        elif requested.get(field) is not None:
            names[field] = requested[field]

    check("plural", resources, "PluralConflict")
    check("singular", resources, "SingularConflict")
    if list(requested.get("shortNames") or []) != list(accepted.get("shortNames") or []):
        held = set(accepted.get("shortNames") or ())
        problems = [_conflict(short, "", resources) for short in requested.get("shortNames") or () if short not in held]
        if any(problems):
            reason, message = "ShortNamesConflict", aggregate_errors(problems)
        elif requested.get("shortNames"):
            names["shortNames"] = list(requested["shortNames"])
        else:
            names.pop("shortNames", None)
    check("kind", kinds, "KindConflict")
    check("listKind", kinds, "ListKindConflict")
    if requested.get("categories"):
        names["categories"] = list(requested["categories"])
    else:
        names.pop("categories", None)
    if reason:
        names_accepted = Condition(definition.NAMES_ACCEPTED, "False", reason, message)
    else:
        names_accepted = Condition(definition.NAMES_ACCEPTED, "True", "NoConflicts", "no conflicts found")
    established = _established(crd, names_accepted)
    return names, names_accepted, established


def _established(crd: Obj, names_accepted: Condition) -> Condition:
    current = definition.find_condition(crd, definition.ESTABLISHED)
    if current is not None and current.get("status") == "True":
        return Condition(definition.ESTABLISHED, "True", str(current.get("reason") or ""), str(current.get("message") or ""))
    if names_accepted.status == "True":
        # naming marks it Installing; the establishing controller then makes it Established
        return Condition(definition.ESTABLISHED, "True", "InitialNamesAccepted", "the initial names have been accepted")
    if current is not None:
        return Condition(definition.ESTABLISHED, str(current.get("status")), str(current.get("reason") or ""), str(current.get("message") or ""))
    return Condition(definition.ESTABLISHED, "False", "NotAccepted", "not all names are accepted")
