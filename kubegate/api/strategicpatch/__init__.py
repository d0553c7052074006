"""Strategic merge patch (`application/strategic-merge-patch+json`), as the apiserver applies it.

`apply_patch(original, patch, schema)` is k8s.io/apimachinery's
`StrategicMergeMapPatch` with the server's options (parallel deletion lists merged, unmatched
nulls ignored), computed on copies. The schema position comes from the kind's OpenAPI
definition (`PatchSchema.of_definition`). Failures raise `PatchError`, whose `to_status()` is
the Status the real server answers with.

After merging, directive keys that survived (in values the patch added wholesale, say) are
dropped, as decoding the result into the Go type drops them on the real server.
"""

from __future__ import annotations

from typing import Any

import orjson

from kubegate.api import errors
from kubegate.api.jsoncopy import json_depth
from kubegate.api.mergepatch import copy_json
from kubegate.api.strategicpatch.errors import Answer, PatchError
from kubegate.api.strategicpatch.merge import merge_map
from kubegate.api.strategicpatch.meta import Definitions, PatchMeta, PatchSchema

__all__ = ["Answer", "Definitions", "PatchError", "PatchMeta", "PatchSchema", "apply_patch"]

#: Deeper values than this are refused up front: merging walks them recursively.
MAX_PATCH_DEPTH = 200

_DIRECTIVE_PREFIXES = ("$patch", "$retainKeys", "$setElementOrder/", "$deleteFromPrimitiveList/")


def apply_patch(original: dict[str, Any], patch: dict[str, Any], schema: PatchSchema) -> dict[str, Any]:
    """The object `patch` turns `original` into; neither argument is changed."""
    if json_depth(patch) > MAX_PATCH_DEPTH:
        raise PatchError(f"the patch nests deeper than {MAX_PATCH_DEPTH} levels", Answer.BAD_REQUEST)
    live = copy_json(original)
    changes = copy_json(patch)
    try:
        result = merge_map(live, changes, schema)
    except RecursionError:  # pragma: no cover - guarded by the depth check above
        raise errors.bad_request("the patch nests too deeply") from None
    _drop_directive_keys(result)
    return result


def _drop_directive_keys(value: Any) -> None:
    try:
        if b'"$' not in orjson.dumps(value):
            return  # no string, key or not, begins with "$": nothing to drop (and no walk)
    except TypeError:
        pass
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key in [k for k in item if k.startswith(_DIRECTIVE_PREFIXES)]:
                del item[key]
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
