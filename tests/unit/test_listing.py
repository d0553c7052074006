"""Which revision a list reads and how it pages: consistent snapshots, exact reads, expiry."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import orjson
import pytest

from kubegate.api import errors
from kubegate.api.labels import parse_label_selector
from kubegate.api.listoptions import ListOptions
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.listing import (
    CONTINUE_TOO_OLD,
    FUTURE_REVISION,
    LIST_TOO_OLD,
    list_objects,
    matcher_for,
)
from kubegate.storage.cacher import Cacher
from tests.support.memory_cache import put_object, running_cache

CONFIGMAPS = next(s for s in BUILTIN_RESOURCES if s.plural == "configmaps")
KEY = ("", "configmaps")


async def put(store: Cacher, name: str, namespace: str = "ns", **labels: str) -> None:
    await store.create(KEY, (namespace, name), {"metadata": {"name": name, "namespace": namespace, "labels": labels}, "data": {"v": "1"}})


def names(store: Cacher, options: ListOptions, namespace: str = "ns") -> tuple[list[str], str, int | None, int]:
    matches = matcher_for(CONFIGMAPS, options.label_selector, options.field_selector)
    result = list_objects(store, CONFIGMAPS, namespace, options, matches)
    return [s.obj["metadata"]["name"] for s in result.items], result.continue_token, result.remaining, result.revision


def failure(store: Cacher, options: ListOptions) -> errors.StatusError:
    with pytest.raises(errors.StatusError) as caught:
        list_objects(store, CONFIGMAPS, "ns", options, None)
    return caught.value


@pytest.fixture
async def store() -> AsyncIterator[Cacher]:
    async with running_cache() as cache:
        yield cache


async def test_pages_stay_at_the_first_pages_revision_while_objects_change(store: Cacher) -> None:
    for name in "abcde":
        await put(store, name)
    first, token, remaining, revision = names(store, ListOptions(limit=2))
    assert (first, remaining) == (["a", "b"], 3)
    current = store.get(KEY, ("ns", "c"))
    assert current is not None
    await put_object(store, KEY, {**current.obj, "data": {"v": "2"}})
    await store.delete(KEY, ("ns", "d"))
    await put(store, "f")
    page = list_objects(store, CONFIGMAPS, "ns", ListOptions(limit=2, continue_token=token), None)
    assert [s.obj["metadata"]["name"] for s in page.items] == ["c", "d"]
    assert page.items[0].obj["data"] == {"v": "1"}  # as it was when the list began
    assert (page.revision, page.remaining) == (revision, 1)
    last, token, _, _ = names(store, ListOptions(limit=2, continue_token=page.continue_token))
    assert (last, token) == (["e"], "")
    fresh, _, _, _ = names(store, ListOptions())
    assert fresh == ["a", "b", "c", "e", "f"]


async def test_a_filtered_page_hands_out_a_token_while_objects_remain(store: Cacher) -> None:
    await put(store, "a", app="web")
    await put(store, "b", app="web")
    await put(store, "c")
    selected = ListOptions(label_selector=parse_label_selector("app=web"), limit=2)
    page, token, remaining, _ = names(store, selected)
    assert (page, remaining) == (["a", "b"], None) and token  # "c" remains, unmatched
    rest, token, _, _ = names(store, ListOptions(label_selector=selected.label_selector, limit=2, continue_token=token))
    assert (rest, token) == ([], "")


async def test_resource_version_zero_ignores_the_limit(store: Cacher) -> None:
    for name in "abc":
        await put(store, name)
    assert names(store, ListOptions(limit=1, resource_version="0"))[:2] == (["a", "b", "c"], "")


async def test_exact_reads_return_the_past(store: Cacher) -> None:
    await put(store, "a")
    await put(store, "b")
    await store.delete(KEY, ("ns", "a"))
    assert names(store, ListOptions(resource_version="2", resource_version_match="Exact"))[::3] == (["a", "b"], 2)
    # the legacy form (a resourceVersion and a limit) is exact too
    assert names(store, ListOptions(resource_version="1", limit=5))[0] == ["a"]
    # without a limit it is NotOlderThan: the latest state
    assert names(store, ListOptions(resource_version="1"))[::3] == (["b"], 3)


async def test_reads_outside_the_kept_history() -> None:
    async with running_cache(history=2) as store:
        for name in "abcd":
            await put(store, name)
        too_old = failure(store, ListOptions(resource_version="1", resource_version_match="Exact"))
        assert (too_old.code, too_old.reason, too_old.message) == (410, "Expired", LIST_TOO_OLD)
        future = failure(store, ListOptions(resource_version="9", resource_version_match="Exact"))
        assert (future.code, future.message) == (500, FUTURE_REVISION)
        ahead = failure(store, ListOptions(resource_version="9"))
        assert (ahead.code, ahead.reason, ahead.message) == (504, "Timeout", "Timeout: Too large resource version: 9, current: 4")
        assert ahead.details == {"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
                                 "retryAfterSeconds": 1}  # fmt: skip
        bad = failure(store, ListOptions(resource_version="x", limit=1))
        assert bad.code == 400 and bad.message.startswith('invalid resource version: resourceVersion: Invalid value: "x"')


async def test_an_expired_continue_token_is_410_with_a_token_for_the_rest() -> None:
    async with running_cache(history=2) as store:
        for name in "abc":
            await put(store, name)
        _, token, _, _ = names(store, ListOptions(limit=1))
        for name in "xyz":
            await put(store, name)
        expired = failure(store, ListOptions(limit=1, continue_token=token))
        assert (expired.code, expired.reason, expired.message) == (410, "Expired", CONTINUE_TOO_OLD)
        fresh_token = expired.to_status()["metadata"]["continue"]
        payload = orjson.loads(base64.urlsafe_b64decode(fresh_token + "=="))
        assert payload == {"v": "meta.k8s.io/v1", "rv": -1, "start": "a\x00"}
        rest, _, _, revision = names(store, ListOptions(limit=10, continue_token=fresh_token))
        assert (rest, revision) == (["b", "c", "x", "y", "z"], store.revision)  # continues at the latest revision


async def test_continue_with_a_resource_version_is_refused(store: Cacher) -> None:
    await put(store, "a")
    await put(store, "b")
    _, token, _, _ = names(store, ListOptions(limit=1))
    refused = failure(store, ListOptions(limit=1, continue_token=token, resource_version="2"))
    assert (refused.code, refused.message) == (400, "specifying resource version is not allowed when using continue")


async def test_all_namespaces_come_in_etcd_key_order(store: Cacher) -> None:
    await put(store, "y", namespace="a-b")
    await put(store, "x", namespace="a")
    await put(store, "z", namespace="a0")
    # "a-b/y" < "a/x" < "a0/z" byte by byte ('-' < '/' < '0'), unlike (namespace, name) tuples
    assert names(store, ListOptions(), namespace="")[0] == ["y", "x", "z"]
    page, token, _, _ = names(store, ListOptions(limit=1), namespace="")
    payload = orjson.loads(base64.urlsafe_b64decode(token + "=="))
    assert (page, payload["start"]) == (["y"], "a-b/y\x00")
