"""A daily report (laporan harian) as it stands, and its identities (pure, no I/O).

One report per employee and work day (:func:`report_id_for`), kept across revisions: each
submission is a revision, each revision gets at most one review. Event ids follow from the
report and the revision (:func:`submission_event_id`, :func:`review_event_id`), so a retried
command can only ever publish the same event again. :func:`with_submission` and
:func:`with_review` fold the events into a :class:`ReportState`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from ulid import ULID

from kernel.working_time import UTC_OFFSET_HOURS
from schemas.events import ReportAttachment, ReportOutput, WorkTarget
from schemas.ids import derived_ulid

Status = Literal["submitted", "accepted", "returned"]
Verdict = Literal["accepted", "returned"]

DEFAULT_TIMEZONE = "WIB"
"""Asia/Jakarta: the zone used when the OPD's policy names none."""

MEMORY_DAYS = 62
"""Days after the work day during which a report is kept in memory and may be reviewed (the
month in progress and the one before it); older days are read from the projections."""


def outside_memory(work_date: date, today: date) -> bool:
    """Whether ``work_date`` lies beyond the days whose reports are kept in memory."""
    return work_date < today - timedelta(days=MEMORY_DAYS)


# identities ---------------------------------------------------------------------------------


def _day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def report_id_for(nip: str, work_date: date) -> str:
    """The id of the report of ``nip`` for ``work_date`` (a ULID whose time is that day)."""
    return derived_ulid(f"daily-report|{nip}|{work_date.isoformat()}", _day_ms(work_date))


def work_date_of(report_id: str) -> date | None:
    """The work day a report id made by :func:`report_id_for` stands for (None: not a ULID)."""
    try:
        ms = ULID.from_str(report_id).milliseconds
        return datetime.fromtimestamp(ms / 1000, UTC).date()
    except (ValueError, OverflowError, OSError):  # not a ULID, or a time beyond the calendar
        return None


def _event_id(report_id: str, revision: int, what: str, step: int) -> str:
    base = work_date_of(report_id)
    at_ms = (_day_ms(base) if base else 0) + 2 * revision + step
    return derived_ulid(f"{report_id}|{revision}|{what}", at_ms)


def submission_event_id(report_id: str, revision: int) -> str:
    """The event id of the submission of ``revision``: the same for every retry."""
    return _event_id(report_id, revision, "submitted", 0)


def review_event_id(report_id: str, revision: int) -> str:
    """The event id of the review of ``revision``: one review per revision."""
    return _event_id(report_id, revision, "reviewed", 1)


def local_today(now: datetime, timezone: str) -> date:
    """The date at ``now`` in an Indonesian zone (WIB, WITA, WIT; WIB when unknown)."""
    hours = UTC_OFFSET_HOURS.get(timezone, UTC_OFFSET_HOURS[DEFAULT_TIMEZONE])
    return (now.astimezone(UTC) + timedelta(hours=hours)).date()


# state --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovedPlan:
    """The approved, not cancelled WFA request covering a day, with its work plan."""

    request_id: str
    targets: tuple[WorkTarget, ...]


@dataclass(frozen=True, slots=True)
class Content:
    """What a revision states: the resolved outputs, attachments, notes and the day's mode."""

    mode: Literal["wfa", "office"]
    request_id: str | None
    outputs: tuple[ReportOutput, ...]
    attachments: tuple[ReportAttachment, ...]
    notes: str | None


@dataclass(frozen=True, slots=True)
class Review:
    """The supervisor's verdict on one revision."""

    event_id: str
    reviewer_nip: str
    verdict: Verdict
    note: str | None
    reviewed_at: datetime


@dataclass(frozen=True, slots=True)
class ReportState:
    """A report as it stands: its latest revision and that revision's review, if any."""

    report_id: str
    nip: str
    opd_id: str
    work_date: date
    revision: int
    content: Content
    event_id: str
    submitted_at: datetime
    review: Review | None = None

    @property
    def status(self) -> Status:
        return "submitted" if self.review is None else self.review.verdict

    def answer(self) -> dict[str, Any]:
        """The report as the API shows it."""
        review = self.review
        return {
            "report_id": self.report_id,
            "revision": self.revision,
            "nip": self.nip,
            "opd_id": self.opd_id,
            "work_date": self.work_date.isoformat(),
            "mode": self.content.mode,
            "request_id": self.content.request_id,
            "status": self.status,
            "outputs": [o.model_dump(mode="json") for o in self.content.outputs],
            "attachments": [a.model_dump(mode="json") for a in self.content.attachments],
            "notes": self.content.notes,
            "submitted_at": self.submitted_at.isoformat(),
            "review": None
            if review is None
            else {
                "reviewer_nip": review.reviewer_nip,
                "verdict": review.verdict,
                "note": review.note,
                "reviewed_at": review.reviewed_at.isoformat(),
            },
        }


def with_submission(current: ReportState | None, submitted: ReportState) -> ReportState:
    """The state after a submission event: a newer revision replaces the report; the same
    event seen again (a duplicate record) or an older revision changes nothing."""
    if current is None or submitted.revision > current.revision:
        return submitted
    if submitted.revision == current.revision and submitted.event_id != current.event_id:
        return submitted  # the same revision under another id: the later record wins
    return current


def with_review(current: ReportState | None, revision: int, review: Review) -> ReportState | None:
    """The state after a review event; a review of another revision changes nothing."""
    if current is None or current.revision != revision:
        return current
    return replace(current, review=review)
