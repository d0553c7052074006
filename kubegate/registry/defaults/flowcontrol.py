"""API Priority and Fairness defaults (flowcontrol/v1 SetDefaults_FlowSchemaSpec,
_LimitedPriorityLevelConfiguration, _ExemptPriorityLevelConfiguration, _QueuingConfiguration).

Each applies where its part is given (the real functions run on pointers that are set); the plain
int32 fields (matchingPrecedence, queues, handSize, queueLengthLimit) take their default at 0.
"""

from __future__ import annotations

from typing import Any

from kubegate.registry.defaults.engine import Default, apply, present

FLOW_SCHEMA: tuple[Default, ...] = (Default("spec.matchingPrecedence", 1000, zero=True),)
_QUEUING = present("spec.limited.limitResponse.queuing")
PRIORITY_LEVEL: tuple[Default, ...] = (
    Default("spec.limited.nominalConcurrencyShares", 30, when=present("spec.limited")),
    Default("spec.limited.lendablePercent", 0, when=present("spec.limited")),
    Default("spec.limited.limitResponse.queuing.queues", 64, zero=True, when=_QUEUING),
    Default("spec.limited.limitResponse.queuing.handSize", 8, zero=True, when=_QUEUING),
    Default("spec.limited.limitResponse.queuing.queueLengthLimit", 50, zero=True, when=_QUEUING),
    Default("spec.exempt.nominalConcurrencyShares", 0, when=present("spec.exempt")),
    Default("spec.exempt.lendablePercent", 0, when=present("spec.exempt")),
)


def flow_schema_defaults(obj: dict[str, Any]) -> None:
    apply(obj, FLOW_SCHEMA)


def priority_level_defaults(obj: dict[str, Any]) -> None:
    apply(obj, PRIORITY_LEVEL)
