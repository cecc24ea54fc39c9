"""Working-time profile of an OPD (Perpres 21/2023): start time, weekly hours and breaks.

The regular week is 37.5 net hours over Monday-Friday, starting 07:30 local time, with a
60-minute break Monday-Thursday and 90 minutes on Friday: 07:30-16:00 and Fri 07:30-16:30.
In Ramadan the week is 32.5 hours starting 08:00; the brief gives no Ramadan break lengths, so
:data:`RAMADAN_WORKING_TIME` keeps the regular ones until the year's circular sets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta, timezone
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RAMADAN_WORKING_TIME",
    "REGULAR_WORKING_TIME",
    "UTC_OFFSET_HOURS",
    "WORKING_DAYS_PER_WEEK",
    "TimeZoneCode",
    "WorkingTime",
    "local_zone",
]

TimeZoneCode = Literal["WIB", "WITA", "WIT"]
"""Indonesian time zones: WIB UTC+7, WITA UTC+8, WIT UTC+9."""

UTC_OFFSET_HOURS: Final[Mapping[str, int]] = {"WIB": 7, "WITA": 8, "WIT": 9}
"""Hours ahead of UTC per zone code (a zone read from outside may be none of them)."""

_ZONES: Final[dict[str, timezone]] = {
    code: timezone(timedelta(hours=hours), code) for code, hours in UTC_OFFSET_HOURS.items()
}


def local_zone(code: TimeZoneCode) -> timezone:
    """The fixed UTC offset of an Indonesian time zone (none keeps daylight saving time)."""
    return _ZONES[code]


WORKING_DAYS_PER_WEEK: Final = 5
"""Monday to Friday."""

_FRIDAY = 4


class WorkingTime(BaseModel):
    """Daily schedule of an OPD, in local time of the OPD's time zone."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    start: time = Field(default=time(7, 30), description="Start of the work day, local time.")
    weekly_hours: float = Field(
        default=37.5, gt=0, le=60, description="Net working hours a week (Mon-Fri)."
    )
    break_minutes: int = Field(default=60, ge=0, le=240, description="Break Monday-Thursday.")
    friday_break_minutes: int = Field(default=90, ge=0, le=240, description="Break on Friday.")
    checkins_per_day: int = Field(
        default=1, ge=1, le=6, description="Check-ins required a day (DKI requires 2)."
    )

    @property
    def daily_net_minutes(self) -> int:
        """Net minutes of work a day: weekly hours spread over 5 days."""
        return round(self.weekly_hours * 60 / WORKING_DAYS_PER_WEEK)

    def end_on(self, weekday: int) -> time:
        """End of the work day for ``weekday`` (0 Monday ... 4 Friday)."""
        if not 0 <= weekday < WORKING_DAYS_PER_WEEK:
            raise ValueError(f"weekday {weekday} is not a working day (0-4)")
        pause = self.friday_break_minutes if weekday == _FRIDAY else self.break_minutes
        start = datetime.combine(datetime.min.date(), self.start)
        end = start + timedelta(minutes=self.daily_net_minutes + pause)
        if end.date() != start.date():
            raise ValueError("the work day would end after midnight")
        return end.time()


REGULAR_WORKING_TIME: Final = WorkingTime()
"""07:30 start, 37.5 h a week, 60 min break Mon-Thu and 90 min on Friday."""

RAMADAN_WORKING_TIME: Final = WorkingTime(start=time(8, 0), weekly_hours=32.5)
"""Ramadan: 08:00 start, 32.5 h a week."""
