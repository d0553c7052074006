"""The 403 an admission plugin answers with, named as kube-apiserver's admission.NewForbidden names it.

The object's name is not always known at admission time: a create with `generateName` has none
yet, so the message names the prefix instead (`pods "web-" is forbidden: ...`), and an object
with neither is `Unknown`.
"""

from __future__ import annotations

from kubegate.admission.attributes import AdmissionAttributes
from kubegate.api import errors


def object_name(attributes: AdmissionAttributes) -> str:
    if attributes.obj is None:
        return attributes.name or "Unknown"
    metadata = attributes.obj.get("metadata")
    if isinstance(metadata, dict):
        for key in ("name", "generateName"):
            value = metadata.get(key)
            if isinstance(value, str) and value:
                return value
    return attributes.name or "Unknown"


def forbidden(attributes: AdmissionAttributes, message: str) -> errors.StatusError:
    spec = attributes.spec
    return errors.forbidden(spec.plural, object_name(attributes), message, group=spec.group)
