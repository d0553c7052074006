"""The 409 an apply gets when it would take fields other managers own.

k8s.io/apimachinery's `NewConflictError`: one cause per conflicting field, naming the manager
as `printManager` does (`"kubectl-client-side-apply" using apps/v1`), and a message listing
them, grouped by manager when there are several.
"""

from __future__ import annotations

from kubegate.api import errors
from kubegate.api.managedfields import entries
from kubegate.api.managedfields.fieldpath import path_string
from kubegate.api.managedfields.updater import Conflicts


def conflict_error(conflicts: Conflicts) -> errors.StatusError:
    """The 409 an apply with conflicts gets (NewApplyConflict with getConflictMessage)."""
    found = conflicts.conflicts
    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {entries.printable(m)}", "field": path_string(p)}
        for m, p in found
    ]
    if len(found) == 1:
        manager, path = found[0]
        message = f"Apply failed with 1 conflict: conflict with {entries.printable(manager)}: {path_string(path)}"
    else:
        lines: list[str] = []
        for manager in sorted({m for m, _ in found}):
            lines.append(f"conflicts with {entries.printable(manager)}:")
            lines.extend(f"- {path_string(p)}" for m, p in found if m == manager)
        message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return errors.StatusError(409, "Conflict", message, {"causes": causes})
