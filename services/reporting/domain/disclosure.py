"""What the public may see of an OPD's figures: small groups suppressed (pure, no I/O).

The public transparency page shows per-OPD aggregates only, never a person. Two rules keep a
person from being singled out, with the threshold :data:`K` (10):

* an OPD with fewer than ``K`` staff is **suppressed**: its id stays, every figure is null;
* within a published OPD, every figure rests on a group of persons (the staff who worked
  from anywhere, who reported, who showed an anomaly of a kind, ...). A figure whose group has
  ``0 < n < K`` persons is null, and listed in ``suppressed_cells``; a rate computed from a
  suppressed count is null with it. An empty group (0) is published: nobody is singled out.

Province totals add up the **published** OPDs only, and for each figure only the OPDs where
that figure is published: a hidden figure (of a suppressed OPD, or a suppressed cell) can
never be recovered by subtracting the published ones from the total.

No NIP, name, coordinate or per-person row enters or leaves this module: its inputs are
counts and sums per OPD.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, get_args

from schemas.events import AnomalyKind
from services.reporting.domain.rates import OpdFigures, ratio
from services.reporting.messages import MESSAGES

K = 10
"""The smallest group of persons any published figure may rest on."""

ANOMALY_KINDS: tuple[str, ...] = get_args(AnomalyKind)
"""Every kind of anomaly, each listed for every OPD (0 when none was detected)."""

Value = int | float | None
T = TypeVar("T")


def hidden(persons: int, k: int = K) -> bool:
    """Whether a figure resting on ``persons`` people must be suppressed (0 < n < k)."""
    return 0 < persons < k


@dataclass(frozen=True, slots=True)
class Cell(Generic[T]):
    """One published figure: its value, and the persons it rests on."""

    name: str
    persons: Callable[[T], int]
    value: Callable[[T], Value]


@dataclass(frozen=True, slots=True)
class Disclosed:
    """One OPD (or day of an OPD) as the public sees it."""

    suppressed: bool
    figures: dict[str, Value]
    suppressed_cells: tuple[str, ...]


def disclose(item: T, headcount: int, cells: Sequence[Cell[T]], k: int = K) -> Disclosed:
    """The figures of ``item``: all null when ``headcount < k``, else each cell on its own."""
    if headcount < k:
        return Disclosed(True, {cell.name: None for cell in cells}, ())
    figures: dict[str, Value] = {}
    suppressed: list[str] = []
    for cell in cells:
        if hidden(cell.persons(item), k):
            figures[cell.name] = None
            suppressed.append(cell.name)
        else:
            figures[cell.name] = cell.value(item)
    return Disclosed(False, figures, tuple(suppressed))


def total(
    published: Sequence[T],
    cells: Sequence[Cell[T]],
    combine: Callable[[Sequence[T]], T],
    k: int = K,
) -> dict[str, Value]:
    """Each figure over the ``published`` items where that figure is shown (null if none)."""
    result: dict[str, Value] = {}
    for cell in cells:
        shown = [item for item in published if not hidden(cell.persons(item), k)]
        result[cell.name] = cell.value(combine(shown)) if shown else None
    return result


# an OPD's month -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpdMonth:
    """What reporting holds about an OPD's month, as counts and sums (no person in it)."""

    opd_id: str
    figures: OpdFigures
    staff_wfa: int = 0
    """Staff who worked from anywhere on at least one day."""
    staff_office: int = 0
    """Staff who worked at the office on at least one day."""
    staff_present: int = 0
    """Staff who checked in on at least one day."""
    staff_reporting: int = 0
    """Staff who submitted at least one daily report."""
    anomalies: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Per kind: (anomalies detected, staff they concern)."""


def _anomaly_cell(kind: str) -> Cell[OpdMonth]:
    return Cell(
        f"anomalies.{kind}",
        lambda m: m.anomalies.get(kind, (0, 0))[1],
        lambda m: m.anomalies.get(kind, (0, 0))[0],
    )


def _approved_share(f: OpdFigures) -> Value:
    return ratio(f.wfa - f.wfa_unapproved, f.wfa)


MONTH_CELLS: tuple[Cell[OpdMonth], ...] = (
    Cell("headcount", lambda m: m.figures.headcount, lambda m: m.figures.headcount),
    Cell("staff_wfa", lambda m: m.staff_wfa, lambda m: m.staff_wfa),
    Cell(
        "away_share", lambda m: m.staff_wfa, lambda m: ratio(m.figures.wfa, m.figures.person_days)
    ),
    Cell("compliance_rate", lambda m: m.staff_wfa, lambda m: _approved_share(m.figures)),
    Cell(
        "attendance_rate",
        lambda m: m.staff_present,
        lambda m: ratio(m.figures.present, m.figures.person_days),
    ),
    Cell(
        "report_rate",
        lambda m: m.staff_reporting,
        lambda m: ratio(
            m.figures.reports_submitted, max(m.figures.present, m.figures.reports_submitted)
        ),
    ),
    Cell(
        "output_wfa", lambda m: m.staff_wfa, lambda m: ratio(m.figures.outputs_wfa, m.figures.wfa)
    ),
    Cell(
        "output_office",
        lambda m: m.staff_office,
        lambda m: ratio(m.figures.outputs_wfo, m.figures.wfo),
    ),
    *(_anomaly_cell(kind) for kind in ANOMALY_KINDS),
)
"""The figures of an OPD's month: the persons each rests on, and its value.

* ``away_share``: employee-days on WFA over person-days (headcount x working days);
* ``compliance_rate``: WFA days taken with an approved request, over WFA days;
* ``attendance_rate``: employee-days checked in over person-days;
* ``report_rate``: days with a daily report over days present;
* ``output_wfa`` / ``output_office``: outputs reported per employee-day on WFA / at the office.
"""


def combine_months(parts: Sequence[OpdMonth]) -> OpdMonth:
    """Several OPD-months as one (their sums added up)."""
    anomalies: dict[str, tuple[int, int]] = {}
    for part in parts:
        for kind, (count, persons) in part.anomalies.items():
            before = anomalies.get(kind, (0, 0))
            anomalies[kind] = (before[0] + count, before[1] + persons)
    return OpdMonth(
        opd_id="",
        figures=OpdFigures.total(part.figures for part in parts),
        staff_wfa=sum(part.staff_wfa for part in parts),
        staff_office=sum(part.staff_office for part in parts),
        staff_present=sum(part.staff_present for part in parts),
        staff_reporting=sum(part.staff_reporting for part in parts),
        anomalies=anomalies,
    )


def _shaped(figures: Mapping[str, Value]) -> dict[str, Any]:
    """Flat cell names as the API shows them: the anomaly cells under ``anomalies_by_kind``."""
    shaped: dict[str, Any] = {
        name: value for name, value in figures.items() if not name.startswith("anomalies.")
    }
    shaped["anomalies_by_kind"] = {kind: figures[f"anomalies.{kind}"] for kind in ANOMALY_KINDS}
    return shaped


def public_month(months: Sequence[OpdMonth], k: int = K) -> dict[str, Any]:
    """The public answer for a month: each OPD, the province over the published ones."""
    opds: list[dict[str, Any]] = []
    published: list[OpdMonth] = []
    for month in sorted(months, key=lambda m: m.opd_id):
        shown = disclose(month, month.figures.headcount, MONTH_CELLS, k)
        if not shown.suppressed:
            published.append(month)
        opds.append(
            {
                "opd_id": month.opd_id,
                "suppressed": shown.suppressed,
                **_shaped(shown.figures),
                "suppressed_cells": list(shown.suppressed_cells),
            }
        )
    province = {
        "opds_published": len(published),
        "opds_suppressed": len(opds) - len(published),
        **_shaped(total(published, MONTH_CELLS, combine_months, k)),
    }
    return {"k": k, "opds": opds, "province": province, **notes(k)}


# an OPD's day ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpdDay:
    """What reporting holds about an OPD's day (``opd_day``): every count is of persons."""

    opd_id: str
    work_date: str
    figures: OpdFigures


DAY_CELLS: tuple[Cell[OpdDay], ...] = (
    Cell(
        "away_share", lambda d: d.figures.wfa, lambda d: ratio(d.figures.wfa, d.figures.person_days)
    ),
    Cell("compliance_rate", lambda d: d.figures.wfa, lambda d: _approved_share(d.figures)),
)
"""The figures of an OPD's day; on one day each employee counts once, so the WFA employee-days
are the persons the figures rest on."""


def _combine_days(parts: Sequence[OpdDay]) -> OpdDay:
    return OpdDay("", "", OpdFigures.total(part.figures for part in parts))


def public_days(days: Sequence[OpdDay], k: int = K) -> dict[str, Any]:
    """The public answer for a period: per OPD its days, and per day the province.

    An OPD is suppressed as a whole when any of its days counts fewer than ``k`` staff.
    """
    by_opd: dict[str, list[OpdDay]] = {}
    for day in days:
        by_opd.setdefault(day.opd_id, []).append(day)
    opds: list[dict[str, Any]] = []
    published_days: dict[str, list[OpdDay]] = {}
    for opd_id in sorted(by_opd):
        rows = sorted(by_opd[opd_id], key=lambda d: d.work_date)
        if min(row.figures.headcount for row in rows) < k:
            opds.append({"opd_id": opd_id, "suppressed": True, "days": []})
            continue
        shown_days = []
        for row in rows:
            shown = disclose(row, row.figures.headcount, DAY_CELLS, k)
            shown_days.append(
                {
                    "work_date": row.work_date,
                    **shown.figures,
                    "suppressed_cells": list(shown.suppressed_cells),
                }
            )
            published_days.setdefault(row.work_date, []).append(row)
        opds.append({"opd_id": opd_id, "suppressed": False, "days": shown_days})
    province = [
        {
            "work_date": work_date,
            "opds_published": len(rows),
            **total(rows, DAY_CELLS, _combine_days, k),
        }
        for work_date, rows in sorted(published_days.items())
    ]
    return {"k": k, "opds": opds, "province": province, **notes(k)}


def notes(k: int = K) -> dict[str, str]:
    """The note every public answer carries, in Bahasa Indonesia and English."""
    note_id, note_en = MESSAGES.text("public_note", k=k)
    return {"note_id": note_id, "note_en": note_en}
