"""Reporting's summaries over HTTP against the real service: role rules, exports, the TPP feed.

Two OPDs, a policy, two days of attendance, anomalies and daily reports are published straight
onto their topics, every event twice (a replay: nothing may count twice); reporting runs as a
real process, projects them into its derived tables and answers from them. The days are in a
month picked at random, so that no other test on the shared broker has data in it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from schemas import Envelope, new_event, new_ulid
from schemas.events import (
    DailyReportReviewed,
    DailyReportSubmitted,
    MonthlySummaryPublished,
    OpdPolicyPublished,
    ReportOutput,
)
from schemas.topics import SUMMARIES
from services.reporting.domain.monthly_summary import summary_event_id
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.http_checks import get, ok, poll, refused
from tests.support.presence_events import anomaly, roster_events, signal, utc
from tests.support.processes import ServiceProcess, SharedPlatform
from tests.support.province import ADMIN_NIP, Opd, admin, asn, make_opd
from tests.support.seeding import publish
from tests.support.tokens import bearer

pytestmark = pytest.mark.e2e

_rng = random.Random(uuid.uuid4().int)
YEAR, MONTH_NUMBER = _rng.randint(2040, 2099), _rng.randint(1, 12)
MONTH = f"{YEAR:04d}-{MONTH_NUMBER:02d}"
_first = date(YEAR, MONTH_NUMBER, 1)
D1 = _first + timedelta(days=(7 - _first.weekday()) % 7)  # the month's first Monday
D2 = D1 + timedelta(days=1)


class Month:
    """Two OPDs and what was published about them.

    * ``ours`` (head, a supervisor, staff A and B; a policy letting half the staff away):
      A works from anywhere on D1 (no approved request) and reports two outputs, accepted by
      the supervisor; at the office on D2, no report. B checks in late on D1, never checks out,
      is caught outside the geofence, and reports one output at half its target, not reviewed.
    * ``theirs`` (head, a supervisor, staff C): C works at the office on D1.
    """

    def __init__(self) -> None:
        self.ours = make_opd({"bidang-data": 2})
        self.theirs = make_opd({"bidang-umum": 1})
        self.supervisor = self.ours.units[0].supervisor
        self.a, self.b = self.ours.units[0].staff
        self.c = self.theirs.units[0].staff[0]

    def events(self) -> list[Envelope]:
        ours, theirs = self.ours.opd_id, self.theirs.opd_id
        return [
            *roster_events(self.ours),
            *roster_events(self.theirs),
            self.policy(),
            signal("check_in", self.a, ours, utc(D1, 7, 30), mode="wfa"),
            signal("check_out", self.a, ours, utc(D1, 16), mode="wfa"),
            signal("check_in", self.a, ours, utc(D2, 7, 30)),
            signal("check_out", self.a, ours, utc(D2, 16)),
            signal("check_in", self.b, ours, utc(D1, 8)),
            signal("check_in", self.c, theirs, utc(D1, 7, 30)),
            signal("check_out", self.c, theirs, utc(D1, 16)),
            anomaly("late_check_in", self.b, ours, utc(D1, 8)),
            anomaly("outside_geofence", self.b, ours, utc(D1, 8)),
            *self.reports(),
        ]

    def policy(self) -> Envelope:
        payload = OpdPolicyPublished(
            opd_id=self.ours.opd_id,
            version=1,
            effective_from=date(2030, 1, 1),
            settings={"wfa_enabled": True, "weekly_cap_days": 2, "max_away_share": 0.5},
            note="kebijakan uji",
        )
        return new_event(payload, actor=ADMIN_NIP, subject=ADMIN_NIP, opd_id=self.ours.opd_id)

    def reports(self) -> list[Envelope]:
        ours = self.ours.opd_id
        a_report = DailyReportSubmitted(
            report_id=new_ulid(),
            revision=1,
            nip=self.a,
            work_date=D1,
            mode="wfa",
            outputs=[
                ReportOutput(description="Draf kajian", quantity=1, unit="dokumen", target=1),
                ReportOutput(description="Surat balasan", quantity=3, unit="surat"),
            ],
        )
        review = DailyReportReviewed(
            report_id=a_report.report_id,
            revision=1,
            nip=self.a,
            work_date=D1,
            reviewer_nip=self.supervisor,
            verdict="accepted",
        )
        b_report = DailyReportSubmitted(
            report_id=new_ulid(),
            revision=1,
            nip=self.b,
            work_date=D1,
            mode="office",
            outputs=[ReportOutput(description="Rekap data", quantity=2, unit="tabel", target=4)],
        )
        return [
            new_event(a_report, actor=self.a, subject=self.a, opd_id=ours, occurred_at=utc(D1, 17)),
            new_event(
                review,
                actor=self.supervisor,
                subject=self.a,
                opd_id=ours,
                occurred_at=utc(D1, 18),
            ),
            new_event(b_report, actor=self.b, subject=self.b, opd_id=ours, occurred_at=utc(D1, 17)),
        ]


@pytest.fixture(scope="module")
def month(kafka_bootstrap: str) -> Month:
    crafted = Month()
    asyncio.run(publish(kafka_bootstrap, crafted.events(), client_name="summaries", times=2))
    return crafted


@pytest.fixture(scope="module")
def reporting(shared_platform: SharedPlatform, month: Month) -> ServiceProcess:
    return shared_platform["reporting"]


def _head(opd: Opd) -> dict[str, str]:
    return bearer(Role.KEPALA_OPD, opd.head, opd.opd_id)


def _supervisor(month: Month) -> dict[str, str]:
    return bearer(Role.ATASAN, month.supervisor, month.ours.opd_id)


@pytest.fixture(scope="module")
def projected(reporting: ServiceProcess, month: Month) -> ServiceProcess:
    """Reporting once its derived rows show the whole crafted month."""

    def ours() -> Any:
        response = get(
            reporting, f"/reporting/opds/{month.ours.opd_id}/summary", admin(), month=MONTH
        )
        return response.json() if response.status_code == 200 else None

    poll(
        ours,
        lambda body: (
            body is not None
            and body["present"] == 3
            and body["reports_accepted"] == 1
            and body["anomalies"] == 2
            and body["headcount"] == 4
        ),
        timeout=90.0,
    )
    poll(
        lambda: get(
            reporting, f"/reporting/opds/{month.theirs.opd_id}/summary", admin(), month=MONTH
        ),
        lambda response: response.status_code == 200 and response.json()["present"] == 1,
        timeout=90.0,
    )
    return reporting


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


# the employee's own views ---------------------------------------------------------------------


def test_an_employees_days_weeks_and_month(projected: ServiceProcess, month: Month) -> None:
    own = asn(month.a, month.ours)
    days = ok(get(projected, f"/reporting/employees/{month.a}/days", own, date_from=D1, date_to=D2))
    assert (days["total"], days["count"], days["next_offset"]) == (2, 2, None)
    first, second = days["items"]
    assert first["work_date"] == D1.isoformat() and first["mode"] == "wfa"
    assert first["wfa_approved"] is False
    assert first["report_status"] == "accepted"
    assert (first["outputs"], first["outputs_with_target"], first["achievement"]) == (2, 1, 1.0)
    assert first["check_in_at"].startswith(f"{D1.isoformat()}T00:30:00")
    assert first["name"] == f"Pegawai {month.a[-4:]}"
    assert second["mode"] == "office" and second["report_status"] == "none"

    weeks = ok(
        get(projected, f"/reporting/employees/{month.a}/weeks", own, date_from=D1, date_to=D2)
    )
    [week] = weeks["items"]
    assert week["week_start"] == D1.isoformat()
    assert (week["wfa_days"], week["wfa_cap"], week["over_cap"], week["office_days"]) == (
        1,
        2,
        0,
        1,
    )

    summary = ok(get(projected, f"/reporting/employees/{month.a}/summary", own, month=MONTH))
    assert (summary["days_present"], summary["days_wfa"], summary["days_wfo"]) == (2, 1, 1)
    assert (summary["reports_submitted"], summary["reports_accepted"]) == (1, 1)
    assert summary["outputs"] == 2 and summary["output_achievement"] == 1.0
    assert summary["rates"]["acceptance_rate"] == 1.0
    assert len(summary["checksum"]) == 64


def test_b_is_late_without_check_out_and_flagged(projected: ServiceProcess, month: Month) -> None:
    summary = ok(get(projected, f"/reporting/employees/{month.b}/summary", admin(), month=MONTH))
    assert (summary["late_days"], summary["missing_check_out_days"]) == (1, 1)
    assert (summary["anomalies"], summary["violations"]) == (2, 1)
    assert summary["anomalies_by_kind"] == {"late_check_in": 1, "outside_geofence": 1}
    assert summary["reports_submitted"] == 1 and summary["reports_accepted"] == 0
    assert summary["output_achievement"] == 0.5


# role rules -----------------------------------------------------------------------------------


def test_an_employee_sees_only_their_own(projected: ServiceProcess, month: Month) -> None:
    own = asn(month.a, month.ours)
    path = f"/reporting/employees/{month.b}/days"
    refused(get(projected, path, own, date_from=D1, date_to=D2), 403, "outside_scope")
    refused(
        get(projected, f"/reporting/employees/{month.b}/summary", own, month=MONTH),
        403,
        "outside_scope",
    )
    for path in (
        f"/reporting/opds/{month.ours.opd_id}/summary",
        f"/reporting/scorecards/{month.ours.opd_id}",
        "/reporting/opds",
        "/reporting/productivity",
    ):
        refused(get(projected, path, own, month=MONTH), 403, "outside_scope")
    tpp = ok(get(projected, "/reporting/tpp", own, month=MONTH))
    assert [item["nip"] for item in tpp["items"]] == [month.a]


def test_a_supervisor_sees_their_subordinates_only(projected: ServiceProcess, month: Month) -> None:
    boss = _supervisor(month)
    ok(get(projected, f"/reporting/employees/{month.b}/days", boss, date_from=D1, date_to=D1))
    refused(
        get(projected, f"/reporting/employees/{month.c}/days", boss, date_from=D1, date_to=D1),
        403,
        "outside_scope",
    )
    tpp = ok(get(projected, "/reporting/tpp", boss, month=MONTH))
    assert sorted(item["nip"] for item in tpp["items"]) == sorted([month.a, month.b])
    refused(
        get(projected, f"/reporting/scorecards/{month.ours.opd_id}", boss, month=MONTH),
        403,
        "outside_scope",
    )


def test_a_head_sees_their_opd_only(projected: ServiceProcess, month: Month) -> None:
    head = _head(month.ours)
    ok(get(projected, f"/reporting/opds/{month.ours.opd_id}/summary", head, month=MONTH))
    for path in (
        f"/reporting/opds/{month.theirs.opd_id}/summary",
        f"/reporting/scorecards/{month.theirs.opd_id}",
    ):
        refused(get(projected, path, head, month=MONTH), 403, "outside_scope")
    refused(
        get(projected, f"/reporting/employees/{month.c}/summary", head, month=MONTH),
        403,
        "outside_scope",
    )
    ranking = ok(get(projected, "/reporting/opds", head, month=MONTH))
    assert [item["opd_id"] for item in ranking["items"]] == [month.ours.opd_id]
    tpp = ok(get(projected, "/reporting/tpp", head, month=MONTH))
    assert sorted(item["nip"] for item in tpp["items"]) == sorted([month.a, month.b])


def test_bkd_and_auditors_see_every_opd(projected: ServiceProcess, month: Month) -> None:
    both = {month.ours.opd_id, month.theirs.opd_id}
    for headers in (admin(), bearer(Role.AUDITOR, "198501012010011001", None)):
        ranking = ok(get(projected, "/reporting/opds", headers, month=MONTH))
        assert {item["opd_id"] for item in ranking["items"]} == both
        assert ranking["total"] == 2
        assert [item["rank"] for item in ranking["items"]] in ([1, 2], [1, 1])
        tpp = ok(get(projected, "/reporting/tpp", headers, month=MONTH))
        assert {item["nip"] for item in tpp["items"]} == {month.a, month.b, month.c}


# OPD views ------------------------------------------------------------------------------------


def test_the_opd_month_its_days_and_its_rates(projected: ServiceProcess, month: Month) -> None:
    ours = month.ours.opd_id
    body = ok(get(projected, f"/reporting/opds/{ours}/summary", admin(), month=MONTH))
    assert (body["headcount"], body["working_days"], body["staff_days"]) == (4, 2, 3)
    assert (body["present"], body["wfa"], body["wfo"], body["wfa_unapproved"]) == (3, 1, 2, 1)
    assert (body["late"], body["missing_check_out"], body["violations"]) == (1, 1, 1)
    rates = body["rates"]
    assert rates["person_days"] == 8 and rates["attendance_rate"] == 0.375
    assert rates["share_away"] == 0.125 and rates["acceptance_rate"] == 0.5
    productivity = body["productivity"]
    assert productivity["wfa"]["outputs_per_day"] == 2.0
    assert productivity["wfo"]["outputs_per_day"] == 0.5
    assert productivity["verdict"] == "wfa_ahead"

    days = ok(get(projected, f"/reporting/opds/{ours}/days", admin(), date_from=D1, date_to=D2))
    assert [d["work_date"] for d in days["items"]] == [D1.isoformat(), D2.isoformat()]
    assert [d["present"] for d in days["items"]] == [2, 1]
    assert days["items"][0]["rates"]["share_away"] == 0.25  # A of 4 on D1


def test_the_heads_scorecard(projected: ServiceProcess, month: Month) -> None:
    ours = month.ours.opd_id
    card = ok(get(projected, f"/reporting/scorecards/{ours}", _head(month.ours), month=MONTH))
    assert card["head"] == {"nip": month.ours.head, "name": f"Pegawai {month.ours.head[-4:]}"}
    assert card["away_cap"] == 0.5
    components = {c["code"]: c for c in card["components"]}
    assert sum(c["weight"] for c in card["components"]) == 100
    assert components["wfa_approved"]["score"] == 0.0  # A's one WFA day was not approved
    assert components["away_share_within_cap"]["score"] == 1.0
    assert components["violations"]["value"] == pytest.approx(33.33)
    assert 0 <= card["score"] <= 100 and card["grade"] in ("A", "B", "C", "D")
    [flagged] = card["flagged_subordinates"]
    assert flagged["nip"] == month.b and flagged["violations"] == 1
    # their OPD has no policy here: the cap is unknown and left out
    theirs = ok(
        get(projected, f"/reporting/scorecards/{month.theirs.opd_id}", admin(), month=MONTH)
    )
    assert theirs["away_cap"] is None and theirs["flagged_subordinates"] == []


def test_the_productivity_comparison(projected: ServiceProcess, month: Month) -> None:
    body = ok(get(projected, "/reporting/productivity", admin(), month=MONTH))
    assert {item["opd_id"] for item in body["items"]} == {month.ours.opd_id, month.theirs.opd_id}
    overall = body["overall"]
    assert (overall["wfa_days"], overall["wfo_days"]) == (1, 3)  # C's office day added
    one = ok(
        get(projected, "/reporting/productivity", admin(), month=MONTH, opd_id=month.ours.opd_id)
    )
    assert [item["opd_id"] for item in one["items"]] == [month.ours.opd_id]
    assert one["overall"]["wfa_outputs_per_day"] == 2.0


# exports --------------------------------------------------------------------------------------


def test_exports_open_with_indonesian_headers_and_the_rows(
    projected: ServiceProcess, month: Month
) -> None:
    days = _xlsx(
        get(
            projected,
            f"/reporting/employees/{month.a}/days",
            admin(),
            date_from=D1,
            date_to=D2,
            format="xlsx",
        )
    )
    assert [(row["NIP"], row["Tanggal"], row["Mode kerja"]) for row in days] == [
        (month.a, D1.isoformat(), "WFA"),
        (month.a, D2.isoformat(), "Kantor"),
    ]
    assert days[0]["Laporan"] == "Diterima" and days[0]["Jumlah output"] == 2

    tpp = _csv(get(projected, "/reporting/tpp", _head(month.ours), month=MONTH, format="csv"))
    assert {row["NIP"] for row in tpp} == {month.a, month.b}
    assert all(row["Bulan"] == MONTH and len(row["Checksum (SHA-256)"]) == 64 for row in tpp)

    ranking = _xlsx(get(projected, "/reporting/opds", admin(), month=MONTH, format="xlsx"))
    assert {row["OPD"] for row in ranking} == {month.ours.opd_id, month.theirs.opd_id}
    assert all(isinstance(row["Skor akuntabilitas (0-100)"], float) for row in ranking)

    card = _csv(
        get(
            projected,
            f"/reporting/scorecards/{month.ours.opd_id}",
            admin(),
            month=MONTH,
            format="csv",
        )
    )
    assert len(card) == 10 and card[-1]["Komponen"] == "Skor total (0-100)"
    assert {row["NIP kepala OPD"] for row in card} == {month.ours.head}

    anomalies = get(
        projected,
        "/reporting/anomalies",
        admin(),
        opd_id=month.ours.opd_id,
        date_from=D1,
        date_to=D2,
        format="csv",
    )
    rows = _csv(anomalies)
    assert sorted(row["Jenis anomali"] for row in rows) == ["late_check_in", "outside_geofence"]
    assert anomalies.headers["x-total-count"] == "2"


# bad input ------------------------------------------------------------------------------------


def test_bad_months_periods_and_pages_get_a_clear_422(
    projected: ServiceProcess, month: Month
) -> None:
    days = f"/reporting/employees/{month.a}/days"
    for bad in ("2026-13", "26-03", "2026-3", "maret"):
        refused(get(projected, "/reporting/tpp", admin(), month=bad), 422, "invalid_month")
    refused(get(projected, days, admin(), date_from=D2, date_to=D1), 422, "invalid_period")
    refused(
        get(projected, days, admin(), date_from=D1, date_to=D1 + timedelta(days=400)),
        422,
        "period_too_long",
    )
    refused(
        get(projected, days, admin(), date_from=D1, date_to=D2, limit=5000),
        422,
        "page_too_large",
    )
    refused(get(projected, days, admin(), date_from="kemarin", date_to=D2), 422, "invalid_request")
    refused(
        get(projected, "/reporting/tpp", admin(), month=MONTH, format="pdf"),
        422,
        "invalid_request",
    )
    missing = get(projected, f"/reporting/employees/{month.a}/summary", admin(), month="2039-01")
    refused(missing, 404, "no_data")


def test_lists_are_paged(projected: ServiceProcess, month: Month) -> None:
    first = ok(get(projected, "/reporting/tpp", admin(), month=MONTH, limit=2))
    assert (first["count"], first["total"], first["next_offset"]) == (2, 3, 2)
    rest = ok(get(projected, "/reporting/tpp", admin(), month=MONTH, limit=2, offset=2))
    assert (rest["count"], rest["next_offset"]) == (1, None)
    seen = [item["nip"] for item in first["items"] + rest["items"]]
    assert sorted(seen) == sorted([month.a, month.b, month.c])


# the TPP feed ---------------------------------------------------------------------------------


def _publish_tpp(service: ServiceProcess, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{service.url}/reporting/tpp/{MONTH}/publish", headers=headers, timeout=60)


def test_only_bkd_publishes_the_tpp_feed(projected: ServiceProcess, month: Month) -> None:
    for headers in (_head(month.ours), bearer(Role.AUDITOR, "198501012010011001", None)):
        refused(_publish_tpp(projected, headers), 403, "forbidden_role")
    response = httpx.post(
        f"{projected.url}/reporting/tpp/2026-13/publish", headers=admin(), timeout=60
    )
    refused(response, 422, "invalid_month")


def test_the_tpp_feed_publishes_changed_months_once(
    projected: ServiceProcess, month: Month, kafka_bootstrap: str
) -> None:
    first = ok(_publish_tpp(projected, admin()))
    assert (first["month"], first["published"], first["unchanged"]) == (MONTH, 3, 0)
    again = ok(_publish_tpp(projected, admin()))
    assert (again["published"], again["unchanged"]) == (0, 3)

    keyed = {**admin(), "Idempotency-Key": f"tpp-{uuid.uuid4().hex}"}
    answer = _publish_tpp(projected, keyed)
    replay = _publish_tpp(projected, keyed)
    assert replay.json() == ok(answer) and replay.headers.get("Idempotent-Replayed") == "true"

    tpp = ok(get(projected, "/reporting/tpp", admin(), month=MONTH))
    listed = {item["nip"]: item for item in tpp["items"]}
    assert all(item["published"] for item in listed.values())

    ours = {month.a, month.b, month.c}
    events = asyncio.run(
        read_events(kafka_bootstrap, SUMMARIES, lambda e: e.subject in ours, idle_ms=2000)
    )
    assert sorted(e.subject for e in events) == sorted(ours)  # once each
    for envelope in events:
        summary = MonthlySummaryPublished.model_validate(envelope.payload)
        assert envelope.type == "MonthlySummaryPublished" and summary.month == MONTH
        assert summary.checksum == listed[summary.nip]["checksum"]
        assert envelope.event_id == summary_event_id(summary)
        assert envelope.correlation_id == first["correlation_id"]
    a = MonthlySummaryPublished.model_validate(
        next(e.payload for e in events if e.subject == month.a)
    )
    assert (a.days_present, a.days_wfa, a.reports_accepted, a.outputs) == (2, 1, 1, 2)
