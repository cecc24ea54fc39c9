"""When a presence signal happened: the work day, lateness, the offline queue. No I/O.

The work day is the local date in the OPD's time zone (WIB UTC+7, WITA UTC+8, WIT UTC+9) from
the policy version in force; whether it is a working day and when work starts come from the
same version (Perpres 21/2023 working time, the OPD's calendar).

Times the device sends are judged against the receipt time:

- ``at`` (when it happened) further in the future than the clock tolerance is refused;
- ``at`` older than the offline tolerance is refused (the offline queue has a limit);
- ``recorded_offline`` or a receipt long after ``at`` marks the signal late-synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from kernel.policy import OpdPolicy, PolicyHistory, default_policy
from kernel.refusal import RefusalKind
from kernel.thresholds import AttendanceThresholds
from kernel.working_time import TimeZoneCode, local_zone
from services.attendance.messages import MESSAGES

__all__ = [
    "WorkDay",
    "check_receipt_time",
    "is_late_synced",
    "local_zone",
    "minutes_after_start",
    "work_day",
]


@dataclass(frozen=True, slots=True)
class WorkDay:
    """The day a signal counts for, under the policy in force that day."""

    work_date: date
    timezone: TimeZoneCode
    policy: OpdPolicy
    working_day: bool


@lru_cache(maxsize=4096)
def _default_policy(opd_id: str) -> OpdPolicy:
    # validated once per OPD: the hot path asks for it on every signal of an OPD without policy
    return default_policy(opd_id)


def work_day(at: datetime, opd_id: str, history: PolicyHistory | None) -> WorkDay:
    """The local work day of ``at`` for the OPD, with the policy version in force.

    The time zone comes from the latest version first (it names the zone the day is read in),
    then from the version in force on that day, if it names another zone.
    """
    latest = history.latest if history is not None else None
    policy = latest or _default_policy(opd_id)
    day = at.astimezone(local_zone(policy.timezone)).date()
    in_force = history.in_force_on(day) if history is not None else None
    if in_force is not None and in_force is not policy:
        policy = in_force
        day = at.astimezone(local_zone(policy.timezone)).date()
    elif in_force is None:
        policy = _default_policy(opd_id)
        day = at.astimezone(local_zone(policy.timezone)).date()
    return WorkDay(day, policy.timezone, policy, policy.non_working_reason(day) is None)


def minutes_after_start(at: datetime, day: WorkDay) -> int | None:
    """Minutes between the start of work and ``at``, local time (negative: early).

    None on a day that is not a working day. Bounded to a day either way.
    """
    if not day.working_day:
        return None
    zone = local_zone(day.timezone)
    start = datetime.combine(day.work_date, day.policy.working_time.start, tzinfo=zone)
    minutes = int((at - start).total_seconds() // 60)
    return max(-1440, min(1440, minutes))


def check_receipt_time(at: datetime, received_at: datetime, t: AttendanceThresholds) -> None:
    """Refuse a signal from the future (beyond the clock tolerance) or too old to queue
    (an invalid :class:`~kernel.refusal.Refusal`: the route answers 422)."""
    ahead_s = (at - received_at).total_seconds()
    if ahead_s > t.clock_skew_tolerance_s:
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "presence_time_in_future",
            minutes=round(ahead_s / 60),
            tolerance_s=t.clock_skew_tolerance_s,
        )
    age_h = -ahead_s / 3600
    if age_h > t.offline_tolerance_hours:
        raise MESSAGES.refusal(
            RefusalKind.INVALID,
            "offline_record_too_old",
            age_h=age_h,
            tolerance_h=t.offline_tolerance_hours,
        )


def is_late_synced(
    at: datetime, received_at: datetime, recorded_offline: bool, t: AttendanceThresholds
) -> bool:
    """Recorded offline, or received longer after it happened than ``late_sync_after_s``."""
    return recorded_offline or (received_at - at).total_seconds() > t.late_sync_after_s
