"""A realistic mixed event history for the reporting benchmark (pure: no I/O).

A roster of ``employees`` ASN in several OPDs (an OPD head, unit heads, staff), then
``days`` working days of what the apps publish: WFA requests at the start of each week and
their decisions, check-ins, pings, heartbeats and check-outs, anomalies (late check-ins,
missing check-outs, a few violations), daily reports, reviews and resubmissions after a return.
About one event in a hundred has text outside printable ASCII (a line break, a dash), as
people write it. Records are encoded with the contract's record builder
(:func:`schemas.serialization.record_from_parts`), keyed by the subject NIP as producers do.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from schemas.serialization import record_from_parts
from schemas.topics import ATTENDANCE, REPORTS, REQUESTS, ROSTER

WIB = timezone(timedelta(hours=7))
FIRST_MONDAY = date(2026, 3, 2)
OPD_SIZE = 120
UNIT_SIZE = 12
HEARTBEATS = 6
OFFICE_START = 7 * 60 + 30  # 07:30 local

#: fact table each event type lands in (for the benchmark's own checks)
FACT_TABLE = {
    **dict.fromkeys(("EmployeeRegistered", "EmployeeUpdated"), "employees"),
    **dict.fromkeys(
        ("WfaRequested", "WfaApproved", "WfaRejected", "WfaCancelled"), "request_events"
    ),
    **dict.fromkeys(
        ("CheckedIn", "CheckedOut", "LocationPinged", "HeartbeatReceived"), "presence_signals"
    ),
    "AttendanceAnomalyDetected": "anomalies",
    **dict.fromkeys(("DailyReportSubmitted", "DailyReportReviewed"), "report_events"),
}


@dataclass(frozen=True)
class Employee:
    nip: str
    opd_id: str
    work_unit_id: str
    supervisor_nip: str | None


@dataclass
class History:
    """The records per topic (key, value), and what a projection of them must hold."""

    records: dict[str, list[tuple[bytes, bytes]]] = field(default_factory=dict)
    events_by_type: Counter[str] = field(default_factory=Counter)
    employee_days: set[tuple[str, date]] = field(default_factory=set)
    """Employee-days with at least one fact (the rows employee_day must have)."""
    opds: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return sum(len(records) for records in self.records.values())

    def facts(self) -> Counter[str]:
        """Distinct events expected per fact table (the roster: distinct employees)."""
        expected: Counter[str] = Counter()
        for event_type, count in self.events_by_type.items():
            if FACT_TABLE[event_type] != "employees":
                expected[FACT_TABLE[event_type]] += count
        expected["employees"] = self.events_by_type["EmployeeRegistered"]
        return expected


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _local(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=WIB) + timedelta(minutes=minutes)


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_at(at: datetime, number: int) -> str:
    """A canonical ULID: ``at`` in milliseconds, then ``number`` (distinct per history)."""
    value = (_ms(at) << 80) | number
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -5, -5))


def _sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


class _Writer:
    def __init__(self, history: History, topics: dict[str, str]) -> None:
        self.history = history
        self.topics = topics
        self.numbers = itertools.count(1)
        self.pending: list[tuple[datetime, str, bytes, bytes]] = []

    def flush(self) -> None:
        """What was emitted since the last flush, onto its topics in the order it happened
        (as the apps publish it: a day's events of every employee interleaved)."""
        self.pending.sort(key=lambda item: item[0])
        for _, topic, key, value in self.pending:
            self.history.records[topic].append((key, value))
        self.pending.clear()

    def new_id(self, at: datetime) -> str:
        return ulid_at(at, next(self.numbers))

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        *,
        at: datetime,
        employee: Employee,
        actor: str | None = None,
        event_id: str | None = None,
    ) -> str:
        event_id = event_id or self.new_id(at)
        record = record_from_parts(
            event_type,
            payload,
            event_id=event_id,
            actor=actor or employee.nip,
            subject=employee.nip,
            opd_id=employee.opd_id,
            occurred_at=at,
            recorded_at=at + timedelta(seconds=1),
            correlation_id=event_id,
        )
        self.pending.append((at, self.topics[record.topic], record.key, record.value))
        self.history.events_by_type[event_type] += 1
        return event_id


def roster(employees: int, tag: str) -> list[Employee]:
    """OPDs of ``OPD_SIZE`` staff in units of ``UNIT_SIZE``; each unit's first member heads it
    and reports to the OPD head (the OPD's first member)."""
    staff: list[Employee] = []
    for i in range(employees):
        opd, rank = divmod(i, OPD_SIZE)
        unit = rank // UNIT_SIZE
        nip = f"19{tag}{i:012d}"
        head = f"19{tag}{opd * OPD_SIZE:012d}"
        unit_head = f"19{tag}{opd * OPD_SIZE + unit * UNIT_SIZE:012d}"
        supervisor = None if rank == 0 else head if rank % UNIT_SIZE == 0 else unit_head
        staff.append(Employee(nip, f"opd-{tag}-{opd}", f"opd-{tag}-{opd}-unit-{unit}", supervisor))
    return staff


def _place(mode: str, inside: bool, reference_id: str) -> dict[str, Any]:
    return {
        "derived_mode": mode,
        "declared_mode": mode,
        "reference": "wfa_location" if mode == "wfa" else "office_geofence",
        "reference_id": reference_id,
        "inside": inside,
        "distance_band": "within_100m" if inside else "1km_5km",
        "cell": "-6.91,107.61" if mode == "wfa" else "-6.18,106.83",
    }


def _register(w: _Writer, e: Employee, rng: random.Random, updated: bool) -> None:
    name = "Dra. Siti Nurhaliza, M.Si." if rng.random() < 0.5 else "Budi Santoso, S.Kom."
    payload = {
        "nip": e.nip,
        "name": name,
        "opd_id": e.opd_id,
        "work_unit_id": e.work_unit_id,
        "position": "Analis Kebijakan Ahli Muda",
        "position_category": "administrasi",
        "supervisor_nip": e.supervisor_nip,
        "employment_type": "PNS" if rng.random() < 0.8 else "PPPK",
        "appointment_date": date(2015, 3, 1),
        "orientation_end_date": None,
        "home_location": {"lat": -6.9147, "lon": 107.6098, "address": "Jl. Merdeka No. 1"},
        "office_location": {"lat": -6.1754, "lon": 106.8272, "address": None},
    }
    at = _local(FIRST_MONDAY - timedelta(days=7), 8 * 60)
    w.emit("EmployeeRegistered", payload, at=at, employee=e)
    if updated:
        payload = {**payload, "position": "Analis Kebijakan Ahli Madya"}
        w.emit("EmployeeUpdated", payload, at=at + timedelta(days=1), employee=e)


_PLAN = [
    {"description": "Menyusun draf SOP layanan data", "target": 1.0, "unit": "dokumen"},
    {"description": "Memutakhirkan data pegawai", "target": 50.0, "unit": "data"},
]


def _week_requests(w: _Writer, e: Employee, monday: date, rng: random.Random) -> dict[date, str]:
    """A request for one or two days of the week and its decision: the approved days."""
    days = sorted(rng.sample([monday + timedelta(days=d) for d in range(5)], rng.choice((1, 2))))
    request_id = w.new_id(_local(monday, 0))
    asked = _local(monday - timedelta(days=3), 9 * 60)
    payload = {
        "request_id": request_id,
        "nip": e.nip,
        "work_unit_id": e.work_unit_id,
        "dates": days,
        "place": {"location_id": None, "cell": "-6.91,107.61", "address": None},
        "reason": "Menyelesaikan penyusunan laporan evaluasi kinerja triwulan",
        "work_plan": _PLAN,
        "decision": {
            "eligible": True,
            "policy_version": 1,
            "trace": [
                {
                    "code": "position_category_allowed",
                    "passed": True,
                    "message_id": "Kategori jabatan administrasi dapat melaksanakan WFA.",
                    "message_en": "Administrative positions may work from anywhere.",
                    "legal_basis": "Permen PANRB 4/2025",
                },
                {
                    "code": "weekly_cap",
                    "passed": True,
                    "message_id": "Paling banyak 2 hari WFA dalam satu minggu.",
                    "message_en": "At most 2 WFA days a week.",
                    "legal_basis": "Permen PANRB 4/2025 Pasal 13 ayat (1)",
                },
            ],
        },
    }
    w.emit("WfaRequested", payload, at=asked, employee=e)
    w.history.employee_days.update((e.nip, day) for day in days)
    approver = e.supervisor_nip or e.nip
    decided = asked + timedelta(hours=2)
    roll = rng.random()
    base = {"request_id": request_id, "nip": e.nip}
    if roll < 0.05:
        payload = {**base, "approver_nip": approver, "reason": "Target belum terukur"}
        w.emit("WfaRejected", payload, at=decided, employee=e, actor=approver)
        return {}
    payload = {**base, "approver_nip": approver, "reason": ""}
    w.emit("WfaApproved", payload, at=decided, employee=e, actor=approver)
    if roll < 0.10:
        payload = {**base, "reason": "Rapat mendadak di kantor"}
        w.emit("WfaCancelled", payload, at=decided, employee=e)
        return {}
    return dict.fromkeys(days, request_id)


def _signal(e: Employee, day: date, at: datetime, seq: int) -> dict[str, Any]:
    return {
        "nip": e.nip,
        "at": at,
        "received_at": at + timedelta(seconds=2),
        "work_date": day,
        "timezone": "WIB",
        "working_day": True,
        "device_id": f"android-{e.nip[-6:]}",
        "device_seq": seq,
        "late_synced": False,
    }


def _anomaly(
    w: _Writer, e: Employee, day: date, kind: str, at: datetime, evidence: dict[str, Any]
) -> None:
    anomaly_id = w.new_id(at)
    payload = {
        "anomaly_id": anomaly_id,
        "nip": e.nip,
        "kind": kind,
        "work_date": day,
        "at": at,
        "detected_by": "stream",
        "evidence": evidence,
        "thresholds": {"grace_minutes": 15, "radius_m": 100},
        "source_event_ids": [anomaly_id],
        "message_id": f"Terdeteksi {kind.replace('_', ' ')}.",
        "message_en": f"Detected {kind.replace('_', ' ')}.",
    }
    w.emit(
        "AttendanceAnomalyDetected",
        payload,
        at=at,
        employee=e,
        actor="system:detector",
        event_id=anomaly_id,
    )


def _report(
    w: _Writer, e: Employee, day: date, mode: str, request_id: str | None, rng: random.Random
) -> None:
    report_id = w.new_id(_local(day, 0))
    outputs = []
    for n in range(rng.choice((1, 2, 3))):
        linked = mode == "wfa" and n < len(_PLAN)
        target = _PLAN[n]["target"] if linked else rng.choice((None, 2.0, 5.0))
        outputs.append(
            {
                "description": _PLAN[n % 2]["description"] if linked else "Rapat koordinasi",
                "quantity": float(rng.randint(0, 6)),
                "unit": "dokumen",
                "target": target,
                "plan_target": n if linked else None,
            }
        )
    odd = rng.random() < 0.01  # as people write: a line break, a dash
    notes = "Rapat lantai 2 — gedung B\nlanjut besok" if odd else None
    attachments = [
        {"name": f"lampiran-{i}.pdf", "size_bytes": 20_000 + i, "sha256": _sha(f"{report_id}{i}")}
        for i in range(rng.choice((0, 1, 2)))
    ]
    reviewer = e.supervisor_nip or e.nip
    submitted = _local(day, 16 * 60 + 30)
    for revision in (1, 2):
        payload = {
            "report_id": report_id,
            "revision": revision,
            "nip": e.nip,
            "work_date": day,
            "mode": mode,
            "request_id": request_id,
            "outputs": outputs,
            "attachments": attachments,
            "notes": notes,
        }
        w.emit("DailyReportSubmitted", payload, at=submitted, employee=e)
        roll = rng.random()
        if roll < 0.05:
            return  # not reviewed yet
        returned = revision == 1 and roll < 0.15
        review = {
            "report_id": report_id,
            "revision": revision,
            "nip": e.nip,
            "work_date": day,
            "reviewer_nip": reviewer,
            "verdict": "returned" if returned else "accepted",
            "note": "Lengkapi lampiran notulen" if returned else None,
        }
        reviewed = submitted + timedelta(hours=2)
        w.emit("DailyReportReviewed", review, at=reviewed, employee=e, actor=reviewer)
        if not returned:
            return
        submitted = reviewed + timedelta(hours=1)


def _day(w: _Writer, e: Employee, day: date, request_id: str | None, rng: random.Random) -> None:
    if rng.random() < 0.03:
        return  # absent: no fact at all
    w.history.employee_days.add((e.nip, day))
    mode = "wfa" if request_id else "office"
    reference = request_id or f"geofence-{e.opd_id}"
    late = rng.random() < 0.08
    minutes = rng.randint(16, 45) if late else rng.randint(-25, 10)
    seq = 0

    def signal(event_type: str, minute: int, id_field: str, **extra: Any) -> str:
        nonlocal seq
        seq += 1
        at = _local(day, OFFICE_START + minute)
        payload = {**_signal(e, day, at, seq), **extra}
        signal_id = w.new_id(at)
        payload[id_field] = signal_id
        if event_type != "HeartbeatReceived":
            payload |= {
                "place": _place(mode, rng.random() > 0.03, reference),
                "accuracy_m": 12.5,
                "mock_location": False,
                "location_id": signal_id,
            }
        return w.emit(event_type, payload, at=at, employee=e, event_id=signal_id)

    check_in = signal("CheckedIn", minutes, "checkin_id", minutes_after_start=minutes)
    if late:
        at = _local(day, OFFICE_START + minutes)
        _anomaly(w, e, day, "late_check_in", at, {"minutes_late": minutes, "check_in": check_in})
    for n in range(4 if mode == "wfa" else 1):
        signal("LocationPinged", minutes + 60 + n * 90, "ping_id")
    for n in range(HEARTBEATS):
        signal("HeartbeatReceived", minutes + 30 + n * 70, "heartbeat_id")
    if rng.random() < 0.95:
        signal("CheckedOut", 9 * 60 + rng.randint(0, 30), "checkout_id")
    else:
        at = _local(day, 14 * 60)
        _anomaly(w, e, day, "missing_check_out", at, {"hours_since_check_in": 14})
    if rng.random() < 0.02:
        at = _local(day, OFFICE_START + minutes)
        _anomaly(w, e, day, "outside_geofence", at, {"distance_m": 3200, "mock": False})
    if rng.random() < 0.9:
        _report(w, e, day, mode, request_id, rng)


def working_days(days: int) -> Iterator[date]:
    day = FIRST_MONDAY
    made = 0
    while made < days:
        if day.weekday() < 5:
            yield day
            made += 1
        day += timedelta(days=1)


def build_history(
    employees: int, days: int, *, topics: dict[str, str], tag: str = "5000", seed: int = 7
) -> History:
    """The history of ``employees`` ASN over ``days`` working days.

    ``topics`` maps each contract topic (roster, requests, attendance, reports) to the topic
    the records go to (a benchmark writes to its own copies); ``tag`` is 4 digits of the NIPs.
    """
    rng = random.Random(seed)
    history = History(records={topics[t]: [] for t in (ROSTER, REQUESTS, ATTENDANCE, REPORTS)})
    writer = _Writer(history, topics)
    staff = roster(employees, tag)
    history.opds = {e.opd_id for e in staff}
    for e in staff:
        _register(writer, e, rng, updated=rng.random() < 0.05)
    writer.flush()
    approved: dict[tuple[str, date], str] = {}
    all_days = list(working_days(days))
    for monday in sorted({d - timedelta(days=d.weekday()) for d in all_days}):
        for e in staff:
            if rng.random() < 0.6:
                for day, request_id in _week_requests(writer, e, monday, rng).items():
                    approved[(e.nip, day)] = request_id
        writer.flush()
        for day in (d for d in all_days if d - timedelta(days=d.weekday()) == monday):
            for e in staff:
                _day(writer, e, day, approved.get((e.nip, day)), rng)
            writer.flush()
    return history


def history_for(count: int, *, topics: dict[str, str], days: int = 20) -> History:
    """About ``count`` events: as many employees as ``days`` working days need (≈ 12 a day)."""
    employees = max(UNIT_SIZE, count // (days * 12))
    return build_history(employees, days, topics=topics)
