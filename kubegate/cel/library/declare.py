"""Small helpers to declare library functions for cel-cpp, and the types they use.

A Kubernetes library function is a name with overloads; each overload has an id (the one
kube-apiserver uses), parameter types, a result type and a Python implementation. An
implementation that raises `LibraryError` becomes a CEL error value with that text, as the
real library's `types.NewErr` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel

FunctionDecl = cel.FunctionDecl
Type = cel.Type

BOOL, INT, UINT, DOUBLE, STRING, BYTES = Type.BOOL, Type.INT, Type.UINT, Type.DOUBLE, Type.STRING, Type.BYTES
DYN = Type.DYN
#: a parameter matching any value at run time (cel-cpp dispatches `dyn` parameters on nothing);
#: it works for `functions=` of an environment but not inside an extension
ANY = Type("google.protobuf.Any")
LIST = Type.List(DYN)
MAP = Type.Map(DYN, DYN)
LIST_STRING = Type.List(STRING)
#: the parameter types of a function taking any value, one overload each (for extensions)
VALUE_TYPES = {
    "int": INT, "uint": UINT, "double": DOUBLE, "string": STRING, "bool": BOOL, "bytes": BYTES,
    "list": LIST, "map": MAP, "duration": Type.DURATION, "timestamp": Type.TIMESTAMP,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Declared:
    """A function's declaration for cel-cpp, with its name (which cel-cpp does not give back)."""

    name: str
    decl: Any


class LibraryError(ValueError):
    """An evaluation error raised by a library function; its text is the error's."""


def function(name: str, *overloads: Any) -> Declared:
    return Declared(name, cel.FunctionDecl(name, list(overloads)))


def member(overload_id: str, result: Any, params: Sequence[Any], impl: Callable[..., Any]) -> Any:
    """`receiver.name(args)`: the receiver is the first parameter."""
    return cel.Overload(overload_id, result, list(params), is_member=True, impl=_guarded(impl))


def glob(overload_id: str, result: Any, params: Sequence[Any], impl: Callable[..., Any]) -> Any:
    """`name(args)`."""
    return cel.Overload(overload_id, result, list(params), impl=_guarded(impl))


def _guarded(impl: Callable[..., Any]) -> Callable[..., Any]:
    """Any failure of an implementation is an error value, never an exception out of cel-cpp."""

    def call(*args: Any) -> Any:
        try:
            return impl(*args)
        except LibraryError:
            raise
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError) as exc:
            raise LibraryError(str(exc)) from None

    call.__name__ = getattr(impl, "__name__", "impl")
    return call
