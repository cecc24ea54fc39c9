"""Roster events: an employee registered or updated, a disciplinary sanction imposed or lifted."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from schemas.events.base import EventPayload, Nip
from schemas.events.values import GeoPoint
from schemas.limits import ContractDate, Identifier, NonBlankLegalBasis, NonBlankLongText, ShortText
from schemas.topic_names import ROSTER

HeadCapacity = Literal["kepala", "plt", "plh"]
"""How an employee heads an OPD: appointed head, acting head (Plt) or daily stand-in (Plh)."""


class _EmployeeState(EventPayload):
    """Full master-data state of one employee (shared by registration and update)."""

    nip: Nip = Field(description="NIP of the employee (18 digits).")
    name: ShortText = Field(description="Full name as in the roster, including titles.")
    opd_id: Identifier = Field(
        description="Id of the OPD (Organisasi Perangkat Daerah, regional agency) employing them."
    )
    work_unit_id: Identifier = Field(description="Id of the work unit (unit kerja) in the OPD.")
    position: ShortText = Field(description="Position title (jabatan).")
    position_category: Identifier = Field(
        description=(
            "Category of the position that WFA eligibility rules key on. Known values: "
            "administrasi, dokter, guru, dosen, damkar, layanan_tatap_muka, pengawasan_lapangan."
        ),
        examples=["administrasi", "guru", "layanan_tatap_muka"],
    )
    supervisor_nip: Nip | None = Field(
        default=None,
        description="NIP of the direct supervisor (atasan langsung); null if none is recorded.",
    )
    employment_type: Literal["PNS", "PPPK"] = Field(
        description="PNS (career civil servant) or PPPK (civil servant on a work agreement)."
    )
    appointment_date: ContractDate = Field(description="Date the appointment took effect (TMT).")
    orientation_end_date: ContractDate | None = Field(
        default=None,
        description="Last day of the orientation period of a new hire; null if there is none.",
    )
    home_location: GeoPoint | None = Field(
        default=None, description="Registered home location; null if unknown."
    )
    office_location: GeoPoint | None = Field(
        default=None, description="Location of the employee's office; null if unknown."
    )
    heads_opd: Identifier | None = Field(
        default=None,
        description=(
            "Id of the OPD this employee heads: as its head (kepala), or as the delegate the "
            "roster names (Plt/Plh); null for everyone else. May differ from `opd_id` for a "
            "delegate from another OPD. Set together with `head_capacity`."
        ),
    )
    head_capacity: HeadCapacity | None = Field(
        default=None,
        description=(
            "In which capacity the employee heads `heads_opd`: kepala (the appointed head), plt "
            "(pelaksana tugas, acting head) or plh (pelaksana harian, standing in for an absent "
            "head); null when `heads_opd` is null."
        ),
    )

    @model_validator(mode="after")
    def _orientation_after_appointment(self) -> _EmployeeState:
        if self.orientation_end_date is not None and (
            self.orientation_end_date < self.appointment_date
        ):
            raise ValueError("orientation_end_date must not be before appointment_date")
        return self

    @model_validator(mode="after")
    def _head_fields_together(self) -> _EmployeeState:
        if (self.heads_opd is None) != (self.head_capacity is None):
            raise ValueError("heads_opd and head_capacity must be both set or both null")
        return self


class EmployeeRegistered(_EmployeeState):
    """An employee appeared in the roster for the first time."""

    event_type: ClassVar[str] = "EmployeeRegistered"
    class_version: ClassVar[int] = 2
    topic: ClassVar[str] = ROSTER


class EmployeeUpdated(_EmployeeState):
    """An employee's master data changed; the payload is the full new state."""

    event_type: ClassVar[str] = "EmployeeUpdated"
    class_version: ClassVar[int] = 2
    topic: ClassVar[str] = ROSTER


class DisciplinarySanctionImposed(EventPayload):
    """A disciplinary sanction (hukuman disiplin) was imposed on an employee."""

    event_type: ClassVar[str] = "DisciplinarySanctionImposed"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ROSTER

    sanction_id: Identifier = Field(description="Id of the sanction, unique per platform.")
    nip: Nip = Field(description="NIP of the sanctioned employee.")
    level: Literal["ringan", "sedang", "berat"] = Field(
        description="Severity: ringan (light), sedang (moderate) or berat (severe)."
    )
    starts_on: ContractDate = Field(description="First day the sanction is in force.")
    ends_on: ContractDate | None = Field(
        default=None,
        description="Last day the sanction is in force; null when open-ended or not yet known.",
    )
    basis: NonBlankLegalBasis = Field(
        default="PP 94/2021", description="Legal basis of the sanction."
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> DisciplinarySanctionImposed:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class DisciplinarySanctionLifted(EventPayload):
    """A disciplinary sanction was lifted before or at its end."""

    event_type: ClassVar[str] = "DisciplinarySanctionLifted"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ROSTER

    sanction_id: Identifier = Field(description="Id of the sanction that was lifted.")
    nip: Nip = Field(description="NIP of the employee the sanction applied to.")
    lifted_on: ContractDate = Field(description="Day from which the sanction no longer applies.")
    reason: NonBlankLongText = Field(description="Why the sanction was lifted.")
