"""The `kubegate` command: serve, pki init, kubeconfig, version.

`serve` takes kube-apiserver's flag names (see config.py); the other commands manage the
certificate authority in the PKI directory. Errors are one line on stderr and exit code 2, never
a traceback; a bad flag gets that line and a pointer to the command's --help, not the usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import yaml

from kubegate import __version__, pki
from kubegate.config import DEFAULT_PKI_DIR, ConfigError, ServerConfig, add_flags, from_args
from kubegate.server.startup import StartupError
from kubegate.storage.factory import StorageOpenError


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and a hint, as the rest of the CLI's."""

    def error(self, message: str) -> NoReturn:
        # argparse says "argument --secure-port: invalid int value: 'x'"; the flag leads here
        message = message.removeprefix("argument ")
        self.exit(2, f"kubegate: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kubegate", description="A Kubernetes API server double with real auth.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser(
        "serve", help="run the API server", usage="kubegate serve [flags]", description="Run the API server. Flags take kube-apiserver's names; "
        "a --config YAML file may set the same keys, and flags win.",
    )
    add_flags(serve)

    pki_cmd = commands.add_parser("pki", help="manage the certificate authority")
    pki_sub = pki_cmd.add_subparsers(dest="pki_command", required=True)
    init = pki_sub.add_parser("init", help="generate whatever is missing in the PKI directory")
    init.add_argument("--pki-dir", type=Path, default=Path(DEFAULT_PKI_DIR))
    init.add_argument("--key-type", choices=("ecdsa", "rsa"), default="ecdsa")
    init.add_argument("--tls-san", action="append", default=[])
    init.add_argument("--server", default=None, help="server URL for admin.kubeconfig")

    kubeconfig = commands.add_parser("kubeconfig", help="issue a client certificate and write a kubeconfig for it")
    kubeconfig.add_argument("--user", required=True, help="user name (the certificate's CN)")
    kubeconfig.add_argument("--group", action="append", default=[], help="group (an O of the certificate); repeatable")
    kubeconfig.add_argument("--pki-dir", type=Path, default=Path(DEFAULT_PKI_DIR))
    kubeconfig.add_argument("--server", default=None, help="server URL (default: the one the server was configured with)")
    kubeconfig.add_argument("--out", type=Path, default=None, help="file to write (default: PKI_DIR/USER.kubeconfig)")
    kubeconfig.add_argument("--key-type", choices=("ecdsa", "rsa"), default="ecdsa")

    commands.add_parser("version", help="print kubegate's version")
    return parser


def configured_server_url(pki_dir: Path) -> str:
    """The URL in the admin kubeconfig the server wrote, else the default address."""
    admin = pki_dir / "admin.kubeconfig"
    try:
        data = yaml.safe_load(admin.read_text())
        return str(data["clusters"][0]["cluster"]["server"])
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):
        return ServerConfig().server_url()


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, blaming flags no command knows on the command they were given to."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        command = commands.choices[args.command]
        pki_command = getattr(args, "pki_command", None)
        if pki_command is not None:
            sub = next(a for a in command._actions if isinstance(a, argparse._SubParsersAction))
            command = sub.choices[pki_command]
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        if args.command == "serve":
            from kubegate.server.run import run

            return run(from_args(args))
        if args.command == "pki":
            files = pki.ensure_pki(
                args.pki_dir,
                server_url=args.server or ServerConfig().server_url(),
                key_type=args.key_type,
                extra_sans=args.tls_san,
                rewrite_kubeconfig=args.server is not None,  # asked for: point the admin there
            )
            for warning in files.warnings:
                print(f"kubegate: warning: {warning}", file=sys.stderr)
            print(f"PKI ready in {args.pki_dir.resolve()}")
            return 0
        if args.command == "kubeconfig":
            out = pki.write_user_kubeconfig(
                pki_dir=args.pki_dir,
                user=args.user,
                groups=args.group,
                server_url=args.server or configured_server_url(args.pki_dir),
                out=args.out,
                key_type=args.key_type,
            )
            print(out)
            return 0
        print(f"kubegate {__version__}")
        return 0
    except (ConfigError, pki.PkiError, OSError, StorageOpenError, StartupError) as exc:
        print(f"kubegate: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
