"""The facts an eligibility decision is made from: who asks, for which days, and current usage.

The edges assemble these from projections (roster, sanctions, held WFA days, unit head
counts); the rules never look anything up themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, field_validator, model_validator

from schemas.events import EmployeeRegistered, EmployeeUpdated, Nip, NonBlankStr

__all__ = ["EmployeeFacts", "RequestFacts", "SanctionPeriod", "UsageFacts"]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class SanctionPeriod(NamedTuple):
    """Days a disciplinary sanction (PP 94/2021) is in force; ``ends_on`` None: open-ended.

    A sanction lifted early ends the day before ``DisciplinarySanctionLifted.lifted_on``.
    """

    starts_on: date
    ends_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class EmployeeFacts(BaseModel):
    """The requesting ASN as the roster knows them."""

    model_config = _FROZEN

    nip: Nip = Field(description="NIP of the ASN.")
    opd_id: NonBlankStr = Field(description="OPD employing the ASN.")
    work_unit_id: NonBlankStr = Field(description="Work unit (unit kerja) of the ASN.")
    position_category: NonBlankStr = Field(description='Position category, e.g. "administrasi".')
    supervisor_nip: Nip | None = Field(default=None, description="Direct supervisor, if known.")
    appointment_date: date = Field(description="Date the appointment took effect (TMT).")
    orientation_end_date: date | None = Field(
        default=None, description="Last day of CPNS orientation; null if none is recorded."
    )
    sanctions: tuple[SanctionPeriod, ...] = Field(
        default=(), description="Disciplinary sanctions, past, current or future."
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> EmployeeFacts:
        if self.orientation_end_date is not None and (
            self.orientation_end_date < self.appointment_date
        ):
            raise ValueError("orientation_end_date must not be before appointment_date")
        for sanction in self.sanctions:
            if sanction.ends_on is not None and sanction.ends_on < sanction.starts_on:
                raise ValueError("a sanction must not end before it starts")
        return self

    @classmethod
    def from_roster(
        cls,
        employee: EmployeeRegistered | EmployeeUpdated,
        sanctions: Iterable[SanctionPeriod] = (),
    ) -> EmployeeFacts:
        """Facts from the latest roster event of the ASN and their sanctions."""
        return cls(
            nip=employee.nip,
            opd_id=employee.opd_id,
            work_unit_id=employee.work_unit_id,
            position_category=employee.position_category,
            supervisor_nip=employee.supervisor_nip,
            appointment_date=employee.appointment_date,
            orientation_end_date=employee.orientation_end_date,
            sanctions=tuple(sanctions),
        )


class RequestFacts(BaseModel):
    """The days asked for; kept sorted, none repeated."""

    model_config = _FROZEN

    dates: tuple[date, ...] = Field(min_length=1, description="Requested WFA days.")

    @field_validator("dates")
    @classmethod
    def _distinct_sorted(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        if len(set(value)) != len(value):
            raise ValueError("dates must not repeat / tanggal tidak boleh berulang")
        return tuple(sorted(value))


class UsageFacts(BaseModel):
    """What is already held, not counting the request being decided.

    - ``days_used_by_week``: this ASN's approved or pending WFA days per ISO ``(year, week)``
      (see ``days_by_week``).
    - ``away_by_date``: staff of the ASN's work unit already away (approved or pending) per day.
    - ``unit_size``: head count of the work unit, the ASN included.

    The unit share must hold under concurrent requests: the edge evaluates against a
    consistent snapshot and reserves the day atomically (re-checking on conflict).
    """

    model_config = _FROZEN

    days_used_by_week: dict[tuple[int, int], NonNegativeInt] = Field(default_factory=dict)
    away_by_date: dict[date, NonNegativeInt] = Field(default_factory=dict)
    unit_size: int = Field(ge=1, description="Head count of the work unit.")
