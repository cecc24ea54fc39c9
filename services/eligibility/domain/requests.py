"""Submitting a WFA request: pure rules on the command, no I/O."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from schemas.events import GeoPoint, WorkTarget
from schemas.limits import (
    FREE_TEXT_NON_BLANK_PATTERN,
    LONG_TEXT_MAX_CHARS,
    MAX_WORK_TARGETS,
    Identifier,
)

MAX_DATES_PER_REQUEST: Final = 5
"""Days one request may ask for (the weekly cap allows at most two a week anyway)."""

DAYS_BACK: Final = 31
"""A requested day may lie at most this many days before today (the rules then explain why a
past day is refused)."""

DAYS_AHEAD: Final = 366
"""A requested day may lie at most this many days after today."""

Reason = Annotated[
    str,
    StringConstraints(
        min_length=3, max_length=LONG_TEXT_MAX_CHARS, pattern=FREE_TEXT_NON_BLANK_PATTERN
    ),
]


def _today(info: ValidationInfo) -> date:
    """Today (UTC), unless the validation context pins it as ``{"today": date}``."""
    context = info.context
    if isinstance(context, dict) and isinstance(context.get("today"), date):
        pinned: date = context["today"]
        return pinned
    return datetime.now(UTC).date()


class WfaRequestCreate(BaseModel):
    """What an ASN sends to ask for WFA days."""

    model_config = ConfigDict(extra="forbid")

    work_unit_id: Identifier | None = Field(
        default=None,
        description="The work unit (unit kerja) of the ASN; optional, checked against the roster.",
    )
    dates: list[date] = Field(
        min_length=1,
        max_length=MAX_DATES_PER_REQUEST,
        description=(
            f"The requested WFA days (ISO dates), from {DAYS_BACK} days before today to "
            f"{DAYS_AHEAD} days after it; no day repeated."
        ),
    )
    location: GeoPoint = Field(
        description=(
            "The declared WFA location with coordinates. The precise point is kept only on the "
            "restricted locations topic (for the retention period) to judge check-ins; the "
            "request shows others its coarse cell (about 1 km)."
        )
    )
    share_address: bool = Field(
        default=False,
        description=(
            "Show the location's address text with the request (to the supervisor and the "
            "reports); by default it is kept with the precise point only."
        ),
    )
    reason: Reason = Field(description="Why WFA is requested.")
    work_plan: list[WorkTarget] = Field(
        min_length=1,
        max_length=MAX_WORK_TARGETS,
        description="Measurable targets for the requested days.",
    )

    @field_validator("dates")
    @classmethod
    def _distinct_sorted_within_window(cls, value: list[date], info: ValidationInfo) -> list[date]:
        if len(set(value)) != len(value):
            raise ValueError("dates must not repeat / tanggal tidak boleh berulang")
        today = _today(info)
        earliest = today - timedelta(days=DAYS_BACK)
        latest = today + timedelta(days=DAYS_AHEAD)
        outside = [day.isoformat() for day in value if not earliest <= day <= latest]
        if outside:
            days = ", ".join(outside)
            raise ValueError(
                f"{days}: a requested day must lie between {earliest.isoformat()} and "
                f"{latest.isoformat()} ({DAYS_BACK} days before to {DAYS_AHEAD} days after "
                f"today) / tanggal yang diajukan harus antara {earliest.isoformat()} dan "
                f"{latest.isoformat()} ({DAYS_BACK} hari sebelum sampai {DAYS_AHEAD} hari "
                "sesudah hari ini)"
            )
        return sorted(value)


def request_id_for(nip: str, idempotency_key: str | None, fallback: str) -> str:
    """A retried request with the same key maps to the same request id."""
    if idempotency_key is None:
        return fallback
    digest = hashlib.sha256(f"{nip}:{idempotency_key}".encode()).hexdigest()
    return f"req-{digest[:24]}"
