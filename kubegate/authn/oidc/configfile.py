"""Decoding an `--authentication-config` file into `options.AuthenticationConfiguration`.

kube-apiserver decodes the file strictly: the apiVersion must be one that serves
`AuthenticationConfiguration` (apiserver.config.k8s.io v1alpha1 and v1beta1 in 1.32; v1 from
1.34, accepted here too), unknown fields are errors, and each value must have its type. Every
error names the file and the field path (`jwt[0].issuer.url`), as the real messages do.
Semantic rules (https only, prefixes required, no CEL in kubegate) are `validation`'s job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from kubegate.authn.oidc import options
from kubegate.authn.oidc.options import OIDCConfigError

GROUP = "apiserver.config.k8s.io"
VERSIONS = ("v1alpha1", "v1beta1", "v1")
KIND = "AuthenticationConfiguration"


def load(path: Path) -> options.AuthenticationConfiguration:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise _error(path, f"cannot read: {reason}") from None
    if not text.strip():
        raise _error(path, "empty config data")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _error(path, f"not valid YAML or JSON: {exc}") from None
    return _Decoder(path).configuration(data)


def _error(path: Path, detail: str) -> OIDCConfigError:
    return OIDCConfigError(f'failed to load authentication configuration from file "{path}": {detail}')


class _Decoder:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, detail: str) -> OIDCConfigError:
        return _error(self.path, f"{where}: {detail}" if where else detail)

    def configuration(self, data: Any) -> options.AuthenticationConfiguration:
        if not isinstance(data, dict):
            raise self.fail("", "expected an AuthenticationConfiguration object")
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if kind != KIND or api_version not in {f"{GROUP}/{v}" for v in VERSIONS}:
            wanted = ", ".join(f"{GROUP}/{v}" for v in VERSIONS)
            raise self.fail("", f"expected kind {KIND} of apiVersion {wanted}; got kind {kind!r} of apiVersion {api_version!r}")
        self.fields(data, "", ("apiVersion", "kind", "jwt", "anonymous"))
        jwt = tuple(self.jwt(item, f"jwt[{i}]") for i, item in enumerate(self.items(data, "jwt", "")))
        anonymous = None
        if data.get("anonymous") is not None:
            anonymous = self.anonymous(self.obj(data["anonymous"], "anonymous"))
        return options.AuthenticationConfiguration(
            jwt=jwt, anonymous=anonymous, source=str(self.path), signing_algs=options.ALL_SIGNING_ALGS
        )

    def jwt(self, raw: Any, where: str) -> options.JWTAuthenticator:
        data = self.fields(self.obj(raw, where), where, ("issuer", "claimValidationRules", "claimMappings", "userValidationRules"))
        issuer = self.fields(self.obj(data.get("issuer", {}), f"{where}.issuer"), f"{where}.issuer", ("url", "discoveryURL", "certificateAuthority", "audiences", "audienceMatchPolicy"))
        at = f"{where}.issuer"
        return options.JWTAuthenticator(
            issuer=options.Issuer(
                url=self.string(issuer, "url", at),
                audiences=self.strings(issuer, "audiences", at),
                audience_match_policy=self.string(issuer, "audienceMatchPolicy", at),
                certificate_authority=self.string(issuer, "certificateAuthority", at),
                discovery_url=self.string(issuer, "discoveryURL", at),
            ),
            claim_mappings=self.claim_mappings(data.get("claimMappings", {}), f"{where}.claimMappings"),
            claim_validation_rules=tuple(
                self.claim_rule(item, f"{where}.claimValidationRules[{i}]")
                for i, item in enumerate(self.items(data, "claimValidationRules", where))
            ),
            user_validation_rules=tuple(
                self.user_rule(item, f"{where}.userValidationRules[{i}]")
                for i, item in enumerate(self.items(data, "userValidationRules", where))
            ),
        )

    def claim_mappings(self, raw: Any, where: str) -> options.ClaimMappings:
        data = self.fields(self.obj(raw, where), where, ("username", "groups", "uid", "extra"))
        uid = self.fields(self.obj(data.get("uid", {}), f"{where}.uid"), f"{where}.uid", ("claim", "expression"))
        extra = []
        for i, item in enumerate(self.items(data, "extra", where)):
            at = f"{where}.extra[{i}]"
            entry = self.fields(self.obj(item, at), at, ("key", "valueExpression"))
            extra.append(options.ExtraMapping(self.string(entry, "key", at), self.string(entry, "valueExpression", at)))
        return options.ClaimMappings(
            username=self.prefixed(data.get("username", {}), f"{where}.username"),
            groups=self.prefixed(data.get("groups", {}), f"{where}.groups"),
            uid=options.ClaimOrExpression(self.string(uid, "claim", f"{where}.uid"), self.string(uid, "expression", f"{where}.uid")),
            extra=tuple(extra),
        )

    def prefixed(self, raw: Any, where: str) -> options.PrefixedClaimOrExpression:
        data = self.fields(self.obj(raw, where), where, ("claim", "prefix", "expression"))
        prefix = self.string(data, "prefix", where) if data.get("prefix") is not None else None
        return options.PrefixedClaimOrExpression(
            claim=self.string(data, "claim", where), prefix=prefix, expression=self.string(data, "expression", where)
        )

    def claim_rule(self, raw: Any, where: str) -> options.ClaimValidationRule:
        data = self.fields(self.obj(raw, where), where, ("claim", "requiredValue", "expression", "message"))
        return options.ClaimValidationRule(
            claim=self.string(data, "claim", where),
            required_value=self.string(data, "requiredValue", where),
            expression=self.string(data, "expression", where),
            message=self.string(data, "message", where),
        )

    def user_rule(self, raw: Any, where: str) -> options.UserValidationRule:
        data = self.fields(self.obj(raw, where), where, ("expression", "message"))
        return options.UserValidationRule(self.string(data, "expression", where), self.string(data, "message", where))

    def anonymous(self, data: dict[str, Any]) -> options.AnonymousAuthConfig:
        self.fields(data, "anonymous", ("enabled", "conditions"))
        enabled = data.get("enabled", False)
        if not isinstance(enabled, bool):
            raise self.fail("anonymous.enabled", "must be true or false")
        paths = []
        for i, item in enumerate(self.items(data, "conditions", "anonymous")):
            at = f"anonymous.conditions[{i}]"
            paths.append(self.string(self.fields(self.obj(item, at), at, ("path",)), "path", at))
        return options.AnonymousAuthConfig(enabled=enabled, paths=tuple(paths))

    # --- typed access ------------------------------------------------------------------------

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def fields(self, data: dict[str, Any], where: str, known: tuple[str, ...]) -> dict[str, Any]:
        for key in data:
            if key not in known:
                name = f"{where}.{key}" if where else str(key)
                raise self.fail("", f"strict decoding error: unknown field {json.dumps(name)}")
        return data

    def items(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}" if where else key, "must be a list")
        return value

    def string(self, data: dict[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be a string")
        return value

    def strings(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        values = self.items(data, key, where)
        if not all(isinstance(value, str) for value in values):
            raise self.fail(f"{where}.{key}", "must be a list of strings")
        return tuple(values)
