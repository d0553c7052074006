"""Which revision a list reads and how it pages: consistent snapshots, exact reads, expiry."""

from __future__ import annotations

import base64

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
from kubegate.storage.memory import Store

CONFIGMAPS = next(s for s in BUILTIN_RESOURCES if s.plural == "configmaps")
KEY = ("", "configmaps")


def put(store: Store, name: str, namespace: str = "ns", **labels: str) -> None:
    store.create(KEY, (namespace, name), {"metadata": {"name": name, "namespace": namespace, "labels": labels}, "data": {"v": "1"}})


def names(store: Store, options: ListOptions, namespace: str = "ns") -> tuple[list[str], str, int | None, int]:
    matches = matcher_for(CONFIGMAPS, options.label_selector, options.field_selector)
    result = list_objects(store, CONFIGMAPS, namespace, options, matches)
    return [s.obj["metadata"]["name"] for s in result.items], result.continue_token, result.remaining, result.revision


def failure(store: Store, options: ListOptions) -> errors.StatusError:
    with pytest.raises(errors.StatusError) as caught:
        list_objects(store, CONFIGMAPS, "ns", options, None)
    return caught.value


def test_pages_stay_at_the_first_pages_revision_while_objects_change() -> None:
    store = Store()
    for name in "abcde":
        put(store, name)
    first, token, remaining, revision = names(store, ListOptions(limit=2))
    assert (first, remaining) == (["a", "b"], 3)
    current = store.get(KEY, ("ns", "c"))
    assert current is not None
    store.update(KEY, ("ns", "c"), {**current.obj, "data": {"v": "2"}}, expected=current.revision)
    store.delete(KEY, ("ns", "d"))
    put(store, "f")
    page = list_objects(store, CONFIGMAPS, "ns", ListOptions(limit=2, continue_token=token), None)
    assert [s.obj["metadata"]["name"] for s in page.items] == ["c", "d"]
    assert page.items[0].obj["data"] == {"v": "1"}  # as it was when the list began
    assert (page.revision, page.remaining) == (revision, 1)
    last, token, _, _ = names(store, ListOptions(limit=2, continue_token=page.continue_token))
    assert (last, token) == (["e"], "")
    fresh, _, _, _ = names(store, ListOptions())
    assert fresh == ["a", "b", "c", "e", "f"]


def test_a_filtered_page_hands_out_a_token_while_objects_remain() -> None:
    store = Store()
    put(store, "a", app="web")
    put(store, "b", app="web")
    put(store, "c")
    selected = ListOptions(label_selector=parse_label_selector("app=web"), limit=2)
    page, token, remaining, _ = names(store, selected)
    assert (page, remaining) == (["a", "b"], None) and token  # "c" remains, unmatched
    rest, token, _, _ = names(store, ListOptions(label_selector=selected.label_selector, limit=2, continue_token=token))
    assert (rest, token) == ([], "")


def test_resource_version_zero_ignores_the_limit() -> None:
    store = Store()
    for name in "abc":
        put(store, name)
    assert names(store, ListOptions(limit=1, resource_version="0"))[:2] == (["a", "b", "c"], "")


def test_exact_reads_return_the_past() -> None:
    store = Store()
    put(store, "a")
    put(store, "b")
    store.delete(KEY, ("ns", "a"))
    assert names(store, ListOptions(resource_version="2", resource_version_match="Exact"))[::3] == (["a", "b"], 2)
    # the legacy form (a resourceVersion and a limit) is exact too
    assert names(store, ListOptions(resource_version="1", limit=5))[0] == ["a"]
    # without a limit it is NotOlderThan: the latest state
    assert names(store, ListOptions(resource_version="1"))[::3] == (["b"], 3)


def test_reads_outside_the_kept_history() -> None:
    store = Store(history=2)
    for name in "abcd":
        put(store, name)
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


def test_an_expired_continue_token_is_410_with_a_token_for_the_rest() -> None:
    store = Store(history=2)
    for name in "abc":
        put(store, name)
    _, token, _, _ = names(store, ListOptions(limit=1))
    for name in "xyz":
        put(store, name)
    expired = failure(store, ListOptions(limit=1, continue_token=token))
    assert (expired.code, expired.reason, expired.message) == (410, "Expired", CONTINUE_TOO_OLD)
    fresh_token = expired.to_status()["metadata"]["continue"]
    payload = orjson.loads(base64.urlsafe_b64decode(fresh_token + "=="))
    assert payload == {"v": "meta.k8s.io/v1", "rv": -1, "start": "a\x00"}
    rest, _, _, revision = names(store, ListOptions(limit=10, continue_token=fresh_token))
    assert (rest, revision) == (["b", "c", "x", "y", "z"], store.revision)  # continues at the latest revision


def test_continue_with_a_resource_version_is_refused() -> None:
    store = Store()
    put(store, "a")
    put(store, "b")
    _, token, _, _ = names(store, ListOptions(limit=1))
    refused = failure(store, ListOptions(limit=1, continue_token=token, resource_version="2"))
    assert (refused.code, refused.message) == (400, "specifying resource version is not allowed when using continue")


def test_all_namespaces_come_in_etcd_key_order() -> None:
    store = Store()
    put(store, "y", namespace="a-b")
    put(store, "x", namespace="a")
    put(store, "z", namespace="a0")
    # "a-b/y" < "a/x" < "a0/z" byte by byte ('-' < '/' < '0'), unlike (namespace, name) tuples
    assert names(store, ListOptions(), namespace="")[0] == ["y", "x", "z"]
    page, token, _, _ = names(store, ListOptions(limit=1), namespace="")
    payload = orjson.loads(base64.urlsafe_b64decode(token + "=="))
    assert (page, payload["start"]) == (["y"], "a-b/y\x00")
