"""The figures the week of :mod:`tests.support.week_scenario` must produce, computed from the
scenario alone (pure, no I/O): what each projection API of reporting should answer.

The model follows the meaning of each column as the reporting design states it: an
employee-day exists when anything happened to that employee on that day (a presence signal,
an anomaly, a report, a WFA request covering it); its mode is the first check-in's derived mode;
the report figures are the latest revision's; sums per week, month and OPD add employee-days;
rates divide sums at read time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tests.support.week_parts import (
    WORK_START,
    DayPlan,
    Member,
    Output,
    Week,
    local,
    utc,
)

WFA_CAP = 2
EXPECTED_MINUTES = 450
NOT_VIOLATIONS = frozenset({"late_check_in", "missing_check_out"})


def ratio(part: float, whole: float) -> float | None:
    return None if whole <= 0 else part / whole


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass
class DayFigures:
    """One ``employee_day`` row."""

    nip: str
    work_date: date
    opd_id: str
    work_unit_id: str
    working_day: bool
    wfa_requested: bool
    wfa_approved: bool
    request_id: str | None
    mode: str
    check_in_at: datetime | None
    check_out_at: datetime | None
    minutes_after_start: int | None
    late: bool
    worked_minutes: int
    expected_minutes: int
    signals: int
    report_status: str
    report_revision: int
    outputs: int
    outputs_with_target: int
    achievement_sum: float
    anomaly_list: list[str] = field(default_factory=list)
    """The kind of every anomaly of the day (one entry per anomaly)."""

    @property
    def anomalies(self) -> int:
        return len(self.anomaly_list)

    @property
    def violations(self) -> int:
        return sum(1 for kind in self.anomaly_list if kind not in NOT_VIOLATIONS)

    @property
    def anomaly_kinds(self) -> list[str]:
        return sorted(set(self.anomaly_list))

    @property
    def missing_check_out(self) -> bool:
        return (self.check_in_at is not None and self.check_out_at is None) or (
            "missing_check_out" in self.anomaly_list
        )

    def row(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "anomaly_list"},
            "anomalies": self.anomalies,
            "violations": self.violations,
            "anomaly_kinds": self.anomaly_kinds,
        }


def _target(week: Week, member: Member, day: date, output: Output) -> float | None:
    if output.plan_target is not None:
        request = week.approved_on(member.nip, day)
        assert request is not None, "a plan target needs an approved request"
        return request.plan.work_plan[output.plan_target][1]
    return output.target


def employee_day(week: Week, member: Member, index: int) -> DayFigures | None:
    """The employee-day of ``member`` on day ``index``, or None when nothing happened."""
    day = week.days[index]
    plan = week.plans.get((member.key, index), DayPlan())
    covering = [r for r in week.requests if r.nip == member.nip and day in r.dates]
    if not plan.marks and not plan.report and not covering:
        return None
    approved_then = week.approved_on(member.nip, day)
    standing = [r for r in covering if r.status == "approved"]
    live = [r for r in covering if r.status != "cancelled"]
    # the request the day is under: an approved one first, else the latest one asked for
    under = (standing or live)[-1] if live else None
    check_ins = [m for m in plan.marks if m.kind == "check_in"]
    check_outs = [m for m in plan.marks if m.kind == "check_out"]
    first_in = local(day, check_ins[0].hh, check_ins[0].mm) if check_ins else None
    last_out = local(day, check_outs[-1].hh, check_outs[-1].mm) if check_outs else None
    minutes = None
    if first_in is not None:
        start = datetime.combine(day, WORK_START, first_in.tzinfo)
        minutes = int((first_in - start).total_seconds() // 60)
    anomalies: list[str] = [kind for mark in plan.marks for kind in mark.edge]
    if minutes is not None and minutes > 0:
        anomalies.append("late_check_in")
    if first_in is not None and last_out is None:
        anomalies.append("missing_check_out")
    latest = plan.report[-1] if plan.report else None
    targets = [_target(week, member, day, o) for o in latest.outputs] if latest is not None else []
    quantities = [o.quantity for o in latest.outputs] if latest is not None else []
    achievement = sum(
        min(1.0, q / t) for q, t in zip(quantities, targets, strict=True) if t is not None
    )
    status = "none" if latest is None else latest.verdict or "submitted"
    return DayFigures(
        nip=member.nip,
        work_date=day,
        opd_id=week.opd_id,
        work_unit_id=member.unit,
        working_day=True,
        wfa_requested=bool(live),
        wfa_approved=bool(standing),
        request_id=under.request_id if under else None,
        mode=("wfa" if approved_then is not None else "office") if check_ins else "absent",
        check_in_at=utc(first_in) if first_in else None,
        check_out_at=utc(last_out) if last_out else None,
        minutes_after_start=minutes,
        late=minutes is not None and minutes > 0,
        worked_minutes=(
            int((last_out - first_in).total_seconds() // 60) if first_in and last_out else 0
        ),
        expected_minutes=EXPECTED_MINUTES if first_in else 0,
        signals=sum(1 for m in plan.marks if m.kind in ("ping", "heartbeat")),
        report_status=status,
        report_revision=len(plan.report),
        outputs=len(quantities),
        outputs_with_target=sum(1 for t in targets if t is not None),
        achievement_sum=achievement,
        anomaly_list=anomalies,
    )


@dataclass
class Expected:
    """Every figure of the week, by projection."""

    days: dict[tuple[str, date], DayFigures]
    weeks: dict[str, dict[str, Any]]
    months: dict[tuple[str, date], dict[str, Any]]
    opd_days: dict[date, dict[str, Any]]
    opd_months: dict[date, dict[str, Any]]

    def days_of(self, nip: str) -> list[DayFigures]:
        return sorted((d for d in self.days.values() if d.nip == nip), key=lambda d: d.work_date)

    def anomalies_of(self, nips: set[str]) -> Counter[tuple[str, date, str]]:
        """(nip, day, kind) of every anomaly of ``nips``, counted."""
        return Counter(
            (d.nip, d.work_date, kind)
            for d in self.days.values()
            if d.nip in nips
            for kind in d.anomaly_list
        )


def _week_row(week: Week, member: Member, days: list[DayFigures]) -> dict[str, Any]:
    wfa = sum(1 for d in days if d.mode == "wfa")
    return {
        "nip": member.nip,
        "week_start": week.days[0],
        "opd_id": week.opd_id,
        "wfa_days": wfa,
        "wfa_cap": WFA_CAP,
        "over_cap": max(0, wfa - WFA_CAP),
        "office_days": sum(1 for d in days if d.mode == "office"),
    }


def _month_row(
    week: Week, member: Member, month: date, days: list[DayFigures], over_cap: int
) -> dict[str, Any]:
    by_kind = Counter(kind for d in days for kind in d.anomaly_list)
    return {
        "nip": member.nip,
        "month": month,
        "opd_id": week.opd_id,
        "working_days": sum(1 for d in days if d.working_day),
        "days_present": sum(1 for d in days if d.mode != "absent"),
        "days_wfa": sum(1 for d in days if d.mode == "wfa"),
        "days_wfo": sum(1 for d in days if d.mode == "office"),
        "wfa_days_over_cap": over_cap,
        "worked_minutes": sum(d.worked_minutes for d in days),
        "expected_minutes": sum(d.expected_minutes for d in days),
        "late_days": sum(1 for d in days if d.late),
        "missing_check_out_days": sum(1 for d in days if d.missing_check_out),
        "reports_submitted": sum(1 for d in days if d.report_status != "none"),
        "reports_accepted": sum(1 for d in days if d.report_status == "accepted"),
        "outputs": sum(d.outputs for d in days),
        "outputs_with_target": sum(d.outputs_with_target for d in days),
        "achievement_sum": sum(d.achievement_sum for d in days),
        "outputs_wfa": sum(d.outputs for d in days if d.mode == "wfa"),
        "outputs_wfo": sum(d.outputs for d in days if d.mode == "office"),
        "anomalies": sum(d.anomalies for d in days),
        "violations": sum(d.violations for d in days),
        "anomalies_by_kind": dict(sorted(by_kind.items())),
    }


def _opd_sums(days: list[DayFigures]) -> dict[str, Any]:
    def on(mode: str) -> list[DayFigures]:
        return [d for d in days if d.mode == mode]

    return {
        "present": sum(1 for d in days if d.mode != "absent"),
        "wfa": len(on("wfa")),
        "wfo": len(on("office")),
        "wfa_unapproved": sum(1 for d in on("wfa") if not d.wfa_approved),
        "late": sum(1 for d in days if d.late),
        "missing_check_out": sum(1 for d in days if d.missing_check_out),
        "reports_submitted": sum(1 for d in days if d.report_status != "none"),
        "reports_accepted": sum(1 for d in days if d.report_status == "accepted"),
        "anomalies": sum(d.anomalies for d in days),
        "violations": sum(d.violations for d in days),
        "outputs_wfa": sum(d.outputs for d in on("wfa")),
        "outputs_wfo": sum(d.outputs for d in on("office")),
        "achievement_sum_wfa": sum(d.achievement_sum for d in on("wfa")),
        "with_target_wfa": sum(d.outputs_with_target for d in on("wfa")),
        "achievement_sum_wfo": sum(d.achievement_sum for d in on("office")),
        "with_target_wfo": sum(d.outputs_with_target for d in on("office")),
    }


def expected(week: Week) -> Expected:
    members = list(week.members.values())
    headcount = len(members)
    days: dict[tuple[str, date], DayFigures] = {}
    for member in members:
        for index in range(len(week.days)):
            figures = employee_day(week, member, index)
            if figures is not None:
                days[(member.nip, figures.work_date)] = figures
    weeks: dict[str, dict[str, Any]] = {}
    months: dict[tuple[str, date], dict[str, Any]] = {}
    for member in members:
        mine = [d for d in days.values() if d.nip == member.nip]
        weeks[member.nip] = _week_row(week, member, mine)
        for month in sorted({month_of(d.work_date) for d in mine}):
            in_month = [d for d in mine if month_of(d.work_date) == month]
            over = weeks[member.nip]["over_cap"] if month_of(week.days[0]) == month else 0
            months[(member.nip, month)] = _month_row(week, member, month, in_month, over)
    opd_days: dict[date, dict[str, Any]] = {}
    for day in week.days:
        on_day = [d for d in days.values() if d.work_date == day]
        if on_day:
            opd_days[day] = {
                "opd_id": week.opd_id,
                "work_date": day,
                "headcount": headcount,
                "recorded": len(on_day),
                **_opd_sums(on_day),
            }
    opd_months: dict[date, dict[str, Any]] = {}
    for month in sorted({month_of(day) for day in opd_days}):
        in_month = [d for d in days.values() if month_of(d.work_date) == month]
        opd_months[month] = {
            "opd_id": week.opd_id,
            "month": month,
            "headcount": headcount,
            "working_days": len({d.work_date for d in in_month}),
            "staff_days": len(in_month),
            "wfa_days_over_cap": sum(
                row["wfa_days_over_cap"] for (_, m), row in months.items() if m == month
            ),
            **_opd_sums(in_month),
        }
    return Expected(days, weeks, months, opd_days, opd_months)


def week_months(week: Week) -> list[date]:
    return sorted({month_of(d) for d in week.days})


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
