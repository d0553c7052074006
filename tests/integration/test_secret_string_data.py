"""Secret.stringData is write-only: on every write it lands in `data` (base64) and is dropped.

Found by the kubectl matrix: `create -f` of a Secret with stringData stored it verbatim, so
`data` was missing and `stringData` came back on reads, which no real server does.
"""

from __future__ import annotations

from tests.support.inprocess import Identity, InProcessServer

SECRETS = "/api/v1/namespaces/default/secrets"


async def test_string_data_is_folded_into_data_on_create_update_and_patch(api: InProcessServer, admin: Identity) -> None:
    body = {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "data": {"kept": "a2VwdA==", "both": "b2xk"}, "stringData": {"both": "new", "plain": "hunter2"},
    }
    created = await api.request("POST", SECRETS, identity=admin, json=body)
    assert created.status == 201, created.text
    assert "stringData" not in created.body
    assert created.body["data"] == {"kept": "a2VwdA==", "both": "bmV3", "plain": "aHVudGVyMg=="}

    replaced = {**created.body, "stringData": {"kept": "changed"}}
    updated = await api.request("PUT", f"{SECRETS}/s", identity=admin, json=replaced)
    assert updated.status == 200, updated.text
    assert "stringData" not in updated.body and updated.body["data"]["kept"] == "Y2hhbmdlZA=="

    patched = await api.request(
        "PATCH", f"{SECRETS}/s", identity=admin, data=b'{"stringData":{"extra":"x"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status == 200, patched.text
    assert "stringData" not in patched.body and patched.body["data"]["extra"] == "eA=="
    read = await api.request("GET", f"{SECRETS}/s", identity=admin)
    assert read.body["data"] == patched.body["data"] and "stringData" not in read.body
