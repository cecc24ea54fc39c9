"""Rules 7-8, about the days asked: none past, every one a working day."""

from __future__ import annotations

from datetime import date

from kernel.date_text import weekday_name
from kernel.messages import Bilingual, bilingual
from kernel.policy import NonWorkingReason
from schemas.events import RuleOutcome
from services.eligibility.domain.rules.case import Case, day_text, days_text, outcome
from services.eligibility.domain.rules.codes import RuleCode
from services.eligibility.messages import MESSAGES

__all__ = ["date_not_past", "working_day"]


# 7 -------------------------------------------------------------------------------------------


def date_not_past(case: Case) -> RuleOutcome:
    """No day asked is before today (WFA is approved before it happens)."""
    code = RuleCode.DATE_NOT_PAST
    past = [day for day in case.dates if day < case.today]
    today = day_text(case.today)
    if past:
        message = MESSAGES.text("DATE_NOT_PAST.past", days=days_text(past), today=today)
        return outcome(code, False, message)
    return outcome(code, True, MESSAGES.text("DATE_NOT_PAST.ok", today=today))


# 8 -------------------------------------------------------------------------------------------


def _non_working_text(day: date, reason: NonWorkingReason) -> Bilingual:
    if reason == "weekend":
        label = MESSAGES.text(
            "WORKING_DAY.weekend", weekday=bilingual(lambda lang: weekday_name(day, lang))
        )
    elif reason == "holiday":
        label = MESSAGES.text("WORKING_DAY.holiday")
    else:
        label = MESSAGES.text("WORKING_DAY.joint_leave")
    return MESSAGES.text("WORKING_DAY.day_is", day=day_text(day, weekday=True), label=label)


def working_day(case: Case) -> RuleOutcome:
    """Every day asked is a working day of the OPD (no weekend, holiday or joint leave)."""
    code = RuleCode.WORKING_DAY
    closed = [
        (day, reason)
        for day in case.dates
        if (reason := case.policy.non_working_reason(day)) is not None
    ]
    if closed:
        days = Bilingual.join("; ", (_non_working_text(d, r) for d, r in closed))
        return outcome(code, False, MESSAGES.text("WORKING_DAY.closed", days=days))
    return outcome(code, True, MESSAGES.text("WORKING_DAY.ok", days=days_text(case.dates)))
