"""Static bearer tokens from a CSV file (`--token-auth-file`).

Each record is `token,user,uid[,"group1,group2"]`, read as k8s.io/apiserver's `tokenfile`
package reads it: records may have any number of columns but at least three, an empty token is
skipped with a warning, a repeated token replaces the earlier one (with a warning), and the
groups column is split on commas as it is (so an empty column is one empty group, as there).
A file that cannot be read or parsed stops the server at start with one line naming the file
and the line. Tokens are never logged.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from kubegate.api.user import UserInfo
from kubegate.authn.authenticator import AuthResult
from kubegate.config import ConfigError

log = logging.getLogger("kubegate.authn.tokenfile")

# Go's encoding/csv words quote errors this way; Python's csv module words them differently.
_GO_QUOTE_ERROR = 'extraneous or missing " in quoted-field'


class TokenFileError(ConfigError):
    """The token file cannot be used; the message names the file and, when it applies, the line."""


def load_tokens(path: Path) -> dict[str, UserInfo]:
    try:
        handle = path.open(encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise TokenFileError(f"open {path}: {reason}") from None
    tokens: dict[str, UserInfo] = {}
    with handle:
        reader = csv.reader(handle, strict=True)
        record_number = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                message = _GO_QUOTE_ERROR if "expected" in str(exc) or "end of data" in str(exc) else str(exc)
                raise TokenFileError(f"token file '{path}': parse error on line {reader.line_num}: {message}") from None
            except OSError as exc:
                raise TokenFileError(f"token file '{path}': cannot read: {exc.strerror or exc}") from None
            if not record:
                continue  # blank lines are not records, as in Go's reader
            if len(record) < 3:
                raise TokenFileError(
                    f"token file '{path}' must have at least 3 columns (token, user name, user uid), "
                    f"found {len(record)} (line {reader.line_num})"
                )
            record_number += 1
            token, name, uid = record[0], record[1], record[2]
            if not token:
                log.warning("empty token has been found in token file '%s', record number '%d'", path, record_number)
                continue
            if token in tokens:
                log.warning("duplicate token has been found in token file '%s', record number '%d'", path, record_number)
            groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
            tokens[token] = UserInfo(name, uid=uid, groups=groups)
    return tokens


class TokenFileAuthenticator:
    """Maps a token from the file to its user; any other token is not mine."""

    def __init__(self, tokens: dict[str, UserInfo]) -> None:
        # One result per token, built once: authentication then costs a dict lookup.
        self._results = {token: AuthResult(user) for token, user in tokens.items()}

    @classmethod
    def from_file(cls, path: Path) -> TokenFileAuthenticator:
        return cls(load_tokens(path))

    async def authenticate_token(self, token: str, *, audiences: tuple[str, ...]) -> AuthResult | None:
        return self._results.get(token)
