"""Reading precise locations (UU PDP): the employee, or their supervisor of record, only.

Precise positions live only on the restricted locations topic. A read takes one local work
day of one employee from the partition of their NIP, and returns it. Anyone but the owner
who reads leaves a ``PersonalDataAccessed`` event on the access topic, acknowledged by Kafka
before a single position is answered: when it cannot be recorded, nothing is returned (503).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any

from aiokafka.errors import KafkaError
from fastapi import Header, Path, Query

from kernel.thresholds import AttendanceThresholds
from schemas import LocationRecorded
from schemas.events import NIP_PATTERN
from schemas.limits import ContractDate
from services.attendance.location_reader import LogReadFailed, read_day_locations
from services.attendance.messages import MESSAGES
from services.runtime.context import ServiceContext, component
from services.runtime.edge.access_log import Access, Purpose, record_accesses
from services.runtime.edge.caller_scope import CALLER_403, find_entry, resolve_caller
from services.runtime.edge.deps import Context, authenticate
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.identity import Principal
from services.runtime.edge.roster_directory import RosterDirectory, RosterLookup
from services.runtime.edge.routing import service_router

router = service_router("/attendance", ["privacy"])

LOCATIONS_ROUTE = "/attendance/locations/{nip}"
DATA_KIND = "precise_location"

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The day's precise positions / Posisi presisi pada hari itu."},
    403: error_response(
        "`location_access_denied`: only the employee and their supervisor of record read "
        "precise locations / hanya pegawai dan atasan langsungnya yang dapat membaca lokasi "
        "presisi. The caller: " + CALLER_403
    ),
    503: error_response(
        "`kafka_unavailable` (the access could not be recorded, so nothing is answered), "
        "`locations_unavailable` or `roster_unavailable` / akses tidak dapat dicatat atau data "
        "belum tersedia; tidak ada data yang diberikan."
    ),
}


def _denied(nip: str) -> ApiError:
    return ApiError(
        403,
        "location_access_denied",
        *MESSAGES.text("location_access_denied", nip=nip),
    )


async def _may_read(ctx: ServiceContext, reader: Principal, nip: str) -> bool:
    """True for the owner; the supervisor of record passes; anyone else is refused (403).

    Returns whether the read must be recorded as an access (everyone but the owner).
    """
    if reader.nip == nip:
        return False
    entry = await find_entry(component(ctx, RosterDirectory), nip)
    if entry is None or entry.supervisor_nip is None or entry.supervisor_nip != reader.nip:
        raise _denied(nip)
    return True


def _item(record: LocationRecorded) -> dict[str, Any]:
    return {
        "location_id": record.location_id,
        "signal": record.signal,
        "source_event_id": record.source_event_id,
        "at": record.at.isoformat(),
        "received_at": record.received_at.isoformat(),
        "work_date": record.work_date.isoformat(),
        "lat": record.location.lat,
        "lon": record.location.lon,
        "accuracy_m": record.accuracy_m,
        "device_id": record.device_id,
        "device_seq": record.device_seq,
        "mock_location": record.mock_location,
    }


@router.get(
    LOCATIONS_ROUTE.removeprefix("/attendance"),
    summary="Precise locations of one day / Lokasi presisi satu hari",
    responses=RESPONSES,
)
async def day_locations(
    ctx: Context,
    nip: Annotated[str, Path(pattern=NIP_PATTERN, description="NIP of the employee.")],
    day: Annotated[
        ContractDate,
        Query(alias="date", description="The local work day (YYYY-MM-DD); one per call."),
    ],
    purpose: Purpose = "",
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    reader = await authenticate(ctx, authorization)
    # a token the roster contradicts: 403
    await resolve_caller(reader, component(ctx, RosterLookup))
    must_record = await _may_read(ctx, reader, nip)
    late_sync = timedelta(
        hours=AttendanceThresholds.from_environ(os.environ).offline_tolerance_hours
    )
    try:
        records = await read_day_locations(
            ctx.settings.kafka_servers, nip, day, late_sync=late_sync
        )
    except (LogReadFailed, KafkaError, OSError) as exc:
        raise ApiError(
            503,
            "locations_unavailable",
            *MESSAGES.text("locations_unavailable"),
            details=[str(exc)],
            headers={"Retry-After": "5"},
        ) from exc
    access_id = None
    if must_record:
        entry = component(ctx, RosterDirectory).lookup(nip)
        access = Access(
            subject_nip=nip,
            opd_id=entry.opd_id if entry is not None else "",
            data_kind=DATA_KIND,
            route=LOCATIONS_ROUTE,
            records=len(records),
            purpose=purpose,
            period_from=day,
            period_to=day,
        )
        # acknowledged by Kafka before a position is answered; PublishUnavailable: 503
        (access_id,) = await record_accesses(ctx, reader, [access])
    items = [_item(record) for record in records]
    return {
        "nip": nip,
        "date": day.isoformat(),
        "items": items,
        "count": len(items),
        "access_id": access_id,
    }
