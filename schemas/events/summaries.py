"""Monthly summary events: the performance allowance (TPP) feed."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StringConstraints

from schemas.events.base import EventPayload, Nip, Sha256Hex
from schemas.limits import MAX_ANOMALY_KINDS, MAX_COUNTER, Identifier
from schemas.topic_names import SUMMARIES

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
