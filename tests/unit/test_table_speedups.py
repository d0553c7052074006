"""What the Table fast paths must not change: timestamps read as before, no stale pod summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from kubegate.api import meta
from kubegate.registry.printers import PRINTERS
from kubegate.registry.printers.pods import summarize
from kubegate.registry.tables import build_table


def test_parse_time_reads_every_form_it_read_before() -> None:
    assert meta.parse_time("2024-01-05T10:00:00Z") == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert meta.parse_time("2024-1-5T1:2:3Z") == datetime(2024, 1, 5, 1, 2, 3, tzinfo=UTC)  # strptime's leniency
    assert meta.parse_time("2024-01-05T10:00:00+02:00") == datetime(2024, 1, 5, 10, tzinfo=timezone(timedelta(hours=2)))
    assert meta.parse_time("2024-01-05T10:00:00.5Z") == datetime(2024, 1, 5, 10, 0, 0, 500000, tzinfo=UTC)
    for bad in ("", "yesterday", "2024-13-05T10:00:00Z", "2024-01-05T24:00:00Z", None):
        assert meta.parse_time(bad) is None  # type: ignore[arg-type]


def pod(name: str, ready: bool) -> dict[str, object]:
    return {
        "metadata": {"name": name, "creationTimestamp": "2024-01-05T10:00:00Z"},
        "spec": {"containers": [{"name": "main"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "main", "ready": ready, "restartCount": 0, "state": {"running": {}}},
        ]},
    }  # fmt: skip


def test_each_row_gets_its_own_pod_summary() -> None:
    table = build_table([pod("a", True), pod("b", False)], PRINTERS[("", "pods")])
    assert [row["cells"][:3] for row in table["rows"]] == [["a", "1/1", "Running"], ["b", "0/1", "Running"]]


def test_a_pod_changed_between_calls_is_summarized_anew() -> None:
    changing = pod("a", True)
    assert summarize(changing).ready == 1
    changing["status"]["containerStatuses"][0]["ready"] = False  # type: ignore[index]
    assert summarize(changing).ready == 0
