"""Device and geofence events: a work device registered, an office geofence set or retired."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from schemas.events.base import MODEL_CONFIG, EventPayload, Nip
from schemas.events.values import GeoPoint
from schemas.limits import DeviceId, Identifier, LongText, ShortText
from schemas.topic_names import DEVICES, GEOFENCES


class DeviceRegistered(EventPayload):
    """An employee's work device was registered; it replaces any earlier one."""

    event_type: ClassVar[str] = "DeviceRegistered"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = DEVICES

    registration_id: Identifier = Field(description="Id of the registration (the event id).")
    nip: Nip = Field(description="NIP of the employee the device belongs to.")
    device_id: DeviceId = Field(description="Stable id of the device.")
    label: ShortText | None = Field(default=None, description="Human name, e.g. the model.")
    platform: Literal["android", "ios", "web", "windows", "macos", "linux", "other"] = Field(
        description="Operating system or client of the device."
    )
    replaces: DeviceId | None = Field(
        default=None, description="The device this one replaces; null for the first one."
    )
    registered_by: Nip = Field(description="Who registered it: the employee or an admin.")
    reason: LongText = Field(default="", description="Why a device was replaced; may be empty.")


class CircleShape(BaseModel):
    """A geofence as a centre and a radius."""

    model_config = MODEL_CONFIG

    kind: Literal["circle"] = "circle"
    center: GeoPoint = Field(description="Centre of the circle.")
    radius_m: float = Field(gt=0, le=50_000, description="Radius in metres.")


class PolygonShape(BaseModel):
    """A geofence as a simple polygon (vertices in order; the last joins the first)."""

    model_config = MODEL_CONFIG

    kind: Literal["polygon"] = "polygon"
    points: list[GeoPoint] = Field(min_length=3, max_length=200, description="Vertices.")


GeofenceShape = Annotated[CircleShape | PolygonShape, Field(discriminator="kind")]


class GeofenceSet(EventPayload):
    """An office geofence for an OPD, or for one work unit of it, was set or replaced.

    A work unit's geofence applies to its staff; otherwise the OPD's; otherwise the roster's
    ``office_location`` with the default radius.
    """

    event_type: ClassVar[str] = "GeofenceSet"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = GEOFENCES

    geofence_id: Identifier = Field(description="Id of the geofence.")
    opd_id: Identifier = Field(description="The OPD it belongs to.")
    work_unit_id: Identifier | None = Field(
        default=None, description="The work unit it applies to; null for the whole OPD."
    )
    name: ShortText = Field(description="Name of the office, e.g. the building.")
    shape: GeofenceShape = Field(description="Circle or polygon.")
    set_by: Nip = Field(description="NIP of the admin who set it.")


class GeofenceRetired(EventPayload):
    """A geofence no longer applies."""

    event_type: ClassVar[str] = "GeofenceRetired"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = GEOFENCES

    geofence_id: Identifier = Field(description="Id of the retired geofence.")
    opd_id: Identifier = Field(description="The OPD it belonged to.")
    work_unit_id: Identifier | None = Field(default=None, description="Its work unit, if any.")
    reason: LongText = Field(default="", description="Why it was retired; may be empty.")
