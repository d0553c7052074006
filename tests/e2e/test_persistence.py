"""The sqlite store as a user meets it: state survives `kill -9`, and watches resume across it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests.support.admin_client import AdminClient
from tests.support.server import kubegate_serve

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
MERGE_PATCH = "application/merge-patch+json"


async def test_sqlite_keeps_every_answered_write_across_kill_9(tmp_path: Path) -> None:
    pki_dir, data_dir = tmp_path / "pki", tmp_path / "data"
    with kubegate_serve(pki_dir, "--data-dir", str(data_dir)) as server:
        async with AdminClient(server.url, pki_dir) as client:
            for index in range(50):
                await client.ok("POST", CONFIGMAPS, {"metadata": {"name": f"cm-{index}"}, "data": {"i": str(index)}})
            before_patches = (await client.ok("GET", CONFIGMAPS))["metadata"]["resourceVersion"]
            answers = await asyncio.gather(*(
                client.request("PATCH", f"{CONFIGMAPS}/cm-0", {"metadata": {"labels": {f"l{i}": "x"}}},
                               content_type=MERGE_PATCH)
                for i in range(20)
            ))
            assert [status for status, _ in answers] == [200] * 20
            listed = await client.ok("GET", CONFIGMAPS)
        uids = {item["metadata"]["name"]: item["metadata"]["uid"] for item in listed["items"]}
        last_revision = int(listed["metadata"]["resourceVersion"])
        server.process.kill()  # SIGKILL: no shutdown code runs
        server.process.wait()

    with kubegate_serve(pki_dir, "--data-dir", str(data_dir)) as again:
        async with AdminClient(again.url, pki_dir) as client:
            listed = await client.ok("GET", CONFIGMAPS)
            assert {i["metadata"]["name"]: i["metadata"]["uid"] for i in listed["items"]} == uids
            patched = await client.ok("GET", f"{CONFIGMAPS}/cm-0")
            assert patched["metadata"]["labels"] == {f"l{i}": "x" for i in range(20)}
            created = await client.ok("POST", CONFIGMAPS, {"metadata": {"name": "after"}})
            assert int(created["metadata"]["resourceVersion"]) > last_revision
            seen = []
            async for event in client.watch(f"{CONFIGMAPS}?watch=1&resourceVersion={before_patches}"):
                seen.append((event["type"], event["object"]["metadata"]["name"]))
                if len(seen) == 21:
                    break
            assert seen == [("MODIFIED", "cm-0")] * 20 + [("ADDED", "after")]
            # the system namespaces and the default policy were reconciled, not duplicated
            namespaces = await client.ok("GET", "/api/v1/namespaces")
            names = [item["metadata"]["name"] for item in namespaces["items"]]
            assert names == sorted(set(names)) and "kube-system" in names


def test_a_data_dir_from_a_newer_kubegate_is_one_clear_line(tmp_path: Path) -> None:
    import sqlite3

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    serve = [sys.executable, "-m", "kubegate", "serve", "--pki-dir", str(tmp_path / "pki"), "--secure-port", "0",
             "--data-dir", str(data_dir)]
    with kubegate_serve(tmp_path / "pki", "--data-dir", str(data_dir)):
        pass  # creates the database
    with sqlite3.connect(data_dir / "kubegate.db") as db:
        db.execute("update meta set value = 99 where name = 'format'")
    result = subprocess.run(serve, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("kubegate: error:")]
    assert len(errors) == 1 and "was written by a newer kubegate (format 99; this one reads 1)" in errors[0]
    assert "Traceback" not in result.stderr
