"""Attendance as it stood: each work day's check-in, check-out and signals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from schemas.events import (
    CheckedIn,
    CheckedOut,
    EventPayload,
    HeartbeatReceived,
    LocationPinged,
)
from services.audit.domain.time_travel.history import iso

__all__ = ["Day", "fold_presence"]


@dataclass
class Day:
    work_date: date
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    mode: str | None = None
    declared_mode: str | None = None
    inside: bool | None = None
    minutes_after_start: int | None = None
    working_day: bool | None = None
    pings: int = 0
    heartbeats: int = 0
    late_synced: bool = False

    def view(self) -> dict[str, Any]:
        return {
            "work_date": self.work_date.isoformat(),
            "checked_in_at": iso(self.checked_in_at),
            "checked_out_at": iso(self.checked_out_at),
            "mode": self.mode,
            "declared_mode": self.declared_mode,
            "inside": self.inside,
            "minutes_after_start": self.minutes_after_start,
            "working_day": self.working_day,
            "pings": self.pings,
            "heartbeats": self.heartbeats,
            "late_synced": self.late_synced,
        }


def fold_presence(days: dict[date, Day], payload: EventPayload) -> bool:
    if not isinstance(payload, CheckedIn | CheckedOut | LocationPinged | HeartbeatReceived):
        return False
    day = days.setdefault(payload.work_date, Day(payload.work_date))
    day.working_day = payload.working_day
    day.late_synced = day.late_synced or payload.late_synced
    if isinstance(payload, CheckedIn):
        if day.checked_in_at is None or payload.at < day.checked_in_at:  # the first one counts
            day.checked_in_at = payload.at
            day.mode = payload.place.derived_mode
            day.declared_mode = payload.place.declared_mode
            day.inside = payload.place.inside
            day.minutes_after_start = payload.minutes_after_start
    elif isinstance(payload, CheckedOut):
        if day.checked_out_at is None or payload.at > day.checked_out_at:  # the last one counts
            day.checked_out_at = payload.at
    elif isinstance(payload, LocationPinged):
        day.pings += 1
    else:
        day.heartbeats += 1
    return True
