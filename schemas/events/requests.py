"""WFA request events: requested, approved, rejected, cancelled, or an action refused."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from schemas.events.base import EventPayload, Nip
from schemas.events.values import EligibilityDecision, SharedPlace, WorkTarget
from schemas.limits import (
    MAX_REQUEST_DAYS,
    MAX_WORK_TARGETS,
    ContractDate,
    Explanation,
    Identifier,
    LongText,
    NonBlankLongText,
)
from schemas.topic_names import REQUESTS


class WfaRequested(EventPayload):
    """An employee asked to work from a given location on one or more days.

    The precise place is not here: it is published on the restricted locations topic
    (``WfaLocationDeclared``, named by ``place.location_id``) for the attendance service to
    judge check-ins by; the request carries only what others may know (a coarse cell, and the
    address text when the employee chose to share it).

    Version history: v1 had a single `date` and flat `lat`/`lon`; v2 introduced `dates` and
    `location`; v3 replaced the free-text `work_plan` with measurable targets; v4 replaced the
    precise `location` with `place` (upcast: the point becomes its coarse cell, the address
    is dropped).
    """

    event_type: ClassVar[str] = "WfaRequested"
    class_version: ClassVar[int] = 4
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the request (usually a ULID).")
    nip: Nip = Field(description="NIP of the requesting employee.")
    work_unit_id: Identifier = Field(description="Work unit of the employee when requesting.")
    dates: list[ContractDate] = Field(
        min_length=1,
        max_length=MAX_REQUEST_DAYS,
        description="Days requested as WFA; at least one, no day repeated.",
    )
    place: SharedPlace = Field(
        description="Where the employee intends to work from, as others may know it."
    )
    reason: NonBlankLongText = Field(description="Why the employee asks for WFA.")
    work_plan: list[WorkTarget] = Field(
        min_length=1,
        max_length=MAX_WORK_TARGETS,
        description="Measurable targets for the requested days; at least one.",
    )
    decision: EligibilityDecision | None = Field(
        default=None,
        description="Eligibility evaluated when the request was recorded; null if not evaluated.",
    )

    @field_validator("dates")
    @classmethod
    def _no_repeated_day(cls, dates: list[date]) -> list[date]:
        seen: set[date] = set()
        for day in dates:
            if day in seen:
                raise ValueError(f"day {day.isoformat()} is listed more than once")
            seen.add(day)
        return dates


class WfaApproved(EventPayload):
    """The supervisor approved a WFA request."""

    event_type: ClassVar[str] = "WfaApproved"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the approved request.")
    nip: Nip = Field(description="NIP of the employee who made the request.")
    approver_nip: Nip = Field(description="NIP of the approving supervisor.")
    reason: LongText = Field(
        default="", description="Optional note from the approver; may be empty."
    )


class WfaRejected(EventPayload):
    """The supervisor rejected a WFA request."""

    event_type: ClassVar[str] = "WfaRejected"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the rejected request.")
    nip: Nip = Field(description="NIP of the employee who made the request.")
    approver_nip: Nip = Field(description="NIP of the rejecting supervisor.")
    reason: NonBlankLongText = Field(description="Why the request was rejected (required).")


class WfaCancelled(EventPayload):
    """A WFA request was withdrawn by the employee or cancelled by the platform."""

    event_type: ClassVar[str] = "WfaCancelled"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the cancelled request.")
    nip: Nip = Field(description="NIP of the employee who made the request.")
    reason: LongText = Field(default="", description="Why it was cancelled; may be empty.")


class WfaActionRefused(EventPayload):
    """A submission, approval, rejection or cancellation reached the decider but was refused.

    The HTTP edge checks the same conditions first; this event records the rare case where the
    request changed in between (e.g. cancelled while its approval was on its way).
    """

    event_type: ClassVar[str] = "WfaActionRefused"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the request the action was about.")
    nip: Nip = Field(description="NIP of the employee who made the request.")
    action: Literal["submit", "approve", "reject", "cancel"] = Field(
        description="The refused action."
    )
    code: Identifier = Field(description='Stable reason code, e.g. "request_not_pending".')
    message_id: Explanation = Field(description="Why, in Bahasa Indonesia.")
    message_en: Explanation = Field(description="Why, in English.")
