"""Rules 2-6, about the OPD and the employee: WFA on, position, new hire, sanction, supervisor."""

from __future__ import annotations

from datetime import date, timedelta

from kernel.messages import Bilingual
from kernel.positions import never_eligible_reason
from kernel.work_calendar import add_years
from schemas.events import RuleOutcome
from services.eligibility.domain.facts import SanctionPeriod
from services.eligibility.domain.rules.case import Case, day_text, days_text, outcome
from services.eligibility.domain.rules.codes import NEW_HIRE_YEARS, RuleCode
from services.eligibility.messages import MESSAGES

__all__ = [
    "no_sanction",
    "not_new_hire",
    "position_eligible",
    "supervisor_assigned",
    "wfa_enabled",
]


# 2 -------------------------------------------------------------------------------------------


def wfa_enabled(case: Case) -> RuleOutcome:
    """The OPD turned WFA on (it is optional, not a right)."""
    opd = case.employee.opd_id
    code = RuleCode.WFA_ENABLED
    if not case.configured:
        return outcome(code, False, MESSAGES.text("WFA_ENABLED.no_policy", opd=opd))
    version = case.policy.version
    if not case.policy.wfa_enabled:
        return outcome(code, False, MESSAGES.text("WFA_ENABLED.off", opd=opd, version=version))
    return outcome(code, True, MESSAGES.text("WFA_ENABLED.on", opd=opd, version=version))


# 3 -------------------------------------------------------------------------------------------


def position_eligible(case: Case) -> RuleOutcome:
    """The position's category may ever work from anywhere, and the OPD's mapping allows it."""
    code = RuleCode.POSITION_ELIGIBLE
    category = case.employee.position_category
    reason = never_eligible_reason(category)
    if reason is not None:
        message = MESSAGES.text(
            "POSITION_ELIGIBLE.never", category=category, reason=Bilingual(*reason)
        )
        return outcome(code, False, message)
    allowed = ", ".join(sorted(case.policy.eligible_categories)) or "-"
    if category not in case.policy.eligible_categories:
        message = MESSAGES.text("POSITION_ELIGIBLE.not_mapped", category=category, allowed=allowed)
        return outcome(code, False, message)
    return outcome(code, True, MESSAGES.text("POSITION_ELIGIBLE.mapped", category=category))


# 4 -------------------------------------------------------------------------------------------


def not_new_hire(case: Case) -> RuleOutcome:
    """No day asked is in the orientation, or within a year of the appointment without one."""
    code = RuleCode.NOT_NEW_HIRE
    employee = case.employee
    end = employee.orientation_end_date
    if end is not None:
        inside = [day for day in case.dates if day <= end]
        if inside:
            message = MESSAGES.text(
                "NOT_NEW_HIRE.in_orientation",
                end=day_text(end),
                first_free=day_text(end + timedelta(days=1)),
                days=days_text(inside),
            )
            return outcome(code, False, message)
        return outcome(
            code, True, MESSAGES.text("NOT_NEW_HIRE.orientation_ended", end=day_text(end))
        )
    appointed = employee.appointment_date
    settled_on = add_years(appointed, NEW_HIRE_YEARS)
    inside = [day for day in case.dates if day < settled_on]
    if inside:
        message = MESSAGES.text(
            "NOT_NEW_HIRE.new",
            appointed=day_text(appointed),
            years=NEW_HIRE_YEARS,
            settled=day_text(settled_on),
            days=days_text(inside),
        )
        return outcome(code, False, message)
    message = MESSAGES.text(
        "NOT_NEW_HIRE.settled", appointed=day_text(appointed), years=NEW_HIRE_YEARS
    )
    return outcome(code, True, message)


# 5 -------------------------------------------------------------------------------------------


def _sanction_span(sanction: SanctionPeriod) -> Bilingual:
    start = day_text(sanction.starts_on)
    if sanction.ends_on is None:
        return MESSAGES.text("NO_SANCTION.span_open", start=start)
    return MESSAGES.text("NO_SANCTION.span", start=start, end=day_text(sanction.ends_on))


def no_sanction(case: Case) -> RuleOutcome:
    """No disciplinary sanction covers a day asked."""
    code = RuleCode.NO_SANCTION
    hits: list[tuple[SanctionPeriod, list[date]]] = []
    for sanction in case.employee.sanctions:
        days = [day for day in case.dates if sanction.covers(day)]
        if days:
            hits.append((sanction, days))
    if hits:
        sanctions = Bilingual.join(
            "; ",
            (
                MESSAGES.text("NO_SANCTION.covers", span=_sanction_span(s), days=days_text(d))
                for s, d in hits
            ),
        )
        return outcome(code, False, MESSAGES.text("NO_SANCTION.under", sanctions=sanctions))
    return outcome(code, True, MESSAGES.text("NO_SANCTION.none"))


# 6 -------------------------------------------------------------------------------------------


def supervisor_assigned(case: Case) -> RuleOutcome:
    """A direct supervisor other than the requester is recorded to decide."""
    code = RuleCode.SUPERVISOR_ASSIGNED
    supervisor = case.employee.supervisor_nip
    if supervisor is None:
        return outcome(code, False, MESSAGES.text("SUPERVISOR_ASSIGNED.none"))
    if supervisor == case.employee.nip:
        return outcome(code, False, MESSAGES.text("SUPERVISOR_ASSIGNED.self"))
    message = MESSAGES.text("SUPERVISOR_ASSIGNED.recorded", supervisor=supervisor)
    return outcome(code, True, message)
