"""Server settings: kube-apiserver's flag names, a YAML file with the same keys, flags winning.

Every option is one row of `OPTIONS` (flag name, type, default, help), so the command line, the
YAML file and the resulting `ServerConfig` cannot drift apart. A bad config file stops the server
at start with a message that names the file and the key.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PKI_DIR = "pki"


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Option:
    flag: str
    kind: str  # "str", "int", "bool", "list" (comma-separated or repeated), "path"
    default: Any
    help: str

    @property
    def attr(self) -> str:
        return self.flag.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    Option("bind-address", "str", "127.0.0.1", "IP address to listen on (kube-apiserver's flag)"),
    Option("secure-port", "int", 6443, "HTTPS port; 0 picks a free one"),
    Option("pki-dir", "path", DEFAULT_PKI_DIR, "where generated certificates and keys live"),
    Option("tls-cert-file", "path", None, "serving certificate (default: PKI_DIR/apiserver.crt)"),
    Option("tls-private-key-file", "path", None, "serving key (default: PKI_DIR/apiserver.key)"),
    Option("tls-san", "list", [], "extra subject alternative names for the generated serving cert"),
    Option("client-ca-file", "path", None, "CA bundle that verifies client certificates (default: PKI_DIR/ca.crt)"),
    Option("key-type", "str", "ecdsa", "key algorithm for generated keys: ecdsa (P-256) or rsa (2048)"),
    Option("anonymous-auth", "bool", True, "treat requests without credentials as system:anonymous"),
    Option("authorization-mode", "list", ["AlwaysAllow"], "ordered authorizers: AlwaysAllow, AlwaysDeny"),
    Option("kubernetes-version", "str", "1.32.4", "version reported by /version (kubectl's dispatcher picks its binary from it)"),
    Option("watch-cache-size", "int", 10000, "events kept for resuming watches; older resourceVersions get 410"),
    Option("advertise-address", "str", "", "address written into kubeconfigs (default: the bind address)"),
    Option("v", "int", 0, "log verbosity (0 = warnings and the ready line, 2 = requests)"),
)

_BY_ATTR = {option.attr: option for option in OPTIONS}


@dataclass(frozen=True, slots=True)
class ServerConfig:
    bind_address: str = "127.0.0.1"
    secure_port: int = 6443
    pki_dir: Path = Path(DEFAULT_PKI_DIR)
    tls_cert_file: Path | None = None
    tls_private_key_file: Path | None = None
    tls_san: tuple[str, ...] = ()
    client_ca_file: Path | None = None
    key_type: str = "ecdsa"
    anonymous_auth: bool = True
    authorization_mode: tuple[str, ...] = ("AlwaysAllow",)
    kubernetes_version: str = "1.32.4"
    watch_cache_size: int = 10000
    advertise_address: str = ""
    v: int = 0
    config_file: Path | None = field(default=None)

    @property
    def client_host(self) -> str:
        """The host clients should dial: a wildcard bind address means loopback."""
        host = self.advertise_address or self.bind_address
        if host in ("0.0.0.0", ""):
            return "127.0.0.1"
        if host == "::":
            return "::1"
        return host

    def server_url(self, port: int | None = None) -> str:
        host = self.client_host
        if ":" in host:
            host = f"[{host}]"
        return f"https://{host}:{port if port is not None else self.secure_port}"


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Register every option as `--flag`; defaults stay None so the YAML file can fill them."""
    parser.add_argument("--config", type=Path, help="YAML file with the same keys as these flags")
    for option in OPTIONS:
        name = f"--{option.flag}"
        if option.kind == "bool":
            parser.add_argument(name, type=_parse_bool, nargs="?", const=True, default=None, help=option.help)
        elif option.kind == "list":
            parser.add_argument(name, action="append", default=None, help=option.help)
        elif option.kind == "int":
            parser.add_argument(name, type=int, default=None, help=option.help)
        else:
            parser.add_argument(name, default=None, help=option.help)


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes", "t"):
        return True
    if lowered in ("false", "0", "no", "f"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean value {text!r}")


def _coerce(option: Option, value: Any, *, source: str) -> Any:
    if value is None:
        return None
    try:
        if option.kind == "int":
            if isinstance(value, bool):
                raise TypeError
            return int(value)
        if option.kind == "bool":
            return value if isinstance(value, bool) else _parse_bool(str(value))
        if option.kind == "list":
            items = value if isinstance(value, list) else [value]
            return tuple(part.strip() for item in items for part in str(item).split(",") if part.strip())
        if option.kind == "path":
            return Path(str(value))
        return str(value)
    except (TypeError, ValueError, argparse.ArgumentTypeError):
        raise ConfigError(f"{source}: {option.flag}: invalid {option.kind} value {value!r}") from None


def load_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of flag names to values")
    values: dict[str, Any] = {}
    for key, value in data.items():
        attr = str(key).replace("-", "_")
        option = _BY_ATTR.get(attr)
        if option is None:
            known = ", ".join(o.flag for o in OPTIONS)
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        values[attr] = _coerce(option, value, source=str(path))
    return values


def from_args(args: argparse.Namespace) -> ServerConfig:
    values: dict[str, Any] = {}
    config_file: Path | None = getattr(args, "config", None)
    if config_file is not None:
        values.update(load_file(config_file))
    for option in OPTIONS:
        given = getattr(args, option.attr, None)
        if given is not None:
            values[option.attr] = _coerce(option, given, source="command line")
    known = {f.name for f in fields(ServerConfig)}
    config = ServerConfig(**{k: v for k, v in values.items() if k in known}, config_file=config_file)
    validate(config)
    return config


def validate(config: ServerConfig) -> None:
    if not 0 <= config.secure_port <= 65535:
        raise ConfigError(f"--secure-port {config.secure_port} must be between 0 and 65535")
    if config.key_type not in ("ecdsa", "rsa"):
        raise ConfigError(f"--key-type {config.key_type!r} must be ecdsa or rsa")
    if (config.tls_cert_file is None) != (config.tls_private_key_file is None):
        raise ConfigError("--tls-cert-file and --tls-private-key-file must be given together")
