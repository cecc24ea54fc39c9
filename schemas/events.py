"""Event payloads: what happened, in the past tense, at the current version of each event.

Every class here is a frozen pydantic model and part of the public contract. ``event_type`` is
the class name and is what appears in the envelope's ``type``; ``class_version`` is the current
payload version (older stored versions are brought forward by :mod:`schemas.upcasting`);
``topic`` is the Kafka topic the event is published on.

Changing a payload incompatibly means: bump ``class_version``, add one upcaster from the
previous version in :mod:`schemas.upcasting`, and regenerate the docs with
``python -m schemas.generate``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from schemas.exceptions import UnknownEventType
from schemas.limits import (
    MAX_ANOMALY_KINDS,
    MAX_ATTACHMENT_BYTES,
    MAX_COUNTER,
    MAX_REPORT_ATTACHMENTS,
    MAX_REPORT_OUTPUTS,
    MAX_REQUEST_DAYS,
    MAX_TRACE_RULES,
    MAX_WORK_TARGETS,
    Address,
    CoarseCell,
    ContractDate,
    Counter,
    Description,
    DeviceId,
    EvidenceMap,
    Explanation,
    Identifier,
    Instant,
    LegalBasis,
    LongText,
    NonBlankLegalBasis,
    NonBlankLongText,
    Percent,
    PolicySettingsDocument,
    ShortText,
)
from schemas.topic_names import (
    ACCESS,
    ATTENDANCE,
    DEVICES,
    GEOFENCES,
    LOCATIONS,
    POLICIES,
    REPORTS,
    REQUESTS,
    ROSTER,
    SUMMARIES,
)

__all__ = [
    "EVENT_TYPES",
    "NIP_PATTERN",
    "AttendanceAnomalyDetected",
    "CheckedIn",
    "CheckedOut",
    "DailyReportReviewed",
    "DailyReportSubmitted",
    "DeviceRegistered",
    "DisciplinarySanctionImposed",
    "DisciplinarySanctionLifted",
    "EligibilityDecision",
    "EmployeeRegistered",
    "EmployeeUpdated",
    "EventPayload",
    "GeoPoint",
    "GeofenceRetired",
    "GeofenceSet",
    "HeadCapacity",
    "HeartbeatReceived",
    "LocationPinged",
    "LocationRecorded",
    "MonthlySummaryPublished",
    "Nip",
    "NonBlankStr",
    "OpdPolicyPublished",
    "OpdReadinessAssessed",
    "PersonalDataAccessed",
    "PlaceAssessment",
    "ReportAttachment",
    "ReportOutput",
    "RuleOutcome",
    "WfaActionRefused",
    "WfaApproved",
    "WfaCancelled",
    "WfaRejected",
    "WfaRequested",
    "WorkTarget",
    "event_class",
]

NIP_PATTERN = r"^[0-9]{18}$"
"""A NIP is exactly 18 ASCII digits (``\\d`` would also admit other Unicode digits)."""

Nip = Annotated[str, StringConstraints(max_length=18, pattern=NIP_PATTERN)]
"""NIP (Nomor Induk Pegawai): exactly 18 ASCII digits.

Only the shape is checked here; plausibility checks (embedded birth and appointment dates,
gender digit) belong to the services that know the roster.
"""

Sha256Hex = Annotated[
    str, StringConstraints(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")
]
"""A SHA-256 digest as 64 lowercase hex digits."""

NonBlankStr = NonBlankLongText
"""Free text with at least one visible character, bounded like every contract string (see
:mod:`schemas.limits` for the specific id, name and text types)."""

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

# --------------------------------------------------------------------------------------------
# Value objects
# --------------------------------------------------------------------------------------------


class GeoPoint(BaseModel):
    """A WGS 84 position, optionally with a human-readable address."""

    model_config = _MODEL_CONFIG

    lat: float = Field(ge=-90, le=90, description="Latitude in decimal degrees (WGS 84).")
    lon: float = Field(ge=-180, le=180, description="Longitude in decimal degrees (WGS 84).")
    address: Address | None = Field(
        default=None,
        description="Human-readable address of the point, if known; null otherwise.",
    )


class WorkTarget(BaseModel):
    """A measurable target of a WFA work plan, e.g. "draft 2 dokumen SOP"."""

    model_config = _MODEL_CONFIG

    description: Description = Field(description="What will be produced or done.")
    target: float = Field(gt=0, description="Planned amount, measured in `unit`; positive.")
    unit: ShortText = Field(description='Unit of `target`, e.g. "dokumen", "laporan", "kegiatan".')


class ReportOutput(BaseModel):
    """One output actually delivered on a work day, as stated in a daily report."""

    model_config = _MODEL_CONFIG

    description: Description = Field(description="What was produced or done.")
    quantity: float = Field(
        ge=0, le=1e9, description="Amount delivered, measured in `unit`; zero or more."
    )
    unit: ShortText = Field(description='Unit of `quantity`, e.g. "dokumen", "laporan".')
    target: float | None = Field(
        default=None,
        gt=0,
        le=1e9,
        description=(
            "Amount the output is measured against, in `unit`: the linked target of the day's "
            "WFA work plan, or a target the employee set on an office day; null if none."
        ),
    )
    plan_target: int | None = Field(
        default=None,
        ge=0,
        le=MAX_WORK_TARGETS - 1,
        description=(
            "Index (from 0) of the target in the work plan of `request_id` this output delivers; "
            "null for a free target."
        ),
    )


class ReportAttachment(BaseModel):
    """A file attached to a daily report, by reference: the file itself is stored elsewhere."""

    model_config = _MODEL_CONFIG

    name: ShortText = Field(description='File name, e.g. "notulen-rapat.pdf".')
    size_bytes: int = Field(ge=0, le=MAX_ATTACHMENT_BYTES, description="Size of the file in bytes.")
    sha256: Sha256Hex = Field(
        description="SHA-256 of the file, 64 lowercase hex digits: proves which file was meant."
    )


class RuleOutcome(BaseModel):
    """The result of evaluating one eligibility rule, with bilingual explanation."""

    model_config = _MODEL_CONFIG

    code: Identifier = Field(
        description='Stable machine code of the rule, e.g. "position_category_allowed".'
    )
    passed: bool = Field(description="Whether the request satisfies this rule.")
    message_id: Explanation = Field(description="Explanation for the employee in Bahasa Indonesia.")
    message_en: Explanation = Field(description="The same explanation in English.")
    legal_basis: LegalBasis = Field(
        description='Regulation the rule implements, e.g. "Permen PANRB 4/2025 Pasal 5".'
    )


class EligibilityDecision(BaseModel):
    """Outcome of the WFA eligibility policy for a request, with the trace of every rule."""

    model_config = _MODEL_CONFIG

    eligible: bool = Field(description="True when every rule in the trace passed.")
    policy_version: Counter | None = Field(
        default=None,
        description="Version of the eligibility policy that decided; null if none was configured.",
    )
    trace: list[RuleOutcome] = Field(
        default_factory=list,
        max_length=MAX_TRACE_RULES,
        description="Outcome of each rule evaluated, in evaluation order.",
    )


# --------------------------------------------------------------------------------------------
# Event base
# --------------------------------------------------------------------------------------------


class EventPayload(BaseModel):
    """Base class of every event body.

    Subclasses set three class variables that are not part of the payload itself:
    ``event_type`` (the class name, carried in the envelope's ``type``), ``class_version``
    (current payload version, carried in ``schema_version``) and ``topic`` (Kafka topic).
    """

    model_config = _MODEL_CONFIG

    event_type: ClassVar[str]
    class_version: ClassVar[int]
    topic: ClassVar[str]


# --------------------------------------------------------------------------------------------
# Roster
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


class OpdPolicyPublished(EventPayload):
    """A BKD/BKPSDM admin set a new version of an OPD's WFA policy.

    The envelope's ``subject`` is the NIP of the official who published the version (policy
    events are about an OPD, not an employee). A decision always uses the version in force on
    the requested day: the highest ``version`` whose ``effective_from`` is on or before it.
    """

    event_type: ClassVar[str] = "OpdPolicyPublished"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = POLICIES

    opd_id: Identifier = Field(description="The OPD this policy version governs.")
    version: Counter = Field(description="Version number, one more than the previous version.")
    effective_from: ContractDate = Field(description="First day this version decides.")
    settings: PolicySettingsDocument = Field(
        description=(
            "Every setting of the version: wfa_enabled, weekly_cap_days (at most 2, art. 13), "
            "eligible_categories, cap_exempt_categories, max_away_share, windows (name, dates, "
            "max_away_share, requires_window, legal_basis, and optionally weekly_cap_days: the "
            "window's own cap, 1-5, above 2 only with its circular), window_only, holidays and "
            "joint_leave (days beyond the national SKB calendar), optionally working_days "
            "(national days the OPD declares working days), essential_units, timezone "
            "(WIB/WITA/WIT) and working_time. Settings missing from older versions take their "
            "defaults. Validated by the eligibility service before publishing and again when "
            "read."
        )
    )
    note: LongText = Field(default="", description="Why this version was set; may be empty.")


class OpdReadinessAssessed(EventPayload):
    """An official assessed how ready an OPD, or one work unit of it, is for remote work.

    The input of the readiness study on the infrastructure and the connectivity (Permen PANRB
    4/2025 asks that the infrastructure supports remote work; in 3T regions connectivity needs
    checking first). The envelope's ``subject`` is the NIP of the official who assessed. The
    assessment that counts for an OPD or unit is the one with the latest ``assessed_on``
    (then the latest recorded).
    """

    event_type: ClassVar[str] = "OpdReadinessAssessed"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = POLICIES

    assessment_id: Identifier = Field(description="Id of the assessment (usually a ULID).")
    opd_id: Identifier = Field(description="The OPD assessed.")
    work_unit_id: Identifier | None = Field(
        default=None,
        description="The work unit assessed; null when the assessment covers the whole OPD.",
    )
    infrastructure_score: Percent = Field(
        description=(
            "Share of the staff, in percent (0-100), with a work device and access to the "
            "e-office system or VPN from outside the office."
        )
    )
    connectivity_score: Percent = Field(
        description=(
            "Share of the staff, in percent (0-100), with a connection good enough for video "
            "calls from home."
        )
    )
    note: LongText = Field(
        default="", description="How it was assessed, or what is missing; may be empty."
    )
    assessed_on: ContractDate = Field(description="The day the assessment was made.")


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


class WfaRequested(EventPayload):
    """An employee asked to work from a given location on one or more days.

    Version history: v1 had a single `date` and flat `lat`/`lon`; v2 introduced `dates` and
    `location`; v3 replaced the free-text `work_plan` with measurable targets.
    """

    event_type: ClassVar[str] = "WfaRequested"
    class_version: ClassVar[int] = 3
    topic: ClassVar[str] = REQUESTS

    request_id: Identifier = Field(description="Id of the request (usually a ULID).")
    nip: Nip = Field(description="NIP of the requesting employee.")
    work_unit_id: Identifier = Field(description="Work unit of the employee when requesting.")
    dates: list[ContractDate] = Field(
        min_length=1,
        max_length=MAX_REQUEST_DAYS,
        description="Days requested as WFA; at least one, no day repeated.",
    )
    location: GeoPoint = Field(description="Where the employee intends to work from.")
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


# --------------------------------------------------------------------------------------------
# Attendance
# --------------------------------------------------------------------------------------------


TimeZone = Literal["WIB", "WITA", "WIT"]
"""Indonesian time zones: WIB UTC+7, WITA UTC+8, WIT UTC+9."""

Mode = Literal["wfa", "office"]
"""Where an employee works on a day: from an approved WFA location, or at the office."""

DistanceBand = Literal[
    "within_100m", "100m_500m", "500m_1km", "1km_5km", "5km_20km", "over_20km", "unknown"
]
"""How far a signal was from the place the employee should be, in coarse bands."""

DeviceSeq = Annotated[int, Field(ge=0, le=2**53)]
"""Sequence number a device gives its own presence events, increasing by one each time."""

AnomalyKind = Literal[
    "outside_geofence",
    "far_from_wfa_location",
    "remote_without_approval",
    "mode_mismatch",
    "late_check_in",
    "missing_check_out",
    "mock_location",
    "impossible_travel",
    "static_coordinates",
    "shared_coordinates",
    "clock_tampering",
    "sequence_tampering",
]
"""Every kind of attendance anomaly the platform detects."""


class PlaceAssessment(BaseModel):
    """Derived facts about where a presence signal was made; never the precise coordinate.

    The precise position lives only on the restricted locations topic (see ``location_id``).
    """

    model_config = _MODEL_CONFIG

    derived_mode: Mode = Field(
        description=(
            "Where the employee should be that day: wfa with an approved WFA for the day, "
            "office otherwise. Derived by the platform, never taken from the client."
        )
    )
    declared_mode: Mode | None = Field(
        default=None, description="The mode the client stated, if any; may contradict."
    )
    reference: Literal["office_geofence", "wfa_location", "none"] = Field(
        description="What the position was measured against; none if nothing is known."
    )
    reference_id: Identifier | None = Field(
        default=None,
        description="Id of the geofence or of the approved WFA request measured against.",
    )
    inside: bool | None = Field(
        description="Whether the position met the reference; null if there was none."
    )
    distance_band: DistanceBand = Field(
        description="Distance from the reference (0 inside a polygon), in coarse bands."
    )
    cell: CoarseCell = Field(
        description="Coarse cell of the position: latitude and longitude rounded to 0.01°."
    )


class _PresenceFacts(EventPayload):
    """What every presence signal on the attendance topic says: derived facts only."""

    nip: Nip = Field(description="NIP of the employee.")
    at: Instant = Field(description="When it happened on the device, with UTC offset.")
    received_at: Instant = Field(description="When the platform received it.")
    work_date: ContractDate = Field(description="The day it counts for, in the local time zone.")
    timezone: TimeZone = Field(description="The employee's local time zone (from the policy).")
    working_day: bool = Field(description="Whether work_date is a working day for the OPD.")
    device_id: DeviceId | None = Field(default=None, description="Device that sent it.")
    device_seq: DeviceSeq | None = Field(
        default=None, description="The device's own sequence number for the signal, if sent."
    )
    late_synced: bool = Field(
        default=False,
        description="Recorded offline or received long after it happened (offline queue).",
    )


class _LocatedPresence(_PresenceFacts):
    place: PlaceAssessment = Field(description="Where it was made, as derived facts.")
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, description="Reported accuracy radius in metres."
    )
    mock_location: bool = Field(
        default=False, description="True if the device reported a mocked (fake) GPS location."
    )
    location_id: Identifier = Field(
        description="Id of the LocationRecorded event holding the precise position."
    )


class CheckedIn(_LocatedPresence):
    """An employee checked in for the day.

    Version history: v1 had flat `lat`/`lon`; v2 grouped them into `location`; v3 keeps only
    derived facts (`place`, the coarse cell) and moves the precise position to the restricted
    locations topic.
    """

    event_type: ClassVar[str] = "CheckedIn"
    class_version: ClassVar[int] = 3
    topic: ClassVar[str] = ATTENDANCE

    checkin_id: Identifier = Field(description="Id of the check-in (usually a ULID).")
    minutes_after_start: int | None = Field(
        default=None,
        ge=-1440,
        le=1440,
        description=(
            "Minutes after the start of the working time in local time (negative: early); "
            "null on a day that is not a working day."
        ),
    )


class CheckedOut(_LocatedPresence):
    """An employee checked out at the end of the work day.

    Version history: as CheckedIn (v3: derived facts only).
    """

    event_type: ClassVar[str] = "CheckedOut"
    class_version: ClassVar[int] = 3
    topic: ClassVar[str] = ATTENDANCE

    checkout_id: Identifier = Field(description="Id of the check-out (usually a ULID).")


class LocationPinged(_LocatedPresence):
    """A periodic location ping while working outside the office (derived facts only)."""

    event_type: ClassVar[str] = "LocationPinged"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    ping_id: Identifier = Field(description="Id of the ping (usually a ULID).")


class HeartbeatReceived(_PresenceFacts):
    """The work device reported that it is in use (a presence signal without a position)."""

    event_type: ClassVar[str] = "HeartbeatReceived"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    heartbeat_id: Identifier = Field(description="Id of the heartbeat (usually a ULID).")


class AttendanceAnomalyDetected(EventPayload):
    """Something about an employee's attendance does not add up.

    The event id is derived from (kind, NIP, work date, and for per-signal kinds the signal),
    so a detector that runs twice over the same signals publishes the same event again, and
    consumers keep it once.
    """

    event_type: ClassVar[str] = "AttendanceAnomalyDetected"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ATTENDANCE

    anomaly_id: Identifier = Field(description="Id of the anomaly (equal to the event id).")
    nip: Nip = Field(description="NIP of the employee concerned.")
    kind: AnomalyKind = Field(description="What was detected.")
    work_date: ContractDate = Field(description="The work day concerned, in local time.")
    at: Instant = Field(description="When the signal that revealed it happened.")
    detected_by: Literal["edge", "stream"] = Field(
        description="edge: the attendance API on receipt; stream: the stream detector."
    )
    evidence: EvidenceMap = Field(
        description="Facts that show it (e.g. distance_m, speed_kmh, people); no coordinates."
    )
    thresholds: EvidenceMap = Field(description="The thresholds in force when it was detected.")
    source_event_ids: list[Identifier] = Field(
        default_factory=list, max_length=50, description="Events that revealed it."
    )
    message_id: Explanation = Field(description="What was detected, in Bahasa Indonesia.")
    message_en: Explanation = Field(description="What was detected, in English.")


# --------------------------------------------------------------------------------------------
# Restricted precise locations
# --------------------------------------------------------------------------------------------


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


class PersonalDataAccessed(EventPayload):
    """Someone other than its owner read an employee's personal data (e.g. precise locations).

    The envelope's ``subject`` is the employee whose data was read; ``actor`` the reader.
    """

    event_type: ClassVar[str] = "PersonalDataAccessed"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = ACCESS

    access_id: Identifier = Field(description="Id of the access (equal to the event id).")
    reader_nip: Nip = Field(description="NIP of the reader.")
    reader_role: Identifier = Field(description="Role the reader acted in.")
    subject_nip: Nip = Field(description="NIP of the employee whose data was read.")
    data_kind: Identifier = Field(description='What was read, e.g. "precise_location".')
    route: ShortText = Field(description="The API route used, without the query string.")
    purpose: LongText = Field(default="", description="Why, as stated by the reader.")
    records: int = Field(ge=0, le=1_000_000, description="How many records were read.")
    period_from: ContractDate | None = Field(default=None, description="First day read.")
    period_to: ContractDate | None = Field(default=None, description="Last day read.")


# --------------------------------------------------------------------------------------------
# Devices and geofences
# --------------------------------------------------------------------------------------------


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

    model_config = _MODEL_CONFIG

    kind: Literal["circle"] = "circle"
    center: GeoPoint = Field(description="Centre of the circle.")
    radius_m: float = Field(gt=0, le=50_000, description="Radius in metres.")


class PolygonShape(BaseModel):
    """A geofence as a simple polygon (vertices in order; the last joins the first)."""

    model_config = _MODEL_CONFIG

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


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


class DailyReportSubmitted(EventPayload):
    """An employee submitted the report (laporan harian) of what they delivered on a work day.

    A report returned by the supervisor may be submitted again: each submission is a new
    ``revision`` of the same ``report_id`` (one report per employee and work day).
    v2 added `revision`, `mode`, `request_id`, `attachments` and the outputs' targets.
    """

    event_type: ClassVar[str] = "DailyReportSubmitted"
    class_version: ClassVar[int] = 2
    topic: ClassVar[str] = REPORTS

    report_id: Identifier = Field(
        description="Id of the report: one per employee and work day, kept across revisions."
    )
    revision: Counter = Field(description="1 for the first submission, +1 for each resubmission.")
    nip: Nip = Field(description="NIP of the reporting employee.")
    work_date: ContractDate = Field(description="The work day the report covers.")
    mode: Mode = Field(
        description="wfa when an approved WFA request covered the day at submission, else office."
    )
    request_id: Identifier | None = Field(
        default=None,
        description="The approved WFA request whose work plan the outputs deliver; null if none.",
    )
    outputs: list[ReportOutput] = Field(
        min_length=1,
        max_length=MAX_REPORT_OUTPUTS,
        description="Outputs delivered that day; at least one.",
    )
    attachments: list[ReportAttachment] = Field(
        default_factory=list,
        max_length=MAX_REPORT_ATTACHMENTS,
        description="Files supporting the outputs, by reference.",
    )
    notes: LongText | None = Field(default=None, description="Free-text remarks; null if none.")


class DailyReportReviewed(EventPayload):
    """The supervisor of record accepted a daily report, or returned it with a note."""

    event_type: ClassVar[str] = "DailyReportReviewed"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = REPORTS

    report_id: Identifier = Field(description="Id of the reviewed report.")
    revision: Counter = Field(description="The revision that was reviewed.")
    nip: Nip = Field(description="NIP of the employee who wrote the report.")
    work_date: ContractDate = Field(description="The work day the report covers.")
    reviewer_nip: Nip = Field(description="NIP of the supervisor who reviewed it.")
    verdict: Literal["accepted", "returned"] = Field(
        description="accepted, or returned to the employee to be corrected and submitted again."
    )
    note: LongText | None = Field(
        default=None, description="What to correct (required when returned); null if none."
    )

    @model_validator(mode="after")
    def _returned_with_note(self) -> DailyReportReviewed:
        if self.verdict == "returned" and not (self.note or "").strip():
            raise ValueError("a returned report needs a note saying what to correct")
        return self


# --------------------------------------------------------------------------------------------
# Monthly summaries (the performance allowance feed)
# --------------------------------------------------------------------------------------------

_Count = Annotated[int, Field(ge=0, le=MAX_COUNTER)]


class MonthlySummaryPublished(EventPayload):
    """An employee's month as reporting computed it: the feed for the TPP (performance
    allowance) apps. Published again, under a new id, whenever the figures of a month change
    (a late report, a review); consumers keep the latest per `nip` and `month`."""

    event_type: ClassVar[str] = "MonthlySummaryPublished"
    class_version: ClassVar[int] = 1
    topic: ClassVar[str] = SUMMARIES

    nip: Nip = Field(description="NIP of the employee.")
    opd_id: Identifier = Field(description="OPD of the employee in that month.")
    month: Annotated[
        str, StringConstraints(max_length=7, pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")
    ] = Field(description='The calendar month, "YYYY-MM".')
    working_days: _Count = Field(description="Working days of the month with any record.")
    days_present: _Count = Field(description="Working days with a check-in.")
    days_wfa: _Count = Field(description="Days worked from anywhere under an approved request.")
    days_wfo: _Count = Field(description="Days worked at the office.")
    wfa_days_over_cap: _Count = Field(description="WFA days beyond the weekly cap.")
    worked_minutes: _Count = Field(description="Minutes of presence counted over the month.")
    expected_minutes: _Count = Field(description="Minutes of work expected on the days present.")
    late_days: _Count = Field(description="Days with a late check-in.")
    missing_check_out_days: _Count = Field(description="Days checked in but never out.")
    reports_submitted: _Count = Field(description="Days with a daily report submitted.")
    reports_accepted: _Count = Field(description="Days whose report the supervisor accepted.")
    outputs: _Count = Field(description="Outputs reported over the month.")
    output_achievement: float | None = Field(
        default=None,
        ge=0,
        le=1e6,
        description=(
            "Mean of delivered/target over the outputs that had a target, each capped at 1; "
            "null if none had a target."
        ),
    )
    anomalies: _Count = Field(description="Anomalies detected over the month.")
    anomalies_by_kind: dict[Identifier, _Count] = Field(
        default_factory=dict,
        max_length=MAX_ANOMALY_KINDS,
        description="Anomalies per kind.",
    )
    checksum: Sha256Hex = Field(
        description="SHA-256 of the figures above: equal figures, equal checksum."
    )


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

_EVENT_CLASSES: tuple[type[EventPayload], ...] = (
    EmployeeRegistered,
    EmployeeUpdated,
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    OpdPolicyPublished,
    OpdReadinessAssessed,
    WfaRequested,
    WfaApproved,
    WfaRejected,
    WfaCancelled,
    WfaActionRefused,
    CheckedIn,
    CheckedOut,
    LocationPinged,
    HeartbeatReceived,
    AttendanceAnomalyDetected,
    LocationRecorded,
    PersonalDataAccessed,
    DeviceRegistered,
    GeofenceSet,
    GeofenceRetired,
    DailyReportSubmitted,
    DailyReportReviewed,
    MonthlySummaryPublished,
)


def _build_registry(classes: tuple[type[EventPayload], ...]) -> dict[str, type[EventPayload]]:
    registry: dict[str, type[EventPayload]] = {}
    for cls in classes:
        if cls.event_type != cls.__name__:
            raise TypeError(f"{cls.__name__}.event_type must equal the class name")
        if cls.class_version < 1:
            raise TypeError(f"{cls.__name__}.class_version must be at least 1")
        if cls.event_type in registry:
            raise TypeError(f"duplicate event type {cls.event_type!r}")
        registry[cls.event_type] = cls
    return registry


EVENT_TYPES: dict[str, type[EventPayload]] = _build_registry(_EVENT_CLASSES)
"""Every event class of the contract by ``event_type``, grouped by topic in declaration order."""


def event_class(event_type: str) -> type[EventPayload]:
    """Return the payload class for ``event_type``; raise :class:`UnknownEventType` if none."""
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None
