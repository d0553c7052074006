"""`kubegate serve` starting and stopping as a user sees it, in real subprocesses.

What goes wrong at start is one line naming the flag, file or address and why, with exit code 2;
`--help` lists flags by section with their defaults; the admin kubeconfig follows the port the
server bound; SIGINT and SIGTERM end open watches cleanly and close the store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.admin_client import AdminClient
from tests.support.kubectl import Kubectl, kubectl_binary
from tests.support.server import kubegate_serve

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def kubegate(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubegate", *args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd,
    )


def serve(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """A `serve` expected to fail before it is ready (a bad flag, file or address)."""
    return kubegate("serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0", *flags)


# --- flags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (("--secure-port", "x"), "kubegate: error: --secure-port: invalid int value: 'x' (see kubegate serve --help)"),
        (("--anonymous-auth=maybe",), "kubegate: error: --anonymous-auth: invalid boolean value 'maybe' (see kubegate serve --help)"),
        (("--no-such-flag",), "kubegate: error: unrecognized arguments: --no-such-flag (see kubegate serve --help)"),
        (("--secure-port", "70000"), "kubegate: error: --secure-port 70000 must be between 0 and 65535"),
        (("--bind-address", "localhost"), "kubegate: error: --bind-address 'localhost' must be an IP address"),
        (("--kubernetes-version", "latest"), "kubegate: error: --kubernetes-version 'latest' must be 1.MINOR or 1.MINOR.PATCH, e.g. 1.32.4"),
    ],
)
def test_a_bad_flag_value_is_one_line_not_the_usage(tmp_path: Path, flags: tuple[str, ...], line: str) -> None:
    result = kubegate("serve", *flags)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", line + "\n")


def test_other_commands_point_at_their_own_help() -> None:
    result = kubegate("kubeconfig", "--group", "dev")
    assert result.stderr == "kubegate: error: the following arguments are required: --user (see kubegate kubeconfig --help)\n"
    result = kubegate("pki", "init", "--key-type", "dsa")
    assert result.stderr.startswith("kubegate: error: --key-type: invalid choice: 'dsa'")
    assert result.stderr.endswith("(see kubegate pki init --help)\n")


def test_serve_help_lists_flags_by_section_with_their_defaults() -> None:
    result = kubegate("serve", "--help")
    assert result.returncode == 0
    text = result.stdout
    headings = [line[:-1] for line in text.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == [
        "options", "serving", "storage", "the simulated cluster", "authentication", "authorization", "admission",
        "auditing", "controllers",
    ]
    flat = " ".join(text.split())  # argparse wraps lines by terminal width
    assert "--secure-port INT HTTPS port; 0 picks a free one (default 6443)" in flat
    assert "--etcd-compaction-interval DURATION how often etcd history is compacted (0 = never) (default 5m0s)" in flat
    assert "(default RS256)" in flat and "(default true)" in flat
    # a section holds its own flags: --data-dir under storage, --nodes under the simulated cluster
    storage = text.index("\nstorage:")
    assert storage < text.index("--data-dir") < text.index("\nthe simulated cluster:") < text.index("--nodes INT")
    assert text.startswith("usage: kubegate serve [flags]\n")


# --- the address ---------------------------------------------------------------------------------


def test_a_port_in_use_names_the_address(tmp_path: Path) -> None:
    with kubegate_serve(tmp_path / "first") as first:
        result = serve(tmp_path, "--secure-port", str(first.port))
    assert result.returncode == 2
    assert result.stderr == f"kubegate: error: cannot listen on 127.0.0.1:{first.port}: address already in use\n"
    assert not (tmp_path / "pki").exists()  # nothing written for a server that never ran


# --- certificates, keys and the PKI directory -----------------------------------------------------


@pytest.fixture
def made_pki(tmp_path: Path) -> Path:
    pki_dir = tmp_path / "pki"
    assert kubegate("pki", "init", "--pki-dir", str(pki_dir)).returncode == 0
    (tmp_path / "garbage.pem").write_text("not a certificate\n")
    return pki_dir


@pytest.mark.parametrize(
    ("cert", "key", "client_ca", "message"),
    [
        ("missing.crt", "pki/apiserver.key", None, "serving certificate {cert}: cannot read: no such file or directory"),
        ("garbage.pem", "pki/apiserver.key", None, "serving certificate {cert}: not a PEM certificate"),
        ("pki/apiserver.crt", "garbage.pem", None, "serving key {key}: not an unencrypted PEM private key"),
        ("pki/apiserver.crt", "pki/admin.key", None, "serving key {key} does not belong to the serving certificate {cert}"),
        ("pki/apiserver.crt", "pki/apiserver.key", "garbage.pem", "client CA file {client_ca}: not a PEM certificate"),
    ],
)
def test_an_unusable_certificate_or_key_names_the_file(
    tmp_path: Path, made_pki: Path, cert: str, key: str, client_ca: str | None, message: str,
) -> None:
    paths = {"cert": tmp_path / cert, "key": tmp_path / key, "client_ca": tmp_path / (client_ca or "")}
    flags = ["--tls-cert-file", str(paths["cert"]), "--tls-private-key-file", str(paths["key"])]
    if client_ca is not None:
        flags += ["--client-ca-file", str(paths["client_ca"])]
    result = serve(tmp_path, *flags)
    assert (result.returncode, result.stderr) == (2, f"kubegate: error: {message.format(**paths)}\n")


def test_a_pki_directory_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way\n")
    result = kubegate("serve", "--pki-dir", str(tmp_path / "file" / "pki"), "--secure-port", "0")
    assert result.returncode == 2
    assert result.stderr == f"kubegate: error: PKI directory {tmp_path / 'file' / 'pki'} cannot be created: not a directory\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory anyway")
def test_a_pki_directory_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        result = kubegate("serve", "--pki-dir", str(locked), "--secure-port", "0")
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2
    assert result.stderr == (
        f"kubegate: error: PKI directory {locked} is not writable: permission denied "
        f"(uid {os.getuid()} may not write to {locked}: make it writable by that user, or choose another --pki-dir)\n"
    )


# --- the admin kubeconfig ------------------------------------------------------------------------


def _server_in(kubeconfig: Path) -> str:
    return str(yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


def test_admin_kubeconfig_follows_the_port_bound_now(tmp_path: Path) -> None:
    pki_dir = tmp_path / "pki"
    with kubegate_serve(pki_dir) as first:
        assert _server_in(first.kubeconfig) == first.url
    before = yaml.safe_load(first.kubeconfig.read_text())
    with kubegate_serve(pki_dir) as second:  # --secure-port 0 again: another port
        assert second.url != first.url
        assert _server_in(second.kubeconfig) == second.url
        after = yaml.safe_load(second.kubeconfig.read_text())
        before["clusters"][0]["cluster"]["server"] = second.url
        assert after == before  # only the server moved: same CA, same admin credentials
        kubectl = Kubectl(kubectl_binary(), second.kubeconfig, tmp_path / "home")
        assert kubectl.ok("get", "namespace", "default", "-o", "name") == "namespace/default\n"
        second.process.terminate()
        assert second.process.wait(timeout=15) == 0
        assert second.process.stderr is not None
        assert second.process.stderr.read() == ""  # in particular, no stale-URL warning


# --- stopping ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_a_signal_ends_watches_and_closes_the_store(tmp_path: Path, signum: int) -> None:
    pki_dir, data_dir = tmp_path / "pki", tmp_path / "data"
    with kubegate_serve(pki_dir, "--data-dir", str(data_dir)) as server:
        async with AdminClient(server.url, pki_dir) as client:
            await client.ok("POST", CONFIGMAPS, {"metadata": {"name": "kept"}, "data": {"a": "1"}})
            listed = await client.ok("GET", CONFIGMAPS)
            watch = client.watch(f"{CONFIGMAPS}?watch=1&resourceVersion={listed['metadata']['resourceVersion']}")
            waiting = asyncio.ensure_future(anext(watch))
            await client.ok("PATCH", f"{CONFIGMAPS}/kept", {"data": {"b": "2"}}, content_type="application/merge-patch+json")
            event = await asyncio.wait_for(waiting, 10)
            assert (event["type"], event["object"]["data"]) == ("MODIFIED", {"a": "1", "b": "2"})
            os.kill(server.process.pid, signum)
            # the stream ends as a chunked response ends, not with a reset connection
            rest = [event async for event in watch]
            assert rest == []
        assert await asyncio.to_thread(server.process.wait, 15) == 0
        assert server.process.stderr is not None
        assert server.process.stderr.read() == ""
    assert sorted(path.name for path in data_dir.iterdir()) == ["kubegate.db", "lock"]  # WAL folded in
    with kubegate_serve(pki_dir, "--data-dir", str(data_dir)) as again:
        async with AdminClient(again.url, pki_dir) as client:
            kept = await client.ok("GET", f"{CONFIGMAPS}/kept")
            assert kept["data"] == {"a": "1", "b": "2"}


def test_a_release_outside_the_table_serves_the_nearest_and_says_so(tmp_path: Path) -> None:
    with kubegate_serve(tmp_path / "pki", "--kubernetes-version", "1.36.1") as server:
        kubectl = Kubectl(kubectl_binary(), server.kubeconfig, tmp_path / "home")
        assert "resource.k8s.io/v1" in kubectl.ok("api-versions").split()  # 1.35's surface
        server.process.terminate()
        assert server.process.wait(timeout=15) == 0
        assert server.process.stderr is not None
        warnings = [line.split(" kubegate: ", 1)[1] for line in server.process.stderr.read().splitlines()]
    assert warnings == ["--kubernetes-version 1.36.1: kubegate knows the APIs of 1.27 to 1.35; serving 1.35's"]
