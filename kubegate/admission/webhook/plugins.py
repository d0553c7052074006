"""Putting the two webhook plugins in an admission chain.

The mutating plugin joins the mutating phase where the caller appends it (after the in-tree
mutating plugins, as MutatingAdmissionWebhook follows them in the real order); the validating
one joins the validating phase. Both read the configurations, Namespaces, Services and
Endpoints from the watch cache. The returned `Matcher` takes a CEL evaluator for
matchConditions (`matcher.conditions = evaluate`) once one exists.
"""

from __future__ import annotations

from kubegate.admission.chain import AdmissionChain
from kubegate.admission.webhook.configuration import MUTATING, VALIDATING, WebhookSource
from kubegate.admission.webhook.matching import ConditionEvaluator, Matcher
from kubegate.admission.webhook.mutating import Defaulter, MutatingWebhookAdmission
from kubegate.admission.webhook.validating import ValidatingWebhookAdmission
from kubegate.registry.catalog import Catalog
from kubegate.registry.objects import ObjectCache


def install(
    chain: AdmissionChain, *, cache: ObjectCache, catalog: Catalog, defaulter: Defaulter | None = None,
    conditions: ConditionEvaluator | None = None,
) -> Matcher:
    matcher = Matcher(cache, catalog, conditions=conditions)
    mutating = WebhookSource(cache, MUTATING, mutating=True)
    chain.plugins.append(MutatingWebhookAdmission(mutating, matcher, cache=cache, defaulter=defaulter))
    validating = WebhookSource(cache, VALIDATING, mutating=False)
    chain.validators.append(ValidatingWebhookAdmission(validating, matcher, cache=cache))
    return matcher
