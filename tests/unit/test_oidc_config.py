"""OIDC configuration: the flags' translation, the file's strict decoding, the real validation
messages, and kubegate's refusal of CEL."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubegate.authn import oidc
from kubegate.authn.oidc import options
from kubegate.config import ConfigError, ServerConfig

ISSUER = "https://issuer.example"


def flags(**overrides: object) -> options.AuthenticationConfiguration:
    return oidc.load(ServerConfig(**overrides))  # type: ignore[arg-type]


def only(config: options.AuthenticationConfiguration) -> options.JWTAuthenticator:
    assert len(config.jwt) == 1
    return config.jwt[0]


# --- flags -----------------------------------------------------------------------------------


def test_no_oidc_flags_no_issuers() -> None:
    assert flags().jwt == ()


@pytest.mark.parametrize(
    ("claim", "prefix", "expected"),
    [
        ("sub", "", f"{ISSUER}#"),  # any claim but email gets the issuer
        ("email", "", ""),
        ("sub", "-", ""),  # "-" disables prefixing
        ("email", "oidc:", "oidc:"),
        ("preferred_username", "", f"{ISSUER}#"),
    ],
)
def test_username_prefix_rules_of_the_flags(claim: str, prefix: str, expected: str) -> None:
    config = flags(oidc_issuer_url=ISSUER, oidc_client_id="kubegate", oidc_username_claim=claim, oidc_username_prefix=prefix)
    mapping = only(config).claim_mappings.username
    assert (mapping.claim, mapping.prefix) == (claim, expected)


def test_flags_become_one_authenticator() -> None:
    config = flags(
        oidc_issuer_url=ISSUER,
        oidc_client_id="kubegate",
        oidc_groups_claim="groups",
        oidc_groups_prefix="oidc:",
        oidc_required_claim=("hd=example.com", "tier=gold=1"),
        oidc_signing_algs=("ES256",),
    )
    authenticator = only(config)
    assert authenticator.issuer.audiences == ("kubegate",)
    assert authenticator.claim_mappings.groups == options.PrefixedClaimOrExpression("groups", "oidc:")
    assert [(r.claim, r.required_value) for r in authenticator.claim_validation_rules] == [
        ("hd", "example.com"),
        ("tier", "gold=1"),
    ]
    assert config.signing_algs == ("ES256",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"oidc_issuer_url": ISSUER}, "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"),
        ({"oidc_groups_claim": "groups"}, "oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set"),
        ({"oidc_signing_algs": ("HS256",)}, "oidc-issuer-url and oidc-client-id must be specified together"),
        (
            {"oidc_issuer_url": ISSUER, "oidc_client_id": "k", "oidc_signing_algs": ("HS256",)},
            '--oidc-signing-algs: oidc: unsupported signing alg: "HS256"',
        ),
        (
            {"oidc_issuer_url": "http://issuer.example", "oidc_client_id": "k"},
            '--oidc-* flags: invalid authentication configuration: jwt[0].issuer.url: Invalid value: "http://issuer.example": URL scheme must be https',
        ),
        (
            {"oidc_issuer_url": "https://kubernetes.default.svc.cluster.local", "oidc_client_id": "k"},
            "URL must not overlap with disallowed issuers: [https://kubernetes.default.svc.cluster.local]",
        ),
        ({"oidc_issuer_url": ISSUER, "oidc_client_id": "k", "oidc_required_claim": ("hd",)}, "malformed pair, expect string=string"),
    ],
)
def test_bad_flags_stop_the_server(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        flags(**overrides)
    assert message in str(caught.value)


def test_unreadable_ca_file_names_the_flag(tmp_path: Path) -> None:
    missing = tmp_path / "nope.crt"
    with pytest.raises(ConfigError, match=f"--oidc-ca-file {missing}: cannot read: No such file or directory"):
        flags(oidc_issuer_url=ISSUER, oidc_client_id="k", oidc_ca_file=missing)


# --- the file --------------------------------------------------------------------------------

HEADER = "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n"
GOOD_JWT = f"""\
jwt:
- issuer:
    url: {ISSUER}
    audiences: [kubegate]
  claimMappings:
    username: {{claim: sub, prefix: "oidc:"}}
"""


def from_file(tmp_path: Path, text: str, **overrides: object) -> options.AuthenticationConfiguration:
    path = tmp_path / "authn.yaml"
    path.write_text(text)
    return flags(authentication_config=path, **overrides)


@pytest.mark.parametrize("version", ["v1alpha1", "v1beta1", "v1"])
def test_file_versions_are_accepted(tmp_path: Path, version: str) -> None:
    text = GOOD_JWT.replace("jwt:", f"apiVersion: apiserver.config.k8s.io/{version}\nkind: AuthenticationConfiguration\njwt:", 1)
    config = from_file(tmp_path, text)
    assert only(config).claim_mappings.username == options.PrefixedClaimOrExpression("sub", "oidc:")
    assert config.signing_algs == options.ALL_SIGNING_ALGS
    assert config.source == str(tmp_path / "authn.yaml")


def test_file_and_flags_are_mutually_exclusive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^authentication-config file and oidc-\\* flags are mutually exclusive$"):
        from_file(tmp_path, HEADER + GOOD_JWT, oidc_issuer_url=ISSUER, oidc_client_id="k")


def test_empty_jwt_list_is_allowed(tmp_path: Path) -> None:
    assert from_file(tmp_path, HEADER + "jwt: []\n").jwt == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty config data"),
        ("kind: AuthenticationConfiguration\napiVersion: v1\n", "expected kind AuthenticationConfiguration of apiVersion"),
        (HEADER + "jwt:\n- issuer: {url: x, audience: [a]}\n", 'strict decoding error: unknown field "jwt[0].issuer.audience"'),
        (HEADER + "jwt:\n- issuer: {url: 7}\n", "jwt[0].issuer.url: must be a string"),
        (HEADER + "jwt: {}\n", "jwt: must be a list"),
        (HEADER + "anonymous: {enabled: yes-please}\n", "anonymous.enabled: must be true or false"),
    ],
)
def test_undecodable_file_names_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_file(tmp_path, text)
    assert str(caught.value).startswith(f'failed to load authentication configuration from file "{tmp_path / "authn.yaml"}": ')
    assert message in str(caught.value)


def jwt_with(issuer: str = f"url: {ISSUER}\n    audiences: [kubegate]", mappings: str = 'username: {claim: sub, prefix: ""}', rest: str = "") -> str:
    return f"{HEADER}jwt:\n- issuer:\n    {issuer}\n  claimMappings:\n    {mappings}\n{rest}"


NO_CEL = "CEL expressions are not supported by kubegate; use claim (and prefix) instead"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (jwt_with(mappings="username: {expression: claims.sub}"), f'jwt[0].claimMappings.username.expression: Invalid value: "claims.sub": {NO_CEL}'),
        (jwt_with(mappings='username: {claim: sub, prefix: ""}\n    groups: {expression: claims.roles}'), f'jwt[0].claimMappings.groups.expression: Invalid value: "claims.roles": {NO_CEL}'),
        (jwt_with(mappings='username: {claim: sub, prefix: ""}\n    uid: {expression: claims.oid}'), f'jwt[0].claimMappings.uid.expression: Invalid value: "claims.oid": {NO_CEL}'),
        (jwt_with(mappings='username: {claim: sub, prefix: ""}\n    extra: [{key: example.com/tier, valueExpression: claims.tier}]'), f'jwt[0].claimMappings.extra[0].valueExpression: Invalid value: "claims.tier": {NO_CEL}'),
        (jwt_with(rest="  claimValidationRules: [{expression: 'claims.hd == \"x\"'}]\n"), 'jwt[0].claimValidationRules[0].expression: Invalid value: "claims.hd == \\"x\\"": ' + NO_CEL),
        (jwt_with(rest="  userValidationRules: [{expression: \"!user.username.startsWith('system:')\"}]\n"), "jwt[0].userValidationRules[0].expression: Invalid value: "),
        (jwt_with(mappings="username: {claim: sub}"), "jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set. It can be set to an empty string to disable prefixing"),
        (jwt_with(mappings="username: {}"), "jwt[0].claimMappings.username: Required value: claim or expression is required"),
        (jwt_with(issuer="url: http://issuer.example\n    audiences: [kubegate]"), 'jwt[0].issuer.url: Invalid value: "http://issuer.example": URL scheme must be https'),
        (jwt_with(issuer=f"url: {ISSUER}?x=1\n    audiences: [kubegate]"), "URL must not contain a query"),
        (jwt_with(issuer=f"url: {ISSUER}\n    audiences: []"), "jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required"),
        (jwt_with(issuer=f"url: {ISSUER}\n    audiences: [a, b]"), 'jwt[0].issuer.audienceMatchPolicy: Invalid value: "": audienceMatchPolicy must be MatchAny for multiple audiences'),
        (jwt_with(issuer=f"url: {ISSUER}\n    audiences: [a, a]\n    audienceMatchPolicy: MatchAny"), 'jwt[0].issuer.audiences[1]: Duplicate value: "a"'),
        (jwt_with(issuer=f"url: {ISSUER}\n    audiences: [a]\n    discoveryURL: {ISSUER}/"), "discoveryURL must be different from URL"),
        (jwt_with(issuer=f"url: {ISSUER}\n    audiences: [a]\n    certificateAuthority: not a certificate"), 'jwt[0].issuer.certificateAuthority: Invalid value: "<omitted>"'),
        (jwt_with(rest="  claimValidationRules: [{claim: hd, requiredValue: x, message: m}]\n"), 'jwt[0].claimValidationRules[0].message: Invalid value: "m": message can\'t be set when claim is set'),
        (HEADER + "anonymous:\n  enabled: false\n  conditions: [{path: /livez}]\n", "anonymous.conditions: Invalid value: ['/livez']: enabled should be set to true when conditions are defined"),
    ],
)
def test_invalid_configuration_is_refused_with_the_field_path(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_file(tmp_path, text)
    assert str(caught.value).startswith(f"{tmp_path / 'authn.yaml'}: invalid authentication configuration: ")
    assert error in str(caught.value)


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    text = jwt_with(issuer="url: http://a\n    audiences: []", mappings="username: {claim: sub}")
    with pytest.raises(ConfigError) as caught:
        from_file(tmp_path, text)
    message = str(caught.value).split("invalid authentication configuration: ", 1)[1]
    assert message.startswith("[jwt[0].issuer.url: Invalid value") and message.endswith("disable prefixing]")
    assert ", jwt[0].issuer.audiences: Required value" in message
    assert ", jwt[0].claimMappings.username.prefix: Required value" in message


def test_duplicate_issuers_are_refused(tmp_path: Path) -> None:
    one = f"- issuer: {{url: {ISSUER}, audiences: [a]}}\n  claimMappings: {{username: {{claim: sub, prefix: ''}}}}\n"
    with pytest.raises(ConfigError, match=f'jwt\\[1\\].issuer.url: Duplicate value: "{ISSUER}"'):
        from_file(tmp_path, HEADER + "jwt:\n" + one + one)


def test_anonymous_section_is_read(tmp_path: Path) -> None:
    config = from_file(tmp_path, HEADER + "anonymous:\n  enabled: true\n  conditions: [{path: /livez}, {path: /readyz}]\n")
    assert config.anonymous == options.AnonymousAuthConfig(enabled=True, paths=("/livez", "/readyz"))


def test_anonymous_section_conflicts_with_anonymous_auth_false(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--anonymous-auth flag cannot be set when anonymous field is configured"):
        from_file(tmp_path, HEADER + "anonymous: {enabled: true}\n", anonymous_auth=False)
