"""Flags take kube-apiserver's names; a YAML file sets the same keys; flags win."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kubegate.config import ConfigError, ServerConfig, add_flags, from_args


def parse(*argv: str) -> ServerConfig:
    parser = argparse.ArgumentParser()
    add_flags(parser)
    return from_args(parser.parse_args(argv))


def test_defaults_match_the_brief() -> None:
    config = parse()
    assert config.bind_address == "127.0.0.1"
    assert config.secure_port == 6443
    assert config.pki_dir == Path("pki")
    assert config.anonymous_auth is True
    assert config.server_url() == "https://127.0.0.1:6443"


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kubegate.yaml"
    path.write_text("secure-port: 7443\nanonymous-auth: false\nauthorization-mode: [AlwaysDeny]\ntls-san: [a.example, 10.0.0.1]\n")
    config = parse("--config", str(path), "--secure-port", "8443", "--authorization-mode", "AlwaysAllow,AlwaysDeny")
    assert config.secure_port == 8443
    assert config.anonymous_auth is False
    assert config.authorization_mode == ("AlwaysAllow", "AlwaysDeny")
    assert config.tls_san == ("a.example", "10.0.0.1")


@pytest.mark.parametrize("value,expected", [("false", False), ("true", True), ("0", False)])
def test_boolean_flags_take_a_value(value: str, expected: bool) -> None:
    assert parse(f"--anonymous-auth={value}").anonymous_auth is expected


def test_wildcard_bind_address_is_dialled_on_loopback() -> None:
    assert parse("--bind-address", "0.0.0.0").server_url(1234) == "https://127.0.0.1:1234"
    assert parse("--bind-address", "::").server_url(1234) == "https://[::1]:1234"


@pytest.mark.parametrize(
    "content,message",
    [
        ("secure-port: many\n", "secure-port: invalid int value 'many'"),
        ("no-such-flag: 1\n", "unknown key 'no-such-flag'"),
        ("- a list\n", "expected a mapping of flag names to values"),
        ("secure-port: [\n", "not valid YAML"),
    ],
)
def test_bad_config_files_name_the_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        parse("--config", str(path))
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_cert_and_key_go_together() -> None:
    with pytest.raises(ConfigError, match="must be given together"):
        parse("--tls-cert-file", "x.crt")


def test_every_option_is_a_config_attribute_with_the_same_default() -> None:
    from dataclasses import fields

    from kubegate.config import OPTIONS, _coerce

    defaults = {f.name: f.default for f in fields(ServerConfig)}
    for option in OPTIONS:
        assert option.attr in defaults, option.flag
        expected = option.default if option.default in (None, ()) else _coerce(option, option.default, source="test")
        if option.kind == "list":
            expected = tuple(option.default)
        assert defaults[option.attr] == expected, option.flag


@pytest.mark.parametrize("text,seconds", [("2m", 120.0), ("1h30m", 5400.0), ("90s", 90.0), ("0", 0.0), ("1.5h", 5400.0)])
def test_durations_read_like_go(text: str, seconds: float) -> None:
    from kubegate.config import parse_duration

    assert parse_duration(text) == seconds
