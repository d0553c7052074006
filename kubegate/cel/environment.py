"""The CEL environment kube-apiserver 1.32 gives policies and CRD rules, built on cel-cpp.

cel-cpp brings the standard functions and macros, optional types (`?.`, `[?`, `orValue`) and
the strings extension; `kubegate.cel.library` adds the Kubernetes libraries. Every variable is
declared `dyn`, as kube-apiserver declares `object`, `oldObject` and `params` for policies (it
also types `request` and `namespaceObject`, and CRD rules get their schema's type: there its
checker finds misspelt fields at write time, kubegate's only when evaluating).

One environment is built per set of variable names and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings

from kubegate.cel import library
from kubegate.cel.library import types

#: cel-go's strings extension version that Kubernetes 1.29+ enables (charAt ... join, format, quote)
STRINGS_VERSION = 2
#: library functions whose names the standard library or the strings extension also declare
SHARED_NAMES = frozenset({"indexOf", "lastIndexOf", "string"})


def environment(variables: Iterable[str]) -> Any:
    """The environment declaring `variables` (all `dyn`) beside the libraries."""
    return _build(frozenset(variables))


@functools.lru_cache(maxsize=64)
def _build(variables: frozenset[str]) -> Any:
    return cel.NewEnv(
        types.POOL,
        variables={name: cel.Type.DYN for name in sorted(variables)},
        functions=[d.decl for d in library.DECLARATIONS if d.name not in SHARED_NAMES],
        # functions with a name cel already has (`indexOf` of lists beside that of strings,
        # `string(ip)` beside the standard ones) come as an extension after the strings one, so
        # that their overloads merge instead of clashing
        extensions=[
            ext_strings.ExtStrings(STRINGS_VERSION), ext_optional.ExtOptional(),
            cel.CelExtension("kubernetes", [d.decl for d in library.DECLARATIONS if d.name in SHARED_NAMES]),
        ],
    )
