"""Size bounds of values, for the cost estimator: the observed shape of the input data.

Kubernetes bounds an expression's cost with sizes: at CRD write time from the schema's
maxItems/maxLength, at evaluation time by counting what the evaluation actually did. kubegate's
engine cannot count from inside, so it estimates before evaluating, with sizes taken from the
data the expression will see. A `Shape` is an upper bound of a value: `size` is the length of a
string or bytes, the item count of a list or map; `item` bounds every list item or map value
(merged over all of them); `fields` keeps map entries by key where the keys are known, so that
`object.spec.containers` finds the containers list rather than the largest thing in `object`.

`of(value)` summarises data in one pass; `top(limit)` is "anything no larger than limit", for
values the estimator cannot follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Shape:
    __slots__ = ("fields", "item", "key", "size")

    def __init__(self, size: int = 0, item: Shape | None = None, fields: dict[str, Shape] | None = None,
                 key: int = 0) -> None:
        self.size = size
        self.item = item
        self.fields = fields
        #: longest key of a map
        self.key = key

    def element(self) -> Shape:
        """The bound of any item (list) or value (map)."""
        return self.item if self.item is not None else SCALAR

    def entry(self, name: str) -> Shape:
        """The bound of the map entry `name`."""
        if self.fields is not None and name in self.fields:
            return self.fields[name]
        return self.element()

    def total(self, depth: int = 0) -> int:
        """Upper bound of the number of scalars and characters inside (what a deep comparison visits)."""
        if self.item is None or depth > 8 or self.item is self:
            return max(1, self.size)
        return max(1, self.size) * self.item.total(depth + 1)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Shape(size={self.size}, fields={sorted(self.fields) if self.fields else None})"


SCALAR = Shape()


def top(limit: int) -> Shape:
    """A value of unknown structure whose sizes are at most `limit` at every level."""
    shape = Shape(limit, key=limit)
    shape.item = shape
    return shape


def string(size: int) -> Shape:
    return Shape(max(0, size))


def list_of(size: int, item: Shape) -> Shape:
    return Shape(max(0, size), item)


def of(value: Any) -> Shape:
    """The exact bound of one value: lengths as they are, list items merged."""
    if isinstance(value, (str, bytes)):
        return Shape(len(value))
    if isinstance(value, Mapping):
        fields = {str(key): of(item) for key, item in value.items()}
        merged = merge_all(fields.values())
        return Shape(len(value), merged, fields, max((len(str(key)) for key in value), default=0))
    if isinstance(value, (list, tuple)):
        return Shape(len(value), merge_all(of(item) for item in value))
    return SCALAR


def merge_all(shapes: Any) -> Shape | None:
    merged: Shape | None = None
    for shape in shapes:
        merged = shape if merged is None else merge(merged, shape)
    return merged


def merge(a: Shape, b: Shape) -> Shape:
    """The smallest bound of both: sizes at their largest, fields merged key by key."""
    if a is b:
        return a
    if a.item is a or b.item is b:  # an unknown value absorbs anything no larger than itself
        return a if a.item is a and a.size >= b.size else top(max(a.size, b.size, a.key, b.key))
    item = b.item if a.item is None else a.item if b.item is None else merge(a.item, b.item)
    fields: dict[str, Shape] | None = None
    if a.fields is not None and b.fields is not None:
        fields = dict(a.fields)
        for name, shape in b.fields.items():
            fields[name] = merge(fields[name], shape) if name in fields else shape
    return Shape(max(a.size, b.size), item, fields, max(a.key, b.key))
