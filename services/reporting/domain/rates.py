"""Rates from the sums the projections keep (pure, no I/O).

The derived tables store counts and sums only, so they can be recomputed and added up without
ever averaging an average. Every rate is computed here, at read time, from those sums:

* an OPD's day (``opd_day``) or month (``opd_month``): :class:`OpdFigures` and
  :func:`opd_rates`;
* an employee's month (``employee_month``): :func:`employee_month_rates`;
* the comparison of outputs on WFA days against office days: :func:`productivity`.

A rate whose denominator is zero is ``None`` ("nothing to measure"), never 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from services.reporting.messages import MESSAGES

RATE_DIGITS = 4
"""Rates are rounded to this many decimals (0.1 basis point): enough for any dashboard, and
equal sums always give equal rates, whatever the order they were added in."""

PRODUCTIVITY_TOLERANCE = 0.10
"""How far WFA outputs per day (or the achievement of targets) may fall below or rise above
the office figure before the comparison calls it a gap (10%)."""


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to :data:`RATE_DIGITS`; None when ``whole`` is not positive."""
    if whole <= 0:
        return None
    return round(part / whole, RATE_DIGITS)


def per_hundred(part: float, whole: float) -> float | None:
    """``part`` per 100 of ``whole`` (e.g. violations per 100 staff-days); None if no whole."""
    if whole <= 0:
        return None
    return round(100 * part / whole, 2)


# OPD figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpdFigures:
    """The sums of one OPD over a day or a month (a row of ``opd_day`` or ``opd_month``)."""

    headcount: int
    """Employees the roster places in the OPD."""
    days: int
    """Days covered: 1 for a day, the working days with any record for a month."""
    staff_days: int
    """Employee-days recorded (an employee with any fact on a day)."""
    present: int
    wfa: int
    wfo: int
    wfa_unapproved: int
    wfa_days_over_cap: int
    late: int
    missing_check_out: int
    reports_submitted: int
    reports_accepted: int
    anomalies: int
    violations: int
    outputs_wfa: int
    outputs_wfo: int
    achievement_sum_wfa: float
    with_target_wfa: int
    achievement_sum_wfo: float
    with_target_wfo: int

    @classmethod
    def from_day(cls, row: Mapping[str, Any]) -> OpdFigures:
        """The figures of an ``opd_day`` row (one day; no weekly cap is judged per day)."""
        return cls._from(row, days=1, staff_days=int(row["recorded"]), over_cap=0)

    @classmethod
    def from_month(cls, row: Mapping[str, Any]) -> OpdFigures:
        """The figures of an ``opd_month`` row."""
        return cls._from(
            row,
            days=int(row["working_days"]),
            staff_days=int(row["staff_days"]),
            over_cap=int(row["wfa_days_over_cap"]),
        )

    @classmethod
    def _from(
        cls, row: Mapping[str, Any], *, days: int, staff_days: int, over_cap: int
    ) -> OpdFigures:
        return cls(
            headcount=int(row["headcount"]),
            days=days,
            staff_days=staff_days,
            present=int(row["present"]),
            wfa=int(row["wfa"]),
            wfo=int(row["wfo"]),
            wfa_unapproved=int(row["wfa_unapproved"]),
            wfa_days_over_cap=over_cap,
            late=int(row["late"]),
            missing_check_out=int(row["missing_check_out"]),
            reports_submitted=int(row["reports_submitted"]),
            reports_accepted=int(row["reports_accepted"]),
            anomalies=int(row["anomalies"]),
            violations=int(row["violations"]),
            outputs_wfa=int(row["outputs_wfa"]),
            outputs_wfo=int(row["outputs_wfo"]),
            achievement_sum_wfa=float(row["achievement_sum_wfa"]),
            with_target_wfa=int(row["with_target_wfa"]),
            achievement_sum_wfo=float(row["achievement_sum_wfo"]),
            with_target_wfo=int(row["with_target_wfo"]),
        )

    @classmethod
    def total(cls, parts: Iterable[OpdFigures]) -> OpdFigures:
        """The figures of several OPDs together (e.g. the province): every field summed.

        ``days`` is the largest of the parts' days: the OPDs share one calendar, and each
        part's person-days already count its own staff.
        """
        items = list(parts)
        sums: dict[str, Any] = {}
        for field in fields(cls):
            values = [getattr(item, field.name) for item in items]
            sums[field.name] = max(values, default=0) if field.name == "days" else sum(values)
        return cls(**sums)

    @property
    def person_days(self) -> int:
        """Employee-days that should have been worked: headcount times days.

        Never fewer than the employee-days recorded (an employee who left the roster this
        month still counts on the days they worked).
        """
        return max(self.headcount * self.days, self.staff_days)


@dataclass(frozen=True, slots=True)
class OpdRates:
    """What an OPD's sums mean, as shares (0..1) unless named otherwise."""

    person_days: int
    share_away: float | None
    """Employee-days on WFA over person-days."""
    attendance_rate: float | None
    """Employee-days with a check-in over person-days."""
    late_rate: float | None
    """Late check-ins over days present."""
    missing_check_out_rate: float | None
    """Days checked in but never out, over days present."""
    report_rate: float | None
    """Days with a daily report over days present (a report on a day without a check-in
    counts as a day that asked for one)."""
    acceptance_rate: float | None
    """Reports the supervisor accepted over reports submitted."""
    unapproved_wfa_share: float | None
    """WFA days without an approved request over WFA days."""
    violations_per_100_staff_days: float | None
    achievement: float | None
    """Mean achievement of the outputs that had a target (each capped at 1)."""
    achievement_wfa: float | None
    achievement_wfo: float | None
    outputs_per_day_wfa: float | None
    """Outputs per employee-day on WFA."""
    outputs_per_day_wfo: float | None
    """Outputs per employee-day at the office."""


def opd_rates(figures: OpdFigures) -> OpdRates:
    """The rates of an OPD's day or month."""
    f = figures
    return OpdRates(
        person_days=f.person_days,
        share_away=ratio(f.wfa, f.person_days),
        attendance_rate=ratio(f.present, f.person_days),
        late_rate=ratio(f.late, f.present),
        missing_check_out_rate=ratio(f.missing_check_out, f.present),
        report_rate=ratio(f.reports_submitted, max(f.present, f.reports_submitted)),
        acceptance_rate=ratio(f.reports_accepted, f.reports_submitted),
        unapproved_wfa_share=ratio(f.wfa_unapproved, f.wfa),
        violations_per_100_staff_days=per_hundred(f.violations, f.staff_days),
        achievement=ratio(
            f.achievement_sum_wfa + f.achievement_sum_wfo, f.with_target_wfa + f.with_target_wfo
        ),
        achievement_wfa=ratio(f.achievement_sum_wfa, f.with_target_wfa),
        achievement_wfo=ratio(f.achievement_sum_wfo, f.with_target_wfo),
        outputs_per_day_wfa=ratio(f.outputs_wfa, f.wfa),
        outputs_per_day_wfo=ratio(f.outputs_wfo, f.wfo),
    )


# an employee's month --------------------------------------------------------------------------


def employee_month_rates(row: Mapping[str, Any]) -> dict[str, float | None]:
    """The rates of an ``employee_month`` row."""
    present = int(row["days_present"])
    submitted = int(row["reports_submitted"])
    return {
        "attendance_rate": ratio(present, int(row["working_days"])),
        "punctuality_rate": ratio(present - int(row["late_days"]), present),
        "worked_share": ratio(int(row["worked_minutes"]), int(row["expected_minutes"])),
        "report_rate": ratio(submitted, max(present, submitted)),
        "acceptance_rate": ratio(int(row["reports_accepted"]), submitted),
        "achievement": ratio(float(row["achievement_sum"]), int(row["outputs_with_target"])),
        "outputs_per_day_wfa": ratio(int(row["outputs_wfa"]), int(row["days_wfa"])),
        "outputs_per_day_wfo": ratio(int(row["outputs_wfo"]), int(row["days_wfo"])),
    }


# WFA against the office -----------------------------------------------------------------------

Verdict = Literal["insufficient_data", "no_gap", "wfa_behind", "wfa_ahead"]

_VERDICTS: dict[Verdict, tuple[str, str]] = {
    "insufficient_data": MESSAGES.text("productivity.insufficient_data"),
    "no_gap": MESSAGES.text("productivity.no_gap"),
    "wfa_behind": MESSAGES.text("productivity.wfa_behind"),
    "wfa_ahead": MESSAGES.text("productivity.wfa_ahead"),
}


@dataclass(frozen=True, slots=True)
class ModeOutput:
    """Outputs of the employee-days worked in one mode."""

    days: int
    outputs: int
    outputs_per_day: float | None
    with_target: int
    """Outputs that had a target."""
    achievement: float | None


@dataclass(frozen=True, slots=True)
class Productivity:
    """WFA days against office days: does WFA open a productivity gap?"""

    wfa: ModeOutput
    wfo: ModeOutput
    outputs_per_day_gap: float | None
    """WFA minus office outputs per day."""
    outputs_per_day_ratio: float | None
    """WFA over office outputs per day (1 = the same)."""
    achievement_gap: float | None
    """WFA minus office achievement of targets."""
    verdict: Verdict
    message_id: str
    message_en: str


def productivity(figures: OpdFigures) -> Productivity:
    """Compare outputs per employee-day and the achievement of targets, WFA against office.

    WFA is ``wfa_behind`` when its outputs per day fall short of the office's by more than
    :data:`PRODUCTIVITY_TOLERANCE` (relatively), or its achievement by more than that many
    points; ``wfa_ahead`` when it exceeds them by as much; ``no_gap`` otherwise.
    """
    f = figures
    wfa = ModeOutput(
        days=f.wfa,
        outputs=f.outputs_wfa,
        outputs_per_day=ratio(f.outputs_wfa, f.wfa),
        with_target=f.with_target_wfa,
        achievement=ratio(f.achievement_sum_wfa, f.with_target_wfa),
    )
    wfo = ModeOutput(
        days=f.wfo,
        outputs=f.outputs_wfo,
        outputs_per_day=ratio(f.outputs_wfo, f.wfo),
        with_target=f.with_target_wfo,
        achievement=ratio(f.achievement_sum_wfo, f.with_target_wfo),
    )
    gap = _difference(wfa.outputs_per_day, wfo.outputs_per_day)
    # (outputs_wfa / wfa) / (outputs_wfo / wfo), from the sums rather than rounded rates
    relative = ratio(f.outputs_wfa * f.wfo, f.wfa * f.outputs_wfo) if f.wfa else None
    achievement_gap = _difference(wfa.achievement, wfo.achievement)
    verdict = _verdict(wfa, wfo, relative, achievement_gap)
    message_id, message_en = _VERDICTS[verdict]
    return Productivity(
        wfa=wfa,
        wfo=wfo,
        outputs_per_day_gap=gap,
        outputs_per_day_ratio=relative,
        achievement_gap=achievement_gap,
        verdict=verdict,
        message_id=message_id,
        message_en=message_en,
    )


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, RATE_DIGITS)


def _verdict(
    wfa: ModeOutput,
    wfo: ModeOutput,
    relative: float | None,
    achievement_gap: float | None,
) -> Verdict:
    if wfa.days == 0 or wfo.days == 0:
        return "insufficient_data"
    behind = (relative is not None and relative < 1 - PRODUCTIVITY_TOLERANCE) or (
        achievement_gap is not None and achievement_gap < -PRODUCTIVITY_TOLERANCE
    )
    if behind:
        return "wfa_behind"
    nothing_at_office = relative is None and wfa.outputs > 0
    ahead = (
        nothing_at_office
        or (relative is not None and relative > 1 + PRODUCTIVITY_TOLERANCE)
        or (achievement_gap is not None and achievement_gap > PRODUCTIVITY_TOLERANCE)
    )
    return "wfa_ahead" if ahead else "no_gap"
