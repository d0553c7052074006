"""Content negotiation: what a request body is in, and what the client wants back.

Bodies arrive as JSON, YAML or Kubernetes protobuf; answers go out as JSON (YAML on request),
or as a server-printed Table when the client asks for `as=Table`. Parsing the Accept header is
on every request's path, so the common headers are cached.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import yaml

from kubegate.api import errors

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"

class Output(enum.Enum):
    JSON = "json"
    YAML = "yaml"
    TABLE = "table"
    AGGREGATED_DISCOVERY = "aggregated"


@dataclass(frozen=True, slots=True)
class Accepted:
    output: Output
    discovery_version: str = ""


SUPPORTED_OUTPUT = (JSON, YAML, PROTOBUF)


@lru_cache(maxsize=256)
def parse_accept(header: str) -> Accepted:
    """The first acceptable media range wins, as the real server's negotiator picks."""
    if not header:
        return Accepted(Output.JSON)
    for clause in header.split(","):
        parts = [p.strip() for p in clause.split(";")]
        media = parts[0].lower()
        params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        params = {k.strip().lower(): v.strip() for k, v in params.items()}
        if media in (JSON, "application/*", "*/*", PROTOBUF):
            as_kind = params.get("as", "")
            if as_kind == "Table" and params.get("g") == "meta.k8s.io":
                return Accepted(Output.TABLE)
            if as_kind == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
                if params.get("v") in ("v2", "v2beta1"):
                    return Accepted(Output.AGGREGATED_DISCOVERY, params["v"])
                continue
            if as_kind:
                continue  # a transformation we do not offer (e.g. PartialObjectMetadata): next
            if media == PROTOBUF:
                continue  # answers are JSON; a client that also accepts JSON says so next
            return Accepted(Output.JSON)
        if media in (YAML, "application/yaml", "text/yaml"):
            return Accepted(Output.YAML)
    if "protobuf" in header:
        # protobuf-only clients still get JSON, which every kubectl accepts.
        return Accepted(Output.JSON)
    raise errors.not_acceptable(SUPPORTED_OUTPUT)


def decode_body(body: bytes, content_type: str) -> Any:
    """Decode a request body by its Content-Type into JSON values."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("", JSON, "*/*"):
        return _decode_json(body)
    if media in (YAML, "application/x-yaml", "text/yaml"):
        return decode_yaml(body)
    if media == PROTOBUF:
        from kubegate.api.protobuf.decode import decode_kubernetes_protobuf

        return decode_kubernetes_protobuf(body)
    raise errors.unsupported_media_type()


def _decode_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise errors.bad_request(f"error decoding JSON request body: {exc}") from exc


def decode_yaml(body: bytes) -> Any:
    """YAML converted to JSON as sigs.k8s.io/yaml converts it: string keys, dates as strings."""
    from kubegate.endpoints import yamlbody

    try:
        value, _ = yamlbody.load(body)
    except ValueError as exc:
        raise errors.bad_request(str(exc)) from exc
    return value


def to_yaml(value: Any) -> bytes:
    text: str = yaml.safe_dump(value, default_flow_style=False, sort_keys=False, allow_unicode=True)
    return text.encode()
