"""The ResourceQuota admission plugin: a write that would take a namespace past a quota is refused.

It runs last, as in kube-apiserver. For every quota of the namespace whose `status.hard` tracks
something the new object uses (and whose scopes select it), the object's usage (less the old
object's, on update) is added to `status.used`. Past any hard limit the write is refused with
403 `exceeded quota: NAME, requested: ..., used: ..., limited: ...`; a tracked resource that
the quota's status does not count yet is `status unknown for quota`; a pod that leaves out a
tracked cpu or memory value is `failed quota: NAME: must specify ...`. Admitted usage is written
to the quota's status before the object is stored (inside a guaranteed update, so concurrent
writers cannot both take the last unit); the resource quota controller recounts from there.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.api import errors
from kubegate.registry.objects import ObjectCache
from kubegate.registry.quota import evaluators
from kubegate.registry.quota.amounts import Amounts, parse_list, pretty, subtract, text

RESOURCE_QUOTAS = ("", "resourcequotas")
#: updates whose usage can change; other kinds are charged on create only
UPDATED_USAGE = {("", "services"), ("", "persistentvolumeclaims")}

#: (namespace, quota name, the function from the live quota to the charged one) -> write it
ChargeQuota = Callable[[str, str, Callable[[dict[str, Any]], dict[str, Any]]], Awaitable[None]]


class ResourceQuotaAdmission:
    def __init__(self, cache: ObjectCache, charge: ChargeQuota) -> None:
        self._cache = cache
        self._charge = charge

    async def validate(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        resource = (spec.group, spec.plural)
        if not spec.namespaced or attributes.subresource or attributes.obj is None:
            return
        if attributes.operation != CREATE and not (attributes.operation == UPDATE and resource in UPDATED_USAGE):
            return
        quotas = [stored.obj for stored in self._cache.scan(RESOURCE_QUOTAS, namespace=attributes.namespace)]
        if not quotas:
            return
        delta = evaluators.usage(spec.group, spec.plural, attributes.obj)
        if attributes.operation == UPDATE and attributes.old is not None:
            delta = subtract(delta, evaluators.usage(spec.group, spec.plural, attributes.old))
            delta.pop(evaluators.count_name(spec.group, spec.plural), None)
        charges: list[tuple[str, Amounts]] = []
        for quota in sorted(quotas, key=lambda q: str(q["metadata"]["name"])):
            charge = self._check(quota, attributes, delta)
            if charge:
                charges.append((quota["metadata"]["name"], charge))
        if attributes.dry_run:
            return
        for name, charge in charges:
            charged = functools.partial(_charged, charge=charge, attributes=attributes)
            await self._charge(attributes.namespace, name, charged)

    def _check(self, quota: dict[str, Any], attributes: AdmissionAttributes, delta: Amounts) -> Amounts:
        """The usage this write adds to `quota` (empty if none); raises when the quota refuses it."""
        spec = attributes.spec
        hard = parse_list((quota.get("status") or {}).get("hard"))
        if not hard or not evaluators.scopes_select(quota, spec.group, spec.plural, attributes.obj or {}):
            return {}
        name = quota["metadata"]["name"]
        if (spec.group, spec.plural) == ("", "pods") and attributes.operation == CREATE:
            missing = evaluators.missing_compute(attributes.obj or {}, set(hard))
            if missing:
                raise errors.forbidden(
                    spec.plural, attributes.name, f"failed quota: {name}: {missing}", group=spec.group)
        charge = {resource: amount for resource, amount in delta.items() if resource in hard and amount != 0}
        if not any(amount > 0 for amount in charge.values()):
            return {}
        _refuse_if_exceeded(quota, charge, attributes)
        return charge


def _refuse_if_exceeded(quota: dict[str, Any], charge: Amounts, attributes: AdmissionAttributes) -> None:
    status = quota.get("status") or {}
    hard, used = parse_list(status.get("hard")), parse_list(status.get("used"))
    spec, name = attributes.spec, quota["metadata"]["name"]
    unknown = sorted(resource for resource in charge if resource not in used)
    if unknown:
        raise errors.forbidden(spec.plural, attributes.name,
                               f"status unknown for quota: {name}, resources: {','.join(unknown)}", group=spec.group)
    exceeded = sorted(r for r, amount in charge.items() if amount > 0 and used[r] + amount > hard[r])
    if exceeded:
        raw_hard, raw_used = status.get("hard") or {}, status.get("used") or {}
        raise errors.forbidden(
            spec.plural, attributes.name,
            f"exceeded quota: {name}, "
            f"requested: {pretty({r: text(charge[r], raw_hard.get(r)) for r in exceeded})}, "
            f"used: {pretty({r: raw_used.get(r, '0') for r in exceeded})}, "
            f"limited: {pretty({r: raw_hard.get(r) for r in exceeded})}",
            group=spec.group,
        )


def _charged(live: dict[str, Any], charge: Amounts, attributes: AdmissionAttributes) -> dict[str, Any]:
    """The live quota with `charge` added to status.used, checked again against the live numbers."""
    _refuse_if_exceeded(live, charge, attributes)
    status = dict(live.get("status") or {})
    used = dict(status.get("used") or {})
    for resource, amount in charge.items():
        current = parse_list({resource: used.get(resource, "0")})[resource]
        used[resource] = text(max(current + amount, Decimal(0)), (status.get("hard") or {}).get(resource))
    return {**live, "status": {**status, "used": used}}
