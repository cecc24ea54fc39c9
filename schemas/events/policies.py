"""Policy events: an OPD's WFA policy published, an OPD's readiness assessed."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from schemas.events.base import EventPayload
from schemas.limits import (
    ContractDate,
    Counter,
    Identifier,
    LongText,
    Percent,
    PolicySettingsDocument,
)
from schemas.topic_names import POLICIES


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
