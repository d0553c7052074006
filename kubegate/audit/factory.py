"""The `--audit-*` flags turned into an `Auditor`, or None when nothing is to be audited.

As in kube-apiserver, events are recorded only with both a policy and a backend: a log path or
a webhook without `--audit-policy-file` records nothing (a warning says so), and a policy alone
has nowhere to write. A bad policy file or flag value stops the server with one clear line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kubegate.audit.backends import Backend
from kubegate.audit.context import AuditObserver, Auditor
from kubegate.audit.policy import load_policy
from kubegate.config import ConfigError, ServerConfig

if TYPE_CHECKING:
    from kubegate.audit.backends.log import Writer

log = logging.getLogger("kubegate.audit")


class AuditConfigError(ConfigError):
    """An `--audit-*` flag cannot be used."""


def validate(config: ServerConfig) -> None:
    """The real AuditLogOptions.Validate checks, made only when the log backend is on."""
    if not config.audit_log_path:
        return
    # the backends (log rotation, the webhook client) load only when a flag asks for them
    from kubegate.audit.backends.log import FORMATS

    problems = []
    if config.audit_log_format not in FORMATS:
        problems.append(
            f'invalid audit log format {config.audit_log_format}, allowed formats are "{",".join(FORMATS)}"'
        )
    for flag, value in (
        ("audit-log-maxage", config.audit_log_maxage),
        ("audit-log-maxbackup", config.audit_log_maxbackup),
        ("audit-log-maxsize", config.audit_log_maxsize),
    ):
        if value < 0:
            problems.append(f"--{flag} {value} can't be a negative number")
    if problems:
        raise AuditConfigError("; ".join(problems))


def build_auditor(config: ServerConfig, *, observer: AuditObserver | None = None) -> Auditor | None:
    validate(config)
    policy = load_policy(config.audit_policy_file) if config.audit_policy_file is not None else None
    wanted = bool(config.audit_log_path) or config.audit_webhook_config_file is not None
    if policy is None:
        if wanted:
            log.warning("no --audit-policy-file was given: no audit events will be recorded")
        return None
    if not wanted:
        return None
    backends: list[Backend] = []
    auditor = Auditor(policy, backends)
    if observer is not None:
        auditor.observer = observer
    if config.audit_webhook_config_file is not None:
        from kubegate.audit.backends.webhook import WebhookBackend

        webhook = WebhookBackend.from_file(
            config.audit_webhook_config_file,
            max_wait=config.audit_webhook_batch_max_wait,
            initial_backoff=config.audit_webhook_initial_backoff,
        )
        # batches fail after the request that made them: counted by whatever observer is set then
        webhook.report_error = lambda plugin, count: auditor.observer.error(plugin, count)
        backends.append(webhook)
    if config.audit_log_path:
        from kubegate.audit.backends.log import LogBackend

        backends.append(LogBackend(_log_writer(config), format=config.audit_log_format))
    return auditor


def _log_writer(config: ServerConfig) -> Writer:
    from kubegate.audit.backends.log import StdoutWriter
    from kubegate.audit.backends.rotation import RotatingFile

    if config.audit_log_path == "-":
        return StdoutWriter()
    path = Path(config.audit_log_path)
    try:
        return RotatingFile(
            path,
            max_size_mb=config.audit_log_maxsize,
            max_backups=config.audit_log_maxbackup,
            max_age_days=config.audit_log_maxage,
        )
    except OSError as exc:
        raise AuditConfigError(f"--audit-log-path {path}: cannot open the audit log: {exc.strerror}") from None
