"""One OPD through a whole working week, end to end, checked against figures computed apart.

Eligibility, attendance, the stream detector and reporting run as real processes on the real
broker. The week (:mod:`tests.support.week_scenario`) is driven through the public APIs:
roster import, devices, check-ins, check-outs, pings and heartbeats from the phones' offline
queues, daily reports, returns, resubmissions and reviews (:mod:`tests.support.week_driver`).
What came before the week (the policy in force, the WFA requests decided and approved the
Friday before) is on the log as eligibility published it then, since no API records a
request for a day already past (see the driver).

A pure model (:mod:`tests.support.week_model`, :mod:`tests.support.week_rates`) computes
every figure from the scenario alone, and every projection API of reporting is checked against
it: the employee's days, weeks and month, the OPD's days and month, the ranking, the
WFA-versus-office productivity comparison, the head's scorecard, the anomaly list, the daily
reports as they stand and the TPP feed (its list and the events it publishes); then the CSV and
XLSX exports of each are opened (openpyxl for XLSX) and their rows checked; last, who may read
what.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.topics import ATTENDANCE, LOCATIONS, SUMMARIES
from services.runtime.edge.identity import Role
from tests.support.event_log import read_events
from tests.support.processes import (
    ServiceProcess,
    SharedPlatform,
    start_service,
    stop_all,
    wait_ready,
)
from tests.support.province import ADMIN_NIP
from tests.support.tokens import bearer
from tests.support.week_checks import (
    diff,
    export_cases,
    file_rows,
    rates_diff,
    two_decimal,
)
from tests.support.week_driver import (
    Api,
    cancellations,
    drive,
    history,
    publish,
    start_at_end,
    token,
)
from tests.support.week_model import DayFigures, Expected, expected, month_text, week_months
from tests.support.week_parts import Week
from tests.support.week_rates import (
    SCORECARD_WEIGHTS,
    employee_rates,
    opd_rates,
    productivity,
    scorecard,
    summary_checksum,
)
from tests.support.week_scenario import build_week

pytestmark = pytest.mark.e2e

#: the services of the week's own settings (eligibility, which only imports the roster here and
#: reads none of them, is the session's)
SERVICES = ("attendance", "detector", "reporting")
ENV = {
    # the week is sent from the phones' offline queues and reported after it ended
    "ATTENDANCE_OFFLINE_TOLERANCE_HOURS": str(24 * 14),
    "REPORT_DEADLINE_DAYS": "14",
    # missing check-outs are swept every 20 seconds, not every minute: a day synced from the
    # offline queue waits one sweep for its check-out, which must have been sent by then even
    # on a loaded machine
    "ATTENDANCE_SWEEP_INTERVAL_S": "20",
}
CONVERGE_S = 300.0
READY_S = 600.0


@dataclass
class World:
    api: Api
    week: Week
    model: Expected
    converged: bool

    def admin(self) -> dict[str, str]:
        return bearer(Role.ADMIN_BKD, ADMIN_NIP, None)

    def get(self, path: str, headers: dict[str, str] | None = None, /, **params: Any) -> Any:
        response = self.api.client.get(
            f"{self.api.urls['reporting']}{path}",
            params=params,
            headers=headers if headers is not None else self.admin(),
        )
        assert response.status_code == 200, f"{path} {params}: {response.text}"
        return response.json()

    def raw(
        self, path: str, headers: dict[str, str] | None = None, /, **params: Any
    ) -> httpx.Response:
        return self.api.client.get(
            f"{self.api.urls['reporting']}{path}",
            params=params,
            headers=headers if headers is not None else self.admin(),
        )

    @property
    def period(self) -> dict[str, str]:
        return {
            "date_from": self.week.days[0].isoformat(),
            "date_to": self.week.days[-1].isoformat(),
        }


@pytest.fixture(scope="module")
def week() -> Week:
    return build_week()


@pytest.fixture(scope="module")
def services(
    kafka_bootstrap: str,
    shared_platform: SharedPlatform,
    week: Week,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, ServiceProcess]]:
    suffix = uuid.uuid4().hex[:8]
    # the stream detector judges the week's signals, not the shared broker's whole history
    # (hundreds of thousands of other tests' signals): its group starts at the end of the log
    start_at_end(kafka_bootstrap, f"wfa-detector-{suffix}", (ATTENDANCE, LOCATIONS))
    publish(kafka_bootstrap, history(week))
    data_dir: Path = tmp_path_factory.mktemp("reporting-week")
    procs: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            procs[name] = start_service(
                name,
                kafka_bootstrap=kafka_bootstrap,
                data_dir=data_dir,
                group_suffix=suffix,
                extra_env=ENV,
            )
        # each reads the shared broker's whole log before it is ready
        wait_ready(list(procs.values()), timeout=READY_S)
        yield {"eligibility": shared_platform["eligibility"], **procs}
    finally:
        stop_all(list(procs.values()))


@pytest.fixture(scope="module")
def world(kafka_bootstrap: str, services: dict[str, ServiceProcess], week: Week) -> World:
    api = Api({name: proc.url for name, proc in services.items()})
    drive(api, week)
    publish(kafka_bootstrap, cancellations(week))
    model = expected(week)
    w = World(api, week, model, converged=False)
    w.converged = _wait_until_projected(w)
    return w


def _wait_until_projected(w: World) -> bool:
    """Until the OPD's days and anomalies show the whole week (the detector's included)."""
    wanted = [_opd_day_counts(row) for _, row in sorted(w.model.opd_days.items())]
    anomalies = sum(d.anomalies for d in w.model.days.values())
    deadline = time.monotonic() + CONVERGE_S
    while time.monotonic() < deadline:
        got = w.get(f"/reporting/opds/{w.week.opd_id}/days", **w.period)["items"]
        listed = w.get("/reporting/anomalies", opd_id=w.week.opd_id, limit=1000)["total"]
        if [_opd_day_counts(row) for row in got] == wanted and listed == anomalies:
            return True
        time.sleep(2)
    return False


def _opd_day_counts(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("recorded", "present", "wfa", "wfa_unapproved", "late", "missing_check_out")
    more = ("reports_submitted", "reports_accepted", "anomalies", "violations", "outputs_wfa")
    return (str(row["work_date"])[:10], *(row[k] for k in keys + more))


def _check(w: World, mismatches: list[str]) -> None:
    note = "" if w.converged else " (the projection never converged on the model)"
    assert not mismatches, f"{len(mismatches)} mismatches{note}:\n" + "\n".join(mismatches)


def _day_expected(w: World, d: DayFigures) -> dict[str, Any]:
    return {
        **d.row(),
        "name": w.week.member(d.nip).name,
        "achievement": (
            None if not d.outputs_with_target else d.achievement_sum / d.outputs_with_target
        ),
    }


# the employee's days, weeks and month ---------------------------------------------------------


def test_every_employee_day_is_the_models(world: World) -> None:
    w = world
    mismatches: list[str] = []
    for member in w.week.members.values():
        got = w.get(f"/reporting/employees/{member.nip}/days", **w.period)["items"]
        wanted = w.model.days_of(member.nip)
        got_days = [str(row["work_date"])[:10] for row in got]
        if got_days != [d.work_date.isoformat() for d in wanted]:
            mismatches.append(f"{member.key}: days {got_days}, expected {wanted}")
            continue
        for d, row in zip(wanted, got, strict=True):
            where = f"{member.key}@{d.work_date}"
            mismatches += diff(where, _day_expected(w, d), row, tolerance=1e-4)
    _check(w, mismatches)


def test_every_employee_week_counts_wfa_days_against_the_cap(world: World) -> None:
    w = world
    mismatches: list[str] = []
    for member in w.week.members.values():
        got = w.get(f"/reporting/employees/{member.nip}/weeks", **w.period)["items"]
        if len(got) != 1:
            mismatches.append(f"{member.key}: {len(got)} weeks, expected 1: {got}")
            continue
        wanted = {**w.model.weeks[member.nip], "name": member.name}
        mismatches += diff(member.key, wanted, got[0])
    _check(w, mismatches)
    # nobody went over the cap: eligibility refused Budi's third day
    assert w.model.weeks[w.week.members["budi"].nip]["wfa_days"] == 2


def test_every_employee_month_is_the_models(world: World) -> None:
    w = world
    mismatches: list[str] = []
    for (nip, month), row in sorted(w.model.months.items()):
        member = w.week.member(nip)
        got = w.get(f"/reporting/employees/{nip}/summary", month=month_text(month))
        where = f"{member.key}@{month_text(month)}"
        mismatches += diff(where, {**row, "name": member.name}, got)
        mismatches += rates_diff(f"{where}.rates", employee_rates(row), got["rates"])
        mismatches += diff(where, {"checksum": summary_checksum(row)}, got)
    _check(w, mismatches)


# the OPD's days and month, the ranking, productivity, the scorecard --------------------------


def test_every_opd_day_and_its_rates_are_the_models(world: World) -> None:
    w = world
    got = w.get(f"/reporting/opds/{w.week.opd_id}/days", **w.period)["items"]
    wanted = sorted(w.model.opd_days.items())
    assert [str(r["work_date"])[:10] for r in got] == [d.isoformat() for d, _ in wanted]
    mismatches: list[str] = []
    for (day, row), item in zip(wanted, got, strict=True):
        mismatches += diff(f"opd@{day}", row, item)
        rates = opd_rates(row, 1, row["recorded"])
        mismatches += rates_diff(f"opd@{day}.rates", two_decimal(rates), item["rates"])
    _check(w, mismatches)


def test_the_opd_month_its_rates_and_productivity_are_the_models(world: World) -> None:
    w = world
    mismatches: list[str] = []
    for month, row in sorted(w.model.opd_months.items()):
        got = w.get(f"/reporting/opds/{w.week.opd_id}/summary", month=month_text(month))
        where = f"opd@{month_text(month)}"
        mismatches += diff(where, row, got)
        rates = two_decimal(opd_rates(row, row["working_days"], row["staff_days"]))
        mismatches += rates_diff(f"{where}.rates", rates, got["rates"])
        p = productivity(row)
        flat = {
            "wfa": {k[4:]: v for k, v in p.items() if k.startswith("wfa_")},
            "wfo": {k[4:]: v for k, v in p.items() if k.startswith("wfo_")},
        }
        for mode in ("wfa", "wfo"):
            got_mode = got["productivity"][mode]
            mismatches += rates_diff(f"{where}.productivity.{mode}", flat[mode], got_mode)
        rest = {
            k: p[k]
            for k in ("outputs_per_day_gap", "outputs_per_day_ratio", "achievement_gap", "verdict")
        }
        mismatches += rates_diff(f"{where}.productivity", rest, got["productivity"])
    _check(w, mismatches)


def test_productivity_compares_wfa_days_with_office_days(world: World) -> None:
    w = world
    mismatches: list[str] = []
    for month, row in sorted(w.model.opd_months.items()):
        got = w.get("/reporting/productivity", month=month_text(month), opd_id=w.week.opd_id)
        assert got["total"] == 1 and got["items"][0]["opd_id"] == w.week.opd_id, got
        wanted = {"opd_id": w.week.opd_id, "month": month_text(month), **productivity(row)}
        where = f"productivity@{month_text(month)}"
        mismatches += rates_diff(where, wanted, got["items"][0])
        overall = {k: v for k, v in wanted.items() if k != "opd_id"}
        mismatches += rates_diff(f"{where}.overall", overall, got["overall"])
    _check(w, mismatches)
    # the week has both kinds of day to compare
    months = w.model.opd_months.values()
    assert sum(m["wfa"] for m in months) > 0 and sum(m["wfo"] for m in months) > 0


def test_the_heads_scorecard_is_the_models(world: World) -> None:
    w = world
    head = w.week.head
    mismatches: list[str] = []
    for month, row in sorted(w.model.opd_months.items()):
        where = f"scorecard@{month_text(month)}"
        got = w.get(
            f"/reporting/scorecards/{w.week.opd_id}", token(w.week, head), month=month_text(month)
        )
        card = scorecard(row, away_cap=0.5)
        if got["head"] != {"nip": head.nip, "name": head.name}:
            mismatches.append(f"{where}.head: expected {head.nip} {head.name}, got {got['head']}")
        if got["away_cap"] != 0.5:
            mismatches.append(f"{where}.away_cap: expected 0.5, got {got['away_cap']}")
        components = {c["code"]: c for c in got["components"]}
        if set(components) != set(SCORECARD_WEIGHTS):
            mismatches.append(f"{where}: components {sorted(components)}")
            continue
        for code, (value, score) in card["components"].items():
            c = components[code]
            tolerance = 6e-3 if c["unit"] == "per_100_staff_days" else 1e-3
            mismatches += diff(
                f"{where}.{code}",
                {"value": value, "score": score, "weight": SCORECARD_WEIGHTS[code]},
                c,
                tolerance,
            )
            if not (c["label_id"] and c["label_en"] and c["label_id"] != c["label_en"]):
                mismatches.append(f"{where}.{code}: labels {c['label_id']!r} {c['label_en']!r}")
        mismatches += diff(where, {"score": card["score"]}, got, tolerance=0.06)
        # the subordinates whose violations weigh on the head, worst first
        offenders = sorted(
            (
                (-m["violations"], m["nip"])
                for (nip, mo), m in w.model.months.items()
                if mo == month and m["violations"] > 0
            ),
        )
        flagged = [(f["nip"], f["violations"]) for f in got["flagged_subordinates"]]
        if flagged != [(nip, -v) for v, nip in offenders]:
            mismatches.append(f"{where}.flagged: expected {offenders}, got {flagged}")
    _check(w, mismatches)


def test_the_ranking_scores_the_opd_as_its_scorecard(world: World) -> None:
    w = world
    for month in sorted(w.model.opd_months):
        text = month_text(month)
        card = w.get(f"/reporting/scorecards/{w.week.opd_id}", month=text)
        own = w.get("/reporting/opds", token(w.week, w.week.head), month=text)
        assert [(i["opd_id"], i["rank"]) for i in own["items"]] == [(w.week.opd_id, 1)]
        assert (
            own["items"][0]["score"] == card["score"] and own["items"][0]["grade"] == card["grade"]
        )
        everyone = w.get("/reporting/opds", month=text, limit=1000)["items"]
        ours = [i for i in everyone if i["opd_id"] == w.week.opd_id]
        assert len(ours) == 1 and ours[0]["score"] == card["score"]
        scored = [i for i in everyone if i["score"] is not None]
        assert [i["score"] for i in scored] == sorted((i["score"] for i in scored), reverse=True)
        better = sum(1 for i in scored if i["score"] > card["score"])
        assert ours[0]["rank"] == better + 1


# anomalies, the reports as they stand ---------------------------------------------------------


def test_the_anomaly_list_holds_every_anomaly_of_the_week_once(world: World) -> None:
    w = world
    got = w.get("/reporting/anomalies", opd_id=w.week.opd_id, limit=1000)
    listed = Counter(
        (a["nip"], date.fromisoformat(str(a["work_date"])[:10]), a["kind"]) for a in got["items"]
    )
    wanted = w.model.anomalies_of({m.nip for m in w.week.members.values()})
    assert listed == wanted, f"expected {sorted(wanted.items())}, got {sorted(listed.items())}"
    by_detector = {a["kind"]: a["detected_by"] for a in got["items"]}
    assert by_detector == {
        "late_check_in": "stream",
        "missing_check_out": "stream",
        "outside_geofence": "edge",
        "remote_without_approval": "edge",
        "far_from_wfa_location": "edge",
    }
    assert len({a["anomaly_id"] for a in got["items"]}) == got["total"]


def test_each_report_stands_as_its_last_revision_and_review(world: World) -> None:
    w = world
    m, days = w.week.members, w.week.days
    budi = w.get(f"/reports/daily/{m['budi'].nip}/{days[2]}", token(w.week, m["budi"]))
    assert (budi["revision"], budi["status"], budi["mode"]) == (2, "accepted", "wfa")
    linked = budi["outputs"][0]
    assert (linked["plan_target"], linked["target"], linked["quantity"]) == (0, 1.0, 1.0)
    assert len(budi["attachments"]) == 2 and budi["review"]["reviewer_nip"] == w.week.supervisor.nip
    dedi = w.get(f"/reports/daily/{m['dedi'].nip}/{days[1]}", token(w.week, w.week.supervisor))
    assert (dedi["revision"], dedi["status"]) == (1, "returned")
    assert dedi["review"]["note"] == "Uraian output kurang jelas."
    citra = w.get(f"/reports/daily/{m['citra'].nip}/{days[4]}", token(w.week, w.week.head))
    assert (citra["status"], citra["review"]) == ("submitted", None)
    absent = w.raw(f"/reports/daily/{m['fajar'].nip}/{days[3]}")
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "report_not_found"


# the TPP feed ---------------------------------------------------------------------------------


def test_the_tpp_rows_are_published_once_with_the_models_figures(
    world: World, kafka_bootstrap: str
) -> None:
    w = world
    nips = {m.nip for m in w.week.members.values()}
    for month in week_months(w.week):
        text = month_text(month)
        wanted = {nip: row for (nip, mo), row in w.model.months.items() if mo == month}
        if not wanted:
            continue
        listed = w.get("/reporting/tpp", month=text, opd_id=w.week.opd_id)
        assert {i["nip"] for i in listed["items"]} == set(wanted)
        assert all(i["checksum"] == summary_checksum(wanted[i["nip"]]) for i in listed["items"])
        first = w.api.call("POST", "reporting", f"/reporting/tpp/{text}/publish", w.admin()).json()
        assert first["published"] >= len(wanted) and first["invalid"] == 0, first
        again = w.get("/reporting/tpp", month=text, opd_id=w.week.opd_id)
        assert all(i["published"] is True for i in again["items"])
        w.api.call("POST", "reporting", f"/reporting/tpp/{text}/publish", w.admin())
        events = [
            e
            for e in asyncio.run(
                read_events(kafka_bootstrap, SUMMARIES, lambda e: e.subject in nips)
            )
            if e.payload.get("month") == text
        ]
        # one event per employee-month, whatever the number of publishes
        assert Counter(e.subject for e in events) == Counter(set(wanted)), events
        for event in events:
            row = wanted[event.subject]
            payload = event.payload
            assert payload["checksum"] == summary_checksum(row)
            for key in ("working_days", "days_present", "days_wfa", "late_days", "outputs"):
                assert payload[key] == row[key], (event.subject, key)
            assert payload["anomalies_by_kind"] == row["anomalies_by_kind"]


# exports --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_opens_with_indonesian_headers_and_the_expected_rows(
    world: World, fmt: str
) -> None:
    w = world
    mismatches: list[str] = []
    for case in export_cases(w.week, w.model):
        headers = token(w.week, w.week.head) if case.head_reads else w.admin()
        response = w.raw(case.path, headers, format=fmt, **case.params)
        problem = case.mismatch(file_rows(response, fmt))
        if problem is not None:
            mismatches.append(f"({fmt}) {problem}")
        disposition = response.headers.get("content-disposition", "")
        assert disposition.startswith("attachment") and disposition.endswith(f'.{fmt}"')
    _check(w, mismatches)


# who sees what --------------------------------------------------------------------------------


def test_each_reader_sees_their_own_scope(world: World) -> None:
    w = world
    wk, m = w.week, w.week.members
    month = month_text(min(w.model.opd_months))

    def refused(response: httpx.Response, code: str) -> None:
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == code and error["message_id"] != error["message_en"]

    ani, budi = m["ani"], m["budi"]
    # an ASN: their own days and month, nobody else's, no OPD aggregate
    assert w.get(f"/reporting/employees/{ani.nip}/days", token(wk, ani), **w.period)["total"] == 5
    refused(
        w.raw(f"/reporting/employees/{budi.nip}/days", token(wk, ani), **w.period), "outside_scope"
    )
    refused(
        w.raw(f"/reporting/opds/{wk.opd_id}/summary", token(wk, ani), month=month), "outside_scope"
    )
    assert [i["nip"] for i in w.get("/reporting/tpp", token(wk, ani), month=month)["items"]] == [
        ani.nip
    ]
    # the supervisor: themselves and the staff they supervise, not the head
    staff = {s.nip for s in wk.staff}
    seen = {
        i["nip"] for i in w.get("/reporting/tpp", token(wk, wk.supervisor), month=month)["items"]
    }
    assert seen == staff | {wk.supervisor.nip}
    refused(
        w.raw(f"/reporting/employees/{wk.head.nip}/summary", token(wk, wk.supervisor), month=month),
        "outside_scope",
    )
    refused(
        w.raw(f"/reporting/scorecards/{wk.opd_id}", token(wk, wk.supervisor), month=month),
        "outside_scope",
    )
    # the head: the whole OPD, no other OPD
    seen = {i["nip"] for i in w.get("/reporting/tpp", token(wk, wk.head), month=month)["items"]}
    assert seen == {x.nip for x in m.values()}
    refused(
        w.raw("/reporting/opds/opd-lain/summary", token(wk, wk.head), month=month), "outside_scope"
    )
    refused(
        w.raw(
            f"/reporting/opds/{wk.opd_id}/summary",
            bearer(Role.KEPALA_OPD, wk.head.nip, "opd-lain"),
            month=month,
        ),
        "opd_mismatch",
    )
    # an auditor sees everything
    auditor = bearer(Role.AUDITOR, ADMIN_NIP, None)
    assert w.get(f"/reporting/opds/{wk.opd_id}/summary", auditor, month=month)["headcount"] == 8
