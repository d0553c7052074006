"""The Kubernetes regex library: `s.find(re)`, `s.findAll(re)`, `s.findAll(re, n)`.

RE2 syntax and linear-time matching, as Go's regexp (a hostile pattern cannot backtrack for
ever). A bad pattern is the error `Illegal regex: <RE2's complaint>`.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

from kubegate.cel.library.declare import INT, LIST_STRING, STRING, LibraryError, function, member

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@functools.lru_cache(maxsize=256)
def compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        raise LibraryError(f"Illegal regex: error parsing regexp: {text}") from None


def find(text: str, pattern: str) -> str:
    match = compiled(pattern).search(text)
    return match.group(0) if match else ""


def find_all(text: str, pattern: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    found = [match.group(0) for match in compiled(pattern).finditer(text)]
    return found if limit < 0 else found[:limit]


DECLARATIONS = (
    function("find", member("string_find_string", STRING, [STRING, STRING], find)),
    function(
        "findAll",
        member("string_find_all_string", LIST_STRING, [STRING, STRING], find_all),
        member("string_find_all_string_int", LIST_STRING, [STRING, STRING, INT], find_all),
    ),
)
