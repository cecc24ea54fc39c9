"""The demo's daily reports, their reviews, and what reporting makes of the day.

Part of ``deploy/demo_data.py`` (run by ``make demo``): for the working day the phones sent
from their offline queues, each ASN with a supervisor of record submits a daily report
(outputs with a quantity, a unit and a target) and the supervisor reviews it: most are
accepted, Dewi's is returned with a note and accepted once resubmitted, Agus's waits for
review, and Dimas sends none. Nur, on an approved WFA day today, reports an output that
delivers a target of her work plan. Two refusals show the rules: a report for tomorrow, and a
review by someone who is not the author's supervisor of record. Then reporting's projections
of the day are shown per OPD, with the head's scorecard and the TPP feed of the month.

Safe to run again: each step reads the report as it stands first and does only what is left.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from demo_cast import (
    AGUS,
    ANDI,
    DEWI,
    DIMAS,
    NUR,
    PEOPLE,
    PUTRI,
    ROSTER,
    SRI,
    WORK_PLAN,
    Api,
    DemoFailed,
    day_en,
    day_id,
    heading,
    say,
    show_refusal,
)

NO_REPORT = {DIMAS}
"""Staff who send no report for the day."""
WAITING = {AGUS}
"""Staff whose report the supervisor has not reviewed yet."""
RETURNED_NOTE = "Lampirkan bukti kegiatan di luar kantor (notulen atau foto kegiatan)."


@dataclass(frozen=True)
class Step:
    """Submit ``body``, or review with ``verdict`` (and ``note``)."""

    body: dict[str, Any] | None = None
    verdict: str | None = None
    note: str | None = None


def _number(nip: str, salt: str, low: int, high: int) -> int:
    seed = int(hashlib.sha256(f"{nip}:{salt}".encode()).hexdigest()[:8], 16)
    return low + seed % (high - low + 1)


def office_report(nip: str, day: date, *, attached: bool = False) -> dict[str, Any]:
    """An office day: documents against a free target, and a meeting without one."""
    person = PEOPLE[nip]
    done = _number(nip, day.isoformat(), 1, 4)
    body: dict[str, Any] = {
        "work_date": day.isoformat(),
        "outputs": [
            {
                "description": f"Dokumen {person.position.lower()} diselesaikan",
                "quantity": done,
                "unit": "dokumen",
                "target": 3,
            },
            {"description": "Rapat koordinasi unit kerja", "quantity": 1, "unit": "kegiatan"},
        ],
        "notes": "Pekerjaan hari ini sesuai rencana.",
    }
    if attached:
        name = f"bukti-kegiatan-{day.isoformat()}.pdf"
        body["attachments"] = [
            {
                "name": name,
                "size_bytes": 48_213,
                "sha256": hashlib.sha256(f"{nip}:{name}".encode()).hexdigest(),
            }
        ]
    return body


def wfa_report(day: date) -> dict[str, Any]:
    """A WFA day: half of the work plan's first target delivered."""
    target = WORK_PLAN[0]
    return {
        "work_date": day.isoformat(),
        "outputs": [
            {
                "description": target["description"],
                "quantity": float(str(target["target"])) / 2,
                "unit": target["unit"],
                "plan_target": 0,
            }
        ],
        "notes": "Satu dari dua dokumen analisis selesai; sisanya besok.",
    }


def _steps(nip: str, day: date) -> list[Step]:
    if nip == DEWI:
        return [
            Step(body=office_report(nip, day)),
            Step(verdict="returned", note=RETURNED_NOTE),
            Step(body=office_report(nip, day, attached=True)),
            Step(verdict="accepted"),
        ]
    if nip in WAITING:
        return [Step(body=office_report(nip, day))]
    return [Step(body=office_report(nip, day)), Step(verdict="accepted")]


def _state(api: Api, admin: str, nip: str, day: date) -> dict[str, Any] | None:
    answer = api.call(
        "GET", "reporting", f"/reports/daily/{nip}/{day.isoformat()}", admin, ok=(200, 404)
    )
    return answer.json() if answer.status_code == 200 else None


def _done(state: dict[str, Any] | None) -> int:
    """How many steps a report as it stands has been through."""
    if state is None:
        return 0
    revision = int(state["revision"])
    return 2 * (revision - 1) + (1 if state["status"] == "submitted" else 2)


def _run(api: Api, admin: str, nip: str, day: date, steps: list[Step]) -> dict[str, Any]:
    """The steps left of one report; returns the report as it stands."""
    state = _state(api, admin, nip, day)
    supervisor = PEOPLE[nip].supervisor
    assert supervisor is not None
    for step in steps[_done(state) :]:
        if step.body is not None:
            revision = 1 if state is None else state["revision"] + 1
            state = api.call(
                "POST",
                "reporting",
                "/reports/daily",
                api.as_person(nip),
                body=step.body,
                key=f"demo-report-{nip}-{day.isoformat()}-{revision}",
            ).json()
        else:
            assert state is not None
            review: dict[str, Any] = {"verdict": step.verdict, "revision": state["revision"]}
            if step.note:
                review["note"] = step.note
            state = api.call(
                "POST",
                "reporting",
                f"/reports/daily/{state['report_id']}/review",
                api.as_person(supervisor),
                body=review,
                key=f"demo-review-{state['report_id']}-{state['revision']}",
            ).json()
    if state is None:
        raise DemoFailed(f"no report for {nip} on {day}")
    return state


def _line(nip: str, state: dict[str, Any]) -> str:
    outputs = ", ".join(
        f"{o['quantity']:g}/{o['target']:g} {o['unit']}"
        if o.get("target") is not None
        else f"{o['quantity']:g} {o['unit']}"
        for o in state["outputs"]
    )
    return (
        f"{PEOPLE[nip].name:<18} rev {state['revision']} {state['status']:<10} "
        f"{state['mode']:<6} {outputs}"
    )


def daily_reports(api: Api, admin: str, day: date, today: date, wfa_today: bool) -> int:
    """Reports of ``day`` (and Nur's of today); returns how many reports ``day`` has."""
    heading(
        f"8. Laporan harian / Daily reports: {day_id(day)} / {day_en(day)}; atasan langsung "
        "menerima atau mengembalikan / the supervisor of record accepts or returns"
    )
    reporters = [p.nip for p in ROSTER if p.supervisor is not None and p.nip not in NO_REPORT]
    for nip in reporters:
        say(_line(nip, _run(api, admin, nip, day, _steps(nip, day))), 2)
    say(
        f"{PEOPLE[DEWI].name}: dikembalikan dengan catatan / returned with a note "
        f'("{RETURNED_NOTE}"), dikirim lagi sebagai revisi 2 / resubmitted as revision 2; '
        f"{PEOPLE[AGUS].name}: menunggu pemeriksaan / awaits review; {PEOPLE[DIMAS].name}: "
        "tidak melapor / sent none.",
        2,
    )
    if wfa_today:
        state = _run(
            api, admin, NUR, today, [Step(body=wfa_report(today)), Step(verdict="accepted")]
        )
        say(
            f"hari ini / today (WFA disetujui / approved, rencana kerja / work plan "
            f'"{WORK_PLAN[0]["description"]}" {WORK_PLAN[0]["target"]} '
            f"{WORK_PLAN[0]['unit']}): {_line(NUR, state)}",
            2,
        )
    tomorrow = today + timedelta(days=1)
    refused = api.call(
        "POST",
        "reporting",
        "/reports/daily",
        api.as_person(ANDI),
        body=office_report(ANDI, tomorrow),
        ok=(422,),
    )
    say(f"{PEOPLE[ANDI].name} melaporkan besok / reports tomorrow ({tomorrow}):", 2)
    show_refusal(refused)
    putri = _state(api, admin, PUTRI, day)
    if putri is not None:
        refused = api.call(
            "POST",
            "reporting",
            f"/reports/daily/{putri['report_id']}/review",
            api.as_person(SRI),
            body={"verdict": "accepted", "revision": putri["revision"]},
            ok=(403,),
        )
        say(
            f"{PEOPLE[SRI].name} (bukan atasan {PEOPLE[PUTRI].name} / not her supervisor) "
            "memeriksa / reviews her report:",
            2,
        )
        show_refusal(refused)
    return len(reporters)


def projections(api: Api, admin: str, day: date, reports: int) -> dict[str, str]:
    """Wait until reporting shows the day's reports; show each OPD's day, the head's
    scorecard and the TPP feed of the month. Returns the queries for the curl lines."""
    heading(
        "9. Rekap / Summaries: per pegawai dan per OPD, kartu kinerja kepala OPD, data TPP "
        "(proyeksi ClickHouse) / per employee and per OPD, the head's scorecard, the TPP feed"
    )
    opds = sorted({p.opd for p in ROSTER})
    period = f"date_from={day.isoformat()}&date_to={day.isoformat()}"
    rows: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = {}
        for opd in opds:
            items = api.call("GET", "reporting", f"/reporting/opds/{opd}/days?{period}", admin)
            found = items.json()["items"]
            if found:
                rows[opd] = found[0]
        if sum(row["reports_submitted"] for row in rows.values()) >= reports:
            break
        time.sleep(2)
    for opd in opds:
        row = rows.get(opd)
        if row is None:
            say(f"{opd:<14} belum terproyeksi / not projected yet", 2)
            continue
        rates = row["rates"]
        say(
            f"{opd:<14} hadir/present {row['present']}/{row['headcount']}, WFA {row['wfa']}, "
            f"terlambat/late {row['late']}, laporan/reports {row['reports_submitted']} "
            f"(diterima/accepted {row['reports_accepted']}), anomali {row['anomalies']}, "
            f"pelanggaran/violations {row['violations']}; tingkat kehadiran / attendance "
            f"{_pct(rates['attendance_rate'])}",
            2,
        )
    month = f"{day.year:04d}-{day.month:02d}"
    card = api.call(
        "GET",
        "reporting",
        f"/reporting/scorecards/dinas-kominfo?month={month}",
        api.as_person(next(p.nip for p in ROSTER if p.head and p.opd == "dinas-kominfo")),
        ok=(200, 404),
    )
    if card.status_code == 200:
        data = card.json()
        say(
            f"kartu kinerja / scorecard dinas-kominfo {month} (kepala / head "
            f"{(data['head'] or {}).get('name', '-')}): {data['score']} ({data['grade_id']} / "
            f"{data['grade_en']})",
            2,
        )
        for c in data["components"]:
            value = "-" if c["value"] is None else f"{c['value']:.4g}"
            say(f"{c['label_id']} / {c['label_en']}: {value} (bobot / weight {c['weight']})", 4)
    tpp = api.call("GET", "reporting", f"/reporting/tpp?month={month}&limit=1000", admin)
    outcome = api.call(
        "POST", "reporting", f"/reporting/tpp/{month}/publish", admin, key=f"demo-tpp-{month}"
    ).json()
    say(
        f"TPP {month}: {tpp.json()['total']} pegawai-bulan / employee-months; diterbitkan ke "
        f"wfa.summaries.v1 / published: {outcome['published']}, tidak berubah / unchanged "
        f"{outcome['unchanged']}",
        2,
    )
    return {"month": month, "day": day.isoformat(), "nip": DEWI}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def curl_lines(url: str, q: dict[str, str]) -> str:
    """The curl lines of the reporting summaries, exports and daily reports."""
    month, day, nip = q["month"], q["day"], q["nip"]
    auth = '-H "Authorization: Bearer $ADMIN"'
    return "\n".join(
        [
            f'  curl -s {auth} "{url}/reports/daily/{nip}/{day}"',
            f'  curl -s {auth} "{url}/reporting/employees/{nip}/days?date_from={day}'
            f'&date_to={day}"',
            f'  curl -s {auth} "{url}/reporting/employees/{nip}/summary?month={month}"',
            f'  curl -s {auth} "{url}/reporting/opds/dinas-kominfo/summary?month={month}"',
            f'  curl -s {auth} "{url}/reporting/opds?month={month}"',
            f'  curl -s {auth} "{url}/reporting/productivity?month={month}"',
            f'  curl -s {auth} "{url}/reporting/scorecards/dinas-kominfo?month={month}"',
            f'  curl -s {auth} "{url}/reporting/tpp?month={month}"',
            f'  curl -s {auth} -o tpp-{month}.xlsx "{url}/reporting/tpp?month={month}&format=xlsx"',
            f'  curl -s {auth} -o rekap-{month}.csv "{url}/reporting/opds/dinas-kominfo/days'
            f'?date_from={day}&date_to={day}&format=csv"',
            f'  curl -s {auth} -X POST "{url}/reporting/tpp/{month}/publish"',
        ]
    )
