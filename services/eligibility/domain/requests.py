"""Submitting a WFA request: pure rules on the command, no I/O."""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.events import GeoPoint, WorkTarget

MAX_DATES_PER_REQUEST = 5


class WfaRequestCreate(BaseModel):
    """What an ASN sends to ask for WFA days."""

    model_config = ConfigDict(extra="forbid")

    work_unit_id: str | None = Field(
        default=None,
        min_length=1,
        description="The work unit (unit kerja) of the ASN; optional, checked against the roster.",
    )
    dates: list[date] = Field(
        min_length=1,
        max_length=MAX_DATES_PER_REQUEST,
        description="The requested WFA days (ISO dates).",
    )
    location: GeoPoint = Field(description="The declared WFA location with coordinates.")
    reason: str = Field(min_length=3, max_length=2000, description="Why WFA is requested.")
    work_plan: list[WorkTarget] = Field(
        min_length=1, description="Measurable targets for the requested days."
    )

    @field_validator("dates")
    @classmethod
    def _distinct_sorted(cls, value: list[date]) -> list[date]:
        if len(set(value)) != len(value):
            raise ValueError("dates must not repeat / tanggal tidak boleh berulang")
        return sorted(value)


def request_id_for(nip: str, idempotency_key: str | None, fallback: str) -> str:
    """A retried request with the same key maps to the same request id."""
    if idempotency_key is None:
        return fallback
    digest = hashlib.sha256(f"{nip}:{idempotency_key}".encode()).hexdigest()
    return f"req-{digest[:24]}"
