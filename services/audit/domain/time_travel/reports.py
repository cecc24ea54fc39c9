"""Daily reports as they stood: each revision submitted and its review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.events import (
    DailyReportReviewed,
    DailyReportSubmitted,
    EventPayload,
)
from services.audit.domain.time_travel.history import day_iso, iso

__all__ = ["Report", "fold_report"]


@dataclass
class Report:
    report_id: str
    work_date: date | None = None
    revision: int = 0
    status: str = "unknown"
    mode: str | None = None
    request_id: str | None = None
    outputs: int = 0
    attachments: int = 0
    submitted_at: datetime | None = None
    reviews: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "work_date": day_iso(self.work_date),
            "revision": self.revision,
            "status": self.status,
            "mode": self.mode,
            "request_id": self.request_id,
            "outputs": self.outputs,
            "attachments": self.attachments,
            "submitted_at": iso(self.submitted_at),
            "reviews": self.reviews,
        }


def fold_report(reports: dict[str, Report], payload: EventPayload, at: datetime) -> bool:
    if isinstance(payload, DailyReportSubmitted):
        report = reports.setdefault(payload.report_id, Report(payload.report_id))
        if payload.revision >= report.revision:
            report.work_date = payload.work_date
            report.revision = payload.revision
            report.status = "submitted"
            report.mode = payload.mode
            report.request_id = payload.request_id
            report.outputs = len(payload.outputs)
            report.attachments = len(payload.attachments)
            report.submitted_at = at
        return True
    if isinstance(payload, DailyReportReviewed):
        report = reports.setdefault(payload.report_id, Report(payload.report_id))
        report.reviews.append(
            {
                "revision": payload.revision,
                "verdict": payload.verdict,
                "reviewer_nip": payload.reviewer_nip,
                "note": payload.note,
                "at": at.isoformat(),
            }
        )
        if payload.revision >= report.revision:  # a verdict on an older revision is history
            report.work_date = report.work_date or payload.work_date
            report.revision = payload.revision
            report.status = payload.verdict
        return True
    return False
