"""ControllerRevisions: the template history StatefulSets and DaemonSets keep (apps/v1).

Both controllers snapshot their pod template as a ControllerRevision named `<owner>-<hash>`
whose `data` is the patch that restores it (`{"spec": {"template": {..., "$patch": "replace"}}}`)
and whose `revision` counts up. The newest template's revision is the *update* revision; pods
carry the revision they were made from in the `controller-revision-hash` label. Old revisions
beyond `revisionHistoryLimit` that no pod uses are deleted.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.controllers.workloads.controlled import (
    CONTROLLER_REVISIONS,
    WorkloadController,
    int_field,
    revision_hash,
)
from kubegate.controllers.workloads.podcontrol import controller_ref

HASH_LABEL = "controller-revision-hash"


def template_patch(obj: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy((obj.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def template_of(revision: dict[str, Any]) -> dict[str, Any]:
    """The pod template a revision restores."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


async def ensure_update_revision(controller: WorkloadController, owner: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The revision of `owner`'s current template (created if new), and all of its revisions."""
    revisions = sorted(controller.owned(CONTROLLER_REVISIONS, owner), key=lambda r: int_field(r, "revision", 0))
    data = template_patch(owner)
    for revision in revisions:
        if revision.get("data") == data:
            return revision, revisions
    collision = int_field(owner.get("status") or {}, "collisionCount", 0)
    digest = revision_hash(data, collision_count=collision)
    name = f"{owner['metadata']['name']}-{digest}"
    template_labels = dict(((owner.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {})
    body = {
        "metadata": {
            "name": name,
            "namespace": owner["metadata"].get("namespace", ""),
            "labels": {**template_labels, HASH_LABEL: digest},
            "ownerReferences": [controller_ref(owner)],
        },
        "data": data,
        "revision": max((int_field(r, "revision", 0) for r in revisions), default=0) + 1,
    }
    spec = controller.api(*CONTROLLER_REVISIONS)
    stored = await controller.client.create(spec, owner["metadata"].get("namespace", ""), body)
    created = stored.obj if stored is not None else body
    return created, [*revisions, created]


async def truncate_history(
    controller: WorkloadController, owner: dict[str, Any], revisions: list[dict[str, Any]], *, live: set[str],
) -> None:
    """Delete the oldest revisions no pod uses, beyond the owner's revisionHistoryLimit."""
    limit = int_field(owner.get("spec") or {}, "revisionHistoryLimit", 10)
    unused = [r for r in revisions if r["metadata"]["name"] not in live]
    spec = controller.api(*CONTROLLER_REVISIONS)
    for revision in unused[: max(0, len(unused) - limit)]:
        metadata = revision["metadata"]
        await controller.client.delete(spec, metadata.get("namespace", ""), metadata["name"], uid=metadata.get("uid", ""))
