"""Check-in and check-out commands: pure validation, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import CheckedIn, CheckedOut, GeoPoint
from schemas.limits import DeviceId, Instant

#: a device clock may lag; a check-in further in the future than this is refused
MAX_CLOCK_SKEW = timedelta(minutes=5)
#: a queued offline check-in older than this is refused
MAX_BACKDATE = timedelta(hours=24)


class PresenceCreate(BaseModel):
    """A geolocated check-in or check-out sent by the ASN's device."""

    model_config = ConfigDict(extra="forbid")

    location: GeoPoint = Field(description="Where the device is.")
    accuracy_m: float | None = Field(None, ge=0, le=100_000, description="GPS accuracy, metres.")
    mode: Literal["wfa", "office"] = Field(description="Working from anywhere or from the office.")
    device_id: DeviceId | None = Field(None, description="Stable device identifier.")
    mock_location: bool = Field(False, description="The OS reported a mock-location provider.")
    at: Instant | None = Field(
        None, description="When it happened on the device; defaults to the time received."
    )


class PresenceTimeError(ValueError):
    pass


def _resolve_time(command: PresenceCreate, now: datetime) -> datetime:
    at = command.at or now
    if at - now > MAX_CLOCK_SKEW:
        raise PresenceTimeError("time is in the future")
    if now - at > MAX_BACKDATE:
        raise PresenceTimeError("time is more than 24 hours in the past")
    return at.astimezone(UTC)


def to_checked_in(command: PresenceCreate, *, nip: str, event_id: str, now: datetime) -> CheckedIn:
    return CheckedIn(
        checkin_id=event_id,
        nip=nip,
        at=_resolve_time(command, now),
        location=command.location,
        accuracy_m=command.accuracy_m,
        mode=command.mode,
        device_id=command.device_id,
        mock_location=command.mock_location,
    )


def to_checked_out(
    command: PresenceCreate, *, nip: str, event_id: str, now: datetime
) -> CheckedOut:
    return CheckedOut(
        checkout_id=event_id,
        nip=nip,
        at=_resolve_time(command, now),
        location=command.location,
        accuracy_m=command.accuracy_m,
        mode=command.mode,
        device_id=command.device_id,
        mock_location=command.mock_location,
    )
