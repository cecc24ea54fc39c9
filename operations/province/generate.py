"""The events of a generated province over a simulated period, streamed in order. Pure.

:func:`generate` yields :class:`Event` values (the envelope's fields and the payload as
JSON-ready data, exactly what the services publish), one OPD-day at a time, so a month of a
province is never held in memory. The same :class:`~operations.province.model.ProvinceConfig`
and period always give the same events, ids and times included.

What comes out, as the services would publish it:

* the prologue (before the period): each OPD's policy (WFA on or off, the weekly cap, the
  share of a unit that may be away, the essential units, the Nataru and Lebaran windows and,
  when the period misses Nataru, a Nataru-style window inside it) and readiness assessment,
  the office geofences, the roster (heads with ``heads_opd``), the sanctions in force, every
  device, and the WFA requests for the first week with their decisions;
* every day: policy changes, sanctions lifted, promotions; on Thursdays the requests for the
  next week, decided (approved, rejected, approved and then cancelled, refused as not
  eligible, or left pending); on working days each person's check-in, pings on WFA days,
  device heartbeats, check-out, daily report and its review;
* the anomalies: those the attendance edge decides on receipt (outside the geofence, far
  from the WFA location, remote without approval, mode mismatch, clock tampering), published
  with the signal, and, unless ``detector=False``, those the stream detector finds (late
  check-in, missing check-out, mock location, impossible travel, static and shared
  coordinates, sequence tampering) with the detector's own deterministic ids, so a detector
  reading the same log publishes the same events and consumers keep each once.

Planted cheaters (see :mod:`operations.province.model`) make every kind appear: their signals
are what the detector would flag (a jump to Bandung, a coordinate repeated to six decimals,
three people on one point, a clock 40 minutes behind, a sequence number going forward while
time goes back).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final, Literal

from kernel.geometry import coarse_cell, distance_band, haversine_m
from kernel.policy import OpdPolicy
from kernel.thresholds import AttendanceThresholds
from kernel.working_time import local_zone
from operations.province.model import Opd, Person, ProvinceConfig, build_opd
from operations.province.plans import (
    Ask,
    Period,
    in_force,
    jitter,
    monday_of,
    policies_of,
    unit_hash,
    week_plan,
)
from schemas.envelope import Envelope
from schemas.events import EVENT_TYPES
from schemas.ids import derived_ulid
from schemas.serialization import KafkaRecord, read_event, record_from_parts

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Event",
    "chunk_of",
    "chunk_tasks",
    "chunks",
    "generate",
]

DEFAULT_THRESHOLDS: Final = AttendanceThresholds()
BANDUNG: Final = (-6.9147, 107.6098)
"""Where the impossible traveller's phone claims to be 20 minutes after checking in."""
ATTENDANCE_ACTOR: Final = "system:attendance-detector"

_TOPICS: Final = {name: cls.topic for name, cls in EVENT_TYPES.items()}
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True, slots=True)
class Event:
    """One event as a service publishes it: the envelope's fields and the JSON-ready payload."""

    event_type: str
    event_id: str
    payload: dict[str, Any]
    actor: str
    subject: str
    opd_id: str
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str
    causation_id: str | None = None

    @property
    def topic(self) -> str:
        return _TOPICS[self.event_type]

    def record(self) -> KafkaRecord:
        """The Kafka record, keyed by the subject NIP, from the contract's record builder."""
        return record_from_parts(
            self.event_type,
            self.payload,
            event_id=self.event_id,
            actor=self.actor,
            subject=self.subject,
            opd_id=self.opd_id,
            occurred_at=self.occurred_at,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            recorded_at=self.recorded_at,
        )

    def envelope(self) -> Envelope:
        """The contract envelope (validated: raises if the event breaks the contract)."""
        return read_event(self.record().value).current_envelope()


_PAIRS: Final = tuple(a + b for a in _CROCKFORD for b in _CROCKFORD)
"""Two Crockford characters for each 10-bit number."""


class _Ids:
    """Event ids of one chunk: ULIDs at the event's time, unique by the chunk's label.

    The 80 random bits are 55 bits of a hash of the seed and the label (11 characters, fixed
    for the chunk) and a 25-bit counter (5 characters); the 48 bits of milliseconds, with the
    two leading zero bits, are the first 10 characters.
    """

    __slots__ = ("_base", "_n")

    def __init__(self, seed: int, label: str) -> None:
        digest = hashlib.sha256(f"{seed}|{label}".encode()).digest()
        base = int.from_bytes(digest[:7], "big") >> 1  # 55 bits
        self._base = "".join(_CROCKFORD[(base >> shift) & 31] for shift in range(50, -5, -5))
        self._n = 0

    def at(self, when: datetime) -> str:
        self._n += 1
        n = self._n
        ms = int(when.timestamp() * 1000)
        p = _PAIRS
        return (
            p[(ms >> 40) & 1023]
            + p[(ms >> 30) & 1023]
            + p[(ms >> 20) & 1023]
            + p[(ms >> 10) & 1023]
            + p[ms & 1023]
            + self._base
            + p[(n >> 15) & 1023]
            + p[(n >> 5) & 1023]
            + _CROCKFORD[n & 31]
        )


def _utc(day: date, minutes: float, zone: str) -> datetime:
    local = datetime.combine(day, time(0, 0), tzinfo=local_zone(zone))  # type: ignore[arg-type]
    return (local + timedelta(minutes=minutes)).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# the event builder of one chunk
# --------------------------------------------------------------------------------------------

_LEGAL: Final[dict[str, str]] = {
    "POLICY_IN_FORCE": "Permen PANRB No. 4/2025: kebijakan fleksibilitas kerja per instansi",
    "WFA_ENABLED": "Permen PANRB No. 4/2025: fleksibilitas kerja bersifat opsional, bukan hak",
    "POSITION_ELIGIBLE": "Permen PANRB No. 4/2025: pemetaan tugas jabatan",
    "NOT_NEW_HIRE": "Permen PANRB No. 4/2025: ASN baru atau dalam masa orientasi di kantor",
    "NO_SANCTION": "PP No. 94/2021 tentang Disiplin PNS; Permen PANRB No. 4/2025",
    "SUPERVISOR_ASSIGNED": "Permen PANRB No. 4/2025: persetujuan atasan langsung",
    "DATE_NOT_PAST": "Permen PANRB No. 4/2025: persetujuan sebelum pelaksanaan",
    "WORKING_DAY": "Perpres No. 21/2023 (hari kerja Senin-Jumat)",
    "WEEKLY_CAP": "Permen PANRB No. 4/2025 Pasal 13 ayat (1)",
    "UNIT_AWAY_SHARE": "Kelangsungan layanan publik; batas persentase ditetapkan daerah",
    "WITHIN_WINDOW": "Kebijakan WFA OPD; jendela khusus menurut surat edaran MenPANRB",
    "ESSENTIAL_UNIT_WINDOW": "Layanan esensial tetap di kantor selama jendela khusus",
}
_RULE_TEXT: Final[dict[str, tuple[str, str]]] = {
    "POLICY_IN_FORCE": ("Kebijakan OPD berlaku.", "An OPD policy is in force."),
    "WFA_ENABLED": ("WFA diaktifkan oleh OPD.", "The OPD has WFA turned on."),
    "POSITION_ELIGIBLE": (
        "Kategori jabatan dapat WFA.",
        "The position category may work from anywhere.",
    ),
    "NOT_NEW_HIRE": ("Bukan ASN baru atau dalam orientasi.", "Not newly appointed."),
    "NO_SANCTION": ("Tidak sedang menjalani hukuman disiplin.", "No disciplinary sanction."),
    "SUPERVISOR_ASSIGNED": ("Atasan langsung tercatat.", "A direct supervisor is recorded."),
    "DATE_NOT_PAST": ("Tanggal belum lewat.", "The days are not in the past."),
    "WORKING_DAY": ("Semua tanggal hari kerja.", "Every day is a working day."),
    "WEEKLY_CAP": ("Dalam batas hari WFA per minggu.", "Within the weekly cap."),
    "UNIT_AWAY_SHARE": (
        "Dalam batas pegawai unit yang WFA per hari.",
        "Within the share of the unit that may be away.",
    ),
    "WITHIN_WINDOW": ("Sesuai jendela khusus.", "Consistent with the special windows."),
    "ESSENTIAL_UNIT_WINDOW": (
        "Unit bukan layanan esensial pada jendela khusus.",
        "Not an essential unit on window days.",
    ),
}

_PLAN: Final = (
    {"description": "Menyusun draf laporan analisis kebijakan", "target": 1.0, "unit": "dokumen"},
    {"description": "Memutakhirkan data kepegawaian unit", "target": 40.0, "unit": "data"},
)
_OFFICE_OUTPUTS: Final = (
    ("Rapat koordinasi internal", "kegiatan"),
    ("Menyelesaikan surat dinas", "surat"),
    ("Melayani masyarakat", "layanan"),
    ("Menyusun bahan paparan", "dokumen"),
)


class _Chunk:
    """Builds the events of one chunk (the prologue of an OPD, or an OPD-day)."""

    def __init__(self, config: ProvinceConfig, label: str, detector: bool) -> None:
        self.config = config
        self.ids = _Ids(config.seed, label)
        self.detector = detector
        self.events: list[Event] = []
        self.t = DEFAULT_THRESHOLDS

    def emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        *,
        at: datetime,
        subject: str,
        opd_id: str,
        actor: str | None = None,
        event_id: str | None = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        delay_s: float = 1.0,
    ) -> str:
        event_id = event_id or self.ids.at(at)
        self.events.append(
            Event(
                event_type,
                event_id,
                payload,
                actor or subject,
                subject,
                opd_id,
                at,
                at + timedelta(seconds=delay_s),
                correlation_id or event_id,
                causation_id,
            )
        )
        return event_id

    def sorted(self) -> list[Event]:
        """The chunk's events in the order the platform recorded them (the log's order)."""
        self.events.sort(key=lambda e: e.recorded_at)
        return self.events

    # roster ---------------------------------------------------------------------------------

    def employee(self, p: Person, at: datetime, event_type: str = "EmployeeRegistered") -> None:
        head = p.head_capacity is not None
        position = p.position
        if event_type == "EmployeeUpdated":
            position = f"{p.position} (promosi)"
        payload = {
            "nip": p.nip,
            "name": p.name,
            "opd_id": p.opd_id,
            "work_unit_id": p.unit.unit_id,
            "position": position,
            "position_category": p.category,
            "supervisor_nip": p.supervisor,
            "employment_type": p.employment_type,
            "appointment_date": p.appointment_date,
            "orientation_end_date": p.orientation_end,
            "home_location": {"lat": p.home[0], "lon": p.home[1], "address": None},
            "office_location": {"lat": p.office[0], "lon": p.office[1], "address": p.unit.name},
            "heads_opd": p.opd_id if head else None,
            "head_capacity": p.head_capacity,
        }
        self.emit(event_type, payload, at=at, subject=p.nip, opd_id=p.opd_id,
                  actor=self.config.admin_nip)  # fmt: skip

    # requests -------------------------------------------------------------------------------

    def ask(self, ask: Ask, policy: OpdPolicy, at: datetime) -> None:
        p = ask.person
        request_id = self.ids.at(at)
        failed = set(ask.failed)
        trace = [
            {
                "code": code,
                "passed": code not in failed,
                "message_id": _RULE_TEXT[code][0]
                if code not in failed
                else "Tidak terpenuhi: " + _RULE_TEXT[code][0],
                "message_en": _RULE_TEXT[code][1]
                if code not in failed
                else "Not met: " + _RULE_TEXT[code][1],
                "legal_basis": _LEGAL[code],
            }
            for code in _RULE_TEXT
        ]
        # the precise place only on the restricted locations topic; the request, its cell
        declared_at = at - timedelta(seconds=1)
        location_id = self.ids.at(declared_at)
        self.emit(
            "WfaLocationDeclared",
            {
                "location_id": location_id,
                "request_id": request_id,
                "nip": p.nip,
                "dates": list(ask.days),
                "location": {"lat": p.home[0], "lon": p.home[1], "address": "Rumah"},
            },
            at=declared_at, subject=p.nip, opd_id=p.opd_id, event_id=location_id,
            correlation_id=request_id,
        )  # fmt: skip
        payload = {
            "request_id": request_id,
            "nip": p.nip,
            "work_unit_id": p.unit.unit_id,
            "dates": list(ask.days),
            "place": {
                "location_id": location_id,
                "cell": coarse_cell(p.home[0], p.home[1]),
                "address": None,
            },
            "reason": "Menyelesaikan penyusunan dokumen yang membutuhkan konsentrasi",
            "work_plan": list(_PLAN),
            "decision": {"eligible": not failed, "policy_version": policy.version, "trace": trace},
        }
        requested = self.emit("WfaRequested", payload, at=at, subject=p.nip, opd_id=p.opd_id,
                              correlation_id=request_id)  # fmt: skip
        if ask.outcome in ("not_eligible", "pending") or p.supervisor is None:
            return
        decided = at + timedelta(minutes=30 + 150 * unit_hash("dec", request_id))
        base = {"request_id": request_id, "nip": p.nip, "approver_nip": p.supervisor}
        if ask.outcome == "rejected":
            payload = {**base, "reason": "Target kerja belum terukur; mohon diperjelas"}
            event_type = "WfaRejected"
        else:
            payload = {**base, "reason": ""}
            event_type = "WfaApproved"
        approval = self.emit(event_type, payload, at=decided, subject=p.nip, opd_id=p.opd_id,
                             actor=p.supervisor, correlation_id=request_id,
                             causation_id=requested)  # fmt: skip
        if ask.outcome == "cancelled":
            payload = {"request_id": request_id, "nip": p.nip, "reason": "Ada rapat di kantor"}
            self.emit("WfaCancelled", payload, at=decided + timedelta(hours=3), subject=p.nip,
                      opd_id=p.opd_id, correlation_id=request_id,
                      causation_id=approval)  # fmt: skip

    # presence -------------------------------------------------------------------------------

    def anomaly(
        self,
        p: Person,
        kind: str,
        day: date,
        at: datetime,
        evidence: dict[str, Any],
        thresholds: dict[str, Any],
        *,
        source: str,
        stream: bool,
        once_a_day: bool = False,
        sources: tuple[str, ...] = (),
    ) -> None:
        if stream and not self.detector:
            return
        if stream:
            seed = f"{kind}|{p.nip}|{day.isoformat()}"
            if once_a_day:
                anchor = datetime.combine(day, time(0, 0), tzinfo=UTC)
            else:
                seed, anchor = f"{seed}|{source}", at
        else:
            seed, anchor = f"{kind}|{p.nip}|{day.isoformat()}|{source}", at
        anomaly_id = derived_ulid(seed, int(anchor.timestamp() * 1000))
        words = kind.replace("_", " ")
        payload = {
            "anomaly_id": anomaly_id,
            "nip": p.nip,
            "kind": kind,
            "work_date": day,
            "at": at,
            "detected_by": "stream" if stream else "edge",
            "evidence": evidence,
            "thresholds": thresholds,
            "source_event_ids": list(sources or (source,)),
            "message_id": f"Terdeteksi anomali presensi: {words}.",
            "message_en": f"Attendance anomaly detected: {words}.",
        }
        if stream:
            self.emit("AttendanceAnomalyDetected", payload, at=at, subject=p.nip,
                      opd_id=p.opd_id, actor=ATTENDANCE_ACTOR, event_id=anomaly_id,
                      causation_id=(sources or (source,))[-1], delay_s=5.0)  # fmt: skip
        else:
            self.emit("AttendanceAnomalyDetected", payload, at=at, subject=p.nip,
                      opd_id=p.opd_id, event_id=anomaly_id, correlation_id=source,
                      delay_s=2.0)  # fmt: skip


@dataclass(slots=True)
class _Signal:
    kind: Literal["check_in", "check_out", "ping", "heartbeat"]
    at: datetime
    where: tuple[float, float] | None = None
    declared: Literal["wfa", "office"] | None = None
    mock: bool = False
    received: datetime | None = None
    seq: int | None = None


class _Day:
    """One person's working day: signals, then the events and anomalies they make."""

    def __init__(
        self,
        chunk: _Chunk,
        p: Person,
        day: date,
        policy: OpdPolicy,
        wfa: tuple[str, tuple[float, float]] | None,
        fence: tuple[str, float],
    ) -> None:
        self.c, self.p, self.day, self.policy = chunk, p, day, policy
        self.wfa = wfa
        self.fence_id, self.fence_radius = fence
        self.mode: Literal["wfa", "office"] = "wfa" if wfa is not None else "office"
        self.zone = policy.timezone
        self.points: list[tuple[int, float, float, str]] = []
        self.seqs: list[tuple[int, int, str]] = []
        self.check_in_id: str | None = None
        self.check_in_at: datetime | None = None

    def place(self, where: tuple[float, float], declared: str | None) -> dict[str, Any]:
        if self.wfa is not None:
            reference, ref_id, centre, radius = (
                "wfa_location",
                self.wfa[0],
                self.wfa[1],
                (self.c.t.wfa_radius_m),
            )
        else:
            reference, ref_id, centre, radius = (
                "office_geofence",
                self.fence_id,
                self.p.office,
                self.fence_radius,
            )
        if self.wfa is not None:  # near the approved point: the distance from it
            metres = haversine_m(centre, where)
            inside = metres <= radius
        else:  # the distance to the geofence's circle, 0 inside
            metres = max(0.0, haversine_m(centre, where) - radius)
            inside = metres == 0.0
        return {
            "derived_mode": self.mode,
            "declared_mode": declared,
            "reference": reference,
            "reference_id": ref_id,
            "inside": inside,
            "distance_band": distance_band(metres),
            "cell": coarse_cell(*where),
            "_metres": metres,
        }

    def signal(self, s: _Signal) -> str:
        c, p, day = self.c, self.p, self.day
        received = s.received or s.at + timedelta(seconds=2)
        late_synced = (received - s.at).total_seconds() > c.t.late_sync_after_s
        seq = s.seq if s.seq is not None else int(s.at.timestamp()) // 10
        event_id = c.ids.at(s.at)
        common = {
            "nip": p.nip,
            "at": s.at,
            "received_at": received,
            "work_date": day,
            "timezone": self.zone,
            "working_day": True,
            "device_id": p.device_id,
            "device_seq": seq,
            "late_synced": late_synced,
        }
        emit_kw = {"subject": p.nip, "opd_id": p.opd_id, "correlation_id": event_id}
        delay = (received - s.at).total_seconds()
        self._sequence(s, seq, event_id)
        if s.kind == "heartbeat":
            c.emit(
                "HeartbeatReceived",
                {**common, "heartbeat_id": event_id},
                at=s.at,
                event_id=event_id,
                delay_s=delay,
                **emit_kw,
            )  # type: ignore[arg-type]
            return event_id
        assert s.where is not None
        place = self.place(s.where, s.declared)
        metres = place.pop("_metres")
        location_id = c.ids.at(s.at)
        located = {
            **common,
            "place": place,
            "accuracy_m": 12.0,
            "mock_location": s.mock,
            "location_id": location_id,
        }
        if s.kind == "check_in":
            zone = local_zone(self.zone)
            start = datetime.combine(day, self.policy.working_time.start, tzinfo=zone)
            minutes = int((s.at - start).total_seconds() // 60)
            located |= {"checkin_id": event_id, "minutes_after_start": minutes}
            event_type = "CheckedIn"
            self.check_in_id, self.check_in_at = event_id, s.at
        elif s.kind == "check_out":
            located["checkout_id"] = event_id
            event_type = "CheckedOut"
        else:
            located["ping_id"] = event_id
            event_type = "LocationPinged"
        c.emit(event_type, located, at=s.at, event_id=event_id, delay_s=delay, **emit_kw)  # type: ignore[arg-type]
        recorded = {
            "location_id": location_id,
            "nip": p.nip,
            "signal": s.kind,
            "source_event_id": event_id,
            "at": s.at,
            "received_at": received,
            "work_date": day,
            "location": {"lat": s.where[0], "lon": s.where[1], "address": None},
            "accuracy_m": 12.0,
            "device_id": p.device_id,
            "device_seq": seq,
            "mock_location": s.mock,
        }
        c.emit(
            "LocationRecorded", recorded, at=s.at, event_id=location_id, delay_s=delay, **emit_kw
        )  # type: ignore[arg-type]
        self._edge(s, place, metres, event_id)
        self._track(s, location_id)
        if s.kind == "check_in" and minutes > c.t.late_grace_minutes:
            c.anomaly(p, "late_check_in", day, s.at, {"minutes_late": minutes},
                      {"late_grace_minutes": c.t.late_grace_minutes}, source=event_id,
                      stream=True, once_a_day=True)  # fmt: skip
        return event_id

    def _edge(self, s: _Signal, place: dict[str, Any], metres: float, source: str) -> None:
        c, p, day = self.c, self.p, self.day
        band = place["distance_band"]
        if not place["inside"]:
            rounded = int(round(metres / 10.0) * 10)
            if self.wfa is not None:
                c.anomaly(p, "far_from_wfa_location", day, s.at,
                          {"distance_m": rounded, "distance_band": band,
                           "reference": "wfa_location", "reference_id": self.wfa[0],
                           "accuracy_m": 12.0},
                          {"wfa_radius_m": c.t.wfa_radius_m}, source=source,
                          stream=False)  # fmt: skip
            else:
                c.anomaly(p, "outside_geofence", day, s.at,
                          {"distance_m": rounded, "distance_band": band,
                           "reference": "office_geofence", "reference_id": self.fence_id,
                           "accuracy_m": 12.0},
                          {"office_radius_m": self.fence_radius}, source=source,
                          stream=False)  # fmt: skip
        if s.declared == "wfa" and self.wfa is None:
            c.anomaly(p, "remote_without_approval", day, s.at,
                      {"declared_mode": "wfa", "derived_mode": "office",
                       "inside": place["inside"], "distance_band": band},
                      {}, source=source, stream=False)  # fmt: skip
        elif s.declared == "office" and self.wfa is not None:
            c.anomaly(p, "mode_mismatch", day, s.at,
                      {"declared_mode": "office", "derived_mode": "wfa",
                       "reference_id": self.wfa[0]},
                      {}, source=source, stream=False)  # fmt: skip
        if s.received is not None and abs((s.at - s.received).total_seconds()) > (
            c.t.clock_skew_tolerance_s
        ):
            skew = round((s.at - s.received).total_seconds())
            c.anomaly(p, "clock_tampering", day, s.at,
                      {"sent_vs_receipt_s": skew, "at_after_sent_s": 0},
                      {"clock_skew_tolerance_s": c.t.clock_skew_tolerance_s}, source=source,
                      stream=False)  # fmt: skip

    def _track(self, s: _Signal, location_id: str) -> None:
        """What the detector's per-person track finds: mock location, impossible travel."""
        c, p, day = self.c, self.p, self.day
        assert s.where is not None
        ms = int(s.at.timestamp() * 1000)
        if s.mock:
            c.anomaly(p, "mock_location", day, s.at,
                      {"mock_location": True, "cell": coarse_cell(*s.where)}, {},
                      source=location_id, stream=True)  # fmt: skip
        if self.points:
            prev = self.points[-1]
            metres = haversine_m((prev[1], prev[2]), s.where)
            hours = max(ms - prev[0], 1000) / 3_600_000
            speed = metres / 1000 / hours
            if metres > c.t.impossible_min_distance_m and speed > c.t.impossible_speed_kmh:
                c.anomaly(p, "impossible_travel", day, s.at,
                          {"distance_m": round(metres), "minutes": round(hours * 60, 1),
                           "speed_kmh": round(speed, 1),
                           "from_cell": coarse_cell(prev[1], prev[2]),
                           "to_cell": coarse_cell(*s.where)},
                          {"impossible_speed_kmh": c.t.impossible_speed_kmh,
                           "impossible_min_distance_m": c.t.impossible_min_distance_m},
                          source=location_id, stream=True,
                          sources=(prev[3], location_id))  # fmt: skip
        self.points.append((ms, s.where[0], s.where[1], location_id))
        same = [q for q in self.points if (q[1], q[2]) == (s.where[0], s.where[1])]
        span = (self.points[-1][0] - self.points[0][0]) / 60_000
        if (
            len(same) == len(self.points) == c.t.static_min_points
            and span >= c.t.static_min_span_minutes
        ):
            c.anomaly(p, "static_coordinates", day, s.at,
                      {"points": len(same), "span_minutes": round(span, 1),
                       "cell": coarse_cell(*s.where),
                       "cell_decimals": c.t.shared_cell_decimals},
                      {"static_min_points": c.t.static_min_points,
                       "static_min_span_minutes": c.t.static_min_span_minutes,
                       "shared_cell_decimals": c.t.shared_cell_decimals},
                      source=location_id, stream=True, once_a_day=True)  # fmt: skip

    def _sequence(self, s: _Signal, seq: int, event_id: str) -> None:
        """A later sequence number timed well before an earlier one: sequence tampering."""
        c, p = self.c, self.p
        ms = int(s.at.timestamp() * 1000)
        for other_seq, other_ms, other_id in self.seqs:
            if other_seq < seq and other_ms - ms > c.t.sequence_backstep_s * 1000:
                c.anomaly(p, "sequence_tampering", self.day, s.at,
                          {"device_id": p.device_id, "seq": seq, "previous_seq": other_seq,
                           "seconds_back": round((other_ms - ms) / 1000)},
                          {"sequence_backstep_s": c.t.sequence_backstep_s}, source=event_id,
                          stream=True, sources=(other_id, event_id))  # fmt: skip
                break
        self.seqs.append((seq, ms, event_id))


# --------------------------------------------------------------------------------------------
# the whole stream
# --------------------------------------------------------------------------------------------


def _fences(opd: Opd) -> dict[str, tuple[str, float]]:
    """Geofence id and radius in force per unit: its own, or the OPD's."""
    own = {
        u.unit_id: (f"gf-{opd.opd_id}-{u.unit_id}", 120.0) for u in opd.units if u.kind != "admin"
    }
    return {u.unit_id: own.get(u.unit_id, (f"gf-{opd.opd_id}", 150.0)) for u in opd.units}


def _prologue(config: ProvinceConfig, period: Period, index: int, detector: bool) -> list[Event]:
    opd = build_opd(config, index)
    c = _Chunk(config, f"prologue|{index}", detector)
    admin = config.admin_nip
    zone = opd.spec.timezone
    before = period.start - timedelta(days=30)
    for policy in policies_of(config, period, index):
        if policy.version > 1:
            continue  # published during the period
        at = _utc(before, 9 * 60 + index % 60, zone)
        payload = {"opd_id": opd.opd_id, "version": policy.version,
                   "effective_from": policy.effective_from, "settings": policy.settings(),
                   "note": "Kebijakan WFA awal"}  # fmt: skip
        c.emit("OpdPolicyPublished", payload, at=at, subject=admin, opd_id=opd.opd_id)
    readiness = {
        "assessment_id": c.ids.at(_utc(before, 10 * 60, zone)),
        "opd_id": opd.opd_id,
        "work_unit_id": None,
        "infrastructure_score": 50 + int(unit_hash("infra", config.seed, index) * 50),
        "connectivity_score": 60 + int(unit_hash("conn", config.seed, index) * 40),
        "note": "Survei kesiapan sarana dan jaringan",
        "assessed_on": before,
    }
    c.emit("OpdReadinessAssessed", readiness, at=_utc(before, 10 * 60, zone), subject=admin,
           opd_id=opd.opd_id)  # fmt: skip
    fence_at = _utc(before, 11 * 60, zone)
    c.emit("GeofenceSet", {"geofence_id": f"gf-{opd.opd_id}", "opd_id": opd.opd_id,
                           "work_unit_id": None, "name": f"Kantor {opd.spec.name}",
                           "shape": {"kind": "circle", "radius_m": 150.0,
                                     "center": {"lat": opd.office[0], "lon": opd.office[1],
                                                "address": None}},
                           "set_by": admin},
           at=fence_at, subject=admin, opd_id=opd.opd_id)  # fmt: skip
    for unit in opd.units:
        if unit.kind == "admin":
            continue
        c.emit("GeofenceSet", {"geofence_id": f"gf-{opd.opd_id}-{unit.unit_id}",
                               "opd_id": opd.opd_id, "work_unit_id": unit.unit_id,
                               "name": unit.name,
                               "shape": {"kind": "circle", "radius_m": 120.0,
                                         "center": {"lat": unit.office[0],
                                                    "lon": unit.office[1], "address": None}},
                               "set_by": admin},
               at=fence_at, subject=admin, opd_id=opd.opd_id)  # fmt: skip
    roster_at = _utc(before, 13 * 60, zone)
    for p in opd.people:
        c.employee(p, roster_at)
        s = p.sanction
        if s is not None:
            payload = {
                "sanction_id": s.sanction_id,
                "nip": p.nip,
                "level": s.level,
                "starts_on": s.starts_on,
                "ends_on": s.ends_on,
                "basis": "PP 94/2021",
            }
            c.emit("DisciplinarySanctionImposed", payload,
                   at=_utc(min(s.starts_on, before), 14 * 60, zone) + timedelta(days=1),
                   subject=p.nip, opd_id=p.opd_id, actor=admin)  # fmt: skip
        device = {
            "registration_id": "",
            "nip": p.nip,
            "device_id": p.device_id,
            "label": "Ponsel kerja",
            "platform": "android" if p.nip[-1] < "7" else "ios",
            "replaces": None,
            "registered_by": p.nip,
            "reason": "",
        }
        at = _utc(before + timedelta(days=2), 8 * 60 + (int(p.nip[-3:]) % 240), zone)
        event_id = c.ids.at(at)
        device["registration_id"] = event_id
        c.emit("DeviceRegistered", device, at=at, subject=p.nip, opd_id=p.opd_id,
               event_id=event_id)  # fmt: skip
    # the requests made before the period (on the Thursday before their week)
    for monday in _weeks_asked_before(period):
        sub = _Chunk(config, _request_label(period, index, monday), detector)
        _requests(sub, config, period, index, monday)
        c.events.extend(sub.events)
    return c.sorted()


def _weeks_asked_before(period: Period) -> list[date]:
    first = monday_of(period.start)
    return [
        monday
        for monday in (first, first + timedelta(days=7))
        if monday - timedelta(days=4) < period.start and monday <= period.end
    ]


def _requests(c: _Chunk, config: ProvinceConfig, period: Period, index: int, monday: date) -> None:
    plan = week_plan(config, period, index, monday)
    policy = in_force(policies_of(config, period, index), monday)
    asked_on = monday - timedelta(days=4)
    for n, ask in enumerate(plan.asks):
        at = _utc(asked_on, 8 * 60 + (n * 7) % 480, policy.timezone)
        c.ask(ask, policy, at)


@lru_cache(maxsize=256)
def _request_ids(
    config: ProvinceConfig, period: Period, index: int, monday: date
) -> tuple[str, ...]:
    """The request ids of a week's asks (the ids the chunk that made them gave them)."""
    c = _Chunk(config, _request_label(period, index, monday), False)
    _requests(c, config, period, index, monday)
    return tuple(e.payload["request_id"] for e in c.events if e.event_type == "WfaRequested")


def _request_label(period: Period, index: int, monday: date) -> str:
    return f"requests|{index}|{monday.isoformat()}"


def _day_chunk(
    config: ProvinceConfig, period: Period, index: int, day: date, detector: bool
) -> list[Event]:
    opd = build_opd(config, index)
    policies = policies_of(config, period, index)
    policy = in_force(policies, day)
    zone = policy.timezone
    c = _Chunk(config, f"day|{index}|{day.isoformat()}", detector)
    admin = config.admin_nip
    for version in policies:
        if version.version > 1 and version.effective_from - timedelta(days=1) == day:
            payload = {"opd_id": opd.opd_id, "version": version.version,
                       "effective_from": version.effective_from,
                       "settings": version.settings(),
                       "note": "Penyesuaian batas pegawai unit yang WFA"}  # fmt: skip
            c.emit("OpdPolicyPublished", payload, at=_utc(day, 9 * 60, zone), subject=admin,
                   opd_id=opd.opd_id)  # fmt: skip
    for p in opd.people:
        s = p.sanction
        if s is not None and s.lifted_on == day:
            payload = {"sanction_id": s.sanction_id, "nip": p.nip, "lifted_on": day,
                       "reason": "Keberatan dikabulkan"}  # fmt: skip
            c.emit("DisciplinarySanctionLifted", payload, at=_utc(day, 10 * 60, zone),
                   subject=p.nip, opd_id=p.opd_id, actor=admin)  # fmt: skip
        if p.promoted_on == day:
            c.employee(p, _utc(day, 10 * 60 + 30, zone), "EmployeeUpdated")
    if day.weekday() == 3:  # Thursday: next week's requests
        sub = _Chunk(config, _request_label(period, index, day + timedelta(days=4)), detector)
        _requests(sub, config, period, index, day + timedelta(days=4))
        c.events.extend(sub.events)
    if policy.non_working_reason(day) is None:
        monday = monday_of(day)
        plan = week_plan(config, period, index, monday)
        ids = _request_ids(config, period, index, monday) if plan.approved else ()
        fences = _fences(opd)
        rings: dict[int, tuple[float, float]] = {}
        first_day = day == _first_working_day(period, policy)
        for p in opd.people:
            wfa = None
            held = plan.approved.get(p.nip)
            if held is not None and day in held[1]:
                wfa = (ids[held[0]], p.home)
            _person_day(c, p, day, policy, wfa, fences[p.unit.unit_id], rings, first_day)
    return c.sorted()


def _first_working_day(period: Period, policy: OpdPolicy) -> date | None:
    return next((d for d in period.days if policy.non_working_reason(d) is None), None)


def _person_day(
    c: _Chunk,
    p: Person,
    day: date,
    policy: OpdPolicy,
    wfa: tuple[str, tuple[float, float]] | None,
    fence: tuple[str, float],
    rings: dict[int, tuple[float, float]],
    first_day: bool,
) -> None:
    seed = c.config.seed
    who = p.ring if p.ring is not None else p.nip  # a ring cheats together
    cheats = p.cheat is not None and (first_day or unit_hash(seed, "cheat", who, day) < 0.35)
    kind = p.cheat if cheats else None
    if kind is None and unit_hash(seed, "absent", p.nip, day) < 0.04:
        return  # leave or sick: no signal at all
    d = _Day(c, p, day, policy, wfa, fence)
    zone = policy.timezone
    start = policy.working_time.start.hour * 60 + policy.working_time.start.minute
    roll = unit_hash(seed, "in", p.nip, day)
    minute = start - 45 + roll * 44 if roll < 0.9 else start + 1 + (roll - 0.9) * 600
    if kind == "late_check_in":
        minute = start + 45 + roll * 40
    check_in = _utc(day, minute, zone)
    base = wfa[1] if wfa is not None else p.office
    spread = 40.0 if wfa is not None else 60.0

    def near(n: int) -> tuple[float, float]:
        if kind == "static_coordinates":
            return base
        return jitter(base, spread, p.nip, day, n)

    where = near(0)
    declared: Literal["wfa", "office"] = "wfa" if wfa is not None else "office"
    received = None
    at = check_in
    if kind == "outside_geofence" and wfa is None:
        where = jitter(p.office, 100.0, p.nip, day, "far")
        where = (round(where[0] + 0.027, 6), where[1])  # 3 km north
    elif kind == "far_from_wfa_location" and wfa is not None:
        where = (round(base[0] + 0.072, 6), base[1])  # 8 km from the WFA location
    elif kind == "remote_without_approval" and wfa is None:
        where, declared = jitter(p.home, 30.0, p.nip, day), "wfa"
    elif kind == "mode_mismatch" and wfa is not None:
        declared = "office"
    elif kind == "shared_coordinates" and p.ring is not None:
        if p.ring not in rings:
            rings[p.ring] = jitter(p.office, 50.0, "ring", p.ring, day)
        where = rings[p.ring]
    elif kind == "clock_tampering":
        received, at = check_in, check_in - timedelta(minutes=40)
    mock = kind == "mock_location"
    d.signal(_Signal("check_in", at, where, declared, mock, received))
    minutes_worked = 8 * 60 + (30 if day.weekday() == 4 else 0)
    if kind == "impossible_travel":
        d.signal(
            _Signal(
                "ping",
                check_in + timedelta(minutes=20),
                jitter(BANDUNG, 300.0, p.nip, day),
                declared,
                mock,
            )
        )
    if wfa is not None:
        for n in range(1, 5):
            ping_at = check_in + timedelta(minutes=60 + 90 * (n - 1))
            d.signal(_Signal("ping", ping_at, near(n), declared, mock))
    if p.laptop:
        for n in range(6):
            d.signal(_Signal("heartbeat", check_in + timedelta(minutes=20 + 75 * n)))
    if kind == "sequence_tampering":
        # sent after the check-in, numbered after it, but timed 15 minutes before it
        back = check_in - timedelta(minutes=15)
        later = check_in + timedelta(minutes=5)
        d.signal(
            _Signal("heartbeat", back, received=later, seq=int(check_in.timestamp()) // 10 + 1)
        )
    missing = kind == "missing_check_out" or (
        kind is None and unit_hash(seed, "out", p.nip, day) < 0.02
    )
    out_at = check_in + timedelta(minutes=minutes_worked + 30 * unit_hash("o", p.nip, day))
    if not missing:
        d.signal(_Signal("check_out", out_at, near(9), declared, mock))
    elif d.check_in_id is not None and d.check_in_at is not None:
        c.anomaly(p, "missing_check_out", day, d.check_in_at,
                  {"check_in_event_id": d.check_in_id},
                  {"missing_checkout_grace_minutes": c.t.missing_checkout_grace_minutes},
                  source=d.check_in_id, stream=True, once_a_day=True)  # fmt: skip
    if p.ring is not None and kind == "shared_coordinates":
        _shared(c, p, day, where, d)
    if p.head_capacity is None and unit_hash(seed, "report", p.nip, day) < 0.88:
        _report(c, p, day, wfa, out_at - timedelta(minutes=20))


def _shared(c: _Chunk, p: Person, day: date, where: tuple[float, float], d: _Day) -> None:
    """The shared-coordinates finding of a ring member (once a day)."""
    t = c.t
    assert d.check_in_at is not None and d.check_in_id is not None
    c.anomaly(p, "shared_coordinates", day, d.check_in_at,
              {"people": 3, "cell": coarse_cell(*where), "cell_decimals": t.shared_cell_decimals},
              {"shared_min_people": t.shared_min_people,
               "shared_cell_decimals": t.shared_cell_decimals},
              source=d.check_in_id, stream=True, once_a_day=True)  # fmt: skip


def _report(
    c: _Chunk,
    p: Person,
    day: date,
    wfa: tuple[str, tuple[float, float]] | None,
    at: datetime,
) -> None:
    report_id = c.ids.at(at)
    h = unit_hash(c.config.seed, "rep", p.nip, day)
    if wfa is not None:
        outputs = [
            {**{k: v for k, v in target.items() if k != "target"}, "quantity": q,
             "target": target["target"], "plan_target": n}
            for n, (target, q) in enumerate(zip(_PLAN, (1.0, float(int(10 + h * 40))), strict=True))
        ]  # fmt: skip
    else:
        description, unit = _OFFICE_OUTPUTS[int(h * len(_OFFICE_OUTPUTS))]
        outputs = [{"description": description, "quantity": float(1 + int(h * 5)), "unit": unit,
                    "target": None, "plan_target": None}]  # fmt: skip
    submitted = {
        "report_id": report_id,
        "revision": 1,
        "nip": p.nip,
        "work_date": day,
        "mode": "wfa" if wfa is not None else "office",
        "request_id": wfa[0] if wfa is not None else None,
        "outputs": outputs,
        "attachments": [],
        "notes": None,
    }
    first = c.emit("DailyReportSubmitted", submitted, at=at, subject=p.nip, opd_id=p.opd_id,
                   correlation_id=report_id)  # fmt: skip
    reviewer = p.supervisor
    if reviewer is None or h > 0.93:
        return  # not reviewed (yet)
    reviewed_at = at + timedelta(minutes=60 + 120 * h)
    returned = h < 0.08
    review = {
        "report_id": report_id,
        "revision": 1,
        "nip": p.nip,
        "work_date": day,
        "reviewer_nip": reviewer,
        "verdict": "returned" if returned else "accepted",
        "note": "Lengkapi bukti output (notulen atau dokumen)" if returned else None,
    }
    c.emit("DailyReportReviewed", review, at=reviewed_at, subject=p.nip, opd_id=p.opd_id,
           actor=reviewer, correlation_id=report_id, causation_id=first)  # fmt: skip
    if not returned:
        return
    again_at = reviewed_at + timedelta(minutes=45)
    second = c.emit("DailyReportSubmitted", {**submitted, "revision": 2,
                                             "notes": "Bukti output dilampirkan"},
                    at=again_at, subject=p.nip, opd_id=p.opd_id,
                    correlation_id=report_id)  # fmt: skip
    c.emit("DailyReportReviewed", {**review, "revision": 2, "verdict": "accepted", "note": None},
           at=again_at + timedelta(minutes=50), subject=p.nip, opd_id=p.opd_id, actor=reviewer,
           correlation_id=report_id, causation_id=second)  # fmt: skip


def chunk_count(config: ProvinceConfig, period: Period, *, prologue_only: bool = False) -> int:
    """How many chunks :func:`chunks` yields (for a progress bar)."""
    return config.opds * (1 if prologue_only else 1 + len(period.days))


Task = tuple[int, date | None]
"""One chunk to build: (OPD index, None) for its prologue, (OPD index, day) for an OPD-day."""


def chunk_tasks(
    config: ProvinceConfig, period: Period, *, prologue_only: bool = False
) -> list[Task]:
    """The chunks of :func:`chunks`, in order, as tasks :func:`chunk_of` builds one by one
    (in any process: each is a pure function of the config, the period and the task)."""
    tasks: list[Task] = [(index, None) for index in range(config.opds)]
    if not prologue_only:
        tasks += [(index, day) for day in period.days for index in range(config.opds)]
    return tasks


def chunk_of(
    config: ProvinceConfig, period: Period, task: Task, *, detector: bool = True
) -> list[Event]:
    """The events of one task, in the order the platform records them."""
    index, day = task
    if day is None:
        return _prologue(config, period, index, detector)
    return _day_chunk(config, period, index, day, detector)


def chunks(
    config: ProvinceConfig,
    period: Period,
    *,
    detector: bool = True,
    prologue_only: bool = False,
) -> Iterator[list[Event]]:
    """The events in chunks: each OPD's prologue, then day by day each OPD's day, each chunk
    in the order the platform records them. One chunk is held at a time (an OPD-day: about
    140,000 events for DKI's education office, the largest)."""
    for task in chunk_tasks(config, period, prologue_only=prologue_only):
        yield chunk_of(config, period, task, detector=detector)


def generate(
    config: ProvinceConfig,
    period: Period,
    *,
    detector: bool = True,
    prologue_only: bool = False,
) -> Iterator[Event]:
    """Every event of the province over ``period``: the prologue (policies, geofences, roster,
    sanctions, devices, the first requests), then day by day, each day OPD by OPD, each
    OPD-day in time order. ``detector``: include the stream detector's anomalies (with its
    own ids) as well as the edge's. ``prologue_only``: the prologue alone (what the load mode
    needs before it drives the APIs)."""
    for chunk in chunks(config, period, detector=detector, prologue_only=prologue_only):
        yield from chunk
