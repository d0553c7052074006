"""A starting server points admin.kubeconfig at the address it bound, and changes nothing else.

`ensure_pki` otherwise never touches an existing file; the server URL is the one exception,
asked for with `rewrite_kubeconfig` (by `kubegate serve`, and by `pki init --server`).
"""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from kubegate import pki

FIRST = "https://127.0.0.1:6443"
SECOND = "https://127.0.0.1:40123"


def test_the_server_moves_and_nothing_else_does(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url=FIRST)
    before = yaml.safe_load(files.admin_kubeconfig.read_text())
    again = pki.ensure_pki(tmp_path, server_url=SECOND, rewrite_kubeconfig=True)
    after = yaml.safe_load(files.admin_kubeconfig.read_text())
    before["clusters"][0]["cluster"]["server"] = SECOND
    assert after == before
    assert again.warnings == []
    assert stat.S_IMODE(files.admin_kubeconfig.stat().st_mode) == 0o600


def test_an_edited_kubeconfig_keeps_its_edits(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url=FIRST)
    config = yaml.safe_load(files.admin_kubeconfig.read_text())
    config["contexts"][0]["context"]["namespace"] = "team-a"
    files.admin_kubeconfig.write_text(yaml.safe_dump(config))
    pki.ensure_pki(tmp_path, server_url=SECOND, rewrite_kubeconfig=True)
    after = yaml.safe_load(files.admin_kubeconfig.read_text())
    assert after["contexts"][0]["context"]["namespace"] == "team-a"
    assert after["clusters"][0]["cluster"]["server"] == SECOND


def test_an_unchanged_address_leaves_the_file_byte_for_byte(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url=FIRST)
    before = files.admin_kubeconfig.read_bytes()
    pki.ensure_pki(tmp_path, server_url=FIRST, rewrite_kubeconfig=True)
    assert files.admin_kubeconfig.read_bytes() == before


def test_a_file_kubegate_cannot_read_is_left_alone_and_reported(tmp_path: Path) -> None:
    files = pki.ensure_pki(tmp_path, server_url=FIRST)
    files.admin_kubeconfig.write_text("not: [a kubeconfig\n")
    again = pki.ensure_pki(tmp_path, server_url=SECOND, rewrite_kubeconfig=True)
    assert files.admin_kubeconfig.read_text() == "not: [a kubeconfig\n"
    assert again.warnings == [f"{files.admin_kubeconfig} is not a kubeconfig kubegate can read"]
