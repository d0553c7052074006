"""`--token-auth-file`: the CSV rules of k8s.io/apiserver's tokenfile, and its start-up errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kubegate.api.user import UserInfo
from kubegate.authn.tokenfile import TokenFileAuthenticator, TokenFileError, load_tokens
from kubegate.config import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tokens.csv"
    path.write_text(text)
    return path


def test_records_with_and_without_groups(tmp_path: Path) -> None:
    path = write(tmp_path, 'tok-1,alice,u-1,"dev,ops"\ntok-2,bob,u-2\n\ntok-3,carol,,admins\n')
    assert load_tokens(path) == {
        "tok-1": UserInfo("alice", uid="u-1", groups=("dev", "ops")),
        "tok-2": UserInfo("bob", uid="u-2"),
        "tok-3": UserInfo("carol", groups=("admins",)),
    }


def test_extra_columns_are_ignored_and_crlf_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "tok,alice,u-1,dev,whatever,else\r\n")
    assert load_tokens(path) == {"tok": UserInfo("alice", uid="u-1", groups=("dev",))}


def test_empty_and_duplicate_tokens_warn_without_the_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, ",nobody,u-0\nsecret-1,alice,u-1\nsecret-1,bob,u-2\n")
    with caplog.at_level(logging.WARNING, logger="kubegate.authn.tokenfile"):
        tokens = load_tokens(path)
    assert tokens == {"secret-1": UserInfo("bob", uid="u-2")}
    assert "empty token has been found in token file" in caplog.text
    assert "record number '3'" in caplog.text
    assert "secret-1" not in caplog.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tok,alice,u-1\nshort,row\n", "must have at least 3 columns (token, user name, user uid), found 2 (line 2)"),
        ('tok,alice,u-1\n"unterminated,alice,u-1\n', 'parse error on line 2: extraneous or missing " in quoted-field'),
        ('"tok"x,alice,u-1\n', 'parse error on line 1: extraneous or missing " in quoted-field'),
    ],
)
def test_a_malformed_file_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TokenFileError) as caught:
        load_tokens(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigError)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="no such file or directory"):
        load_tokens(tmp_path / "absent.csv")


async def test_authenticator_maps_known_tokens_only(tmp_path: Path) -> None:
    auth = TokenFileAuthenticator.from_file(write(tmp_path, "tok,alice,u-1\n"))
    result = await auth.authenticate_token("tok", audiences=())
    assert result is not None and result.user == UserInfo("alice", uid="u-1")
    assert await auth.authenticate_token("tok2", audiences=()) is None
