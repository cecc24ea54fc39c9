"""Presence of one employee on one work day, from its presence signals (pure: no I/O).

Signals are check-ins, check-outs, location pings and device heartbeats, as derived facts.
The rules, in the order of the signals' own time (``at``):

* a check-in opens a new interval (closing the one before, if any);
* a ping or heartbeat closer than ``gap`` to the previous signal of an open interval extends
  it; farther away, it closes that interval at its last signal and opens a new one;
* a check-out closer than ``gap`` to the previous signal of an open interval extends it and
  closes it; farther away (or with no interval open) it stands alone, as an interval of its
  own without duration;
* after a check-out, any signal opens a new interval;
* at the office the building is the supervision: an interval opened by a check-in inside the
  office geofence is not broken by gaps, and lasts until the check-out (or the next
  check-in). Outside the office, presence needs the continuity of pings or heartbeats.

Worked time is the sum of the intervals' durations. The target is ``daily_target_minutes``
on a working day and 0 on a day that is not; when no signal tells whether the day was a
working day, target and shortfall are unknown (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

SignalKind = Literal["check_in", "check_out", "ping", "heartbeat"]
Closing = Literal["check_out", "gap", "check_in", "open"]
"""Why an interval ended: a check-out, a gap longer than allowed, the next check-in, or it
did not end (the last signal of the day was not a check-out)."""


@dataclass(frozen=True, slots=True)
class PresenceSignal:
    """One presence signal, as reporting keeps it."""

    event_id: str
    kind: SignalKind
    at: datetime
    """When it happened on the device (timezone-aware)."""
    working_day: bool
    inside: bool | None = None
    """Whether it met the place the employee should be; None for heartbeats or unknown."""
    at_office: bool = False
    """Made inside the office geofence on an office day (derived mode office, inside)."""


@dataclass(slots=True)
class PresenceInterval:
    """A stretch of time the signals show the employee present."""

    start: datetime
    end: datetime
    opened_by: SignalKind
    closed_by: Closing = "open"
    anchored: bool = False
    """Opened by a check-in at the office: gaps do not break it."""
    signals: int = 1
    outside: int = 0
    """Signals in it that were not where the employee should be (``inside`` false)."""

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class DayPresence:
    intervals: list[PresenceInterval] = field(default_factory=list)
    worked_minutes: int = 0
    target_minutes: int | None = None
    shortfall_minutes: int | None = None
    working_day: bool | None = None
    signals: int = 0


def presence_intervals(
    signals: Iterable[PresenceSignal], *, gap: timedelta
) -> list[PresenceInterval]:
    """The intervals of one employee-day's signals (duplicates by event id counted once)."""
    unique = {s.event_id: s for s in signals}
    ordered = sorted(unique.values(), key=lambda s: (s.at, s.event_id))
    intervals: list[PresenceInterval] = []
    current: PresenceInterval | None = None
    for signal in ordered:
        joins = current is not None and (current.anchored or signal.at - current.end < gap)
        if signal.kind == "check_in" or not joins:
            if current is not None:
                current.closed_by = "check_in" if signal.kind == "check_in" and joins else "gap"
            current = PresenceInterval(
                start=signal.at,
                end=signal.at,
                opened_by=signal.kind,
                anchored=signal.kind == "check_in" and signal.at_office,
            )
            intervals.append(current)
        else:
            assert current is not None
            current.end = signal.at
            current.signals += 1
        if signal.inside is False:
            current.outside += 1
        if signal.kind == "check_out":
            current.closed_by = "check_out"
            current = None
    return intervals


def day_presence(
    signals: Iterable[PresenceSignal], *, gap_minutes: float, daily_target_minutes: int
) -> DayPresence:
    """Intervals, worked minutes (rounded down) and the target of one employee-day."""
    unique = list({s.event_id: s for s in signals}.values())
    intervals = presence_intervals(unique, gap=timedelta(minutes=gap_minutes))
    worked = int(sum(i.seconds for i in intervals) // 60)
    working_day = _working_day(unique)
    if working_day is None:
        target = shortfall = None
    else:
        target = daily_target_minutes if working_day else 0
        shortfall = max(0, target - worked)
    return DayPresence(
        intervals=intervals,
        worked_minutes=worked,
        target_minutes=target,
        shortfall_minutes=shortfall,
        working_day=working_day,
        signals=len(unique),
    )


def _working_day(signals: list[PresenceSignal]) -> bool | None:
    """What the signals say; the latest one decides if they disagree (a calendar change)."""
    if not signals:
        return None
    return max(signals, key=lambda s: (s.at, s.event_id)).working_day
