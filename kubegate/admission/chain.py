"""The ordered list of admission plugins every write passes through, built in one place."""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.admission.attributes import AdmissionAttributes, AdmissionPlugin


class AdmissionChain:
    def __init__(self, plugins: Sequence[AdmissionPlugin] = ()) -> None:
        self.plugins: list[AdmissionPlugin] = list(plugins)

    async def admit(self, attributes: AdmissionAttributes) -> None:
        for plugin in self.plugins:
            await plugin.admit(attributes)
