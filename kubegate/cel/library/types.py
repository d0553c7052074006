"""The opaque types of the Kubernetes libraries: kubernetes.Quantity, kubernetes.URL, net.IP, net.CIDR.

cel-cpp can hand only CEL's own values and protobuf messages to and from Python, so each opaque
type is a one-field message in a descriptor pool of our own, named as kube-apiserver names the
type (what `type(x)` and the type checker print). The field holds a canonical text of the value
so that message equality is value equality (`quantity('1k') == quantity('1000')`).
"""

from __future__ import annotations

from typing import Any

from cel_expr_python import cel
from google.protobuf import (
    any_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    message_factory,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
)

_FIELD = descriptor_pb2.FieldDescriptorProto


def _build() -> tuple[Any, dict[str, Any]]:
    # the default pool, which cel-cpp also needs for the well-known types (`any` parameters of
    # library functions among them); our files have names of their own in it
    pool = descriptor_pool.Default()
    for module in (any_pb2, duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2):
        assert module.DESCRIPTOR.name
    classes: dict[str, Any] = {}
    for package, names in (("kubernetes", ("Quantity", "URL")), ("net", ("IP", "CIDR"))):
        proto = descriptor_pb2.FileDescriptorProto(
            name=f"kubegate/cel/{package}.proto", package=package, syntax="proto3",
        )
        for name in names:
            message = proto.message_type.add(name=name)
            message.field.add(name="value", number=1, type=_FIELD.TYPE_STRING, label=_FIELD.LABEL_OPTIONAL)
        try:
            pool.FindFileByName(proto.name)
        except KeyError:
            pool.Add(proto)
        for name in names:
            full = f"{package}.{name}"
            classes[full] = message_factory.GetMessageClass(pool.FindMessageTypeByName(full))
    return pool, classes


POOL, _CLASSES = _build()

QUANTITY = cel.Type("kubernetes.Quantity")
URL = cel.Type("kubernetes.URL")
IP = cel.Type("net.IP")
CIDR = cel.Type("net.CIDR")


def make(type_name: str, text: str) -> Any:
    """A value of one of the opaque types, holding `text`."""
    return _CLASSES[type_name](value=text)
