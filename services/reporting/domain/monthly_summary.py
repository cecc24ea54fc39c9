"""An employee's month as the TPP feed publishes it (pure, no I/O).

``employee_month`` holds the sums of an employee's month; :func:`monthly_summary` turns a row
into the ``MonthlySummaryPublished`` payload, with a SHA-256 ``checksum`` over its figures:
equal figures give an equal checksum, so the publisher sends a month again only when one of
its figures changed. The event id follows from the NIP, the month and the checksum
(:func:`summary_event_id`): publishing the same figures twice gives the same event, which a
consumer keeping events by id keeps once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson

from schemas.events import MonthlySummaryPublished
from schemas.ids import derived_ulid
from services.reporting.domain.rates import ratio

FIGURES = (
    "working_days",
    "days_present",
    "days_wfa",
    "days_wfo",
    "wfa_days_over_cap",
    "worked_minutes",
    "expected_minutes",
    "late_days",
    "missing_check_out_days",
    "reports_submitted",
    "reports_accepted",
    "outputs",
    "anomalies",
)
"""The counts of ``employee_month`` the summary carries as they are."""


def month_text(month: date) -> str:
    """``YYYY-MM`` of a month (any day of it)."""
    return f"{month.year:04d}-{month.month:02d}"


def summary_figures(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of the summary but the checksum, from an ``employee_month`` row.

    ``output_achievement`` is rounded (see :func:`services.reporting.domain.rates.ratio`):
    the same outputs summed in another order give the same figure, hence the same checksum.
    Kinds of anomaly with no anomaly are left out.
    """
    kinds = row.get("anomalies_by_kind") or {}
    return {
        "nip": str(row["nip"]),
        "opd_id": str(row["opd_id"]),
        "month": month_text(_as_date(row["month"])),
        **{name: int(row[name]) for name in FIGURES},
        "output_achievement": ratio(float(row["achievement_sum"]), int(row["outputs_with_target"])),
        "anomalies_by_kind": {str(k): int(v) for k, v in sorted(kinds.items()) if int(v) > 0},
    }


def figures_checksum(figures: Mapping[str, Any]) -> str:
    """SHA-256 (lowercase hex) of the figures as canonical JSON (keys sorted, no spaces)."""
    canonical = orjson.dumps(dict(figures), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def monthly_summary(row: Mapping[str, Any]) -> MonthlySummaryPublished:
    """The ``MonthlySummaryPublished`` payload of an ``employee_month`` row."""
    figures = summary_figures(row)
    return MonthlySummaryPublished(**figures, checksum=figures_checksum(figures))


def summary_event_id(summary: MonthlySummaryPublished) -> str:
    """The event id of a summary: a ULID fixed by (NIP, month, checksum), timed at the first
    instant of the month (UTC)."""
    year, month = (int(part) for part in summary.month.split("-"))
    at_ms = int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000)
    return derived_ulid(f"{summary.nip}|{summary.month}|{summary.checksum}", at_ms)


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
