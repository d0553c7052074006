"""AlwaysAdmit and AlwaysDeny: the two trivial plugins, kept for the flags that name them.

AlwaysDeny refuses every write with 403 `admission control is denying all modifications`;
AlwaysAdmit does nothing. Both are off by default, as in kube-apiserver (and deprecated there).
"""

from __future__ import annotations

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.forbidden import forbidden


class AlwaysAdmit:
    async def validate(self, attributes: AdmissionAttributes) -> None:
        return None


class AlwaysDeny:
    async def validate(self, attributes: AdmissionAttributes) -> None:
        raise forbidden(attributes, "admission control is denying all modifications")
