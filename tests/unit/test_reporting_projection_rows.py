"""The reporting mapper's fact rows and marks, and which derived rows the marks reach (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from kernel.projection_rows import Position
from schemas import Envelope, new_event, to_record
from schemas.events import (
    DailyReportReviewed,
    DailyReportSubmitted,
    DisciplinarySanctionImposed,
    EmployeeRegistered,
    EmployeeUpdated,
    GeoPoint,
    ReportAttachment,
    ReportOutput,
    SharedPlace,
    WfaApproved,
    WfaCancelled,
    WfaRequested,
    WorkTarget,
)
from schemas.serialization import read_event
from services.reporting.checksums import LEFT_OUT, checksum_sql
from services.reporting.domain.marks import DAY, EMPLOYEE, REQUEST
from services.reporting.domain.projection import rows_for
from services.reporting.domain.refresh_scope import (
    MarkedKeys,
    Stored,
    monday,
    month_start,
    refresh_keys,
)
from services.reporting.domain.report_rows import achievement_sum
from services.reporting.tables import MIGRATIONS
from services.runtime.projection.projector import project_records
from tests.support.presence_events import anomaly, signal, utc

NIP = "199001012015011001"
BOSS = "197001011995031003"
OPD = "opd-rows"
AT = Position("wfa.x.v1", 2, 41)
MON = date(2026, 12, 7)


def _rows(envelope: Envelope) -> list[tuple[str, dict[str, Any]]]:
    return rows_for(read_event(to_record(envelope).value), AT, b"")


def _split(rows: list[tuple[str, dict[str, Any]]]) -> tuple[list[Any], dict[str, list[Any]]]:
    facts = [(table, row) for table, row in rows if not table.startswith("@")]
    marks: dict[str, list[Any]] = {}
    for table, row in rows:
        if table.startswith("@"):
            marks.setdefault(table, []).append(tuple(row.values()))
    return facts, marks


def _requested(dates: list[date], opd: str = OPD) -> Envelope:
    payload = WfaRequested(
        request_id="req-1",
        nip=NIP,
        work_unit_id="bidang-1",
        dates=dates,
        place=SharedPlace.of(GeoPoint(lat=-6.2, lon=106.8)),
        reason="Menyusun laporan",
        work_plan=[WorkTarget(description="Laporan", target=2, unit="dokumen")],
    )
    return new_event(payload, actor=NIP, subject=NIP, opd_id=opd)


def _report(outputs: list[ReportOutput], revision: int = 1) -> Envelope:
    payload = DailyReportSubmitted(
        report_id="rep-1",
        revision=revision,
        nip=NIP,
        work_date=MON,
        mode="wfa",
        request_id="req-1",
        outputs=outputs,
        attachments=[ReportAttachment(name="a.pdf", size_bytes=10, sha256="a" * 64)],
    )
    return new_event(payload, actor=NIP, subject=NIP, opd_id=OPD)


def test_a_request_has_one_day_row_per_date_and_marks_each_day_with_its_opd() -> None:
    envelope = _requested([date(2026, 12, 9), MON])
    facts, marks = _split(_rows(envelope))
    tables = [table for table, _ in facts]
    assert tables == ["request_events", "request_days", "request_days"]
    days = [row for table, row in facts if table == "request_days"]
    assert [d["work_date"] for d in days] == [MON, date(2026, 12, 9)]
    assert all(d["event_id"] == envelope.event_id and d["offset"] == 41 for d in days)
    assert all(d["request_id"] == "req-1" and d["work_unit_id"] == "bidang-1" for d in days)
    assert marks == {DAY: [(NIP, MON, OPD), (NIP, date(2026, 12, 9), OPD)]}


def test_a_decision_marks_the_request_whose_days_are_stored() -> None:
    approved = WfaApproved(request_id="req-1", nip=NIP, approver_nip=BOSS, reason="ok")
    cancelled = WfaCancelled(request_id="req-1", nip=NIP, reason="batal")
    for payload, status in ((approved, "approved"), (cancelled, "cancelled")):
        facts, marks = _split(_rows(new_event(payload, actor=BOSS, subject=NIP, opd_id=OPD)))
        [(table, row)] = facts
        assert table == "request_events" and row["status"] == status and row["dates"] == []
        assert marks == {REQUEST: [(OPD, "req-1")]}


def test_presence_and_anomalies_mark_their_day() -> None:
    for envelope in (
        signal("check_in", NIP, OPD, utc(MON, 8)),
        signal("heartbeat", NIP, OPD, utc(MON, 9)),
        anomaly("mock_location", NIP, OPD, utc(MON, 9)),
    ):
        facts, marks = _split(_rows(envelope))
        assert len(facts) == 1
        assert marks == {DAY: [(NIP, MON, OPD)]}


def test_a_submission_is_kept_pre_summed() -> None:
    outputs = [
        ReportOutput(description="Draf SOP", quantity=1, unit="dokumen", target=2, plan_target=0),
        ReportOutput(description="Rapat", quantity=3, unit="kegiatan", target=2),
        ReportOutput(description="Surat", quantity=4, unit="surat"),
    ]
    envelope = _report(outputs, revision=2)
    facts, marks = _split(_rows(envelope))
    [(table, row)] = facts
    assert table == "report_events"
    assert (row["revision"], row["mode"], row["request_id"]) == (2, "wfa", "req-1")
    assert (row["outputs"], row["outputs_with_target"], row["attachments"]) == (3, 2, 1)
    assert row["achievement_sum"] == 1.5  # 1/2, then 3/2 capped at 1
    assert row["quantity_sum"] == 8
    assert row["verdict"] is None and row["reviewer_nip"] is None
    assert marks == {DAY: [(NIP, MON, OPD)]}


def test_a_review_keeps_its_verdict_and_marks_the_day() -> None:
    payload = DailyReportReviewed(
        report_id="rep-1",
        revision=1,
        nip=NIP,
        work_date=MON,
        reviewer_nip=BOSS,
        verdict="returned",
        note="Lampirkan notulen",
    )
    facts, marks = _split(_rows(new_event(payload, actor=BOSS, subject=NIP, opd_id=OPD)))
    [(table, row)] = facts
    assert table == "report_events"
    assert (row["verdict"], row["reviewer_nip"], row["note"]) == (
        "returned",
        BOSS,
        "Lampirkan notulen",
    )
    assert (row["outputs"], row["achievement_sum"], row["mode"]) == (0, 0.0, "")
    assert marks == {DAY: [(NIP, MON, OPD)]}


def test_roster_events_keep_the_employee_and_mark_them() -> None:
    state: dict[str, Any] = {
        "nip": NIP,
        "name": "Siti",
        "opd_id": "opd-baru",
        "work_unit_id": "bidang-2",
        "position": "Analis",
        "position_category": "administrasi",
        "supervisor_nip": BOSS,
        "employment_type": "PPPK",
        "appointment_date": date(2015, 3, 1),
    }
    for cls in (EmployeeRegistered, EmployeeUpdated):
        envelope = new_event(cls(**state), actor="system:roster", subject=NIP, opd_id=OPD)
        facts, marks = _split(_rows(envelope))
        [(table, row)] = facts
        assert table == "employees"
        assert (row["opd_id"], row["work_unit_id"], row["employment_type"]) == (
            "opd-baru",
            "bidang-2",
            "PPPK",
        )
        assert marks == {EMPLOYEE: [(NIP,)]}
    sanction = DisciplinarySanctionImposed(
        sanction_id="s-1",
        nip=NIP,
        level="ringan",
        starts_on=MON,
        basis="PP 94/2021",
    )
    assert _rows(new_event(sanction, actor="system:roster", subject=NIP, opd_id=OPD)) == []


def test_every_fact_row_has_the_columns_of_its_table() -> None:
    envelopes = [
        _requested([MON]),
        _report([ReportOutput(description="x", quantity=1, unit="u")]),
        signal("check_out", NIP, OPD, utc(MON, 16)),
        anomaly("late_check_in", NIP, OPD, utc(MON, 8)),
    ]
    for envelope in envelopes:
        for table, row in _rows(envelope):
            if table.startswith("@"):
                continue
            ddl = next(m for m in MIGRATIONS if f"{{db}}.{table} (" in m.replace("{{", "{"))
            for column in row:
                assert re.search(rf"\n\s+{column} ", ddl), (table, column)


def test_achievement_counts_only_outputs_with_a_target_each_capped_at_one() -> None:
    assert achievement_sum([ReportOutput(description="x", quantity=5, unit="u")]) == 0.0
    assert achievement_sum(
        [
            ReportOutput(description="x", quantity=0, unit="u", target=3),
            ReportOutput(description="y", quantity=9, unit="u", target=3),
        ]
    ) == pytest.approx(1.0)


def test_marks_of_a_batch_become_marked_keys() -> None:
    class Rec:
        def __init__(self, offset: int, envelope: Envelope) -> None:
            self.offset, self.key, self.value = offset, b"k", to_record(envelope).value

    approved = WfaApproved(request_id="req-9", nip=NIP, approver_nip=BOSS, reason="ok")
    envelopes = [
        _requested([MON, date(2026, 12, 8)]),
        signal("check_in", NIP, OPD, utc(MON, 8)),
        signal("check_out", NIP, OPD, utc(MON, 16)),
        new_event(approved, actor=BOSS, subject=NIP, opd_id=OPD),
    ]
    batch = project_records(
        {("t", 0): [Rec(i, e) for i, e in enumerate(envelopes)]}, rows_for, "reporting"
    )
    marked = MarkedKeys.from_marks(batch.marks)
    assert marked.days == {(NIP, MON, OPD), (NIP, date(2026, 12, 8), OPD)}
    assert marked.requests == {(OPD, "req-9")}
    assert marked.employees == frozenset()


def test_a_day_reaches_its_week_and_month_and_the_month_its_week_starts_in() -> None:
    tuesday = date(2026, 12, 1)  # its week starts on Monday 30 November
    keys = refresh_keys({(NIP, tuesday, OPD)})
    assert monday(tuesday) == date(2026, 11, 30) and month_start(tuesday) == date(2026, 12, 1)
    assert keys.employee_days == ((NIP, tuesday),)
    assert keys.weeks == ((NIP, date(2026, 11, 30)),)
    assert keys.months == ((NIP, date(2026, 11, 1)), (NIP, date(2026, 12, 1)))
    assert keys.opd_days == ((OPD, tuesday),)
    assert keys.opd_months == ((OPD, date(2026, 11, 1)), (OPD, date(2026, 12, 1)))


def test_a_day_moved_to_another_opd_computes_both_opds_again() -> None:
    stored = Stored(
        day_opds=frozenset({(NIP, MON, "opd-lama")}),
        week_opds=frozenset({(NIP, MON, "opd-minggu")}),
    )
    keys = refresh_keys({(NIP, MON, "opd-baru")}, stored)
    assert keys.opd_days == (("opd-baru", MON), ("opd-lama", MON))
    assert keys.opd_months == (
        ("opd-baru", date(2026, 12, 1)),
        ("opd-lama", date(2026, 12, 1)),
        ("opd-minggu", date(2026, 12, 1)),
    )


def test_a_roster_change_adds_the_stale_opd_rows_and_nothing_else() -> None:
    stored = Stored(
        stale_opd_days=frozenset({(OPD, date(2026, 11, 3))}),
        stale_opd_months=frozenset({(OPD, date(2026, 11, 1))}),
    )
    keys = refresh_keys(set(), stored)
    assert keys.employee_days == () and keys.weeks == () and keys.months == ()
    assert keys.opd_days == ((OPD, date(2026, 11, 3)),)
    assert keys.opd_months == ((OPD, date(2026, 11, 1)),)
    params = keys.params()
    assert params["day_nips"] == [] and params["day_dates"] == []
    assert params["week_nips"] == [] and params["opd_month_opds"] == [OPD]


def test_a_checksum_leaves_out_only_what_differs_between_passes() -> None:
    sql = checksum_sql("opd_day", ["opd_id", "work_date", "recorded", "version", "is_deleted"])
    assert "FINAL" in sql and "`opd_id`, `work_date`, `recorded`" in sql
    assert not any(f"`{c}`" in sql for c in LEFT_OUT)
    facts = checksum_sql("presence_signals", ["event_id", "topic", "partition", "offset"])
    assert "`offset`" in facts and "`partition`" in facts


def test_marks_read_back_from_the_store_as_text_are_dates_again() -> None:
    marked = MarkedKeys.from_marks({DAY: {(NIP, "2026-12-07", OPD)}})
    assert marked.days == {(NIP, MON, OPD)}
    assert datetime(2026, 12, 7, tzinfo=UTC).date() == MON
