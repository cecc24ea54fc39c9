"""Readiness inputs: positions under the task mapping, the assessment that counts per OPD and
unit, eligibility's replica of them, and the other consumers of the policies topic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from kernel.policy import default_policy
from kernel.positions import ADMINISTRATIVE_CATEGORIES
from kernel.projection_rows import Position
from kernel.thresholds import AttendanceThresholds
from schemas import Envelope, new_event, to_record
from schemas.events import OpdPolicyPublished, OpdReadinessAssessed
from schemas.serialization import read_event
from services.attendance.facts_directory import FactsDirectory
from services.audit.domain.archive import archive_row
from services.eligibility.domain.readiness import Assessment, latest_assessments, newer
from services.eligibility.domain.readiness_positions import category_verdict, count_positions
from services.eligibility.domain.roster_projection import reference_rows
from services.eligibility.reference_memory import ReferenceMemory
from services.reporting.policy_caps import PolicyCaps
from services.reporting.reports_directory import ReportsDirectory

OFFICIAL = "198001012005011001"
T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

# --------------------------------------------------------------------------------------------
# Positions
# --------------------------------------------------------------------------------------------


def test_positions_count_never_eligible_categories_as_not_eligible_whatever_the_policy() -> None:
    positions = [
        ("direksi", "administrasi"),
        ("direksi", "administrasi"),
        ("pelayanan-medis", "dokter"),
        ("pelayanan-medis", "dokter"),
        ("pelayanan-medis", "dokter"),
        ("pelayanan-medis", "layanan_tatap_muka"),
        ("gudang", "teknisi"),
    ]
    report = count_positions(positions, ADMINISTRATIVE_CATEGORIES)

    assert (report.total, report.eligible, report.eligible_share) == (7, 2, round(2 / 7, 4))
    by_category = {c.category: c for c in report.by_category}
    assert [c.category for c in report.by_category] == [
        "dokter",
        "administrasi",
        "layanan_tatap_muka",
        "teknisi",
    ]
    assert (by_category["dokter"].count, by_category["dokter"].eligible) == (3, False)
    assert "profesi dokter" in by_category["dokter"].reason_id
    assert "doctor" in by_category["dokter"].reason_en
    assert by_category["administrasi"].eligible is True
    assert by_category["teknisi"].eligible is False
    assert "Tidak termasuk" in by_category["teknisi"].reason_id
    assert [(u.work_unit_id, u.headcount, u.eligible) for u in report.by_unit] == [
        ("direksi", 2, 2),
        ("gudang", 1, 0),
        ("pelayanan-medis", 4, 0),
    ]


def test_a_category_the_policy_adds_becomes_eligible_but_never_a_never_eligible_one() -> None:
    categories = frozenset({*ADMINISTRATIVE_CATEGORIES, "teknisi"})
    assert category_verdict("teknisi", categories)[0] is True
    assert category_verdict("dokter", frozenset({"dokter"}))[0] is False
    assert category_verdict("guru", categories)[0] is False


def test_an_opd_without_staff_has_no_share() -> None:
    report = count_positions([], ADMINISTRATIVE_CATEGORIES)
    assert (report.total, report.eligible, report.eligible_share) == (0, 0, None)
    assert report.as_json() == {
        "total": 0,
        "eligible": 0,
        "eligible_share": None,
        "by_category": [],
        "by_unit": [],
    }


# --------------------------------------------------------------------------------------------
# Which assessment counts
# --------------------------------------------------------------------------------------------


def _assessment(
    n: int, unit: str | None, on: date, at: datetime = T0, opd: str = "bappeda"
) -> Assessment:
    return Assessment(
        assessment_id=f"a{n}",
        opd_id=opd,
        work_unit_id=unit,
        infrastructure_score=10 * n,
        connectivity_score=5 * n,
        note="",
        assessed_on=on,
        assessed_by=OFFICIAL,
        recorded_at=at,
        event_id=f"e{n}",
    )


def test_the_latest_assessment_day_counts_whatever_the_order_of_arrival() -> None:
    older = _assessment(1, None, date(2026, 1, 2), at=T0 + timedelta(hours=5))
    later = _assessment(2, None, date(2026, 1, 4), at=T0)
    assert newer(later, older) and not newer(older, later)
    assert latest_assessments([later, older]) == [later]
    assert latest_assessments([older, later]) == [later]


def test_on_the_same_day_the_one_recorded_last_counts() -> None:
    first = _assessment(1, "bidang-data", date(2026, 1, 4), at=T0)
    second = _assessment(2, "bidang-data", date(2026, 1, 4), at=T0 + timedelta(seconds=1))
    assert latest_assessments([second, first]) == [second]


def test_the_whole_opd_comes_first_then_units_by_id() -> None:
    day = date(2026, 1, 4)
    units = [_assessment(1, "sekretariat", day), _assessment(2, None, day)]
    units.append(_assessment(3, "bidang-data", day))
    assert [a.work_unit_id for a in latest_assessments(units)] == [
        None,
        "bidang-data",
        "sekretariat",
    ]


# --------------------------------------------------------------------------------------------
# Eligibility's replica
# --------------------------------------------------------------------------------------------


def _assessed(unit: str | None, on: date, infrastructure: int, opd: str = "bappeda") -> Envelope:
    payload = OpdReadinessAssessed(
        assessment_id=f"01KEA{infrastructure:021d}",
        opd_id=opd,
        work_unit_id=unit,
        infrastructure_score=infrastructure,
        connectivity_score=50,
        note="survei perangkat",
        assessed_on=on,
    )
    return new_event(payload, actor=OFFICIAL, subject=OFFICIAL, opd_id=opd)


def test_the_memory_keeps_the_assessment_that_counts_per_opd_and_unit() -> None:
    memory = ReferenceMemory()
    batch = [
        _assessed(None, date(2026, 1, 5), 70),
        _assessed(None, date(2026, 1, 2), 40),  # older day, arrives later: does not count
        _assessed("bidang-data", date(2026, 1, 3), 90),
        _assessed(None, date(2026, 1, 5), 10, opd="dinas-kominfo"),
    ]
    memory.apply(batch)
    memory.apply(batch)  # a replayed batch changes nothing

    counted = [a.as_json() for a in memory.assessments("bappeda")]
    assert [(a["work_unit_id"], a["infrastructure_score"]) for a in counted] == [
        (None, 70),
        ("bidang-data", 90),
    ]
    assert counted[0]["assessed_on"] == "2026-01-05"
    assert counted[0]["assessed_by"] == OFFICIAL and counted[0]["note"] == "survei perangkat"
    assert [a.infrastructure_score for a in memory.assessments("dinas-kominfo")] == [10]
    assert memory.assessments("rsud-tarakan") == []


def test_the_projection_writes_one_row_per_assessment_with_the_opd_as_an_empty_unit() -> None:
    envelope = _assessed(None, date(2026, 1, 5), 70)
    [(table, row)] = reference_rows(envelope, Position("wfa.policies.v1", 3, 17))
    assert table == "readiness_assessments"
    assert (row["opd_id"], row["work_unit_id"], row["infrastructure_score"]) == ("bappeda", "", 70)
    assert (row["actor"], row["partition"], row["offset"]) == (OFFICIAL, 3, 17)


# --------------------------------------------------------------------------------------------
# The other readers of the policies topic ignore the assessment or archive it
# --------------------------------------------------------------------------------------------


def _policy(opd: str) -> tuple[Envelope, OpdPolicyPublished]:
    settings: dict[str, Any] = {**default_policy(opd).settings(), "max_away_share": 0.3}
    settings["wfa_enabled"] = True
    settings["timezone"] = "WITA"
    payload = OpdPolicyPublished(
        opd_id=opd, version=1, effective_from=date(2026, 1, 1), settings=settings
    )
    return new_event(payload, actor=OFFICIAL, subject=OFFICIAL, opd_id=opd), payload


def test_reporting_and_attendance_directories_ignore_the_assessment() -> None:
    envelope, policy = _policy("bappeda")
    assessed = _assessed(None, date(2026, 1, 5), 70)
    event = read_event(to_record(assessed).value)
    caps = PolicyCaps(["127.0.0.1:1"], "test")
    reports = ReportsDirectory(["127.0.0.1:1"], "test")
    facts = FactsDirectory(["127.0.0.1:1"], "test", AttendanceThresholds())
    for directory in (caps, reports, facts):
        directory.apply(envelope, policy)
        directory.apply(assessed, event.payload)

    assert caps.cap("bappeda", date(2026, 1, 6)) == 0.3
    assert reports.timezone("bappeda", date(2026, 1, 6)) == "WITA"
    history = facts.policy_history("bappeda")
    assert history is not None and [p.version for p in history.policies] == [1]


def test_audit_archives_the_assessment_like_any_event() -> None:
    record = to_record(_assessed("bidang-data", date(2026, 1, 5), 70))
    [(table, row), (mark, _)] = archive_row(
        read_event(record.value), Position("wfa.policies.v1", 0, 5), record.value
    )
    assert table == "event_archive" and row["type"] == "OpdReadinessAssessed"
    assert mark == "@sealed"
