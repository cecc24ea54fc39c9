"""Comparing projection digests and rows: what a replay reports as different (pure, no I/O)."""

from __future__ import annotations

from services.runtime.projection.digest import (
    NOT_PROJECTIONS,
    UNSTABLE_COLUMNS,
    TableDigest,
    compare_digests,
    row_differences,
)


def _digests(**tables: tuple[int, str]) -> list[TableDigest]:
    return [TableDigest(name, rows, digest) for name, (rows, digest) in tables.items()]


def test_equal_digests_make_an_empty_diff() -> None:
    live = _digests(employees=(3, "17"), request_events=(10, "99"))
    replayed = _digests(request_events=(10, "99"), employees=(3, "17"))
    comparisons = compare_digests(live, replayed)
    assert [c.table for c in comparisons] == ["employees", "request_events"]
    assert all(c.equal for c in comparisons)


def test_a_differing_digest_names_its_table() -> None:
    live = _digests(employees=(3, "17"), request_events=(10, "99"))
    replayed = _digests(employees=(3, "18"), request_events=(10, "99"))
    [employees, requests] = compare_digests(live, replayed)
    assert (employees.table, employees.status, employees.equal) == ("employees", "differs", False)
    assert requests.equal


def test_a_differing_count_with_the_same_digest_differs() -> None:
    [only] = compare_digests(_digests(t=(2, "0")), _digests(t=(4, "0")))
    assert only.status == "differs"
    assert (only.live_rows, only.replayed_rows) == (2, 4)


def test_a_table_on_one_side_only_differs() -> None:
    comparisons = compare_digests(
        _digests(a=(1, "1"), b=(0, "0")), _digests(a=(1, "1"), c=(0, "0"))
    )
    assert {c.table: c.status for c in comparisons} == {
        "a": "equal",
        "b": "only_live",
        "c": "only_replayed",
    }
    assert {c.table: (c.live_rows, c.replayed_rows) for c in comparisons}["c"] == (None, 0)


def test_digests_round_trip_through_json() -> None:
    digest = TableDigest("employee_day", 12, "18446744073709551615")
    assert TableDigest.from_json(digest.as_json()) == digest


def test_row_differences_report_the_changed_row_on_both_sides() -> None:
    live = [
        {"nip": "1", "work_date": "2026-10-01", "late": False},
        {"nip": "2", "work_date": "2026-10-01", "late": True},
    ]
    replayed = [
        {"work_date": "2026-10-01", "nip": "1", "late": False},  # key order does not matter
        {"nip": "2", "work_date": "2026-10-01", "late": False},
    ]
    diff = row_differences(live, replayed)
    assert not diff.empty
    assert diff.only_live == [{"nip": "2", "work_date": "2026-10-01", "late": True}]
    assert diff.only_replayed == [{"nip": "2", "work_date": "2026-10-01", "late": False}]


def test_row_differences_count_repeats() -> None:
    row = {"nip": "1", "anomalies": {"late_check_in": 1}}
    diff = row_differences([row, row], [row])
    assert diff.only_live == [row]
    assert diff.only_replayed == []


def test_identical_rows_in_any_order_make_no_difference() -> None:
    rows = [{"nip": str(i), "n": i} for i in range(5)]
    assert row_differences(rows, list(reversed(rows))).empty


def test_every_table_and_column_left_out_says_why() -> None:
    assert {"replica_positions", "summaries_published"} <= set(NOT_PROJECTIONS)
    assert all(len(reason) > 40 for reason in NOT_PROJECTIONS.values())
    for columns in UNSTABLE_COLUMNS.values():
        assert all(len(reason) > 40 for reason in columns.values())
