"""DenyServiceExternalIPs (off by default): no new `spec.externalIPs` on Services.

A Service created with external IPs, or updated to list one it did not have, is refused with
403 `Use of external IPs is denied by admission control` (the defence against CVE-2020-8554);
removing them, or keeping the ones already there, is allowed.
"""

from __future__ import annotations

from typing import Any

from kubegate.admission.attributes import CREATE, UPDATE, AdmissionAttributes
from kubegate.admission.forbidden import forbidden


def _external_ips(service: dict[str, Any] | None) -> list[Any]:
    ips = ((service or {}).get("spec") or {}).get("externalIPs")
    return list(ips) if isinstance(ips, list) else []


class DenyServiceExternalIPsAdmission:
    async def validate(self, attributes: AdmissionAttributes) -> None:
        spec = attributes.spec
        if (spec.group, spec.plural) != ("", "services") or attributes.subresource:
            return
        if attributes.operation not in (CREATE, UPDATE):
            return
        new = _external_ips(attributes.obj)
        old = set(_external_ips(attributes.old)) if attributes.operation == UPDATE else set()
        if any(ip not in old for ip in new):
            raise forbidden(attributes, "Use of external IPs is denied by admission control")
