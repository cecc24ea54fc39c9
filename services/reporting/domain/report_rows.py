"""Pure mapping from daily report events to reporting rows and marks (no I/O).

A submission is kept pre-summed: how many outputs it states, how many have a target, and the
sum over those of ``min(1, quantity / target)`` (the achievement of each output, capped at
one), so that the employee-day reads one row per revision, never the outputs themselves.
A review keeps its verdict. Both mark the employee-day they cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kernel.projection_rows import Position, TableRows
from schemas import Envelope
from schemas.events import DailyReportReviewed, DailyReportSubmitted, ReportOutput
from services.reporting.domain.marks import day_mark


def output_achievement(output: ReportOutput) -> float | None:
    """``min(1, quantity / target)``, or None for an output without a target."""
    if output.target is None:
        return None
    return min(1.0, output.quantity / output.target)


def achievement_sum(outputs: Sequence[ReportOutput]) -> float:
    """Sum of the achievements of the outputs that have a target, in the order stated."""
    total = 0.0
    for output in outputs:
        achieved = output_achievement(output)
        if achieved is not None:
            total += achieved
    return total


def report_event_rows(
    envelope: Envelope, payload: DailyReportSubmitted | DailyReportReviewed, position: Position
) -> TableRows:
    row: dict[str, Any] = {
        "event_id": envelope.event_id,
        "type": envelope.type,
        "report_id": payload.report_id,
        "revision": payload.revision,
        "nip": payload.nip,
        "opd_id": envelope.opd_id,
        "work_date": payload.work_date,
        "occurred_at": envelope.occurred_at,
        **position.columns(),
    }
    if isinstance(payload, DailyReportSubmitted):
        row |= {
            "mode": payload.mode,
            "request_id": payload.request_id,
            "outputs": len(payload.outputs),
            "outputs_with_target": sum(1 for o in payload.outputs if o.target is not None),
            "achievement_sum": achievement_sum(payload.outputs),
            "quantity_sum": sum(o.quantity for o in payload.outputs),
            "attachments": len(payload.attachments),
            "verdict": None,
            "reviewer_nip": None,
            "note": None,
        }
    else:
        row |= {
            "mode": "",
            "request_id": None,
            "outputs": 0,
            "outputs_with_target": 0,
            "achievement_sum": 0.0,
            "quantity_sum": 0.0,
            "attachments": 0,
            "verdict": payload.verdict,
            "reviewer_nip": payload.reviewer_nip,
            "note": payload.note,
        }
    return [("report_events", row), day_mark(payload.nip, payload.work_date, envelope.opd_id)]
