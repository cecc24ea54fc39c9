"""Snapshots of an OPD's folded state, so an instant is answered by folding forward from one.

A snapshot is the state of :class:`~.opd.OpdHistory` after every archived event recorded at
or before its ``cut`` (to the millisecond), written as compact JSON. It keeps what the OPD's
state and the fold itself read, nothing more: restoring one and folding the events after its
cut gives the state of folding the whole history (a test compares both). The ids of the events
already applied are not kept (millions at a province's size); an event seen again after the
cut is recognised from the archive instead (:func:`mark_seen`).

Snapshots are derived data: :data:`FORMAT` changes whenever what is kept changes, and a
snapshot of another format is ignored (and rebuilt).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import orjson

from schemas.events import OpdPolicyPublished, OpdReadinessAssessed
from services.audit.domain.time_travel.opd import OpdHistory, _Member
from services.audit.domain.time_travel.reports import Report
from services.audit.domain.time_travel.requests import Request
from services.audit.domain.time_travel.sanctions import Sanction

__all__ = ["FORMAT", "encode_opd", "mark_seen", "restore_opd"]

FORMAT = 1
"""The version of what a snapshot keeps; bump it when :func:`encode_opd` changes."""


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _from_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def encode_opd(history: OpdHistory) -> bytes:
    """The folded state of ``history`` as a snapshot (JSON bytes)."""
    last = history.last
    last_event = (
        {
            "event_id": last.envelope.event_id,
            "type": last.envelope.type,
            "recorded_at": last.envelope.recorded_at.isoformat(),
        }
        if last is not None
        else history.restored_last
    )
    state = {
        "format": FORMAT,
        "opd_id": history.opd_id,
        "applied": history.applied,
        "by_type": dict(history.by_type),
        "not_folded": dict(history.not_folded),
        "duplicates": history.duplicates,
        "undecodable": history.undecodable,
        "last": last_event,
        "policies": [
            [version, payload.model_dump(mode="json"), history.policy_times[version].isoformat()]
            for version, payload in history.policies.items()
        ],
        "members": {
            nip: [m.opd_id, m.work_unit_id, m.employment_type] for nip, m in history.members.items()
        },
        "sanctions": [
            [
                s.sanction_id,
                s.nip,
                s.level,
                _day(s.starts_on),
                _day(s.ends_on),
                s.basis,
                _day(s.lifted_on),
                s.lift_reason,
            ]
            for s in history.sanctions.values()
        ],
        "requests": [
            [r.request_id, r.status, [d.isoformat() for d in r.dates]]
            for r in history.requests.values()
        ],
        "presence": [[nip, day.isoformat(), mode] for (nip, day), mode in history.presence.items()],
        "check_ins": history.check_ins,
        "check_outs": history.check_outs,
        "reports": [[r.report_id, r.revision, r.status] for r in history.reports.values()],
        "anomalies": history.anomalies,
        "readiness": [
            [unit, on.isoformat(), assessment.model_dump(mode="json")]
            for unit, (on, assessment) in history.readiness.items()
        ],
        "readiness_count": history.readiness_count,
        "geofences": history.geofences,
        "accesses": history.accesses,
    }
    return orjson.dumps(state)


def restore_opd(history: OpdHistory, snapshot: bytes | str) -> None:
    """Put the state a snapshot keeps into ``history`` (fresh, of the same OPD)."""
    state: dict[str, Any] = orjson.loads(snapshot)
    if state.get("format") != FORMAT or state.get("opd_id") != history.opd_id:
        raise ValueError("a snapshot of another format or OPD")
    history.applied = int(state["applied"])
    history.by_type = Counter(state["by_type"])
    history.not_folded = Counter(state["not_folded"])
    history.duplicates = int(state["duplicates"])
    history.undecodable = int(state["undecodable"])
    history.last = None
    history.restored_last = state["last"]
    for version, payload, at in state["policies"]:
        history.policies[int(version)] = OpdPolicyPublished.model_validate(payload)
        history.policy_times[int(version)] = datetime.fromisoformat(at)
    history.members = {nip: _Member(*member) for nip, member in state["members"].items()}
    for sanction_id, nip, level, starts, ends, basis, lifted, reason in state["sanctions"]:
        history.sanctions[sanction_id] = Sanction(
            sanction_id,
            nip,
            level,
            _from_day(starts),
            _from_day(ends),
            basis,
            _from_day(lifted),
            reason,
        )
    days: dict[str, date] = {}

    def from_day(text: str) -> date:  # a year has 366 of them; parse each once
        day = days.get(text)
        if day is None:
            day = days[text] = date.fromisoformat(text)
        return day

    history.requests = {
        request_id: Request(request_id, status, [from_day(d) for d in dates])
        for request_id, status, dates in state["requests"]
    }
    history.presence = {(nip, from_day(day)): mode for nip, day, mode in state["presence"]}
    history.check_ins = int(state["check_ins"])
    history.check_outs = int(state["check_outs"])
    history.reports = {
        report_id: Report(report_id, revision=revision, status=status)
        for report_id, revision, status in state["reports"]
    }
    history.anomalies = dict(state["anomalies"])
    history.readiness = {
        unit: (from_day(on), OpdReadinessAssessed.model_validate(payload))
        for unit, on, payload in state["readiness"]
    }
    history.readiness_count = int(state["readiness_count"])
    history.geofences = dict(state["geofences"])
    history.accesses = int(state["accesses"])


def mark_seen(history: OpdHistory, earlier: list[dict[str, Any]]) -> None:
    """Before folding past a snapshot: the events archived at or before its cut that are also
    archived after it (``event_id``, ``subject``, ``opd_id`` and ``payload_opd`` of the earlier
    copies) count as seen when the OPD's fold applied them, so the later copy is a duplicate
    as in the whole fold. An earlier copy applied is one filed under the OPD, or a roster
    event about it or about someone then among its members (the members kept are those of the
    cut, a superset for an earlier copy; a copy that was undecodable is not told apart)."""
    for row in earlier:
        if (
            row["opd_id"] == history.opd_id
            or row["payload_opd"] == history.opd_id
            or row["subject"] in history.members
        ):
            history.mark_seen(str(row["event_id"]))
