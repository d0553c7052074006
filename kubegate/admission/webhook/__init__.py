"""Admission webhooks: MutatingAdmissionWebhook and ValidatingAdmissionWebhook.

The webhooks of admissionregistration.k8s.io/v1 Mutating/ValidatingWebhookConfigurations (read
from the watch cache) are called with an admission.k8s.io AdmissionReview, as
k8s.io/apiserver's plugin/webhook does it:

- `configuration`: the configurations as records, with the API's defaults filled in;
- `rules`, `matching`: which webhooks a request concerns (rules, matchPolicy, selectors,
  matchConditions through a pluggable CEL evaluator);
- `review`: the AdmissionReview sent and the checks on the one received;
- `services`: where a `service` reference is reached (its Endpoints, or its externalName);
- `calling`, `failures`: one call and its errors, word for word;
- `mutating`, `validating`: the two plugins (mutating in order with reinvocation, validating
  in parallel).
"""
