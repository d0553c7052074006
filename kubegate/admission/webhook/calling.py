"""One call of one webhook: the dry-run check, the AdmissionReview, the POST and the verdict.

Shared by both plugins (the dispatchers' callHook): a dry run only reaches webhooks declaring
sideEffects None or NoneOnDryRun; the review goes to the webhook's URL, or to its Service
(see `services`), with `?timeout=Ns`; the answer's audit annotations (`NAME/KEY`) and warnings
go on the attributes, a denial is raised as the webhook's Status. Anything that prevents a
verdict is a `CallingError` with the real text, for the caller's failurePolicy to judge.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.admission.webhook import services
from kubegate.admission.webhook.configuration import Hook
from kubegate.admission.webhook.failures import CallingError, denial, dry_run_unsupported
from kubegate.admission.webhook.matching import Invocation, request_for
from kubegate.admission.webhook.review import (
    InvalidResponse,
    Response,
    UndecodableResponse,
    new_review,
    review_version,
    verify,
)
from kubegate.api.gofmt import go_quote
from kubegate.registry.objects import ObjectCache
from kubegate.webhook import admission as client

NO_SIDE_EFFECTS = ("None", "NoneOnDryRun")
_BAD_BUNDLE = "unable to load root certificates: unable to parse bytes as PEM block"


def destination(hook: Hook, cache: ObjectCache) -> client.Destination:
    """Where to POST (URL with its timeout, address, TLS name, CA), or a `CallingError`."""
    config = hook.client
    query = f"?timeout={hook.timeout_seconds}s"
    bundle = config.ca_bundle
    if bundle is None:
        raise CallingError(hook.name, f"could not get REST client: {_BAD_BUNDLE}")
    if config.service is not None:
        reference = config.service
        name = services.server_name(reference)
        url = f"https://{name}:{reference.port}{reference.path or '/'}{query}"
        try:
            address = services.resolve(cache, reference)
        except services.ResolveError as error:
            raise CallingError(hook.name, f'failed to call webhook: Post "{url}": {error}') from None
        return client.Destination(url, address.host, address.port, name, bundle)
    if not config.url:
        inner = f"failed calling webhook {go_quote(hook.name)}: webhook configuration must have either service or URL"
        raise CallingError(hook.name, f"could not get REST client: {inner}")
    parts = urlsplit(config.url)
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError as error:
        inner = f"failed calling webhook {go_quote(hook.name)}: Unparsable URL: {error}"
        raise CallingError(hook.name, f"could not get REST client: {inner}") from None
    url = f"{parts.scheme}://{parts.netloc}{parts.path or '/'}{query}"
    return client.Destination(url, parts.hostname or "", port, parts.hostname or "", bundle, scheme=parts.scheme)


async def call(
    hook: Hook, invocation: Invocation, attributes: AdmissionAttributes, *, cache: ObjectCache,
    obj: dict[str, Any] | None, old: dict[str, Any] | None,
) -> Response:
    """The webhook's allowing verdict; raises the denial, the dry-run 400 or a `CallingError`."""
    if attributes.dry_run:
        if hook.side_effects is None:
            raise CallingError(hook.name, "Webhook SideEffects is nil")
        if hook.side_effects not in NO_SIDE_EFFECTS:
            raise dry_run_unsupported(hook.name)
    version = review_version(hook.admission_review_versions)
    if version is None:
        raise CallingError(
            hook.name,
            "could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)",
        )
    uid, body = new_review(request_for(attributes, invocation, obj=obj, old=old), version)
    target = destination(hook, cache)
    try:
        reply = await client.post(target, body, timeout=hook.timeout_seconds)
    except client.BadBundle as error:
        raise CallingError(hook.name, f"could not get REST client: {error}") from None
    except client.CallFailed as error:
        raise CallingError(hook.name, f"failed to call webhook: {error}") from None
    try:
        response = verify(reply, uid=uid, version=version, mutating=hook.mutating)
    except UndecodableResponse as error:
        raise CallingError(hook.name, f"failed to call webhook: {error}") from None
    except InvalidResponse as error:
        raise CallingError(hook.name, f"received invalid webhook response: {error}") from None
    for key, value in response.audit_annotations.items():
        attributes.audit_annotations[f"{hook.name}/{key}"] = value
    attributes.warnings.extend(response.warnings)
    if not response.allowed:
        raise denial(hook.name, response.status)
    return response
