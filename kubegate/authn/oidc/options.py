"""The JWT authenticator configuration, as data: `AuthenticationConfiguration` and its parts.

Mirrors the internal types of k8s.io/apiserver's `pkg/apis/apiserver` (JWTAuthenticator, Issuer,
ClaimMappings, ...). Both ways of configuring OIDC end here: `--authentication-config` is decoded
into these records by `configfile`, and the `--oidc-*` flags are turned into one
`JWTAuthenticator` by `from_flags`, exactly as kube-apiserver's options code does, so one
validator and one authenticator serve both.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubegate.config import ConfigError, ServerConfig

#: `--oidc-signing-algs` accepts only these (RFC 7518 asymmetric algorithms); a configuration
#: file accepts all of them.
ALL_SIGNING_ALGS = ("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512")
MATCH_ANY = "MatchAny"
FLAGS_SOURCE = "--oidc-* flags"


class OIDCConfigError(ConfigError):
    """The OIDC configuration (flags or file) cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Issuer:
    url: str
    audiences: tuple[str, ...]
    audience_match_policy: str = ""
    certificate_authority: str = ""
    discovery_url: str = ""


@dataclass(frozen=True, slots=True)
class PrefixedClaimOrExpression:
    claim: str = ""
    #: None when unset; "" disables prefixing (a config file must say which it wants)
    prefix: str | None = None
    expression: str = ""


@dataclass(frozen=True, slots=True)
class ClaimOrExpression:
    claim: str = ""
    expression: str = ""


@dataclass(frozen=True, slots=True)
class ExtraMapping:
    key: str
    value_expression: str


@dataclass(frozen=True, slots=True)
class ClaimMappings:
    username: PrefixedClaimOrExpression
    groups: PrefixedClaimOrExpression = PrefixedClaimOrExpression()
    uid: ClaimOrExpression = ClaimOrExpression()
    extra: tuple[ExtraMapping, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimValidationRule:
    claim: str = ""
    required_value: str = ""
    expression: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class UserValidationRule:
    expression: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class JWTAuthenticator:
    issuer: Issuer
    claim_mappings: ClaimMappings
    claim_validation_rules: tuple[ClaimValidationRule, ...] = ()
    user_validation_rules: tuple[UserValidationRule, ...] = ()


@dataclass(frozen=True, slots=True)
class AnonymousAuthConfig:
    enabled: bool
    #: request paths anonymous access is limited to; empty means every path
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthenticationConfiguration:
    jwt: tuple[JWTAuthenticator, ...] = ()
    anonymous: AnonymousAuthConfig | None = None
    #: where it came from, for error messages: the file, or FLAGS_SOURCE
    source: str = FLAGS_SOURCE
    #: accepted JWS algorithms: `--oidc-signing-algs`, or every valid one for a file
    signing_algs: tuple[str, ...] = ALL_SIGNING_ALGS


def oidc_flags_set(config: ServerConfig) -> bool:
    """Whether any `--oidc-*` flag differs from its default (kubegate cannot tell "given")."""
    defaults = ServerConfig()
    names = (
        "oidc_issuer_url", "oidc_client_id", "oidc_username_claim", "oidc_username_prefix",
        "oidc_groups_claim", "oidc_groups_prefix", "oidc_required_claim", "oidc_ca_file",
        "oidc_signing_algs",
    )
    return any(getattr(config, name) != getattr(defaults, name) for name in names)


def from_flags(config: ServerConfig) -> AuthenticationConfiguration:
    """The `--oidc-*` flags as kube-apiserver translates them: at most one JWT authenticator."""
    if not oidc_flags_set(config):
        return AuthenticationConfiguration(signing_algs=config.oidc_signing_algs)
    if not config.oidc_issuer_url or not config.oidc_client_id:
        raise OIDCConfigError(
            "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"
        )
    for alg in config.oidc_signing_algs:
        if alg not in ALL_SIGNING_ALGS:
            raise OIDCConfigError(f'--oidc-signing-algs: oidc: unsupported signing alg: "{alg}"')
    prefix = config.oidc_username_prefix
    if prefix == "" and config.oidc_username_claim != "email":
        # Claims other than email are not unique across issuers, so they get the issuer's name.
        prefix = config.oidc_issuer_url + "#"
    if prefix == "-":
        prefix = ""
    groups = PrefixedClaimOrExpression()
    if config.oidc_groups_claim:
        groups = PrefixedClaimOrExpression(claim=config.oidc_groups_claim, prefix=config.oidc_groups_prefix)
    issuer = Issuer(
        url=config.oidc_issuer_url,
        audiences=(config.oidc_client_id,),
        certificate_authority=_read_ca_file(config),
    )
    mappings = ClaimMappings(
        username=PrefixedClaimOrExpression(claim=config.oidc_username_claim, prefix=prefix), groups=groups
    )
    rules = tuple(_required_claim(pair) for pair in config.oidc_required_claim)
    authenticator = JWTAuthenticator(issuer=issuer, claim_mappings=mappings, claim_validation_rules=rules)
    return AuthenticationConfiguration(jwt=(authenticator,), signing_algs=config.oidc_signing_algs)


def _read_ca_file(config: ServerConfig) -> str:
    if config.oidc_ca_file is None:
        return ""
    try:
        return config.oidc_ca_file.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not a PEM file"
        raise OIDCConfigError(f"--oidc-ca-file {config.oidc_ca_file}: cannot read: {reason}") from None


def _required_claim(pair: str) -> ClaimValidationRule:
    key, sep, value = pair.partition("=")
    if not sep:
        raise OIDCConfigError(f"--oidc-required-claim {pair!r}: malformed pair, expect string=string")
    return ClaimValidationRule(claim=key, required_value=value)
