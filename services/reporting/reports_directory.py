"""What the daily report edge decides by, read from the topics into memory.

A :class:`ReportsDirectory` reads from the beginning, and keeps reading:

* the request log: the approved, not cancelled WFA requests per (NIP, day), with their work
  plan (the targets a report's outputs may deliver);
* the reports: each report's latest revision and its review, per (NIP, work day) and by id;
* the OPD policies: each OPD's time zone, so "today" and the deadline are the OPD's own.

Memory stays bounded: only days within ``MEMORY_DAYS`` (62, see
:mod:`services.reporting.domain.report_state`) of today are kept, swept once a day: a report
older than that can no longer be submitted nor reviewed, and the projections keep its figures.

A route deciding a write first calls :meth:`ReportsDirectory.wait_caught_up`, so it sees
every record published before it (by this process or another instance), and again after it
has published, so what it answered is what the next read here sees.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from kernel.approved_days import ApprovedDays
from kernel.working_time import UTC_OFFSET_HOURS
from schemas import (
    DailyReportReviewed,
    DailyReportSubmitted,
    Envelope,
    EventPayload,
    OpdPolicyPublished,
    WfaApproved,
    WfaCancelled,
    WfaRejected,
    WfaRequested,
)
from schemas.topics import POLICIES, REPORTS, REQUESTS
from services.reporting.domain.report_state import (
    DEFAULT_TIMEZONE,
    ApprovedPlan,
    Content,
    ReportState,
    Review,
    outside_memory,
    with_review,
    with_submission,
)
from services.runtime.context import register
from services.runtime.kafka.topic_memory import TopicMemory

if TYPE_CHECKING:
    from services.runtime.context import ServiceContext

__all__ = [
    "ReportsDirectory",
    "register_reports_directory",
]


def _today() -> date:
    return datetime.now(UTC).date()


_TODAY_CHECK_S = 60.0
"""How often the directory looks at the clock for a new day (not on every record)."""


class ReportsDirectory(TopicMemory):
    """Approved WFA plans, daily reports and OPD time zones, in memory (a service component)."""

    name = "reports-directory"

    def __init__(self, bootstrap: list[str], client_id: str) -> None:
        super().__init__(bootstrap, client_id, (REQUESTS, REPORTS, POLICIES))
        self._plans: ApprovedDays[ApprovedPlan] = ApprovedDays()
        self._reports: dict[tuple[str, date], ReportState] = {}
        self._report_keys: dict[str, tuple[str, date]] = {}
        self._zones: dict[str, dict[int, tuple[date, str]]] = {}
        self._swept_on = _today()
        self._clock_read_at = time.monotonic()

    # applying the log -------------------------------------------------------------------------

    def apply(self, envelope: Envelope, payload: EventPayload) -> None:
        if time.monotonic() - self._clock_read_at > _TODAY_CHECK_S:
            self._clock_read_at = time.monotonic()
            if _today() != self._swept_on:
                self.sweep(_today())
        today = self._swept_on
        if isinstance(payload, DailyReportSubmitted):
            if not outside_memory(payload.work_date, today):
                self._submitted(envelope, payload)
        elif isinstance(payload, DailyReportReviewed):
            key = self._report_keys.get(payload.report_id)
            if key is not None:
                review = Review(
                    event_id=envelope.event_id,
                    reviewer_nip=sys.intern(payload.reviewer_nip),
                    verdict=payload.verdict,
                    note=payload.note,
                    reviewed_at=envelope.occurred_at,
                )
                state = with_review(self._reports.get(key), payload.revision, review)
                if state is not None:
                    self._reports[key] = state
        elif isinstance(payload, WfaRequested):
            dates = tuple(d for d in payload.dates if not outside_memory(d, today))
            decision = payload.decision
            if dates and (decision is None or decision.eligible):
                self._plans.requested(
                    sys.intern(payload.nip),
                    dates,
                    ApprovedPlan(sys.intern(payload.request_id), tuple(payload.work_plan)),
                )
        elif isinstance(payload, WfaApproved):
            self._plans.approved(payload.request_id)
        elif isinstance(payload, WfaRejected | WfaCancelled):
            self._plans.withdrawn(payload.request_id)
        elif isinstance(payload, OpdPolicyPublished):
            zone = payload.settings.get("timezone")
            if zone not in UTC_OFFSET_HOURS:
                zone = DEFAULT_TIMEZONE
            versions = self._zones.setdefault(sys.intern(payload.opd_id), {})
            versions[payload.version] = (payload.effective_from, sys.intern(str(zone)))

    def _submitted(self, envelope: Envelope, payload: DailyReportSubmitted) -> None:
        nip = sys.intern(payload.nip)
        key = (nip, payload.work_date)
        current = self._reports.get(key)
        submitted = ReportState(
            report_id=payload.report_id,
            nip=nip,
            opd_id=sys.intern(envelope.opd_id),
            work_date=payload.work_date,
            revision=payload.revision,
            content=Content(
                mode=payload.mode,
                request_id=payload.request_id,
                outputs=tuple(payload.outputs),
                attachments=tuple(payload.attachments),
                notes=payload.notes,
            ),
            event_id=envelope.event_id,
            submitted_at=envelope.occurred_at,
        )
        state = with_submission(current, submitted)
        if state is current:
            return
        if current is not None and current.report_id != state.report_id:
            self._report_keys.pop(current.report_id, None)
        self._reports[key] = state
        self._report_keys[state.report_id] = key

    def sweep(self, today: date) -> None:
        """Forget the days that left the window (reports, plans, undecided requests)."""
        self._swept_on = today
        for key in [k for k in self._reports if outside_memory(k[1], today)]:
            self._report_keys.pop(self._reports.pop(key).report_id, None)
        self._plans.forget(lambda day: outside_memory(day, today))

    # lookups ----------------------------------------------------------------------------------

    def report(self, nip: str, work_date: date) -> ReportState | None:
        """The report of ``nip`` for ``work_date`` as it stands, if any."""
        return self._reports.get((nip, work_date))

    def report_by_id(self, report_id: str) -> ReportState | None:
        """The report with id ``report_id`` as it stands, if any."""
        key = self._report_keys.get(report_id)
        return None if key is None else self._reports.get(key)

    def approved_plan(self, nip: str, day: date) -> ApprovedPlan | None:
        """The approved, not cancelled WFA request covering ``day`` for ``nip``, if any."""
        return self._plans.on(nip, day)

    def timezone(self, opd_id: str, day: date) -> str:
        """The OPD's zone (WIB, WITA, WIT) under the policy in force on ``day``; WIB if none."""
        versions = self._zones.get(opd_id)
        if not versions:
            return DEFAULT_TIMEZONE
        in_force = [(v, zone) for v, (start, zone) in versions.items() if start <= day]
        if not in_force:
            return versions[min(versions)][1]
        return max(in_force)[1]


def register_reports_directory(ctx: ServiceContext) -> ReportsDirectory:
    """Declare the reports directory; the host starts it with the other components."""
    settings = ctx.settings
    directory = ReportsDirectory(
        settings.kafka_servers, f"{settings.service_name}-{ReportsDirectory.name}"
    )
    register(ctx, directory)
    return directory
