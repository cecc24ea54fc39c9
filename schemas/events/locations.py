"""Restricted events: precise positions (of presence signals and of declared WFA places), and who
read personal data."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from schemas.events.attendance import DeviceSeq
from schemas.events.base import MODEL_CONFIG, EventPayload, Nip
from schemas.events.values import GeoPoint
from schemas.limits import (
    MAX_REQUEST_DAYS,
    ContractDate,
    DeviceId,
    Identifier,
    Instant,
    LongText,
    ShortText,
)
from schemas.topic_names import ACCESS, LOCATIONS


class LocationRecorded(EventPayload):
    """RESTRICTED. The precise position of one presence signal.

    Published only on the restricted locations topic, which keeps records for the retention
    period (90 days by default) and is purged after it. Every other event carries only the
    derived facts (see PlaceAssessment).
    """

    event_type: ClassVar[str] = "LocationRecorded"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = LOCATIONS

    location_id: Identifier = Field(description="Id of this record (equal to the event id).")
    nip: Nip = Field(description="NIP of the employee.")
    signal: Literal["check_in", "check_out", "ping"] = Field(description="What was recorded.")
    source_event_id: Identifier = Field(description="Id of the event with the derived facts.")
    at: Instant = Field(description="When it happened on the device.")
    received_at: Instant = Field(description="When the platform received it.")
    work_date: ContractDate = Field(description="The day it counts for, in local time.")
    location: GeoPoint = Field(description="The precise position reported by the device.")
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="Reported accuracy radius in metres."
    )
    device_id: DeviceId | None = Field(default=None, description="Device that sent it.")
    device_seq: DeviceSeq | None = Field(default=None, description="Device sequence number.")
    mock_location: bool = Field(default=False, description="The OS reported a mock location.")


class WfaLocationDeclared(EventPayload):
    """RESTRICTED. The precise place an employee declared for a WFA request.

    Published by the request edge on the restricted locations topic before the request is
    decided, so the attendance service can judge the days' check-ins against it; kept for the
    retention period and purged after it (the purge carries a place forward while its request
    still has days to come). The request itself (``WfaRequested``) names this record by
    ``place.location_id`` and carries only the coarse cell.
    """

    event_type: ClassVar[str] = "WfaLocationDeclared"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = LOCATIONS

    location_id: Identifier = Field(description="Id of this place (the request names it).")
    request_id: Identifier = Field(description="Id of the request the place was declared for.")
    nip: Nip = Field(description="NIP of the requesting employee.")
    dates: list[ContractDate] = Field(
        min_length=1,
        max_length=MAX_REQUEST_DAYS,
        description="Days of the request; the place is needed until the last of them.",
    )
    location: GeoPoint = Field(description="The precise declared place, with its address if given.")


MAX_ACCESS_SUBJECTS = 500
"""Most employees one ``PersonalDataAccessed`` event lists; a larger read makes several."""


class SubjectRead(BaseModel):
    """One employee whose data a read answered: how many of their records, which days."""

    model_config = MODEL_CONFIG

    nip: Nip = Field(description="NIP of the employee whose data was read.")
    records: int = Field(ge=0, le=1_000_000, description="How many of their records were read.")
    period_from: ContractDate | None = Field(default=None, description="First day read.")
    period_to: ContractDate | None = Field(default=None, description="Last day read.")


class PersonalDataAccessed(EventPayload):
    """Someone other than its owner read employees' personal data (e.g. precise locations).

    One event per read (per data kind, route and subjects' OPD, at most 500 subjects each):
    a list lists every employee it answered in ``subjects``. The envelope's ``subject`` is
    ``subject_nip``, the first of them; ``actor`` the reader: a person's NIP, or the
    application's id (``system:<app>``) when an application reads on its own behalf.

    v2 (upcast from v1, one subject per event, always a person): ``subjects``,
    ``reader_app``, and ``reader_nip`` null for an application.
    """

    event_type: ClassVar[str] = "PersonalDataAccessed"
    class_version: ClassVar[int] = 2
    topic: ClassVar[str] = ACCESS

    access_id: Identifier = Field(description="Id of the access (equal to the event id).")
    reader_nip: Nip | None = Field(
        description="NIP of the reader; null when an application read on its own behalf."
    )
    reader_app: Identifier | None = Field(
        default=None,
        description='The application that read on its own behalf ("system:<app>"), else null.',
    )
    reader_role: Identifier = Field(description="Role the reader acted in.")
    subject_nip: Nip = Field(description="NIP of the (first) employee whose data was read.")
    subjects: list[SubjectRead] = Field(
        min_length=1,
        max_length=MAX_ACCESS_SUBJECTS,
        description="Every employee whose data this read answered, with their records and days.",
    )
    data_kind: Identifier = Field(description='What was read, e.g. "precise_location".')
    route: ShortText = Field(description="The API route used, without the query string.")
    purpose: LongText = Field(default="", description="Why, as stated by the reader.")
    records: int = Field(ge=0, le=1_000_000, description="How many records were read in all.")
    period_from: ContractDate | None = Field(default=None, description="First day read.")
    period_to: ContractDate | None = Field(default=None, description="Last day read.")
