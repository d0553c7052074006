"""Server settings: kube-apiserver's flag names, a YAML file with the same keys, flags winning.

Every option is one row of `OPTIONS` (flag name, type, default, help), so the command line, the
YAML file and the resulting `ServerConfig` cannot drift apart. A bad config file stops the server
at start with a message that names the file and the key. `SECTIONS` groups the rows for
`kubegate serve --help`, which shows each flag's default.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from collections.abc import Mapping
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
    kind: str  # "str", "int", "bool", "list" (comma-separated or repeated), "path", "paths", "duration"
    default: Any
    help: str

    @property
    def attr(self) -> str:
        return self.flag.replace("-", "_")


OPTIONS: tuple[Option, ...] = (
    # serving
    Option("bind-address", "str", "127.0.0.1", "IP address to listen on (kube-apiserver's flag)"),
    Option("secure-port", "int", 6443, "HTTPS port; 0 picks a free one"),
    Option("advertise-address", "str", "", "address written into kubeconfigs (default: the bind address)"),
    Option("pki-dir", "path", DEFAULT_PKI_DIR, "where generated certificates and keys live"),
    Option("tls-cert-file", "path", None, "serving certificate (default: PKI_DIR/apiserver.crt)"),
    Option("tls-private-key-file", "path", None, "serving key (default: PKI_DIR/apiserver.key)"),
    Option("tls-san", "list", (), "extra subject alternative names for the generated serving cert"),
    Option("key-type", "str", "ecdsa", "key algorithm for generated keys: ecdsa (P-256) or rsa (2048)"),
    Option("kubernetes-version", "str", "1.32.4", "version reported by /version (kubectl's dispatcher picks its binary from it); the APIs served are that release's defaults (1.27 to 1.35)"),
    Option("watch-cache-size", "int", 10000, "events kept for resuming watches; older resourceVersions get 410"),
    Option("v", "int", 0, "log verbosity (0 = warnings and the ready line, 2 = requests)"),
    Option("max-requests-inflight", "int", 400, "read-only requests served at once; more get 429 (0 = no limit; watches and system:masters exempt)"),
    Option("max-mutating-requests-inflight", "int", 200, "mutating requests served at once; more get 429 (0 = no limit)"),
    Option("http-header-timeout", "duration", 32.0, "a connection must finish its TLS handshake, and each request its headers, within this"),
    Option("http-idle-timeout", "duration", 90.0, "an idle keep-alive connection is closed after this"),
    Option("faults", "path", None, "YAML file of fault-injection rules: matched requests get a 429/500/503/504, a delay, a reset..."),
    # storage
    Option("storage-backend", "str", "", "memory, sqlite or etcd3 (default: sqlite with --data-dir, etcd3 with --etcd-servers, else memory)"),
    Option("data-dir", "path", None, "directory of the sqlite store: state survives restarts"),
    Option("etcd-servers", "list", (), "etcd URLs (http://127.0.0.1:2379,...): a real etcd, shared by several kubegates"),
    Option("etcd-prefix", "str", "/registry", "prefix of every key kubegate writes to etcd"),
    Option("etcd-cafile", "path", None, "CA bundle verifying etcd's serving certificate"),
    Option("etcd-certfile", "path", None, "client certificate for etcd"),
    Option("etcd-keyfile", "path", None, "client key for etcd"),
    Option("etcd-compaction-interval", "duration", 300.0, "how often etcd history is compacted (0 = never)"),
    Option("controllers", "list", ("*",), "kube-controller-manager's list: '*' all, 'foo' enables, '-foo' disables (e.g. *,-deployment)"),
    Option("leader-elect", "bool", True, "over etcd, run controllers only in the process holding the kube-controller-manager Lease"),
    Option("leader-elect-lease-duration", "duration", 15.0, "how long a leader's Lease holds without renewal"),
    Option("leader-elect-renew-deadline", "duration", 10.0, "how long a leader keeps trying to renew before it steps down"),
    Option("leader-elect-retry-period", "duration", 2.0, "how often the Lease is tried and renewed"),
    # the simulated cluster
    Option("nodes", "int", 1, "simulated nodes, each with a kubelet that runs the pods bound to it (0 = none)"),
    Option("pod-start-delay", "duration", 0.3, "how long a bound pod takes to start (pull, create, start)"),
    Option("pod-run-time", "duration", 1.0, "how long a pod that may finish (restartPolicy Never/OnFailure) runs"),
    Option("node-monitor-grace-period", "duration", 50.0, "how long a node's kubelet may stay silent before its node goes Unknown (kubelets renew their Lease every quarter of it, 10s at most)"),
    Option("cluster-cidr", "str", "10.244.0.0/16", "pod IPs; each node gets a /24 of it"),
    Option("service-cluster-ip-range", "str", "10.96.0.0/12", "ClusterIPs of Services (the kubernetes Service gets the first)"),
    Option("service-node-port-range", "str", "30000-32767", "NodePorts of Services"),
    Option("system-workloads", "bool", True, "create kube-system's CoreDNS, kube-proxy and their objects at start (false: an empty cluster)"),
    Option("enable-pod-exec", "bool", False, "let pods/exec run the command on this host (a subprocess, not in any container)"),
    Option("enable-pod-port-forward", "bool", False, "let pods/portforward connect to 127.0.0.1:PORT on this host (no container)"),
    # authentication
    Option("client-ca-file", "path", None, "CA bundle that verifies client certificates (default: PKI_DIR/ca.crt)"),
    Option("anonymous-auth", "bool", True, "treat requests without credentials as system:anonymous"),
    Option("token-auth-file", "path", None, "static tokens: CSV token,user,uid,\"group1,group2\""),
    Option("service-account-key-file", "paths", (), "public keys that verify ServiceAccount tokens (default: PKI_DIR/sa.pub)"),
    Option("service-account-signing-key-file", "path", None, "private key that signs ServiceAccount tokens (default: PKI_DIR/sa.key)"),
    Option("service-account-issuer", "list", ("https://kubernetes.default.svc.cluster.local",), "issuers of ServiceAccount tokens; the first signs"),
    Option("api-audiences", "list", (), "audiences the API accepts in tokens (default: the first issuer)"),
    Option("service-account-lookup", "bool", True, "ServiceAccount tokens are valid only while their objects exist"),
    Option("service-account-max-token-expiration", "duration", 0.0, "longest expiration a TokenRequest may get (0 = no limit)"),
    Option("enable-bootstrap-token-auth", "bool", False, "accept bootstrap tokens from kube-system Secrets"),
    Option("oidc-issuer-url", "str", "", "OIDC issuer URL (https)"),
    Option("oidc-client-id", "str", "", "OIDC client id, which must be in the token's aud"),
    Option("oidc-username-claim", "str", "sub", "claim that names the user"),
    Option("oidc-username-prefix", "str", "", "prefix for user names (default issuer#, except for email; '-' for none)"),
    Option("oidc-groups-claim", "str", "", "claim that lists the user's groups"),
    Option("oidc-groups-prefix", "str", "", "prefix for group names"),
    Option("oidc-required-claim", "list", (), "key=value claims a token must carry (repeatable)"),
    Option("oidc-ca-file", "path", None, "CA bundle for the OIDC issuer's TLS"),
    Option("oidc-signing-algs", "list", ("RS256",), "accepted OIDC signing algorithms"),
    Option("authentication-config", "path", None, "AuthenticationConfiguration file (JWT issuers)"),
    Option("authentication-token-webhook-config-file", "path", None, "kubeconfig-shaped file of a TokenReview webhook"),
    Option("authentication-token-webhook-cache-ttl", "duration", 120.0, "how long webhook token answers are cached"),
    Option("authentication-token-webhook-version", "str", "v1beta1", "TokenReview version the webhook speaks (v1 or v1beta1)"),
    Option("requestheader-client-ca-file", "path", None, "CA bundle that verifies front-proxy client certificates"),
    Option("requestheader-allowed-names", "list", (), "front-proxy certificate CNs allowed (empty: any from the CA)"),
    Option("requestheader-username-headers", "list", (), "headers carrying the user name, e.g. X-Remote-User"),
    Option("requestheader-uid-headers", "list", (), "headers carrying the user's uid, e.g. X-Remote-Uid"),
    Option("requestheader-group-headers", "list", (), "headers carrying groups, e.g. X-Remote-Group"),
    Option("requestheader-extra-headers-prefix", "list", (), "header prefixes carrying extra values, e.g. X-Remote-Extra-"),
    # authorization
    Option("authorization-mode", "list", ("RBAC",), "ordered authorizers: AlwaysAllow, AlwaysDeny, RBAC, ABAC, Webhook, Node"),
    Option("authorization-policy-file", "path", None, "ABAC policy, one JSON object a line"),
    Option("authorization-webhook-config-file", "path", None, "kubeconfig-shaped file of a SubjectAccessReview webhook"),
    Option("authorization-webhook-cache-authorized-ttl", "duration", 300.0, "how long webhook allows are cached"),
    Option("authorization-webhook-cache-unauthorized-ttl", "duration", 30.0, "how long webhook denials are cached"),
    Option("authorization-webhook-version", "str", "v1beta1", "SubjectAccessReview version the webhook speaks (v1 or v1beta1)"),
    Option("authorization-config", "path", None, "AuthorizationConfiguration file (replaces --authorization-mode)"),
    # admission
    Option("enable-admission-plugins", "list", (), "admission plugins to run besides the default ones (kube-apiserver's names, e.g. AlwaysDeny)"),
    Option("disable-admission-plugins", "list", (), "default admission plugins not to run (e.g. PodSecurity,ResourceQuota)"),
    # auditing
    Option("audit-policy-file", "path", None, "audit.k8s.io/v1 Policy: which requests are audited, at which level"),
    Option("audit-log-path", "str", "", "write audit events to this file as JSON lines ('-' for standard output)"),
    Option("audit-log-maxage", "int", 366, "days to keep rotated audit log files (0 = no limit)"),
    Option("audit-log-maxbackup", "int", 100, "rotated audit log files to keep (0 = no limit)"),
    Option("audit-log-maxsize", "int", 100, "size in MiB at which the audit log is rotated (0 = never)"),
    Option("audit-log-format", "str", "json", "json (one Event per line) or legacy (one line of text)"),
    Option("audit-webhook-config-file", "path", None, "kubeconfig-shaped file of a webhook that receives audit EventLists"),
    Option("audit-webhook-batch-max-wait", "duration", 30.0, "longest an audit event waits before its batch is sent"),
    Option("audit-webhook-initial-backoff", "duration", 10.0, "wait before the first retry of a failed audit webhook call"),
    # controllers
    Option("legacy-service-account-token-secrets", "bool", False, "create a token Secret for every ServiceAccount, as before 1.24"),
    Option("cluster-signing-duration", "duration", 365 * 86400.0, "lifetime of certificates the CSR signers issue"),
)

_BY_ATTR = {option.attr: option for option in OPTIONS}

#: `serve --help`'s sections: (title, the flag of `OPTIONS` that opens the section). A row
#: belongs to the last section opened at or before it, so a row added inside a section of
#: `OPTIONS` lands in that section's help without touching this table.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("serving", "bind-address"),
    ("storage", "storage-backend"),
    ("the simulated cluster", "nodes"),
    ("authentication", "client-ca-file"),
    ("authorization", "authorization-mode"),
    ("admission", "enable-admission-plugins"),
    ("auditing", "audit-policy-file"),
    ("controllers", "legacy-service-account-token-secrets"),
)


def sections() -> list[tuple[str, list[Option]]]:
    """`OPTIONS` split by `SECTIONS`, in order."""
    openers = {flag: title for title, flag in SECTIONS}
    grouped: list[tuple[str, list[Option]]] = []
    for option in OPTIONS:
        if option.flag in openers or not grouped:
            grouped.append((openers.get(option.flag, "options"), []))
        grouped[-1][1].append(option)
    return grouped


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Every setting, one attribute per `OPTIONS` row (flag name with `_` for `-`)."""

    bind_address: str = "127.0.0.1"
    secure_port: int = 6443
    advertise_address: str = ""
    pki_dir: Path = Path(DEFAULT_PKI_DIR)
    tls_cert_file: Path | None = None
    tls_private_key_file: Path | None = None
    tls_san: tuple[str, ...] = ()
    key_type: str = "ecdsa"
    kubernetes_version: str = "1.32.4"
    watch_cache_size: int = 10000
    v: int = 0
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    http_header_timeout: float = 32.0
    http_idle_timeout: float = 90.0
    faults: Path | None = None
    storage_backend: str = ""
    data_dir: Path | None = None
    etcd_servers: tuple[str, ...] = ()
    etcd_prefix: str = "/registry"
    etcd_cafile: Path | None = None
    etcd_certfile: Path | None = None
    etcd_keyfile: Path | None = None
    etcd_compaction_interval: float = 300.0
    controllers: tuple[str, ...] = ("*",)
    leader_elect: bool = True
    leader_elect_lease_duration: float = 15.0
    leader_elect_renew_deadline: float = 10.0
    leader_elect_retry_period: float = 2.0
    nodes: int = 1
    pod_start_delay: float = 0.3
    pod_run_time: float = 1.0
    node_monitor_grace_period: float = 50.0
    cluster_cidr: str = "10.244.0.0/16"
    service_cluster_ip_range: str = "10.96.0.0/12"
    service_node_port_range: str = "30000-32767"
    system_workloads: bool = True
    enable_pod_exec: bool = False
    enable_pod_port_forward: bool = False
    client_ca_file: Path | None = None
    anonymous_auth: bool = True
    token_auth_file: Path | None = None
    service_account_key_file: tuple[Path, ...] = ()
    service_account_signing_key_file: Path | None = None
    service_account_issuer: tuple[str, ...] = ("https://kubernetes.default.svc.cluster.local",)
    api_audiences: tuple[str, ...] = ()
    service_account_lookup: bool = True
    service_account_max_token_expiration: float = 0.0
    enable_bootstrap_token_auth: bool = False
    oidc_issuer_url: str = ""
    oidc_client_id: str = ""
    oidc_username_claim: str = "sub"
    oidc_username_prefix: str = ""
    oidc_groups_claim: str = ""
    oidc_groups_prefix: str = ""
    oidc_required_claim: tuple[str, ...] = ()
    oidc_ca_file: Path | None = None
    oidc_signing_algs: tuple[str, ...] = ("RS256",)
    authentication_config: Path | None = None
    authentication_token_webhook_config_file: Path | None = None
    authentication_token_webhook_cache_ttl: float = 120.0
    authentication_token_webhook_version: str = "v1beta1"
    requestheader_client_ca_file: Path | None = None
    requestheader_allowed_names: tuple[str, ...] = ()
    requestheader_username_headers: tuple[str, ...] = ()
    requestheader_uid_headers: tuple[str, ...] = ()
    requestheader_group_headers: tuple[str, ...] = ()
    requestheader_extra_headers_prefix: tuple[str, ...] = ()
    authorization_mode: tuple[str, ...] = ("RBAC",)
    authorization_policy_file: Path | None = None
    authorization_webhook_config_file: Path | None = None
    authorization_webhook_cache_authorized_ttl: float = 300.0
    authorization_webhook_cache_unauthorized_ttl: float = 30.0
    authorization_webhook_version: str = "v1beta1"
    authorization_config: Path | None = None
    enable_admission_plugins: tuple[str, ...] = ()
    disable_admission_plugins: tuple[str, ...] = ()
    audit_policy_file: Path | None = None
    audit_log_path: str = ""
    audit_log_maxage: int = 366
    audit_log_maxbackup: int = 100
    audit_log_maxsize: int = 100
    audit_log_format: str = "json"
    audit_webhook_config_file: Path | None = None
    audit_webhook_batch_max_wait: float = 30.0
    audit_webhook_initial_backoff: float = 10.0
    legacy_service_account_token_secrets: bool = False
    cluster_signing_duration: float = 365 * 86400.0
    config_file: Path | None = field(default=None)

    @property
    def api_audiences_or_default(self) -> tuple[str, ...]:
        """--api-audiences, defaulting to the service-account issuers as the real server does."""
        return self.api_audiences or self.service_account_issuer[:1]

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


_METAVARS = {
    "str": "STRING", "int": "INT", "bool": "BOOL", "list": "LIST", "path": "PATH", "paths": "PATH",
    "duration": "DURATION",
}


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Register every option as `--flag`, one argument group per section, each help ending
    with the default; parsed defaults stay None so the YAML file can fill them."""
    parser.add_argument("--config", type=Path, metavar="PATH", help="YAML file with the same keys as these flags")
    for title, options in sections():
        group = parser.add_argument_group(title)
        for option in options:
            name, metavar = f"--{option.flag}", _METAVARS.get(option.kind)
            text = _with_default(option).replace("%", "%%")  # argparse formats help with %
            if option.kind == "bool":
                group.add_argument(
                    name, type=_parse_bool, nargs="?", const=True, default=None, metavar=metavar, help=text,
                )
            elif option.kind in ("list", "paths"):
                group.add_argument(name, action="append", default=None, metavar=metavar, help=text)
            elif option.kind == "int":
                group.add_argument(name, type=int, default=None, metavar=metavar, help=text)
            else:
                group.add_argument(name, default=None, metavar=metavar, help=text)


def _with_default(option: Option) -> str:
    """The help text, with the default as kube-apiserver's help shows it: `(default 5m0s)`."""
    default = option.default
    if default is None or default in ("", ()) or "(default" in option.help:
        return option.help
    if option.kind == "bool":
        shown = "true" if default else "false"
    elif option.kind in ("list", "paths"):
        shown = ",".join(str(item) for item in default)
    elif option.kind == "duration":
        shown = format_duration(float(default))
    else:
        shown = str(default)
    return f"{option.help} (default {shown})"


def format_duration(seconds: float) -> str:
    """A Go duration string: 300 -> `5m0s`, 0.3 -> `300ms`, 0 -> `0s`."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    whole = round(seconds, 9)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:g}s"
    if hours or minutes:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return text


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration such as `2m`, `1h30m` or `90s` (`0` alone is allowed)."""
    text = text.strip()
    if text in ("0", ""):
        return 0.0
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f"invalid duration {text!r}")
    return total


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
        if option.kind == "paths":
            items = value if isinstance(value, list) else [value]
            return tuple(Path(str(item)) for item in items)
        if option.kind == "duration":
            return parse_duration(str(value)) if not isinstance(value, (int, float)) or isinstance(value, bool) else float(value)
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


def from_options(options: Mapping[str, Any], *, source: str = "options") -> ServerConfig:
    """A validated config from Python keywords (`kubegate.Server(nodes=3, authorization_mode="RBAC,Node")`),
    each value read as the YAML file's values are; None leaves an option at its default."""
    values: dict[str, Any] = {}
    for name, value in options.items():
        option = _BY_ATTR.get(name.replace("-", "_"))
        if option is None:
            known = ", ".join(o.attr for o in OPTIONS)
            raise ConfigError(f"{source}: unknown option {name!r} (known options: {known})")
        if isinstance(value, (tuple, set, frozenset)):
            value = list(value)
        if value is not None:
            values[option.attr] = _coerce(option, value, source=source)
    config = ServerConfig(**values)
    validate(config)
    return config


_KUBERNETES_VERSION = re.compile(r"v?1\.(\d+)(\.\d+)?")


def validate(config: ServerConfig) -> None:
    try:
        ipaddress.ip_address(config.bind_address)
    except ValueError:
        raise ConfigError(f"--bind-address {config.bind_address!r} must be an IP address") from None
    if not _KUBERNETES_VERSION.fullmatch(config.kubernetes_version):
        raise ConfigError(
            f"--kubernetes-version {config.kubernetes_version!r} must be 1.MINOR or 1.MINOR.PATCH, e.g. 1.32.4"
        )
    if not 0 <= config.secure_port <= 65535:
        raise ConfigError(f"--secure-port {config.secure_port} must be between 0 and 65535")
    if config.key_type not in ("ecdsa", "rsa"):
        raise ConfigError(f"--key-type {config.key_type!r} must be ecdsa or rsa")
    if (config.tls_cert_file is None) != (config.tls_private_key_file is None):
        raise ConfigError("--tls-cert-file and --tls-private-key-file must be given together")
    validate_storage(config)
    if not 0 <= config.nodes <= 1000:
        raise ConfigError(f"--nodes {config.nodes} must be between 0 and 1000")
    if config.node_monitor_grace_period <= 0:
        raise ConfigError("--node-monitor-grace-period must be more than 0s")
    validate_faults(config)


def validate_faults(config: ServerConfig) -> None:
    """Read the --faults file once at start, so that a bad rule stops the server with one line."""
    if config.faults is None:
        return
    from kubegate.api import faults  # imports this module (durations): import it only when needed

    try:
        faults.load_file(config.faults)
    except faults.FaultsError as exc:
        raise ConfigError(f"--faults {exc}") from None


STORAGE_BACKENDS = ("memory", "sqlite", "etcd3")


def storage_backend(config: ServerConfig) -> str:
    """The backend in use: `--storage-backend`, else implied by `--data-dir` or `--etcd-servers`."""
    if config.storage_backend:
        return config.storage_backend
    if config.etcd_servers:
        return "etcd3"
    if config.data_dir is not None:
        return "sqlite"
    return "memory"


def validate_storage(config: ServerConfig) -> None:
    backend = storage_backend(config)
    if backend not in STORAGE_BACKENDS:
        raise ConfigError(f"--storage-backend {backend!r} must be one of {', '.join(STORAGE_BACKENDS)}")
    if backend == "sqlite" and config.data_dir is None:
        raise ConfigError("--storage-backend sqlite needs --data-dir")
    if backend == "etcd3" and not config.etcd_servers:
        raise ConfigError("--storage-backend etcd3 needs --etcd-servers")
    if config.data_dir is not None and config.etcd_servers:
        raise ConfigError("--data-dir and --etcd-servers exclude each other: choose one store")
    if (config.etcd_certfile is None) != (config.etcd_keyfile is None):
        raise ConfigError("--etcd-certfile and --etcd-keyfile must be given together")
    if not config.etcd_prefix.startswith("/"):
        raise ConfigError(f"--etcd-prefix {config.etcd_prefix!r} must start with /")
    lease, renew, retry = (
        config.leader_elect_lease_duration, config.leader_elect_renew_deadline, config.leader_elect_retry_period
    )
    if not 0 < retry < renew < lease:
        raise ConfigError(
            "leader election needs --leader-elect-retry-period < --leader-elect-renew-deadline "
            "< --leader-elect-lease-duration"
        )
