"""HTTP edge of the per-OPD projections: days, the month, the ranking, the WFA-versus-office
productivity comparison and the OPD head's scorecard.

OPD aggregates are for the head of that OPD (their own OPD only) and for BKD admins,
auditors and ops (any OPD, or the whole province); an employee or a supervisor gets 403
``outside_scope``. A province-wide month reads ``opd_month`` only: a few dozen rows.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query

from services.reporting import export_columns as columns
from services.reporting.domain.monthly_summary import month_text
from services.reporting.domain.rates import OpdFigures, opd_rates, productivity
from services.reporting.domain.scorecard import opd_scorecard, ranking
from services.reporting.messages import MESSAGES
from services.reporting.policy_caps import PolicyCaps
from services.reporting.queries import Page
from services.reporting.reader_scope import outside_scope
from services.reporting.summary_answer import Export, answer, answer_one, page_of
from services.reporting.summary_params import (
    DateFrom,
    DateTo,
    FormatParam,
    LimitParam,
    MonthParam,
    OffsetParam,
    checked_period,
    month_end,
    page_limit,
    parse_month,
)
from services.reporting.summary_queries import (
    head_of_opd,
    names,
    offenders,
    opd_days,
    opd_months,
)
from services.reporting.summary_routes import RESPONSES, SummaryPage, no_data
from services.runtime.context import component
from services.runtime.edge.caller_scope import Directory, Reach, resolve_caller
from services.runtime.edge.deps import Context, CurrentUser
from services.runtime.edge.errors import error_response
from services.runtime.edge.identity import Principal
from services.runtime.edge.roster_directory import RosterDirectory
from services.runtime.edge.routing import service_router
from services.runtime.store.base import Row

router = service_router("/reporting", ["reporting"])

OpdPath = Annotated[str, Path(max_length=100, description="Id of the OPD.")]
OpdQuery = Annotated[
    str | None, Query(max_length=100, description="One OPD; every OPD in scope if omitted.")
]
POLICY_CATCH_UP_S = 2.0
"""How long a scorecard waits for policy versions published a moment ago."""
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: error_response("`no_data`: nothing recorded for that OPD and month.")
}


async def opd_reader(user: Principal, directory: RosterDirectory, opd_id: str | None) -> str:
    """The OPD an aggregate read covers ("" for the whole province), or 403."""
    caller = await resolve_caller(user, directory)  # a token the roster contradicts: 403
    if caller.reach is Reach.PROVINCE:
        return opd_id or ""
    if caller.reach is Reach.OPD:
        if opd_id and not caller.sees_opd(opd_id):
            raise outside_scope(MESSAGES.text("scope.own_opd"))
        return caller.headed_opd
    raise outside_scope(MESSAGES.text("scope.opd_aggregates"))


def _rated(row: Row, figures: OpdFigures) -> Row:
    return {**row, "rates": asdict(opd_rates(figures))}


def _flat(item: Row) -> Row:
    return {**item, **item.get("rates", {})}


def _cap(ctx: Context, opd_id: str, month: date) -> float | None:
    caps = component(ctx, PolicyCaps, None)
    return None if caps is None else caps.cap(opd_id, month_end(month))


async def _policies_read(ctx: Context) -> None:
    """Wait (briefly) until the policy caps hold every version published so far."""
    caps = component(ctx, PolicyCaps, None)
    if caps is not None:
        await caps.wait_caught_up(timeout_s=POLICY_CATCH_UP_S)


# days and the month ---------------------------------------------------------------------------


@router.get(
    "/opds/{opd_id}/days",
    summary="An OPD's days / Rekap harian OPD",
    response_model=SummaryPage,
    responses=RESPONSES,
)
async def opd_days_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    opd_id: OpdPath,
    date_from: DateFrom,
    date_to: DateTo,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
) -> Any:
    """Per day: headcount, presence, WFA and office employee-days, unapproved WFA, lateness,
    reports, anomalies, violations, outputs, and the rates computed from them."""
    period = checked_period(date_from, date_to)
    opd = await opd_reader(user, directory, opd_id)
    size = page_limit(fmt, limit)
    page = await opd_days(ctx.store, opd, period, limit=size, offset=offset)
    items = [_rated(row, OpdFigures.from_day(row)) for row in page.items]
    export = Export(columns.OPD_DAYS, f"rekap-harian-{opd}-{date_from}-{date_to}", "Rekap harian")
    flat = [_flat(item) for item in items]
    page = Page(items=items, total=page.total)
    return await answer(fmt, page, export, limit=size, offset=offset, flat=flat)


@router.get(
    "/opds/{opd_id}/summary",
    summary="An OPD's month / Ringkasan bulanan OPD",
    responses={**RESPONSES, **NOT_FOUND},
)
async def opd_summary_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    opd_id: OpdPath,
    month: MonthParam,
    fmt: FormatParam = "json",
) -> Any:
    """The month's sums, their rates, and WFA against office productivity."""
    first = parse_month(month)
    opd = await opd_reader(user, directory, opd_id)
    rows = await opd_months(ctx.store, first, opd)
    if not rows:
        raise no_data(MESSAGES.text("no_data.opd_month"), [opd, month])
    figures = OpdFigures.from_month(rows[0])
    item = {**_rated(rows[0], figures), "productivity": asdict(productivity(figures))}
    export = Export(columns.OPD_MONTH, f"ringkasan-opd-{opd}-{month_text(first)}", "Ringkasan OPD")
    return await answer_one(fmt, item, export, rows=[_flat(item)])


# the ranking ----------------------------------------------------------------------------------


@router.get(
    "/opds",
    summary="OPDs ranked by their head's scorecard / Peringkat OPD",
    response_model=SummaryPage,
    responses=RESPONSES,
)
async def opd_ranking_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    month: MonthParam,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
) -> Any:
    """The OPDs in scope, best accountability score first (ties share a rank), each with its
    month's sums and rates."""
    first = parse_month(month)
    opd = await opd_reader(user, directory, None)
    size = page_limit(fmt, limit)
    await _policies_read(ctx)
    scored: dict[str, Row] = {}
    for row in await opd_months(ctx.store, first, opd):
        card = opd_scorecard(OpdFigures.from_month(row), _cap(ctx, row["opd_id"], first))
        scored[row["opd_id"]] = {
            **_rated(row, OpdFigures.from_month(row)),
            "score": card.score,
            "grade": card.grade,
            "grade_id": card.grade_id,
            "grade_en": card.grade_en,
        }
    ordered = ranking([(opd_id, item["score"]) for opd_id, item in scored.items()])
    items = [{"rank": rank, **scored[opd_id]} for opd_id, rank in ordered]
    page = page_of(items, limit=size, offset=offset)
    export = Export(columns.OPD_MONTH, f"peringkat-opd-{month_text(first)}", "Peringkat OPD")
    flat = [_flat(item) for item in page.items]
    return await answer(fmt, page, export, limit=size, offset=offset, flat=flat)


# WFA against the office -----------------------------------------------------------------------


def _productivity_row(opd_id: str, month: str, figures: OpdFigures) -> Row:
    result = asdict(productivity(figures))
    wfa, wfo = result.pop("wfa"), result.pop("wfo")
    return {
        "opd_id": opd_id,
        "month": month,
        **{f"wfa_{key}": value for key, value in wfa.items()},
        **{f"wfo_{key}": value for key, value in wfo.items()},
        **result,
    }


@router.get(
    "/productivity",
    summary="Outputs on WFA days against office days / Produktivitas WFA dan kantor",
    responses=RESPONSES,
)
async def productivity_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    month: MonthParam,
    opd_id: OpdQuery = None,
    fmt: FormatParam = "json",
    limit: LimitParam = None,
    offset: OffsetParam = 0,
) -> Any:
    """Outputs per employee-day and the achievement of targets on WFA days against office
    days, per OPD and for all of them together (``overall``), with a verdict: does WFA open
    a productivity gap?"""
    first = parse_month(month)
    opd = await opd_reader(user, directory, opd_id)
    size = page_limit(fmt, limit)
    rows = await opd_months(ctx.store, first, opd)
    text = month_text(first)
    figures = {row["opd_id"]: OpdFigures.from_month(row) for row in rows}
    items = [_productivity_row(key, text, value) for key, value in figures.items()]
    overall = _productivity_row(opd or "", text, OpdFigures.total(figures.values()))
    page = page_of(items, limit=size, offset=offset)
    if fmt == "json":
        return {"month": text, "overall": overall, **page.answer(limit=size, offset=offset)}
    if len(items) > 1 and page.items and offset + size >= len(items):
        page = Page(items=[*page.items, {**overall, "opd_id": "SEMUA OPD"}], total=page.total)
    export = Export(
        columns.PRODUCTIVITY, f"produktivitas-{opd or 'provinsi'}-{text}", "Produktivitas"
    )
    return await answer(fmt, page, export, limit=size, offset=offset)


# the head's scorecard -------------------------------------------------------------------------


@router.get(
    "/scorecards/{opd_id}",
    summary="The OPD head's accountability scorecard / Kartu kinerja kepala OPD",
    responses={**RESPONSES, **NOT_FOUND},
)
async def scorecard_route(
    user: CurrentUser,
    ctx: Context,
    directory: Directory,
    opd_id: OpdPath,
    month: MonthParam,
    fmt: FormatParam = "json",
) -> Any:
    """The head answers for the subordinates: the month's components (attendance,
    punctuality, reports, acceptance, output achievement, WFA within the weekly cap, approved
    WFA, violations, share away against the OPD's cap), each with its value, score and
    weight, the total score (0-100), and the subordinates whose violations or WFA days over
    the cap weigh on it."""
    first = parse_month(month)
    opd = await opd_reader(user, directory, opd_id)
    rows = await opd_months(ctx.store, first, opd)
    if not rows:
        raise no_data(MESSAGES.text("no_data.opd_month"), [opd, month])
    await _policies_read(ctx)
    figures = OpdFigures.from_month(rows[0])
    cap = _cap(ctx, opd, first)
    card = opd_scorecard(figures, cap)
    named = directory.heads_of(opd) if opd else []  # the head the roster names, if any
    head = {"nip": named[0].nip, "name": named[0].name} if named else None
    head = head or await head_of_opd(ctx.store, opd)
    flagged = await offenders(ctx.store, opd, first)
    known = await names(ctx.store, [row["nip"] for row in flagged])
    text = month_text(first)
    result: Row = {
        "opd_id": opd,
        "month": text,
        "head": head,
        "score": card.score,
        "grade": card.grade,
        "grade_id": card.grade_id,
        "grade_en": card.grade_en,
        "away_cap": cap,
        "components": [asdict(component) for component in card.components],
        "figures": rows[0],
        "rates": asdict(opd_rates(figures)),
        "flagged_subordinates": [
            {
                "nip": row["nip"],
                "name": known.get(row["nip"], ""),
                "violations": row["violations"],
                "wfa_days_over_cap": row["wfa_days_over_cap"],
                "anomalies": row["anomalies"],
                "anomalies_by_kind": row["anomalies_by_kind"],
            }
            for row in flagged
        ],
    }
    if fmt == "json":
        return result
    head_columns = {
        "opd_id": opd,
        "month": text,
        "head_nip": (head or {}).get("nip"),
        "head_name": (head or {}).get("name"),
    }
    lines = [{**head_columns, **component} for component in result["components"]]
    lines.append(
        {**head_columns, "label_id": "Skor total (0-100)", "value": card.score, "weight": 100}
    )
    export = Export(columns.SCORECARD, f"kartu-kinerja-{opd}-{text}", "Kartu kinerja")
    return await answer_one(fmt, result, export, rows=lines)
