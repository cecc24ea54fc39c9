"""Rules over one person's presence facts: late check-in, missing check-out, device sequence.

Pure functions on plain values. The state of one person is a JSON-able dict (a faust table
keyed by NIP; it holds no position):

* ``days``: per work date (the last :data:`KEEP_DAYS` days), ``{"in": check-in event id or
  None, "at": check-in at_ms, "rx": when the platform received the check-in (ms) or None,
  "tz", "opd", "working": bool, "out": bool, "late": bool, "missing": bool}``;
* ``dev``: per device, the latest ``[device_seq, at_ms, event_id]`` entries, sorted by
  sequence, at most :data:`MAX_SEQ_ENTRIES`.

Late check-in: the first check-in of a working day more than ``late_grace_minutes`` after the
start of work. Missing check-out: a working day with a check-in and no check-out once local
midnight ending it (plus ``missing_checkout_grace_minutes``) has passed. A day is judged only
once its check-in was received at least one sweep interval ago, so a day sent from the offline
queue after it ended is not judged between its check-in and the check-out sent right after it.
The anomaly is not retracted by a check-out arriving later still: it records what was known
when the day was judged, and the late check-out stands beside it on the log.

Sequence tampering: a device numbers its own signals. Signals whose sequence increases while
their time goes back by more than ``sequence_backstep_s``, or a sequence number repeated
with a different time, show a device clock or a record that was tampered with.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast

from kernel.thresholds import AttendanceThresholds
from kernel.working_time import TimeZoneCode, local_zone
from services.detector.domain.findings import Finding, from_ms
from services.detector.messages import MESSAGES

KEEP_DAYS = 14
MAX_SEQ_ENTRIES = 64

DayState = dict[str, Any]
SignalKind = Literal["check_in", "check_out", "ping", "heartbeat"]


@dataclass(frozen=True, slots=True)
class PresenceSignal:
    """The derived facts of one presence event that the rules need."""

    kind: SignalKind
    event_id: str
    nip: str
    opd_id: str
    at_ms: int
    work_date: date
    timezone: str
    working_day: bool
    device_id: str | None = None
    device_seq: int | None = None
    minutes_after_start: int | None = None
    received_ms: int | None = None  # when the platform received it (the envelope's recorded_at)


def observe_signal(
    state: DayState | None, signal: PresenceSignal, t: AttendanceThresholds
) -> tuple[DayState | None, list[Finding]]:
    """The person's state after ``signal``, and what it reveals (None: state unchanged)."""
    state = state or {"days": {}, "dev": {}}
    days: dict[str, dict[str, Any]] = dict(state.get("days", {}))
    devices: dict[str, list[list[Any]]] = dict(state.get("dev", {}))
    findings: list[Finding] = []
    changed = False
    if signal.device_id is not None and signal.device_seq is not None:
        entries = [list(e) for e in devices.get(signal.device_id, [])]
        if any(e[2] == signal.event_id for e in entries):
            return None, []  # seen before
        tampered = _sequence(entries, signal, t.sequence_backstep_s)
        if tampered is not None:
            findings.append(tampered)
        insort(entries, [signal.device_seq, signal.at_ms, signal.event_id])
        devices[signal.device_id] = entries[-MAX_SEQ_ENTRIES:]
        changed = True
    if signal.kind in ("check_in", "check_out"):
        key = signal.work_date.isoformat()
        day = dict(days.get(key) or _new_day(signal))
        if signal.kind == "check_in" and day["in"] is None:
            day["in"], day["at"] = signal.event_id, signal.at_ms
            day["rx"] = signal.received_ms
            day["working"], day["tz"] = signal.working_day, signal.timezone
            late = _late(signal, t)
            if late is not None:
                day["late"] = True
                findings.append(late)
            days[key] = day
            changed = True
        elif signal.kind == "check_out" and not day["out"]:
            day["out"] = True
            days[key] = day
            changed = True
        for old in sorted(days)[: max(0, len(days) - KEEP_DAYS)]:
            del days[old]
    if not changed:
        return None, findings
    return {"days": days, "dev": devices}, findings


def _new_day(signal: PresenceSignal) -> dict[str, Any]:
    return {
        "in": None,
        "at": signal.at_ms,
        "tz": signal.timezone,
        "opd": signal.opd_id,
        "working": signal.working_day,
        "out": False,
        "late": False,
        "missing": False,
    }


def _late(signal: PresenceSignal, t: AttendanceThresholds) -> Finding | None:
    minutes = signal.minutes_after_start
    if not signal.working_day or minutes is None or minutes <= t.late_grace_minutes:
        return None
    day = signal.work_date.isoformat()
    return Finding(
        kind="late_check_in",
        nip=signal.nip,
        opd_id=signal.opd_id,
        work_date=signal.work_date,
        at=from_ms(signal.at_ms),
        evidence={"minutes_after_start": minutes, "timezone": signal.timezone},
        thresholds={"late_grace_minutes": t.late_grace_minutes},
        **MESSAGES.text(
            "anomaly.late_check_in",
            day=day,
            minutes=minutes,
            timezone=signal.timezone,
            grace_minutes=t.late_grace_minutes,
        ).as_messages(),
        source_event_ids=(signal.event_id,),
    )


def _sequence(
    entries: list[list[Any]], signal: PresenceSignal, backstep_s: float
) -> Finding | None:
    seq, at = signal.device_seq, signal.at_ms
    assert seq is not None
    backstep_ms = backstep_s * 1000
    for other_seq, other_at, other_id in entries:
        if other_seq == seq and other_at != at:
            return _tampered(signal, backstep_s, "repeated_seq", other_seq, other_at, other_id)
    before = [e for e in entries if e[0] < seq]
    after = [e for e in entries if e[0] > seq]
    if before and at < before[-1][1] - backstep_ms:
        return _tampered(signal, backstep_s, "time_went_back", *before[-1])
    if after and after[0][1] < at - backstep_ms:
        return _tampered(signal, backstep_s, "time_went_back", *after[0])
    return None


def _tampered(
    signal: PresenceSignal,
    backstep_s: float,
    pattern: str,
    other_seq: int,
    other_at: int,
    other_id: str,
) -> Finding:
    minutes = round(abs(signal.at_ms - other_at) / 60_000, 1)
    if pattern == "repeated_seq":
        text = MESSAGES.text(
            "anomaly.sequence_tampering.repeated_seq", seq=signal.device_seq, minutes=minutes
        )
    else:
        # the sequence went up from the lower number to the higher while the time went back
        earlier: int | None = other_seq
        later: int | None = signal.device_seq
        if other_seq > (signal.device_seq or 0):
            earlier, later = signal.device_seq, other_seq
        text = MESSAGES.text(
            "anomaly.sequence_tampering.backstep", earlier=earlier, later=later, minutes=minutes
        )
    return Finding(
        kind="sequence_tampering",
        nip=signal.nip,
        opd_id=signal.opd_id,
        work_date=signal.work_date,
        at=from_ms(signal.at_ms),
        evidence={
            "pattern": pattern,
            "device_id": signal.device_id,
            "device_seq": signal.device_seq,
            "other_seq": other_seq,
            "minutes_apart": minutes,
        },
        thresholds={"sequence_backstep_s": backstep_s},
        **text.as_messages(),
        signal_id=signal.event_id,
        source_event_ids=(other_id, signal.event_id),
    )


def day_deadline(work_date: date, timezone: str, grace_minutes: float) -> datetime:
    """Local midnight ending ``work_date`` in ``timezone``, plus the grace, in UTC."""
    zone = local_zone(cast(TimeZoneCode, timezone))
    midnight = datetime.combine(work_date + timedelta(days=1), time(0, 0), zone)
    return (midnight + timedelta(minutes=grace_minutes)).astimezone(UTC)


def overdue_check_outs(
    state: DayState, nip: str, now: datetime, t: AttendanceThresholds
) -> tuple[DayState | None, list[Finding]]:
    """Working days of ``state`` checked in, never out, whose end has passed (None: unchanged)."""
    days: dict[str, dict[str, Any]] = dict(state.get("days", {}))
    findings: list[Finding] = []
    for key, day in sorted(days.items()):
        if day["in"] is None or day["out"] or day["missing"] or not day["working"]:
            continue
        work_date = date.fromisoformat(key)
        deadline = day_deadline(work_date, day["tz"], t.missing_checkout_grace_minutes)
        if now < deadline:
            continue
        received = day.get("rx")
        if received is not None and now < from_ms(received) + timedelta(seconds=t.sweep_interval_s):
            continue  # just received (offline queue): its check-out may be on the way
        days[key] = {**day, "missing": True}
        findings.append(
            Finding(
                kind="missing_check_out",
                nip=nip,
                opd_id=day["opd"],
                work_date=work_date,
                at=from_ms(day["at"]),
                evidence={
                    "checked_in_at": from_ms(day["at"]).isoformat(),
                    "day_ended_at": deadline.isoformat(),
                    "timezone": day["tz"],
                },
                thresholds={"missing_checkout_grace_minutes": t.missing_checkout_grace_minutes},
                **MESSAGES.text(
                    "anomaly.missing_check_out", key=key, timezone=day["tz"]
                ).as_messages(),
                source_event_ids=(day["in"],),
            )
        )
    if not findings:
        return None, []
    return {**state, "days": days}, findings
