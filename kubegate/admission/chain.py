"""The admission chain every write passes through: all mutating steps, then all validating steps.

kube-apiserver runs each enabled plugin's Admit in the plugin order, and only then each plugin's
Validate in the same order, so a validating step always sees the object as every mutating
plugin (webhooks included) left it. `plugins` holds the mutating steps (`admit`), `validators`
the validating ones (`validate`); `kubegate.server.admission_plugins` fills both from its table.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.admission.attributes import AdmissionAttributes, AdmissionPlugin, ValidatingPlugin


class AdmissionChain:
    def __init__(
        self, plugins: Sequence[AdmissionPlugin] = (), validators: Sequence[ValidatingPlugin] = (),
    ) -> None:
        self.plugins: list[AdmissionPlugin] = list(plugins)
        self.validators: list[ValidatingPlugin] = list(validators)

    async def admit(self, attributes: AdmissionAttributes) -> None:
        for plugin in self.plugins:
            await plugin.admit(attributes)
        for validator in self.validators:
            await validator.validate(attributes)


class ValidatingStep:
    """A plugin that only validates but is written as one `admit` step, run in the validating phase."""

    def __init__(self, plugin: AdmissionPlugin) -> None:
        self.plugin = plugin

    async def validate(self, attributes: AdmissionAttributes) -> None:
        await self.plugin.admit(attributes)
