"""What the server sets and keeps on every CSR write (pkg/registry/certificates/certificates).

On create the server records who asked, replacing whatever the client put in spec.username,
uid, groups and extra, and starts with an empty status: nobody creates a pre-approved request.
After that a CSR is immutable except through its subresources, each owning one part:

- the resource itself: metadata only (spec and status stay as stored);
- `approval`: the conditions (Approved/Denied, kubectl certificate approve|deny);
- `status`: the certificate and the other conditions; Approved/Denied are put back as stored.

Conditions get `lastUpdateTime` and `lastTransitionTime` filled in when a writer leaves them
out, a transition time carried over from a stored condition of the same type and status.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api import meta
from kubegate.api.errors import FieldError
from kubegate.api.user import UserInfo
from kubegate.registry.certificates import api
from kubegate.registry.certificates.decoding import check_decodable
from kubegate.registry.certificates.validation import validate_create, validate_update


class CSRStrategy:
    """The CSR rows of the strategy table: rest.BeforeCreate and rest.BeforeUpdate for CSRs."""

    def before_create(self, obj: dict[str, Any], *, user: UserInfo | None) -> list[FieldError]:
        check_decodable(obj)
        spec = obj["spec"] = api.section(obj, "spec")
        for requester_field in ("username", "uid", "groups", "extra"):
            spec.pop(requester_field, None)
        if user is not None:
            spec.update(_requester(user))
        obj["status"] = {}
        return validate_create(obj)

    def before_update(
        self, obj: dict[str, Any], old: dict[str, Any], *, sent: dict[str, Any], subresource: str
    ) -> list[FieldError]:
        """Keep what the write path does not own, then validate the change it makes."""
        check_decodable(sent)
        obj["spec"] = copy.deepcopy(old.get("spec", {}))
        old_status = api.section(old, "status")
        if subresource == "approval":
            wanted = copy.deepcopy(api.conditions(sent))
            _stamp(wanted, api.conditions(old))
            obj["status"] = _with_conditions(copy.deepcopy(old_status), wanted)
        elif subresource == "status":
            status = obj["status"] = api.section(obj, "status")
            kept = copy.deepcopy(api.conditions(obj))
            for kind in (api.APPROVED, api.DENIED):
                _preserve(kept, api.conditions(old), kind)
            _stamp(kept, api.conditions(old))
            _with_conditions(status, kept)
        else:
            obj["status"] = copy.deepcopy(old_status)
        return validate_update(
            obj, old, setting_approval=subresource == "approval", setting_certificate=subresource == "status"
        )


def _requester(user: UserInfo) -> dict[str, Any]:
    """spec.username/uid/groups/extra as the real server fills them (empty ones omitted)."""
    fields: dict[str, Any] = {"username": user.name}
    if user.uid:
        fields["uid"] = user.uid
    if user.groups:
        fields["groups"] = list(user.groups)
    if user.extra:
        fields["extra"] = {key: list(values) for key, values in user.extra.items()}
    return fields


def _with_conditions(status: dict[str, Any], conditions: list[dict[str, Any]]) -> dict[str, Any]:
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    return status


def _preserve(new: list[dict[str, Any]], old: list[dict[str, Any]], kind: str) -> None:
    """preserveConditionInstances: the stored conditions of `kind` win, when as many remain."""
    old_at = [i for i, c in enumerate(old) if c.get("type") == kind]
    new_at = [i for i, c in enumerate(new) if c.get("type") == kind]
    if len(old_at) == len(new_at):
        for new_index, old_index in zip(new_at, old_at, strict=True):
            new[new_index] = copy.deepcopy(old[old_index])


def _stamp(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> None:
    """populateConditionTimestamps."""
    now = meta.format_time(meta.now())
    for condition in new:
        if not condition.get("lastUpdateTime"):
            condition["lastUpdateTime"] = now
        if not condition.get("lastTransitionTime"):
            condition["lastTransitionTime"] = next(
                (
                    o["lastTransitionTime"] for o in old
                    if o.get("type") == condition.get("type")
                    and o.get("status") == condition.get("status")
                    and o.get("lastTransitionTime")
                ),
                now,
            )


CSR_STRATEGY = CSRStrategy()
