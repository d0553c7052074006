"""Reading a webhook's kubeconfig-shaped file, and the start-up errors for unusable ones."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubegate import pki
from kubegate.authn import webhook
from kubegate.config import ConfigError, ServerConfig
from kubegate.webhook.kubeconfig import load_kubeconfig


def write(tmp_path: Path, config: dict[str, Any]) -> Path:
    path = tmp_path / "webhook.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def kubeconfig(cluster: dict[str, Any], user: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"clusters": [{"name": "remote", "cluster": cluster}], **top}
    if user is not None:
        config["users"] = [{"name": "me", "user": user}]
    return config


def test_token_and_ca_file_relative_to_the_kubeconfig(tmp_path: Path, pki_files: pki.PkiFiles) -> None:
    (tmp_path / "ca.crt").write_bytes(pki_files.ca_cert.read_bytes())
    path = write(tmp_path, kubeconfig({"server": "https://authn.example/review", "certificate-authority": "ca.crt"}, {"token": "s3cret"}))
    config = load_kubeconfig(path)
    assert config.server == "https://authn.example/review"
    assert config.headers == {"Authorization": "Bearer s3cret"}
    assert config.ssl_context is not None


def test_embedded_client_certificate_and_basic_auth(tmp_path: Path, pki_files: pki.PkiFiles) -> None:
    def b64(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode()

    cluster = {"server": "https://authn.example", "certificate-authority-data": b64(pki_files.ca_cert)}
    user = {"client-certificate-data": b64(pki_files.admin_cert), "client-key-data": b64(pki_files.admin_key), "username": "u", "password": "p"}
    config = load_kubeconfig(write(tmp_path, kubeconfig(cluster, user)))
    assert config.headers == {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}


def test_current_context_picks_cluster_and_user(tmp_path: Path) -> None:
    data = {
        "clusters": [{"name": "a", "cluster": {"server": "http://a.example"}}, {"name": "b", "cluster": {"server": "http://b.example"}}],
        "users": [{"name": "x", "user": {"token": "tx"}}, {"name": "y", "user": {"token": "ty"}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "b", "user": "y"}}],
        "current-context": "ctx",
    }
    config = load_kubeconfig(write(tmp_path, data))
    assert (config.server, config.headers["Authorization"]) == ("http://b.example", "Bearer ty")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "clusters: at least one cluster is required"),
        (kubeconfig({}), "clusters[0].cluster.server: is required"),
        (kubeconfig({"server": "ftp://x"}), "clusters[0].cluster.server: 'ftp://x' is not an http(s) URL"),
        (kubeconfig({"server": "https://x", "certificate-authority": "missing.crt"}), "clusters[0].cluster.certificate-authority: cannot read"),
        (kubeconfig({"server": "https://x", "certificate-authority-data": "!!"}), "clusters[0].cluster.certificate-authority-data: is not valid base64"),
        (kubeconfig({"server": "https://x", "certificate-authority-data": base64.b64encode(b"junk").decode()}), "clusters[0].cluster.certificate-authority: not a PEM certificate bundle"),
        (kubeconfig({"server": "https://x"}, {"client-certificate": "c.crt"}), "cannot read"),
        (kubeconfig({"server": "https://x"}, {"exec": {"command": "get-token"}}), "users[0].user.exec: not supported for webhooks"),
        (kubeconfig({"server": "https://x"}, current_context="nope"), "current-context: no context named 'nope'"),
        ({"clusters": [{"name": "a", "cluster": {"server": "http://a"}}, {"name": "b", "cluster": {"server": "http://b"}}]}, "several clusters and no current-context"),
    ],
)
def test_unusable_files_name_the_field(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    if "current_context" in data:
        data["current-context"] = data.pop("current_context")
        data["contexts"] = []
    path = write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_kubeconfig(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read: No such file or directory"):
        load_kubeconfig(tmp_path / "absent")


def test_unsupported_webhook_version(tmp_path: Path) -> None:
    path = write(tmp_path, kubeconfig({"server": "http://x"}))
    config = ServerConfig(authentication_token_webhook_config_file=path, authentication_token_webhook_version="v2")
    with pytest.raises(ConfigError, match='unsupported authentication webhook version "v2", supported versions are "v1", "v1beta1"'):
        webhook.from_config(config)
