"""Query parameters shared by reporting's summary routes: periods, months, formats, paging.

Each is checked here, with a stable code and a message in Bahasa Indonesia and English:

* ``invalid_month``: a month that is not ``YYYY-MM`` (1970-2099);
* ``invalid_period``: ``date_to`` before ``date_from``, or a day ClickHouse cannot hold;
* ``period_too_long``: more than :data:`MAX_PERIOD_DAYS` days;
* ``page_too_large``: a JSON page above :data:`MAX_PAGE` items (files go up to
  :data:`MAX_EXPORT_ROWS` rows).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Annotated

from fastapi import Query

from schemas.limits import ContractDate
from services.reporting.attendance_queries import FIRST_DATE, LAST_DATE
from services.reporting.exports import Format
from services.reporting.messages import MESSAGES
from services.reporting.summary_queries import Period
from services.runtime.edge.errors import ApiError, error_response

MAX_PERIOD_DAYS = 366
DEFAULT_PAGE = 100
MAX_PAGE = 1_000
MAX_EXPORT_ROWS = 100_000
MAX_OFFSET = 10_000_000

MONTH_PATTERN = re.compile(r"^(19[7-9][0-9]|20[0-9]{2})-(0[1-9]|1[0-2])$")

FormatParam = Annotated[
    Format,
    Query(
        alias="format",
        description="json (default), csv or xlsx: a file with Indonesian column headers.",
    ),
]
LimitParam = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_EXPORT_ROWS,
        description=(
            f"Items per page: JSON {DEFAULT_PAGE} by default, at most {MAX_PAGE}; a file "
            f"{MAX_EXPORT_ROWS:,} by default and at most."
        ),
    ),
]
OffsetParam = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Matching items before this page.")
]
MonthParam = Annotated[
    str, Query(max_length=16, description="The calendar month, YYYY-MM.", examples=["2026-03"])
]
DateFrom = Annotated[ContractDate, Query(description="First day (inclusive), YYYY-MM-DD.")]
DateTo = Annotated[ContractDate, Query(description="Last day (inclusive), YYYY-MM-DD.")]

PARAMS_422 = error_response(
    "`invalid_request` (a parameter is malformed), `invalid_month` (not YYYY-MM), "
    "`invalid_period` (date_to before date_from), `period_too_long` (more than "
    f"{MAX_PERIOD_DAYS} days) or `page_too_large` / parameter, bulan, atau periode tidak "
    "valid, periode terlalu panjang, atau halaman terlalu besar."
)


def parse_month(text: str) -> date:
    """The first day of the month ``YYYY-MM``; 422 ``invalid_month`` otherwise."""
    if not MONTH_PATTERN.fullmatch(text):
        raise ApiError(
            422,
            "invalid_month",
            *MESSAGES.text("invalid_month"),
            details=[{"month": text[:16]}],
        )
    return date(int(text[:4]), int(text[5:7]), 1)


def month_end(month: date) -> date:
    """The last day of ``month``."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def checked_period(date_from: date, date_to: date) -> Period:
    """The period, refused (422) when reversed, too long or outside what can be stored."""
    details = [{"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}]
    if date_from > date_to:
        raise ApiError(
            422,
            "invalid_period",
            *MESSAGES.text("invalid_period"),
            details=details,
        )
    if date_from < FIRST_DATE or date_to > LAST_DATE:
        raise ApiError(
            422,
            "invalid_period",
            *MESSAGES.text(
                "invalid_period.checked_period",
                first_date=FIRST_DATE.isoformat(),
                last_date=LAST_DATE.isoformat(),
            ),
            details=details,
        )
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise ApiError(
            422,
            "period_too_long",
            *MESSAGES.text("period_too_long.checked_period", max_period_days=MAX_PERIOD_DAYS),
            details=details,
        )
    return Period(date_from, date_to)


def page_limit(fmt: Format, limit: int | None) -> int:
    """The page size: as asked, or the default of the format; 422 above a JSON page."""
    if fmt != "json":
        return limit or MAX_EXPORT_ROWS
    if limit is not None and limit > MAX_PAGE:
        raise ApiError(
            422,
            "page_too_large",
            *MESSAGES.text("page_too_large", max_page=MAX_PAGE),
            details=[{"limit": limit, "max": MAX_PAGE}],
        )
    return limit or DEFAULT_PAGE
