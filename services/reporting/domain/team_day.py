"""A team's day as the supervisor's page shows it (pure, no I/O).

The team is who the roster places in it; the day is what ``employee_day`` recorded for them.
A member without any record that day is absent (no check-in, no report, no anomaly).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Row = Mapping[str, Any]
"""One ``employee_day`` row."""


@dataclass(frozen=True, slots=True)
class Member:
    """A team member as the roster knows them (``name`` None: no longer on the roster)."""

    nip: str
    name: str | None
    work_unit_id: str


def _item(member: Member, row: Row | None, day: date) -> dict[str, Any]:
    if row is None:
        return {
            "nip": member.nip,
            "name": member.name,
            "work_unit_id": member.work_unit_id,
            "working_day": day.weekday() < 5,
            "mode": "absent",
            "requested_wfa": False,
            "approved_wfa": False,
            "check_in": None,
            "check_out": None,
            "late": False,
            "worked_minutes": 0,
            "report_status": "none",
            "anomalies": [],
            "anomaly_count": 0,
        }
    return {
        "nip": member.nip,
        "name": member.name,
        "work_unit_id": member.work_unit_id or row["work_unit_id"],
        "working_day": bool(row["working_day"]),
        "mode": row["mode"],
        "requested_wfa": bool(row["wfa_requested"]),
        "approved_wfa": bool(row["wfa_approved"]),
        "check_in": row["check_in_at"],
        "check_out": row["check_out_at"],
        "late": bool(row["late"]),
        "worked_minutes": int(row["worked_minutes"]),
        "report_status": row["report_status"],
        "anomalies": sorted(set(row["anomaly_kinds"])),
        "anomaly_count": int(row["anomalies"]),
    }


def team_day(members: Iterable[Member], rows: Iterable[Row], day: date) -> dict[str, Any]:
    """Every member's day (by work unit, name, NIP) and the team's totals.

    ``rows`` are the ``employee_day`` rows of the day; a row of someone not among ``members``
    (an employee who has since left the team's OPD) is kept, with what it records.
    """
    recorded: Mapping[str, Row] = {row["nip"]: row for row in rows}
    team = {member.nip: member for member in members}
    for nip, row in recorded.items():
        team.setdefault(nip, Member(nip, None, row["work_unit_id"]))
    items = [_item(member, recorded.get(nip), day) for nip, member in team.items()]
    items.sort(key=lambda i: (i["work_unit_id"], i["name"] or "", i["nip"]))
    totals = {
        "headcount": len(items),
        "wfa": sum(1 for i in items if i["mode"] == "wfa"),
        "office": sum(1 for i in items if i["mode"] == "office"),
        "absent": sum(1 for i in items if i["mode"] == "absent"),
        "checked_in": sum(1 for i in items if i["check_in"] is not None),
        "approved_wfa": sum(1 for i in items if i["approved_wfa"]),
        "reports_submitted": sum(1 for i in items if i["report_status"] != "none"),
        "anomalies": sum(i["anomaly_count"] for i in items),
    }
    return {"date": day.isoformat(), "items": items, "totals": totals}
