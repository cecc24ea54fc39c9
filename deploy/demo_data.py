"""Load a small demo province through the public APIs and show the WFA rules at work.

The loader acts the way the apps would: BKD imports the roster, publishes each OPD's policy
and records its readiness assessment (``deploy/demo_readiness.py``), ASN submit WFA requests,
a supervisor approves one, staff check in at the office, write their daily reports and have
them reviewed (``deploy/demo_reports.py``), and reporting shows the requests, the anomalies,
each OPD's day, the head's scorecard and the TPP feed; eligibility then shows each OPD's
readiness inputs. It also writes the personas of the web app's one-click demo login. It prints
who supervises whom, then every decision with its one-line summary and, when refused, the
failing rules' explanations (Bahasa Indonesia first, then English). Safe to run again: the
roster import changes only what changed, and every command carries an Idempotency-Key (or
reads what stands first), so a second run in the same week replays the answers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import demo_readiness
import demo_reports
import httpx
from demo_cast import (
    ADMIN_NIP,
    AGUS,
    AHMAD,
    ANDI,
    AUDITOR_NIP,
    DEWI,
    DIMAS,
    EKO,
    FAJAR,
    HENDRA,
    HOME,
    HOME_AT,
    INDAH,
    LINA,
    NUR,
    OFFICES,
    PEOPLE,
    POLICIES,
    PUTRI,
    RINA,
    RIZKY,
    ROSTER,
    SARI,
    SRI,
    WAHYU,
    WORK_PLAN,
    YOGA,
    Api,
    DemoFailed,
    day_en,
    day_id,
    expect,
    heading,
    roster_jsonl,
    say,
    show_decision,
    show_refusal,
)

from kernel.holidays import CUTI_BERSAMA, NATIONAL_HOLIDAYS
from services.runtime.edge.identity import Role
from services.runtime.settings import Settings


def show_organisation() -> None:
    heading("Struktur organisasi / Who supervises whom (atasan langsung -> bawahan)")
    for opd, settings in POLICIES.items():
        if settings["wfa_enabled"]:
            share = settings["max_away_share"]
            rule = (
                f"WFA aktif, maks. {settings['weekly_cap_days']} hari/minggu, maks. "
                f"{share:.0%} unit WFA per hari / WFA on, at most {settings['weekly_cap_days']} "
                f"days a week, at most {share:.0%} of a unit away a day"
            )
        else:
            rule = "WFA tidak aktif / WFA off (opsional, bukan hak / optional, not a right)"
        say(f"OPD {opd} - kebijakan v1 / policy v1: {rule}", 2)
        members = [p for p in ROSTER if p.opd == opd]
        units: dict[str, int] = {}
        for p in members:
            units[p.unit] = units.get(p.unit, 0) + 1
        say(
            "unit kerja / work units: "
            + ", ".join(f"{unit} ({n} orang / staff)" for unit, n in units.items()),
            4,
        )
        for boss in members:
            staff = [p.name for p in members if p.supervisor == boss.nip]
            if not staff:
                continue
            role = "kepala OPD / head of the OPD" if boss.head else "atasan / supervisor"
            say(f"{boss.name} ({boss.position}, {role}) -> {', '.join(staff)}", 4)


# -- the story --------------------------------------------------------------------------------


def next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) or 7)


def setup(api: Api, admin: str, today: date) -> None:
    heading("Data awal / Set-up (BKD admin)")
    report = api.call(
        "POST", "eligibility", "/roster/imports?format=jsonl", admin, content=roster_jsonl()
    ).json()
    say(
        f"roster import: {report['accepted']} rows accepted, {report['registered']} registered, "
        f"{report['updated']} updated, {report['unchanged']} unchanged",
        2,
    )
    for opd, settings in POLICIES.items():
        versions = api.call("GET", "eligibility", f"/policies/{opd}", admin).json()["versions"]
        if not versions:
            body = {
                "version": 1,
                "effective_from": today.isoformat(),
                "note": "Kebijakan WFA awal (demo)",
                "settings": settings,
            }
            api.call("POST", "eligibility", f"/policies/{opd}/versions", admin, body=body)
        state = "published" if not versions else f"already at version {versions[-1]['version']}"
        say(f"policy {opd}: {state}", 2)


def submit(api: Api, nip: str, days: list[date], week: date) -> dict[str, Any]:
    token = api.as_person(nip)
    body = {
        "dates": [d.isoformat() for d in days],
        "location": HOME,
        "reason": "Menyelesaikan dokumen perencanaan dan analisis data",
        "work_plan": WORK_PLAN,
    }
    key = f"demo-wfa-{nip}-{'-'.join(d.isoformat() for d in days)}-{week.isoformat()}"
    answer = api.call("POST", "eligibility", "/wfa/requests", token, body=body, key=key)
    return api.decided(answer, token)


def story(api: Api, admin: str, today: date) -> list[str]:
    """Run the scenarios; returns the ids of the requests made."""
    monday = next_monday(today)
    tue, wed, thu = (monday + timedelta(days=n) for n in (1, 2, 3))
    ids: list[str] = []

    heading(
        "1. Kuota unit / Share of a unit away: dinas-kominfo/bidang-aplikasi, 4 orang / staff, "
        "50% -> 2 boleh WFA per hari / may be away a day"
    )
    say(
        f"Andi, Dewi dan Rizky (berurutan) mengajukan WFA {day_id(tue)} dan {day_id(thu)} / "
        f"in this order, ask for WFA on {day_en(tue)} and {day_en(thu)}:",
        2,
    )
    requests: dict[str, dict[str, Any]] = {}
    for nip, failing in ((ANDI, set()), (DEWI, set()), (RIZKY, {"UNIT_AWAY_SHARE"})):
        requests[nip] = submit(api, nip, [tue, thu], monday)
        ids.append(requests[nip]["request_id"])
        show_decision(PEOPLE[nip].name, requests[nip])
        expect(requests[nip], failing)

    heading("2. Persetujuan atasan langsung / Approval by the supervisor of record")
    andi_request = requests[ANDI]["request_id"]
    sri = api.as_person(SRI)
    if requests[ANDI]["status"] == "pending":
        answer = api.call(
            "POST",
            "eligibility",
            f"/wfa/requests/{andi_request}/approve",
            sri,
            body={"reason": "Rencana kerja jelas dan terukur"},
            key=f"demo-approve-{andi_request}",
        )
        status = answer.json()["status"]
    else:
        status = f"{requests[ANDI]['status']} (sudah / already, in an earlier run)"
    say(
        f"Sri Lestari (atasan langsung Andi / Andi's supervisor) menyetujui / approves "
        f"{andi_request}: -> {status}",
        2,
    )
    dewi_request = requests[DEWI]["request_id"]
    answer = api.call(
        "POST",
        "eligibility",
        f"/wfa/requests/{dewi_request}/approve",
        api.as_person(HENDRA),
        body={},
        ok=(403,),
    )
    say(
        "Hendra Wijaya (kepala dinas, bukan atasan langsung Dewi / the head, not Dewi's "
        "supervisor of record) mencoba menyetujui / tries to approve Dewi's request:",
        2,
    )
    show_refusal(answer)

    heading("3. Batas mingguan / Weekly cap: 2 hari WFA per minggu / WFA days a week")
    say(
        f"Andi juga mengajukan {day_id(wed)}, hari ke-3 minggu itu / also asks for "
        f"{day_en(wed)}, a 3rd day that week:",
        2,
    )
    third = submit(api, ANDI, [wed], monday)
    ids.append(third["request_id"])
    show_decision(PEOPLE[ANDI].name, third)
    expect(third, {"WEEKLY_CAP"})

    heading("4. OPD lain, kebijakan lain / Other OPDs, other policies")
    fajar = submit(api, FAJAR, [wed], monday)
    ids.append(fajar["request_id"])
    say(
        f"bappeda/bidang-perencanaan (25% dari 4 = 1 orang / 25% of 4 = 1): Fajar mengajukan "
        f"{day_id(wed)} / asks for {day_en(wed)}; menunggu persetujuan / awaits approval by "
        f"{PEOPLE[RINA].name}",
        2,
    )
    show_decision(PEOPLE[FAJAR].name, fajar)
    expect(fajar, set())
    yoga = submit(api, YOGA, [wed], monday)
    ids.append(yoga["request_id"])
    say("rsud-tarakan (WFA tidak aktif / off): dr. Yoga mengajukan / asks:", 2)
    show_decision(PEOPLE[YOGA].name, yoga)
    expect(yoga, {"WFA_ENABLED", "POSITION_ELIGIBLE"})
    return ids


# -- a day of attendance ----------------------------------------------------------------------

WIB = timezone(timedelta(hours=7))
SURABAYA = (-7.2575, 112.7521)
BOGOR = (-6.5950, 106.8166)
#: one planted cheater (or cluster) per anomaly kind: who, and what they do
PLANTED: dict[str, tuple[str, ...]] = {
    "outside_geofence": (DEWI,),
    "remote_without_approval": (RIZKY,),
    "late_check_in": (FAJAR,),
    "missing_check_out": (AGUS,),
    "mock_location": (DIMAS,),
    "impossible_travel": (RINA,),
    "static_coordinates": (AHMAD,),
    "shared_coordinates": (PUTRI, WAHYU, SARI),
    "clock_tampering": (EKO,),
    "sequence_tampering": (LINA,),
    "far_from_wfa_location": (NUR,),
    "mode_mismatch": (INDAH,),
}
TODAY_KINDS = ("far_from_wfa_location", "mode_mismatch")


def previous_working_day(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5 or day in NATIONAL_HOLIDAYS or day in CUTI_BERSAMA:
        day -= timedelta(days=1)
    return day


def jitter(nip: str, n: int, metres: float = 25.0) -> tuple[float, float]:
    """A small, repeatable offset (in degrees) as an honest GPS fix would have."""
    seed = int(hashlib.sha256(f"{nip}:{n}".encode()).hexdigest()[:8], 16)
    dx = ((seed % 1000) / 1000 - 0.5) * 2 * metres
    dy = (((seed // 1000) % 1000) / 1000 - 0.5) * 2 * metres
    return dy / 111_320, dx / 110_000


def seq_of(at: datetime) -> int:
    """A phone's sequence number for a signal recorded at ``at``: its counter only goes up, so
    the demo numbers a signal by the minute it was recorded. A run on another day, or a run
    again after the idempotency keys expired, continues the numbering instead of reusing a
    number for another time (which the detector rightly calls sequence tampering)."""
    return int(at.timestamp()) // 60


class Device:
    """One person's phone: registered once, numbering its own signals."""

    def __init__(self, api: Api, nip: str) -> None:
        self.api, self.nip, self.token = api, nip, api.as_person(nip)
        self.device_id = f"demo-phone-{nip[-6:]}"

    def register(self) -> None:
        self.api.call(
            "POST",
            "attendance",
            "/attendance/devices",
            self.token,
            body={"device_id": self.device_id, "platform": "android", "label": "Ponsel kerja"},
            key=f"demo-device-{self.nip}",
        )

    def send(
        self,
        path: str,
        at: datetime,
        where: tuple[float, float],
        *,
        offline: bool,
        seq: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        # the body is the same on every run (no send time of "now" in it), so a run again
        # replays each answer under its Idempotency-Key instead of being refused with 409
        body = {
            "location": {"lat": round(where[0], 6), "lon": round(where[1], 6)},
            "accuracy_m": 12,
            "device_id": self.device_id,
            "device_seq": seq if seq is not None else seq_of(at),
            "at": at.isoformat(),
            "recorded_offline": offline,
            **extra,
        }
        key = f"demo-{path.rsplit('/', 1)[-1]}-{self.nip}-{at.isoformat()}"
        answer = self.api.call("POST", "attendance", path, self.token, body=body, key=key)
        data: dict[str, Any] = answer.json()
        return data


def office_of(nip: str, n: int = 0, *, exact: bool = False) -> tuple[float, float]:
    lat, lon, _ = OFFICES[PEOPLE[nip].opd]
    if exact:
        return lat, lon
    dlat, dlon = jitter(nip, n)
    return lat + dlat, lon + dlon


def local(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=WIB)


def set_geofences(api: Api, admin: str) -> None:
    """dinas-kominfo and bappeda draw their office as a 150 m circle; the hospital keeps the
    roster's office location with the default radius."""
    for opd in ("dinas-kominfo", "bappeda"):
        lat, lon, address = OFFICES[opd]
        api.call(
            "POST",
            "attendance",
            "/attendance/geofences",
            admin,
            body={
                "opd_id": opd,
                "name": address,
                "shape": {"kind": "circle", "center": {"lat": lat, "lon": lon}, "radius_m": 150},
            },
            key=f"demo-geofence-{opd}",
        )


def replay_day(devices: dict[str, Device], day: date) -> None:
    """``day`` as the phones recorded it, sent now from their offline queues."""
    cheaters = {nip for kind, who in PLANTED.items() if kind not in TODAY_KINDS for nip in who}
    for nip, device in devices.items():
        if nip in cheaters:
            continue
        device.send("/attendance/check-ins", local(day, 7, 10 + int(nip[-2:]) % 19),
                    office_of(nip, 1), offline=True)  # fmt: skip
        device.send("/attendance/check-outs", local(day, 16, 5 + int(nip[-2:]) % 20),
                    office_of(nip, 2), offline=True)  # fmt: skip

    def day_in_office(nip: str, **extra: Any) -> None:
        devices[nip].send("/attendance/check-ins", local(day, 7, 22), office_of(nip, 1),
                          offline=True, **extra)  # fmt: skip
        devices[nip].send("/attendance/check-outs", local(day, 16, 3), office_of(nip, 2),
                          offline=True, **extra)  # fmt: skip

    office = OFFICES["dinas-kominfo"]
    devices[DEWI].send(
        "/attendance/check-ins", local(day, 7, 20), (office[0] + 0.027, office[1]), offline=True
    )  # about 3 km away
    devices[DEWI].send("/attendance/check-outs", local(day, 16, 0),
                       (office[0] + 0.027, office[1]), offline=True)  # fmt: skip
    devices[RIZKY].send("/attendance/check-ins", local(day, 7, 25),
                        HOME_AT, offline=True, mode="wfa")  # fmt: skip
    devices[RIZKY].send("/attendance/check-outs", local(day, 16, 1),
                        HOME_AT, offline=True, mode="wfa")  # fmt: skip
    devices[FAJAR].send("/attendance/check-ins", local(day, 8, 47), office_of(FAJAR, 1),
                        offline=True)  # fmt: skip
    devices[FAJAR].send("/attendance/check-outs", local(day, 16, 30), office_of(FAJAR, 2),
                        offline=True)  # fmt: skip
    devices[AGUS].send("/attendance/check-ins", local(day, 7, 18), office_of(AGUS, 1),
                       offline=True)  # and no check-out  # fmt: skip
    day_in_office(DIMAS, mock_location=True)
    devices[RINA].send("/attendance/check-ins", local(day, 7, 20), office_of(RINA, 1),
                       offline=True)  # fmt: skip
    devices[RINA].send("/attendance/pings", local(day, 7, 50), SURABAYA, offline=True)
    devices[RINA].send("/attendance/check-outs", local(day, 16, 2), office_of(RINA, 2),
                       offline=True)  # fmt: skip
    still = office_of(AHMAD, exact=True)
    devices[AHMAD].send("/attendance/check-ins", local(day, 7, 15), still, offline=True)
    for hour in (9, 11, 13):
        devices[AHMAD].send("/attendance/pings", local(day, hour, 0), still, offline=True)
    devices[AHMAD].send("/attendance/check-outs", local(day, 16, 5), still, offline=True)
    shared = (office[0] + 0.000123, office[1] - 0.000321)
    for n, nip in enumerate((PUTRI, WAHYU, SARI)):
        devices[nip].send("/attendance/check-ins", local(day, 7, 12 + n), shared, offline=True)
        devices[nip].send("/attendance/check-outs", local(day, 16, 4 + n), office_of(nip, 2),
                          offline=True)  # fmt: skip
    # the phone's clock set back: it says the check-in was sent a minute after it was recorded,
    # yet the server receives it now
    skewed = local(day, 7, 25).isoformat()
    devices[EKO].send("/attendance/check-ins", local(day, 7, 24), office_of(EKO, 1),
                      offline=True, sent_at=skewed)  # fmt: skip
    devices[EKO].send("/attendance/check-outs", local(day, 16, 6), office_of(EKO, 2),
                      offline=True)  # fmt: skip
    first = seq_of(local(day, 7, 25))
    devices[LINA].send("/attendance/check-ins", local(day, 7, 25), office_of(LINA, 1),
                       offline=True, seq=first)  # fmt: skip
    # the next signal of the phone is numbered after it but timed 35 minutes before it
    devices[LINA].send("/attendance/pings", local(day, 6, 50), office_of(LINA, 3),
                       offline=True, seq=first + 1)  # fmt: skip
    devices[LINA].send("/attendance/check-outs", local(day, 16, 8), office_of(LINA, 2),
                       offline=True)  # fmt: skip


def wfa_today(api: Api, devices: dict[str, Device], today: date) -> bool:
    """Nur and Indah get WFA for today, then check in: Nur far from the approved location,
    Indah claiming to be at the office. False when today is not a working day."""
    if today.weekday() >= 5 or today in NATIONAL_HOLIDAYS or today in CUTI_BERSAMA:
        return False
    for nip in (NUR, INDAH):
        request = submit(api, nip, [today], today)
        if request["status"] == "pending":
            supervisor = PEOPLE[nip].supervisor
            assert supervisor is not None
            api.call(
                "POST",
                "eligibility",
                f"/wfa/requests/{request['request_id']}/approve",
                api.as_person(supervisor),
                body={"reason": "Rencana kerja jelas"},
                key=f"demo-approve-{request['request_id']}",
            )
    # at the start of work, or now when the demo runs before it: a run again replays the same
    # check-in (after 07:30) or adds a later one, never one at the same time numbered otherwise
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    at = min(now, local(today, 7, 30))
    devices[NUR].send("/attendance/check-ins", at, BOGOR, offline=False, mode="wfa")
    devices[INDAH].send("/attendance/check-ins", at, HOME_AT,
                        offline=False, mode="office")  # fmt: skip
    return True


def attendance(api: Api, admin: str, today: date) -> tuple[date, bool]:
    """A day of check-ins with one planted cheater of each anomaly kind; returns that day, and
    whether today is a WFA day for Nur and Indah."""
    day = previous_working_day(today)
    heading(
        f"5. Presensi / Attendance: {day_id(day)} / {day_en(day)}, dikirim dari antrean offline "
        "perangkat / sent now from the phones' offline queues"
    )
    set_geofences(api, admin)
    devices = {p.nip: Device(api, p.nip) for p in ROSTER}
    for device in devices.values():
        device.register()
    say(
        f"geofence kantor / office geofences: dinas-kominfo, bappeda (150 m); rsud-tarakan: "
        f"lokasi kantor di data pegawai / the roster's office location. {len(devices)} ponsel "
        "terdaftar / phones registered.",
        2,
    )
    replay_day(devices, day)
    say(
        f"{len(ROSTER)} ASN: presensi masuk dan pulang / checked in and out; yang curang / "
        "the planted cheaters:",
        2,
    )
    for kind, who in PLANTED.items():
        names = ", ".join(PEOPLE[nip].name for nip in who)
        when = "hari ini / today" if kind in TODAY_KINDS else day_id(day)
        say(f"{kind:<24} {names} ({when})", 4)
    wfa = wfa_today(api, devices, today)
    if not wfa:
        say("hari ini bukan hari kerja: far_from_wfa_location dan mode_mismatch dilewati / "
            "today is not a working day: those two kinds are skipped", 2)  # fmt: skip
    return day, wfa


def anomalies(api: Api, admin: str, day: date, today: date) -> str:
    """Wait until reporting lists every planted anomaly; print them; return the query."""
    heading("7. Anomali presensi / Attendance anomalies (detected, projected into ClickHouse)")
    query = (
        f"/reporting/anomalies?date_from={day.isoformat()}&date_to={today.isoformat()}&limit=200"
    )
    wanted = {kind: set(who) for kind, who in PLANTED.items()}
    if today.weekday() >= 5 or today in NATIONAL_HOLIDAYS or today in CUTI_BERSAMA:
        for kind in TODAY_KINDS:
            wanted.pop(kind)
    found: dict[str, set[str]] = {}
    deadline = time.monotonic() + 180  # the missing check-out waits for the detector's sweep
    while time.monotonic() < deadline:
        items = api.call("GET", "reporting", query, admin).json()["items"]
        found = {}
        for item in items:
            if item["nip"] in PEOPLE:
                found.setdefault(item["kind"], set()).add(item["nip"])
        if all(who <= found.get(kind, set()) for kind, who in wanted.items()):
            break
        time.sleep(2)
    for kind in PLANTED:
        names = ", ".join(sorted(PEOPLE[nip].name for nip in found.get(kind, set()))) or "-"
        mark = "ok" if wanted.get(kind, set()) <= found.get(kind, set()) else "MISSING"
        say(f"{kind:<24} {mark:<8} {names}", 2)
    honest = {p.nip for p in ROSTER} - {nip for who in PLANTED.values() for nip in who}
    flagged_honest = sorted(
        PEOPLE[nip].name for who in found.values() for nip in who if nip in honest
    )
    say(
        "tidak ada pegawai jujur yang ditandai / no honest employee flagged"
        if not flagged_honest
        else f"also flagged: {', '.join(flagged_honest)}",
        2,
    )
    return query


def reporting(api: Api, admin: str, ids: list[str], approved: str) -> None:
    heading("6. Pelaporan / Reporting (projected from Kafka into ClickHouse)")
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        body = api.call("GET", "reporting", "/reports/requests?limit=1000", admin).json()
        seen = {row["request_id"]: row["status"] for row in body["items"]}
        if all(i in seen for i in ids) and seen[approved] == "approved":
            break
        time.sleep(0.5)
    total = body.get("total", body.get("count", 0))
    mine: dict[str, int] = {}
    for request_id in ids:
        status = seen.get(request_id, "not yet projected")
        mine[status] = mine.get(status, 0) + 1
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(mine.items()))
    say(f"reporting counts {total} WFA requests in all; this run's {len(ids)}: {statuses}", 2)


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the demo province")
    for svc, port in (("eligibility", 8001), ("attendance", 8002), ("reporting", 8003)):
        parser.add_argument(f"--{svc}", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--audit", default="http://127.0.0.1:8004")
    parser.add_argument(
        "--personas",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "var" / "demo" / "personas.json",
        help="where to write the web app's demo login personas (var/demo/personas.json)",
    )
    args = parser.parse_args()
    urls = {name: getattr(args, name) for name in ("eligibility", "attendance", "reporting")}
    api = Api(urls, Settings())
    admin = api.token(ADMIN_NIP, Role.ADMIN_BKD, None)
    auditor = api.token(AUDITOR_NIP, Role.AUDITOR, None)
    demo_readiness.write_personas(args.personas)
    today = (datetime.now(UTC) + timedelta(hours=7)).date()  # WIB
    print(
        f"\nLoading the demo province ({len(POLICIES)} OPD, {len(ROSTER)} ASN) through the "
        "public APIs, as the apps would.",
        flush=True,
    )
    try:
        setup(api, admin, today)
        demo_readiness.record_assessments(api, admin, today)
        show_organisation()
        ids = story(api, admin, today)
        day, wfa = attendance(api, admin, today)
        reporting(api, admin, ids, approved=ids[0])
        anomaly_query = anomalies(api, admin, day, today)
        reported = demo_reports.daily_reports(api, admin, day, today, wfa)
        summaries = demo_reports.projections(api, admin, day, reported)
        demo_readiness.show_readiness(api, admin)
    except (DemoFailed, httpx.HTTPError) as exc:
        print(f"\nThe demo stopped: {exc}", file=sys.stderr)
        return 1
    simulation = json.dumps(
        {
            "period_from": next_monday(today).isoformat(),
            "period_to": (next_monday(today) + timedelta(days=4)).isoformat(),
            "settings": {"wfa_enabled": True, "max_away_share": 0.25},
        }
    )
    print(f"""
The platform is up.
  Eligibility  {args.eligibility}/docs
  Attendance   {args.attendance}/docs
  Reporting    {args.reporting}/docs
  Audit        {args.audit}/docs

Try it (tokens valid 12 hours; mint more with .venv/bin/wfa-token --help):
  export ADMIN={admin}
  export AUDITOR={auditor}
  curl -s -H "Authorization: Bearer $ADMIN" "{args.reporting}{anomaly_query}"
  curl -s -H "Authorization: Bearer $ADMIN" {args.reporting}/reports/requests
{demo_reports.curl_lines(args.reporting, summaries)}
  curl -s -H "Authorization: Bearer $ADMIN" {args.eligibility}/policies/dinas-kominfo
  curl -s -H "Authorization: Bearer $ADMIN" {args.eligibility}/wfa/requests/{ids[0]}
  # what if dinas-kominfo allowed only 25% of a unit away?
  curl -s -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" \\
    -d '{simulation}' \\
    {args.eligibility}/policies/dinas-kominfo/simulations
  curl -s -H "Authorization: Bearer $AUDITOR" "{args.audit}/audit/events?limit=5"
  # the readiness study's inputs: eligible positions, infrastructure, what-if
  curl -s -H "Authorization: Bearer $ADMIN" {args.eligibility}/policies/rsud-tarakan/readiness
Demo login personas for the web app: {args.personas}
Stop everything with: make down""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
