"""Recording Events as controllers, the scheduler and kubelets do, so `kubectl describe` reads true.

Two recorders, as client-go has two:

* `EventRecorder` is client-go's core/v1 recorder (tools/record), which kube-controller-manager's
  controllers and the kubelet use: the event is named `<object>.<unix-nanos in hex>`, carries
  `source {component, host}`, `count`, `firstTimestamp`/`lastTimestamp`, and (since 1.28)
  `reportingComponent`/`reportingInstance`. A repeat of the same event (same object, reason,
  message, source) bumps `count` and `lastTimestamp` instead of creating another.
* `SeriesRecorder` is the events.k8s.io/v1 recorder (tools/events) the scheduler uses:
  `reportingController`, `reportingInstance`, `action`, `eventTime`, and repeats counted in
  `series`.

Recording never fails the caller: events are best effort on a real cluster too.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubegate.api import errors, meta
from kubegate.registry.catalog import Catalog
from kubegate.registry.rest import GenericStore
from kubegate.registry.spec import ResourceSpec

log = logging.getLogger("kubegate.controllers.events")

NORMAL = "Normal"
WARNING = "Warning"


def object_reference(obj: dict[str, Any], *, field_path: str = "") -> dict[str, Any]:
    """The involvedObject/regarding reference of `obj`, as the recorders build it."""
    metadata = obj.get("metadata") or {}
    reference = {
        "kind": obj.get("kind", ""),
        "namespace": metadata.get("namespace", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "apiVersion": obj.get("apiVersion", ""),
        "resourceVersion": metadata.get("resourceVersion", ""),
    }
    if field_path:
        reference["fieldPath"] = field_path
    return {key: value for key, value in reference.items() if value}


def _micro_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event_name(involved_name: str) -> str:
    return f"{involved_name}.{time.time_ns():x}"


@dataclass
class EventRecorder:
    """client-go's core/v1 recorder for one component (`deployment-controller`, `kubelet`, ...)."""

    rest: GenericStore
    catalog: Catalog
    component: str
    host: str = ""
    #: (namespace, involved uid, reason, message) -> event name, for counting repeats
    _seen: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    @property
    def _spec(self) -> ResourceSpec:
        spec = self.catalog.lookup("", "v1", "events")
        assert spec is not None
        return spec

    async def event(
        self, obj: dict[str, Any], event_type: str, reason: str, message: str, *, field_path: str = "",
        namespace: str | None = None,
    ) -> None:
        """Record `reason: message` about `obj` (Node events go to `default`, as the kubelet's do)."""
        involved = object_reference(obj, field_path=field_path)
        if namespace is None:
            namespace = involved.get("namespace") or "default"
        now = meta.format_time(meta.now())
        key = (namespace, str(involved.get("uid", "")), reason, message)
        try:
            if await self._bump(key, namespace, now):
                return
            name = _event_name(str(involved.get("name", "")))
            body = {
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "source": {"component": self.component, **({"host": self.host} if self.host else {})},
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "type": event_type,
                "eventTime": None,
                "reportingComponent": self.component,
                "reportingInstance": self.host,
            }
            await self.rest.create(self._spec, namespace, body)
            self._seen[key] = name
        except errors.StatusError as error:  # a terminating namespace, say: events are best effort
            log.debug("event %s for %s not recorded: %s", reason, involved.get("name"), error.message)

    async def _bump(self, key: tuple[str, str, str, str], namespace: str, now: str) -> bool:
        name = self._seen.get(key)
        if name is None:
            return False

        async def counted(live: dict[str, Any] | None) -> dict[str, Any]:
            if live is None:
                raise errors.not_found("events", name)
            return {**live, "count": int(live.get("count") or 1) + 1, "lastTimestamp": now}

        try:
            await self.rest.update(self._spec, namespace, name, counted)
            return True
        except errors.StatusError:
            self._seen.pop(key, None)  # gone (expired or deleted): record anew
            return False


@dataclass
class SeriesRecorder:
    """client-go's events.k8s.io/v1 recorder, as the scheduler uses it."""

    rest: GenericStore
    catalog: Catalog
    controller: str
    instance: str

    async def event(
        self, obj: dict[str, Any], event_type: str, reason: str, action: str, note: str,
        *, related: dict[str, Any] | None = None,
    ) -> None:
        """Record `note` about `obj`; `related` is the other object of the action (a preemptor)."""
        spec = self.catalog.lookup("events.k8s.io", "v1", "events")
        assert spec is not None
        regarding = object_reference(obj)
        namespace = regarding.get("namespace") or "default"
        body: dict[str, Any] = {
            "metadata": {"name": _event_name(str(regarding.get("name", ""))), "namespace": namespace},
            "eventTime": _micro_time(meta.now()),
            "reportingController": self.controller,
            "reportingInstance": self.instance,
            "action": action,
            "reason": reason,
            "regarding": regarding,
            "note": note,
            "type": event_type,
        }
        if related is not None:
            body["related"] = object_reference(related)
        try:
            await self.rest.create(spec, namespace, body)
        except errors.StatusError as error:
            log.debug("event %s for %s not recorded: %s", reason, regarding.get("name"), error.message)
