"""What a device sends: presence bodies (check-ins, check-outs, pings, heartbeats). No I/O.

The client states where and when; the platform derives the rest (the mode, the geofence met,
the work day). ``mode`` is what the client believes and is kept as the declared mode: a
contradiction with the derived mode is an anomaly, never a silent override.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from schemas.events import DeviceSeq, GeoPoint, Mode
from schemas.limits import DeviceId, Instant

__all__ = ["DevicePosition", "HeartbeatCreate", "PresenceCreate"]


class DevicePosition(GeoPoint):
    """A position as a device sends it: the coordinates are JSON numbers, never strings
    (``"-6.2"``) nor booleans, which a lax parse would turn into numbers."""

    lat: float = Field(
        strict=True, ge=-90, le=90, description="Latitude in decimal degrees (WGS 84)."
    )
    lon: float = Field(
        strict=True, ge=-180, le=180, description="Longitude in decimal degrees (WGS 84)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_point(cls, data: Any) -> Any:
        """A :class:`GeoPoint` made in code is taken as it is (its numbers are numbers)."""
        return data.model_dump() if isinstance(data, GeoPoint) else data


class HeartbeatCreate(BaseModel):
    """The work device says it is in use (no position)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    device_id: DeviceId | None = Field(
        None, description="Stable device identifier (required when devices are bound)."
    )
    at: Instant | None = Field(
        None, description="When it happened on the device; defaults to the time received."
    )
    sent_at: Instant | None = Field(
        None, description="The device clock when sending (checked against the receipt time)."
    )
    device_seq: Annotated[DeviceSeq, Strict()] | None = Field(
        None, description="The device's own sequence number, one more for each signal."
    )
    recorded_offline: bool = Field(
        False, description="Recorded without connection and sent later from the offline queue."
    )


class PresenceCreate(HeartbeatCreate):
    """A geolocated check-in, check-out or location ping sent by the ASN's device."""

    location: DevicePosition = Field(description="Where the device is.")
    accuracy_m: float | None = Field(
        None, strict=True, ge=0, le=100_000, description="GPS accuracy, metres."
    )
    mode: Mode | None = Field(
        None,
        description=(
            "The mode the client believes applies (optional). The platform derives the mode "
            "from the approved WFA requests; a contradiction is recorded as an anomaly."
        ),
    )
    mock_location: bool = Field(False, description="The OS reported a mock-location provider.")
