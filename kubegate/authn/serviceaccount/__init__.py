"""ServiceAccount tokens: verification (legacy and bound), signing, and the issuer's keys.

`authenticators_from_config` builds the two token authenticators kube-apiserver runs, legacy
first, then bound; `verification_keys` is the key set both they and issuer discovery use.
"""

from __future__ import annotations

from pathlib import Path

from kubegate.authn.serviceaccount.claims import LEGACY_ISSUER
from kubegate.authn.serviceaccount.getter import StoreGetter, Touch
from kubegate.authn.serviceaccount.jwt import JWTTokenAuthenticator
from kubegate.authn.serviceaccount.keys import PublicKey, load_public_keys
from kubegate.authn.serviceaccount.validators import BoundValidator, LegacyValidator
from kubegate.config import ServerConfig
from kubegate.pki import PkiFiles
from kubegate.registry.objects import ObjectCache


def key_files(config: ServerConfig, *, pki: PkiFiles | None) -> tuple[Path, ...]:
    """`--service-account-key-file`, else the signing key (as kube-apiserver defaults it), else
    the PKI's `sa.pub`."""
    if config.service_account_key_file:
        return config.service_account_key_file
    if config.service_account_signing_key_file is not None:
        return (config.service_account_signing_key_file,)
    return (pki.sa_pub,) if pki is not None else ()


def verification_keys(config: ServerConfig, *, pki: PkiFiles | None) -> list[PublicKey]:
    return [key for path in key_files(config, pki=pki) for key in load_public_keys(path)]


def authenticators_from_config(
    config: ServerConfig, *, pki: PkiFiles | None, store: ObjectCache, touch: Touch | None = None
) -> list[JWTTokenAuthenticator]:
    keys = verification_keys(config, pki=pki)
    if not keys:
        return []
    getter = StoreGetter(store, touch=touch)
    audiences = config.api_audiences_or_default
    authenticators = [
        JWTTokenAuthenticator(
            issuers=(LEGACY_ISSUER,), keys=keys, implicit_audiences=audiences,
            validator=LegacyValidator(lookup=config.service_account_lookup, getter=getter),
        )
    ]
    if config.service_account_issuer:
        authenticators.append(
            JWTTokenAuthenticator(
                issuers=config.service_account_issuer, keys=keys, implicit_audiences=audiences,
                validator=BoundValidator(getter=getter),
            )
        )
    return authenticators
