"""``GET /web/readiness/{opd_id}``: the readiness study, composed from eligibility and
reporting with the caller's own token.

Eligibility's ``GET /policies/{opd}/readiness`` gives the positions, the infrastructure
assessments, the policy and the what-if simulation; reporting's
``GET /reporting/opds/{opd}/days`` gives every COMPLETE day (up to yesterday) of the last
``months`` months: today's day is still being worked, and counting it would read everyone
who has not checked in yet as absent. A month without such days is a month without history;
any refusal (401, 403, 404, ...) is passed back as the service gave it. The verdict itself is
pure: :func:`services.web.domain.readiness.assess`.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from services.runtime.edge.deps import check_bearer_async
from services.runtime.edge.identity import Principal, TokenCache
from services.web.domain.readiness import assess
from services.web.domain.readiness_inputs import inputs_from, month_from_days
from services.web.settings import WebSettings
from services.web.upstream import answer_headers, client_of, open_upstream, request_headers

#: the calendar months are those of western Indonesia's clock
CALENDAR_ZONE = ZoneInfo("Asia/Jakarta")
MAX_MONTHS = 12
#: reporting's largest JSON page
DAYS_PAGE = 1000


async def _bearer(request: Request) -> Principal:
    """401 before the path and the query are validated: the services check the token again
    (and the caller's scope) on every call the study makes."""
    state = request.app.state
    settings: WebSettings = state.settings
    tokens: TokenCache | None = getattr(state, "tokens", None)
    if tokens is None:
        tokens = state.tokens = TokenCache()
    return await check_bearer_async(settings, tokens, request.headers.get("authorization"))


router = APIRouter(prefix="/web", tags=["readiness"], dependencies=[Depends(_bearer)])


class _Refused(Exception):
    """A service refused a call of the study: its answer goes back as it is."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers


def last_months(today: date, count: int) -> list[str]:
    """``count`` calendar months up to and including ``today``'s, oldest first (YYYY-MM)."""
    months: list[str] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


async def _get(
    client: httpx.AsyncClient,
    service: str,
    url: str,
    headers: dict[str, str],
) -> Any:
    """The JSON a service answers (200), or :class:`_Refused` with its answer."""
    request = client.build_request("GET", url, headers={**headers, "accept": "application/json"})
    response = await open_upstream(client, service, request)
    try:
        body = await response.aread()
    finally:
        await response.aclose()
    if response.status_code == 200:
        return json.loads(body)
    raise _Refused(response.status_code, body, answer_headers(response.headers))


async def _complete_days(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], months: list[str], today: date
) -> list[Any]:
    """Reporting's rows of the OPD's days from the first of ``months`` up to yesterday."""
    first, yesterday = date.fromisoformat(f"{months[0]}-01"), today - timedelta(days=1)
    if yesterday < first:
        return []
    rows: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        page = await _get(
            client,
            "reporting",
            f"{url}?date_from={first}&date_to={yesterday}&limit={DAYS_PAGE}&offset={offset}",
            headers,
        )
        rows.extend(page.get("items") or [])
        offset = page.get("next_offset")
    return rows


@router.get(
    "/readiness/{opd_id}",
    summary="An OPD's readiness study / Kajian kesiapan WFA OPD",
)
async def readiness_study(
    request: Request,
    opd_id: Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9._-]+$")],
    months: Annotated[int, Query(ge=1, le=MAX_MONTHS, description="Months of history.")] = 3,
) -> Response:
    """ "Layak, dalam bentuk ini: ..." or "Belum, karena: ...", with the positions, the
    infrastructure, the compliance and output history and eligibility's what-if."""
    settings: WebSettings = request.app.state.settings
    client = client_of(request)
    headers = request_headers(request)
    headers.pop("content-type", None)
    headers.pop("idempotency-key", None)
    opd = quote(opd_id, safe="")
    eligibility = settings.upstreams["eligibility"]
    reporting = settings.upstreams["reporting"]
    today = datetime.now(CALENDAR_ZONE).date()
    wanted = last_months(today, months)
    readiness, days = await asyncio.gather(
        _get(client, "eligibility", f"{eligibility}/policies/{opd}/readiness", headers),
        _complete_days(client, f"{reporting}/reporting/opds/{opd}/days", headers, wanted, today),
        return_exceptions=True,
    )
    for result in (readiness, days):
        if isinstance(result, _Refused):
            return Response(result.body, status_code=result.status, headers=result.headers)
        if isinstance(result, BaseException):
            raise result
    by_month: dict[str, list[Any]] = defaultdict(list)
    for row in days if isinstance(days, list) else []:
        if isinstance(row, dict) and isinstance(row.get("work_date"), str):
            by_month[row["work_date"][:7]].append(row)
    history = [month_from_days(month, by_month.get(month, [])) for month in wanted]
    study = assess(inputs_from(opd_id, readiness if isinstance(readiness, dict) else {}, history))
    return JSONResponse(
        {
            "opd_id": opd_id,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "months": wanted,
            **study.as_json(),
        },
        headers={"Cache-Control": "no-store"},
    )
