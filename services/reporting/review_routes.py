"""HTTP edge of the supervisor's review list: daily reports waiting for the caller.

``GET /reports/reviews`` lists the reports whose latest revision is submitted and not yet
reviewed, written by the employees whose supervisor of record (the roster's) is the caller:
the reports only the caller may accept or return. It reads the reports directory, so it
covers the days a report can still be reviewed (see
:data:`services.reporting.domain.report_state.MEMORY_DAYS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from services.reporting.domain.report_state import MEMORY_DAYS, ReportState
from services.reporting.messages import MESSAGES
from services.reporting.reports_directory import ReportsDirectory
from services.runtime.context import component
from services.runtime.edge.access_log import record_row_accesses, roster_opd
from services.runtime.edge.caller_scope import (
    CALLER_403,
    CATCH_UP_TIMEOUT_S,
    Directory,
    resolve_caller,
)
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import ApiError, error_response
from services.runtime.edge.routing import service_router

router = service_router("/reports", ["daily-reports"])


class ReviewItem(BaseModel):
    """A report waiting for the caller's review (its latest revision)."""

    report_id: str
    revision: int = Field(description="The revision to review (pass it back in the review).")
    nip: str = Field(description="NIP of the author.")
    name: str = Field(description="The author's name on the roster.")
    work_unit_id: str
    work_date: str
    mode: str = Field(description="wfa or office.")
    request_id: str | None = Field(description="The approved WFA request of the day, if any.")
    outputs: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    notes: str | None
    submitted_at: str


class ReviewList(BaseModel):
    """The reports waiting for the caller's review, oldest work day first."""

    items: list[ReviewItem]
    count: int


def awaiting_review(reports: Iterable[ReportState | None]) -> list[ReportState]:
    """The reports whose latest revision has no review yet, oldest work day first."""
    waiting = [r for r in reports if r is not None and r.review is None]
    return sorted(waiting, key=lambda r: (r.work_date, r.submitted_at, r.nip))


def _reviewable_days(today: date) -> list[date]:
    """Every work day a report may still be reviewed on (a day of margin for time zones)."""
    first = today - timedelta(days=MEMORY_DAYS + 1)
    return [first + timedelta(days=n) for n in range((today - first).days + 2)]


REVIEWS_ROUTE = "/reports/reviews"


@router.get(
    REVIEWS_ROUTE.removeprefix("/reports"),
    summary="Daily reports waiting for my review / Laporan harian menunggu tinjauan saya",
    response_model=ReviewList,
    responses={
        403: error_response(CALLER_403),
        503: error_response(
            "`reports_unavailable` or `roster_unavailable`: the reports or the roster cannot "
            "be confirmed up to date; retry / data belum dapat dipastikan terkini, coba lagi."
            " `kafka_unavailable`: the reads could not be recorded in the access log, so "
            "nothing is answered / akses tidak dapat dicatat."
        ),
    },
)
async def reviews(user: CurrentUser, ctx: Context, directory: Directory) -> dict[str, Any]:
    """The reports of the employees whose supervisor of record is the caller, whose latest
    revision is submitted and not reviewed. Empty for a caller who supervises nobody."""
    reports = component(ctx, ReportsDirectory)
    # the answer is logged as an access (a publish): with Kafka known to be away it is
    # refused at once, and a log that cannot be read in time asks whether Kafka is there
    ctx.publisher.check_available()
    if not await reports.wait_caught_up(min(CATCH_UP_TIMEOUT_S, ctx.publisher.publish_timeout_s)):
        await ctx.publisher.confirm_reachable()  # PublishUnavailable: 503 kafka_unavailable
        raise ApiError(
            503,
            "reports_unavailable",
            *MESSAGES.text("reports_unavailable.reviews"),
            headers={"Retry-After": "2"},
        )
    # a token the roster contradicts is refused; a new caller's entry is read up to now
    await resolve_caller(user, directory)
    authors = {
        nip: entry
        for nip in directory.subordinates(user.nip)
        if nip != user.nip and (entry := directory.lookup(nip)) is not None
    }
    days = _reviewable_days(datetime.now(UTC).date())
    waiting = awaiting_review(reports.report(nip, day) for nip in authors for day in days)
    items = []
    for state in waiting:
        author = authors[state.nip]
        answer = state.answer()
        items.append(
            {
                "report_id": state.report_id,
                "revision": state.revision,
                "nip": state.nip,
                "name": author.name,
                "work_unit_id": author.work_unit_id,
                "work_date": answer["work_date"],
                "mode": answer["mode"],
                "request_id": answer["request_id"],
                "outputs": answer["outputs"],
                "attachments": answer["attachments"],
                "notes": answer["notes"],
                "submitted_at": answer["submitted_at"],
            }
        )
    await record_row_accesses(
        ctx,
        user,
        items,
        data_kind="daily_report",
        route=REVIEWS_ROUTE,
        opd_of=roster_opd(directory),
        day_keys=("work_date",),
    )
    return {"items": items, "count": len(items)}
