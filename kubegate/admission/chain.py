"""The ordered list of admission plugins every write passes through, built in one place.

Two phases, as in kube-apiserver: the mutating plugins (`admit`, run by the verb handlers
before the registry) and the validating ones (`validate`, run by the registry on the object it
is about to store). When a mutating webhook asked to see later changes and a later plugin made
some, the mutating phase runs once more (the real server's reinvoker).
`kubegate.server.admission_plugins` fills both lists from its table, in kube-apiserver's order.
"""

from __future__ import annotations

from collections.abc import Sequence

from kubegate.admission.attributes import AdmissionAttributes, AdmissionPlugin, ValidationPlugin


class AdmissionChain:
    def __init__(
        self, plugins: Sequence[AdmissionPlugin] = (), validators: Sequence[ValidationPlugin] = ()
    ) -> None:
        self.plugins: list[AdmissionPlugin] = list(plugins)
        self.validators: list[ValidationPlugin] = list(validators)

    async def admit(self, attributes: AdmissionAttributes) -> None:
        for plugin in self.plugins:
            await plugin.admit(attributes)
        reinvocation = attributes.reinvocation
        if reinvocation.should_reinvoke and not reinvocation.is_reinvoke:
            reinvocation.is_reinvoke = True
            for plugin in self.plugins:
                await plugin.admit(attributes)

    async def validate(self, attributes: AdmissionAttributes) -> None:
        for plugin in self.validators:
            await plugin.validate(attributes)


class ValidatingStep:
    """A plugin that only validates but is written as one `admit` step, run in the validating phase."""

    def __init__(self, plugin: AdmissionPlugin) -> None:
        self.plugin = plugin

    async def validate(self, attributes: AdmissionAttributes) -> None:
        await self.plugin.admit(attributes)
