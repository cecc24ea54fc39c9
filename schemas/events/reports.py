"""Daily report events: a report submitted, a report reviewed."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from schemas.events.attendance import Mode
from schemas.events.base import EventPayload, Nip
from schemas.events.values import ReportAttachment, ReportOutput
from schemas.limits import (
    MAX_REPORT_ATTACHMENTS,
    MAX_REPORT_OUTPUTS,
    ContractDate,
    Counter,
    Identifier,
    LongText,
)
from schemas.topic_names import REPORTS


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
