"""The errors of webhook admission, word for word.

- a denial keeps the webhook's Status (code, reason, details) with the message
  `admission webhook "NAME" denied the request: MESSAGE` (its reason when it gave no message,
  `… denied the request without explanation` when neither); a code under 400 becomes 400;
- a webhook that could not be asked (`CallingError`, `failed calling webhook "NAME": …`) is
  skipped under failurePolicy Ignore, and fails the request under Fail as a 500
  `Internal error occurred: failed calling webhook "NAME": …`;
- a dry run reaching a webhook with side effects is a 400, whatever the failurePolicy.
"""

from __future__ import annotations

from typing import Any

from kubegate.api import errors
from kubegate.api.gofmt import go_quote

FAILED_OPEN_MUTATING = "failed-open.mutation.webhook.admission.k8s.io"
FAILED_OPEN_VALIDATING = "failed-open.validating.webhook.admission.k8s.io"
MUTATION_ANNOTATION = "mutation.webhook.admission.k8s.io"


class CallingError(Exception):
    """webhookutil.ErrCallingWebhook: no verdict could be had; failurePolicy decides."""

    def __init__(self, webhook: str, reason: str) -> None:
        super().__init__(f"failed calling webhook {go_quote(webhook)}: {reason}")
        self.webhook = webhook


def failed_closed(failure: CallingError) -> errors.StatusError:
    return errors.internal(str(failure))


def denial(webhook: str, status: dict[str, Any] | None) -> errors.StatusError:
    """ToStatusErr: the webhook's Status, made a failure, its message prefixed."""
    status = status or {}
    denied_by = f"admission webhook {go_quote(webhook)} denied the request"
    message = status.get("message") if isinstance(status.get("message"), str) else ""
    reason = status.get("reason") if isinstance(status.get("reason"), str) else ""
    if message:
        text = f"{denied_by}: {message}"
    elif reason:
        text = f"{denied_by}: {reason}"
    else:
        text = f"{denied_by} without explanation"
    code = status.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code < 400:
        code = 400
    details = status.get("details")
    return errors.StatusError(code, str(reason or ""), text, details if isinstance(details, dict) else None)


def dry_run_unsupported(webhook: str) -> errors.StatusError:
    return errors.bad_request(f"admission webhook {go_quote(webhook)} does not support dry run")
