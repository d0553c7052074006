"""The Kubernetes format library (1.31) is not provided yet: `format.dns1123Label()` and the
other named formats return optional values that cel-cpp cannot take from Python. Expressions
using it fail to compile with cel's `undeclared reference` error."""

from __future__ import annotations

from kubegate.cel.library.declare import Declared

DECLARATIONS: tuple[Declared, ...] = ()
