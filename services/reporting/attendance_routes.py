"""HTTP edge of reporting's attendance views: anomalies, and presence per employee and day.

Both are scoped to who is asking (see :mod:`services.reporting.reader_scope`) and show
derived facts only: no precise coordinate is kept by reporting.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from kernel.thresholds import AttendanceThresholds
from kernel.working_time import UTC_OFFSET_HOURS
from schemas.events import AnomalyKind
from schemas.limits import ContractDate
from services.reporting import export_columns
from services.reporting.attendance_queries import (
    FIRST_DATE,
    LAST_DATE,
    AnomalyFilter,
    anomalies_page,
    day_anomalies,
    day_signals,
)
from services.reporting.domain.presence import DayPresence, PresenceSignal, day_presence
from services.reporting.exports import XLSX_MEDIA_TYPE, file_response, paging_headers
from services.reporting.messages import MESSAGES
from services.reporting.reader_scope import reader_scope, subject_scope
from services.reporting.summary_params import FormatParam
from services.runtime.edge.access_log import (
    Access,
    Purpose,
    export_kind,
    record_accesses,
    record_row_accesses,
    roster_opd,
)
from services.runtime.edge.caller_scope import CALLER_403, Directory
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.routing import service_router

router = service_router("/reporting", ["reporting"])

MAX_OFFSET = 10_000_000

ANOMALIES_ROUTE = "/reporting/anomalies"
PRESENCE_ROUTE = "/reporting/presence/{nip}"

_ACCESS_503 = error_response(
    "`kafka_unavailable`: the read of another employee's data could not be recorded in the "
    "access log, so nothing is answered / akses tidak dapat dicatat, tidak ada data yang "
    "diberikan."
)

_SCOPE_403 = error_response(
    "`outside_scope` (another OPD or employee) / di luar cakupan. The caller: " + CALLER_403
)


@cache
def thresholds() -> AttendanceThresholds:
    """The presence thresholds in force (read from the environment once)."""
    return AttendanceThresholds.from_environ(os.environ)


# anomalies ------------------------------------------------------------------------------------


class Anomaly(BaseModel):
    """One attendance anomaly, as detected (evidence without coordinates)."""

    anomaly_id: str = Field(description="Id of the anomaly (the event id).")
    nip: str = Field(description="NIP of the employee concerned.")
    opd_id: str = Field(description="OPD of the employee when it was detected.")
    work_date: date = Field(description="The work day concerned, in local time.")
    at: datetime = Field(description="When the signal that revealed it happened (UTC).")
    kind: str = Field(description="What was detected, e.g. `outside_geofence`.")
    detected_by: str = Field(description="`edge` (attendance API) or `stream` (detector).")
    evidence: dict[str, Any] = Field(description="The facts that show it.")
    thresholds: dict[str, Any] = Field(description="The thresholds it was judged by.")
    source_event_ids: list[str] = Field(description="Events that revealed it.")
    message_id: str = Field(description="What was detected, in Bahasa Indonesia.")
    message_en: str = Field(description="What was detected, in English.")


class AnomaliesPage(BaseModel):
    """One page of attendance anomalies, newest first."""

    items: list[Anomaly] = Field(description="The anomalies on this page.")
    count: int = Field(description="How many anomalies are on this page.")
    total: int = Field(description="How many anomalies match, across all pages.")
    limit: int = Field(description="The page size asked for.")
    offset: int = Field(description="How many matching anomalies come before this page.")
    next_offset: int | None = Field(
        description="The `offset` of the next page; null when this is the last one."
    )


def _check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ApiError(
            422,
            "invalid_period",
            *MESSAGES.text("invalid_period"),
            details=[{"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}],
        )


@router.get(
    ANOMALIES_ROUTE.removeprefix("/reporting"),
    summary="Attendance anomalies / Anomali kehadiran",
    response_model=AnomaliesPage,
    responses={
        200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}},
        403: _SCOPE_403,
        422: error_response(
            "`invalid_request` (a query parameter is malformed, e.g. an unknown kind) or "
            "`invalid_period` (date_from after date_to) / parameter tidak valid atau periode "
            "terbalik."
        ),
        503: _ACCESS_503,
    },
)
async def anomalies(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    opd_id: Annotated[str | None, Query(max_length=100)] = None,
    nip: Annotated[str | None, Query(pattern=r"^[0-9]{18}$")] = None,
    kind: Annotated[AnomalyKind | None, Query(description="One kind of anomaly.")] = None,
    date_from: Annotated[
        ContractDate | None, Query(description="First work day (inclusive).")
    ] = None,
    date_to: Annotated[ContractDate | None, Query(description="Last work day (inclusive).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    fmt: FormatParam = "json",
    purpose: Purpose = "",
) -> Any:
    _check_period(date_from, date_to)
    scope = await reader_scope(user, directory, opd_id, nip)
    where = AnomalyFilter(
        scope=scope,
        kind=kind or "",
        date_from=max(date_from or FIRST_DATE, FIRST_DATE),
        date_to=min(date_to or LAST_DATE, LAST_DATE),
    )
    page = await anomalies_page(ctx.store, where, limit=limit, offset=offset)
    await record_row_accesses(
        ctx,
        user,
        page.items,
        data_kind=export_kind("attendance", fmt),
        route=ANOMALIES_ROUTE,
        opd_of=roster_opd(directory),
        purpose=purpose,
        day_keys=("work_date",),
    )
    result = page.answer(limit=limit, offset=offset)
    if fmt == "json":
        return result
    return await file_response(
        fmt,
        page.items,
        export_columns.ANOMALIES,
        filename="anomali-kehadiran",
        sheet="Anomali",
        headers=paging_headers(total=page.total, next_offset=result["next_offset"]),
    )


# presence -------------------------------------------------------------------------------------


class Interval(BaseModel):
    """A stretch of time the signals show the employee present."""

    start: datetime = Field(description="First signal, in the employee's local time.")
    end: datetime = Field(description="Last signal, in the employee's local time.")
    minutes: float = Field(description="Duration in minutes.")
    signals: int = Field(description="Signals in the interval.")
    outside: int = Field(description="Signals in it not where the employee should be.")
    opened_by: str = Field(description="check_in, check_out, ping or heartbeat.")
    closed_by: str = Field(
        description="check_out, gap (no signal for too long), check_in (the next one) or open."
    )


class PresenceDay(BaseModel):
    """Presence of one employee on one work day, against the daily target."""

    nip: str = Field(description="NIP of the employee.")
    work_date: date = Field(description="The work day, in the employee's local time.")
    timezone: str | None = Field(description="WIB, WITA or WIT; null without signals.")
    working_day: bool | None = Field(
        description="Whether it was a working day; null when no signal says."
    )
    intervals: list[Interval] = Field(description="Presence intervals, oldest first.")
    worked_minutes: int = Field(description="Sum of the intervals, in whole minutes.")
    target_minutes: int | None = Field(
        description="The daily target on a working day (450 = 7.5 h), 0 otherwise; null if unknown."
    )
    shortfall_minutes: int | None = Field(description="Target minus worked time, at least 0.")
    gap_minutes: float = Field(description="Signals closer than this join one interval.")
    signals: int = Field(description="How many presence signals the day has.")
    signals_by_kind: dict[str, int] = Field(description="Signals per kind.")
    late_synced: int = Field(description="Signals that arrived through the offline queue.")
    anomalies: list[Anomaly] = Field(description="Anomalies of that person on that day.")


@router.get(
    PRESENCE_ROUTE.removeprefix("/reporting"),
    summary="Presence and worked time of an employee on a day / Kehadiran dan jam kerja",
    response_model=PresenceDay,
    responses={
        403: _SCOPE_403,
        422: error_response(
            "`invalid_request`: the NIP or the date (YYYY-MM-DD) is malformed / NIP atau "
            "tanggal tidak valid."
        ),
        503: _ACCESS_503,
    },
)
async def presence(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    nip: Annotated[str, Path(pattern=r"^[0-9]{18}$", description="NIP of the employee.")],
    day: Annotated[ContractDate, Query(alias="date", description="The work day, YYYY-MM-DD.")],
    purpose: Purpose = "",
) -> dict[str, Any]:
    scope = await subject_scope(user, directory, nip)
    rows = await day_signals(ctx.store, scope, day)
    found = await day_anomalies(ctx.store, scope, day)
    limits = thresholds()
    signals = [
        PresenceSignal(
            event_id=row["event_id"],
            kind=row["kind"],
            at=_stored_instant(row["at"]),
            working_day=bool(row["working_day"]),
            inside=row["inside"],
            at_office=row["derived_mode"] == "office" and row["inside"] is True,
        )
        for row in rows
    ]
    result = day_presence(
        signals,
        gap_minutes=limits.presence_gap_minutes,
        daily_target_minutes=limits.daily_target_minutes,
    )
    zone = rows[-1]["timezone"] if rows else None
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + 1
    access = Access(
        subject_nip=nip,
        opd_id=roster_opd(directory)(nip) or "",
        data_kind="attendance",
        route=PRESENCE_ROUTE,
        records=len(rows),
        purpose=purpose,
        period_from=day,
        period_to=day,
    )
    await record_accesses(ctx, user, [access])  # anyone but the employee; 503 when unrecorded
    return {
        "nip": nip,
        "work_date": day,
        "timezone": zone,
        "working_day": result.working_day,
        "intervals": _intervals(result, zone),
        "worked_minutes": result.worked_minutes,
        "target_minutes": result.target_minutes,
        "shortfall_minutes": result.shortfall_minutes,
        "gap_minutes": limits.presence_gap_minutes,
        "signals": result.signals,
        "signals_by_kind": by_kind,
        "late_synced": sum(1 for row in rows if row["late_synced"]),
        "anomalies": found,
    }


def _stored_instant(text: str) -> datetime:
    """A stored ``DateTime64(3, 'UTC')`` ("YYYY-MM-DD HH:MM:SS.mmm") as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _intervals(result: DayPresence, zone: str | None) -> list[dict[str, Any]]:
    local = timezone(timedelta(hours=UTC_OFFSET_HOURS.get(zone or "", 0)))
    return [
        {
            "start": interval.start.astimezone(local),
            "end": interval.end.astimezone(local),
            "minutes": round(interval.seconds / 60, 2),
            "signals": interval.signals,
            "outside": interval.outside,
            "opened_by": interval.opened_by,
            "closed_by": interval.closed_by,
        }
        for interval in result.intervals
    ]
