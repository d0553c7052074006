"""Checking an `AuthenticationConfiguration` before the server starts.

The rules and messages of k8s.io/apiserver's `ValidateAuthenticationConfiguration` (field paths
such as `jwt[0].issuer.url`, "Invalid value", "Required value", "Duplicate value"), applied to
flags and files alike, with one kubegate rule on top: CEL (`expression`, `valueExpression`,
`userValidationRules`) is refused, because kubegate does not evaluate CEL and a server that
silently skipped a validation rule would accept tokens the real one rejects.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

from kubegate.authn.oidc import options
from kubegate.authn.oidc.options import OIDCConfigError

MAX_JWT_AUTHENTICATORS = 64
NO_CEL = "CEL expressions are not supported by kubegate; use claim (and prefix) instead"


def validate(config: options.AuthenticationConfiguration, *, disallowed_issuers: Sequence[str]) -> None:
    errors = configuration_errors(config, disallowed_issuers=disallowed_issuers)
    if errors:
        detail = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        raise OIDCConfigError(f"{config.source}: invalid authentication configuration: {detail}")


def configuration_errors(config: options.AuthenticationConfiguration, *, disallowed_issuers: Sequence[str]) -> list[str]:
    if len(config.jwt) > MAX_JWT_AUTHENTICATORS:
        return [f"jwt: Too many: {len(config.jwt)}: must have at most {MAX_JWT_AUTHENTICATORS} items"]
    errors: list[str] = []
    seen_urls: set[str] = set()
    seen_discovery: set[str] = set()
    for index, authenticator in enumerate(config.jwt):
        where = f"jwt[{index}]"
        errors += _issuer(authenticator.issuer, f"{where}.issuer", disallowed_issuers)
        errors += _claim_rules(authenticator.claim_validation_rules, f"{where}.claimValidationRules")
        errors += _claim_mappings(authenticator.claim_mappings, f"{where}.claimMappings")
        for i, rule in enumerate(authenticator.user_validation_rules):
            at = f"{where}.userValidationRules[{i}].expression"
            errors.append(_required(at, "expression is required") if not rule.expression else _cel(at, rule.expression))
        url, discovery = authenticator.issuer.url, authenticator.issuer.discovery_url
        if url in seen_urls:
            errors.append(_duplicate(f"{where}.issuer.url", url))
        seen_urls.add(url)
        if discovery:
            if discovery in seen_discovery:
                errors.append(_duplicate(f"{where}.issuer.discoveryURL", discovery))
            seen_discovery.add(discovery)
    anonymous = config.anonymous
    if anonymous is not None and not anonymous.enabled and anonymous.paths:
        errors.append(
            f"anonymous.conditions: Invalid value: {list(anonymous.paths)}: "
            "enabled should be set to true when conditions are defined"
        )
    return errors


def _issuer(issuer: options.Issuer, where: str, disallowed: Sequence[str]) -> list[str]:
    errors: list[str] = []
    if not issuer.url:
        errors.append(_required(f"{where}.url", "URL is required"))
    else:
        errors += _url(issuer.url, f"{where}.url", disallowed)
    if issuer.discovery_url:
        if issuer.url and issuer.url.rstrip("/") == issuer.discovery_url.rstrip("/"):
            errors.append(_invalid(f"{where}.discoveryURL", issuer.discovery_url, "discoveryURL must be different from URL"))
        errors += _url(issuer.discovery_url, f"{where}.discoveryURL", ())
    errors += _audiences(issuer, where)
    if issuer.certificate_authority:
        try:
            ssl.create_default_context(cadata=issuer.certificate_authority)
        except (ssl.SSLError, ValueError) as exc:
            errors.append(_invalid(f"{where}.certificateAuthority", "<omitted>", f"data does not contain any valid RSA or ECDSA certificates ({exc})"))
    return errors


def _url(url: str, where: str, disallowed: Sequence[str]) -> list[str]:
    errors: list[str] = []
    if url in disallowed:
        errors.append(_invalid(where, url, f"URL must not overlap with disallowed issuers: [{' '.join(sorted(disallowed))}]"))
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return [*errors, _invalid(where, url, str(exc))]
    if parts.scheme != "https":
        errors.append(_invalid(where, url, "URL scheme must be https"))
    if "@" in parts.netloc:
        errors.append(_invalid(where, url, "URL must not contain a username or password"))
    if parts.query:
        errors.append(_invalid(where, url, "URL must not contain a query"))
    if parts.fragment:
        errors.append(_invalid(where, url, "URL must not contain a fragment"))
    return errors


def _audiences(issuer: options.Issuer, where: str) -> list[str]:
    path, policy_path = f"{where}.audiences", f"{where}.audienceMatchPolicy"
    if not issuer.audiences:
        return [_required(path, f"at least one {path} is required")]
    errors: list[str] = []
    seen: set[str] = set()
    for i, audience in enumerate(issuer.audiences):
        if not audience:
            errors.append(_required(f"{path}[{i}]", "audience can't be empty"))
        if audience in seen:
            errors.append(_duplicate(f"{path}[{i}]", audience))
        seen.add(audience)
    policy = issuer.audience_match_policy
    if len(issuer.audiences) > 1 and policy != options.MATCH_ANY:
        errors.append(_invalid(policy_path, policy, "audienceMatchPolicy must be MatchAny for multiple audiences"))
    if len(issuer.audiences) == 1 and policy not in ("", options.MATCH_ANY):
        errors.append(_invalid(policy_path, policy, "audienceMatchPolicy must be empty or MatchAny for single audience"))
    return errors


def _claim_rules(rules: Sequence[options.ClaimValidationRule], where: str) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        at = f"{where}[{i}]"
        if rule.claim and rule.expression:
            errors.append(_invalid(at, rule.claim, "claim and expression can't both be set"))
        elif not rule.claim and not rule.expression:
            errors.append(_required(at, "claim or expression is required"))
        elif rule.claim:
            if rule.message:
                errors.append(_invalid(f"{at}.message", rule.message, "message can't be set when claim is set"))
            if rule.claim in seen:
                errors.append(_duplicate(f"{at}.claim", rule.claim))
            seen.add(rule.claim)
        else:
            errors.append(_cel(f"{at}.expression", rule.expression))
    return errors


def _claim_mappings(mappings: options.ClaimMappings, where: str) -> list[str]:
    errors = _prefixed(mappings.username, f"{where}.username", required=True)
    errors += _prefixed(mappings.groups, f"{where}.groups", required=False)
    uid = mappings.uid
    if uid.claim and uid.expression:
        errors.append(_invalid(f"{where}.uid", "", "claim and expression can't both be set"))
    elif uid.expression:
        errors.append(_cel(f"{where}.uid.expression", uid.expression))
    for i, extra in enumerate(mappings.extra):
        at = f"{where}.extra[{i}].valueExpression"
        errors.append(_required(at, "valueExpression is required") if not extra.value_expression else _cel(at, extra.value_expression))
    return errors


def _prefixed(mapping: options.PrefixedClaimOrExpression, where: str, *, required: bool) -> list[str]:
    if mapping.claim and mapping.expression:
        return [_invalid(where, "", "claim and expression can't both be set")]
    if not mapping.claim and not mapping.expression:
        return [_required(where, "claim or expression is required")] if required else []
    if mapping.expression:
        errors = [_cel(f"{where}.expression", mapping.expression)]
        if mapping.prefix is not None:
            errors.append(_invalid(f"{where}.prefix", mapping.prefix, "prefix can't be set when expression is set"))
        return errors
    if mapping.prefix is None:
        return [_required(f"{where}.prefix", "prefix is required when claim is set. It can be set to an empty string to disable prefixing")]
    return []


# --- apimachinery's field.Error wording --------------------------------------------------------


def _required(where: str, detail: str) -> str:
    return f"{where}: Required value: {detail}"


def _invalid(where: str, value: str, detail: str) -> str:
    return f"{where}: Invalid value: {json.dumps(value)}: {detail}"


def _duplicate(where: str, value: str) -> str:
    return f"{where}: Duplicate value: {json.dumps(value)}"


def _cel(where: str, expression: str) -> str:
    return _invalid(where, expression, NO_CEL)
