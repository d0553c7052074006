"""An upper bound of what evaluating an expression costs, computed before it runs.

kube-apiserver counts the cost of every evaluation as it goes (cel-go's runtime cost tracker)
and stops one at 1,000,000 units (`operation cancelled: actual cost limit exceeded`), a policy's
expressions together at 10,000,000. cel-cpp cannot be interrupted once it runs (and holds the
GIL), so kubegate estimates instead, walking the checked tree with the sizes of the data the
expression is about to see (`kubegate.cel.shapes`), in cel-go's units:

- 1 for every identifier, field selection, operator and function call;
- string and list work at 0.1 per character or item traversed (concatenation, comparison,
  `contains`, `split`, `join`, ...); `matches` at that times 0.25 per character of the pattern;
- a comprehension (`all`, `exists`, `map`, `filter` ...) at its range's size times its body;
- both branches of `? :` and `&&`/`||` counted, whichever would run.

The bound is honest (never below what the evaluation does in these units) but can be above the
real server's count, which knows which branch ran and where `exists` stopped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kubegate.cel import shapes
from kubegate.cel.ast import Node
from kubegate.cel.shapes import SCALAR, Shape

#: cel-go's factors: per character/item traversed, and per regex character
TRAVERSAL = 0.1
REGEX = 0.25
#: a shape for what the estimator cannot follow, when no bigger bound is known
UNKNOWN_LIMIT = 3 * 1024 * 1024
#: estimates are capped here (far above any budget) to keep the arithmetic small
CEILING = 1 << 62


def estimate(root: Node, variables: Mapping[str, Shape]) -> int:
    """The estimated cost of evaluating `root` with variables of the given shapes."""
    limit = max([UNKNOWN_LIMIT, *(v.size for v in variables.values())])
    cost, _ = _Estimator(limit).node(root, dict(variables))
    return min(cost, CEILING)


def _walk(size: float) -> int:
    return math.ceil(size * TRAVERSAL)


class _Estimator:
    def __init__(self, limit: int) -> None:
        self.unknown = shapes.top(limit)
        self.accumulators: set[str] = set()

    def node(self, node: Node, scope: dict[str, Shape]) -> tuple[int, Shape]:
        kind = node.kind
        if kind == "const":
            value = node.value
            return 0, shapes.string(len(value)) if isinstance(value, (str, bytes)) else SCALAR
        if kind == "ident":
            return 1, scope.get(node.name, self.unknown)
        if kind == "select":
            cost, operand = self.node(node.target, scope) if node.target is not None else (0, self.unknown)
            return cost + 1, SCALAR if node.test_only else operand.entry(node.name)
        if kind == "list":
            costs = [self.node(item, scope) for item in node.args]
            merged = shapes.merge_all(shape for _, shape in costs) or SCALAR
            return 10 + sum(cost for cost, _ in costs), shapes.list_of(len(costs), merged)
        if kind == "struct":
            return self._struct(node, scope)
        if kind == "comprehension":
            return self._comprehension(node, scope)
        return self._call(node, scope)

    def _struct(self, node: Node, scope: dict[str, Shape]) -> tuple[int, Shape]:
        cost, fields, longest = 40, {}, 0
        for key, value in zip(node.keys, node.args, strict=False):
            value_cost, value_shape = self.node(value, scope)
            cost += value_cost
            if isinstance(key, Node):
                key_cost, key_shape = self.node(key, scope)
                cost += key_cost
                longest = max(longest, key_shape.size)
                if key.kind == "const" and isinstance(key.value, str):
                    fields[key.value] = value_shape
                    continue
            elif key:
                fields[key] = value_shape
            fields.setdefault(f"\0{len(fields)}", value_shape)
        merged = shapes.merge_all(fields.values())
        return cost, Shape(len(node.args), merged, fields, longest)

    def _comprehension(self, node: Node, scope: dict[str, Shape]) -> tuple[int, Shape]:
        parts = node.parts
        range_cost, range_shape = self._part(parts, "iter_range", scope)
        init_cost, init_shape = self._part(parts, "accu_init", scope)
        count = range_shape.size
        inner = dict(scope)
        if range_shape.fields is not None or range_shape.key:  # a map: the variable is a key
            inner[node.iter_var] = shapes.string(range_shape.key)
            if node.iter_var2:
                inner[node.iter_var2] = range_shape.element()
        else:
            inner[node.iter_var] = range_shape.element() if not node.iter_var2 else SCALAR
            if node.iter_var2:
                inner[node.iter_var2] = range_shape.element()
        self.accumulators.add(node.accu_var)
        # the accumulator grows by what one step adds, once per item (map, filter)
        inner[node.accu_var] = init_shape
        _, once = self._part(parts, "loop_step", inner)
        grown = max(0, once.size - init_shape.size)
        accu = Shape(init_shape.size + grown * count, shapes.merge(init_shape, once).item, None,
                     max(init_shape.key, once.key))
        inner[node.accu_var] = accu
        condition_cost, _ = self._part(parts, "loop_condition", inner)
        step_cost, _ = self._part(parts, "loop_step", inner)
        result_cost, result_shape = self._part(parts, "result", inner)
        total = range_cost + init_cost + count * (condition_cost + step_cost) + result_cost
        return min(total, CEILING), result_shape

    def _part(self, parts: dict[str, Node], name: str, scope: dict[str, Shape]) -> tuple[int, Shape]:
        part = parts.get(name)
        return self.node(part, scope) if part is not None else (0, SCALAR)

    def _call(self, node: Node, scope: dict[str, Shape]) -> tuple[int, Shape]:
        name = node.name
        operands = ([node.target] if node.target is not None else []) + node.args
        estimated = [self.node(operand, scope) for operand in operands]
        cost = sum(c for c, _ in estimated)
        args = [shape for _, shape in estimated]
        if name == "_?_:_" and len(estimated) == 3:
            return cost, shapes.merge(args[1], args[2])
        if name == "_+_" and operands and operands[0].kind == "ident" and operands[0].name in self.accumulators:
            # a macro appending to its accumulator: cel's evaluators append in place
            right = args[1] if len(args) > 1 else SCALAR
            return cost + 1 + _walk(right.size), shapes.list_of(args[0].size + right.size, shapes.merge(
                args[0].element(), right.element()))
        rule = RULES.get(name)
        if rule is None:
            return cost + 1 + _walk(sum(a.total() for a in args)), self.unknown
        own, shape = rule(args, self.unknown)
        return min(cost + own, CEILING), shape


# --- per-function rules: (argument shapes, unknown) -> (own cost, result shape) -----------------


def _constant(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    return 1, SCALAR


def _compare(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    sizes = [a.total() if a.size or a.item else 1 for a in args] or [1]
    return 1 + _walk(min(sizes)), SCALAR


def _add(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    if len(args) != 2:
        return 1, SCALAR
    left, right = args
    if not (left.size or right.size or left.item or right.item):
        return 1, SCALAR
    item = shapes.merge(left.element(), right.element()) if left.item or right.item else None
    return 1 + _walk(left.size + right.size), Shape(left.size + right.size, item)


def _index(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    return 1, args[0].element() if args else unknown


def _in(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    return 1 + (args[1].size if len(args) > 1 else 0), SCALAR


def _scan(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    """String functions that read their inputs once and answer a scalar."""
    return 1 + _walk(sum(a.size for a in args)), SCALAR


def _same_size(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    size = args[0].size if args else 0
    return 1 + _walk(size), shapes.string(size)


def _matches(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    text = args[0].size if args else 0
    pattern = args[1].size if len(args) > 1 else 0
    return 1 + _walk(text) * max(1, math.ceil(pattern * REGEX)), SCALAR


def _replace(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    text = args[0].size if args else 0
    new = args[2].size if len(args) > 2 else 0
    result = text * max(1, new) + new
    return 1 + _walk(text + result), shapes.string(result)


def _split(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    text = args[0].size if args else 0
    return 1 + _walk(text), shapes.list_of(text + 1, shapes.string(text))


def _join(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    items = args[0] if args else SCALAR
    separator = args[1].size if len(args) > 1 else 0
    size = items.size * (items.element().size + separator)
    return 1 + _walk(size), shapes.string(size)


def _find_all(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    cost, _ = _matches(args, unknown)
    text = args[0].size if args else 0
    return cost, shapes.list_of(text + 1, shapes.string(text))


def _find(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    cost, _ = _matches(args, unknown)
    return cost, shapes.string(args[0].size if args else 0)


def _format(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    size = sum(a.total() for a in args) * 24  # every value printed, numbers in up to 24 characters
    return 1 + _walk(size), shapes.string(size)


def _to_string(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    size = max(32, args[0].size if args else 0)
    return 1 + _walk(size), shapes.string(size)


def _quote(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    size = 2 + 4 * (args[0].size if args else 0)
    return 1 + _walk(size), shapes.string(size)


def _list_scan(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    """Kubernetes list functions (sum, min, max, isSorted, indexOf ...): one pass, compare items."""
    items = args[0] if args else SCALAR
    return 1 + items.size * (1 + _walk(items.element().total())), items.element()


def _sets(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    sizes = [a.size for a in args] + [1, 1]
    return 1 + sizes[0] * sizes[1], SCALAR


def _passthrough(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    """Optional wrappers and conversions that hand back (a part of) their first argument."""
    return 1, args[0] if args else unknown


def _optional_select(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    return 1, args[0].element() if args else unknown


def _merge_args(args: list[Shape], unknown: Shape) -> tuple[int, Shape]:
    return 1, shapes.merge_all(args) or SCALAR


_CONSTANT = (
    "!_", "-_", "_-_", "_*_", "_/_", "_%_", "_&&_", "_||_", "@not_strictly_false", "not_strictly_false",
    "size", "int", "uint", "double", "bool", "type", "duration", "timestamp", "charAt",
    "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek", "getHours",
    "getMinutes", "getSeconds", "getMilliseconds", "hasValue", "optional.none",
    "isQuantity", "sign", "isGreaterThan", "isLessThan", "compareTo", "asInteger", "isInteger",
    "asApproximateFloat", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
    "isLinkLocalUnicast", "isGlobalUnicast", "prefixLength", "containsIP", "containsCIDR", "masked",
    "getPort", "isIP", "ip.isCanonical", "isCIDR",
)
_SCANS = (
    "contains", "startsWith", "endsWith", "indexOf", "lastIndexOf", "isURL", "url", "quantity",
    "ip", "cidr", "add", "sub", "getScheme", "getHost", "getHostname", "getEscapedPath", "getQuery",
)

#: function (or operator) name -> its cost rule
RULES = {
    **{name: _constant for name in _CONSTANT},
    **{name: _scan for name in _SCANS},
    **{name: _compare for name in ("_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_")},
    "_+_": _add, "_[_]": _index, "@in": _in, "_[?_]": _optional_select, "_?._": _optional_select,
    "matches": _matches, "find": _find, "findAll": _find_all, "replace": _replace, "split": _split,
    "join": _join, "format": _format, "strings.quote": _quote, "string": _to_string, "bytes": _same_size,
    "lowerAscii": _same_size, "upperAscii": _same_size, "trim": _same_size, "substring": _same_size,
    "sum": _list_scan, "min": _list_scan, "max": _list_scan, "isSorted": _list_scan,
    "sets.contains": _sets, "sets.equivalent": _sets, "sets.intersects": _sets,
    "dyn": _passthrough, "optional.of": _passthrough, "optional.ofNonZeroValue": _passthrough,
    "value": _passthrough, "orValue": _merge_args, "or": _merge_args,
}  # fmt: skip
