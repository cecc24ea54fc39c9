"""Rules 11-12, about special windows: WFA within them, essential units on site during them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kernel.messages import Bilingual
from kernel.work_calendar import SpecialWindow
from schemas.events import RuleOutcome
from services.eligibility.domain.rules.case import (
    Case,
    day_text,
    days_text,
    outcome,
    window_basis,
)
from services.eligibility.domain.rules.codes import RuleCode
from services.eligibility.messages import MESSAGES

__all__ = ["essential_unit_window", "within_window"]


def _window_days(days: Iterable[tuple[date, SpecialWindow]]) -> Bilingual:
    return Bilingual.join(
        "; ",
        (
            MESSAGES.text("WITHIN_WINDOW.window_day", day=day_text(d), window=w.name)
            for d, w in days
        ),
    )


# 11 ------------------------------------------------------------------------------------------


def within_window(case: Case) -> RuleOutcome:
    """Every day asked is in a window when the OPD allows WFA only in windows, and no day is
    between the days of a window that requires its own days."""
    code = RuleCode.WITHIN_WINDOW
    policy = case.policy
    outside = [day for day in case.dates if policy.window_only and policy.window_on(day) is None]
    between = [
        (day, window)
        for day in case.dates
        if day not in outside and (window := policy.restricting_window(day)) is not None
    ]
    involved = [window for day in case.dates if (window := policy.window_on(day)) is not None]
    involved += [window for _, window in between]
    basis = window_basis(code, involved)
    if outside or between:
        parts: list[Bilingual] = []
        if outside:
            parts.append(MESSAGES.text("WITHIN_WINDOW.outside_every", days=days_text(outside)))
        for day, window in between:
            parts.append(
                MESSAGES.text(
                    "WITHIN_WINDOW.between",
                    day=day_text(day),
                    window=window.name,
                    window_days=days_text(window.days()),
                )
            )
        message = MESSAGES.text("WITHIN_WINDOW.outside", parts=Bilingual.join("; ", parts))
        return outcome(code, False, message, basis)
    if policy.window_only:
        listed = _window_days((d, w) for d in case.dates if (w := policy.window_on(d)))
        return outcome(code, True, MESSAGES.text("WITHIN_WINDOW.inside", days=listed), basis)
    return outcome(code, True, MESSAGES.text("WITHIN_WINDOW.unrestricted"), basis)


# 12 ------------------------------------------------------------------------------------------


def essential_unit_window(case: Case) -> RuleOutcome:
    """An essential-service unit stays on site on window days."""
    code = RuleCode.ESSENTIAL_UNIT_WINDOW
    unit = case.employee.work_unit_id
    policy = case.policy
    in_windows = [
        (day, window) for day in case.dates if (window := policy.window_on(day)) is not None
    ]
    basis = window_basis(code, (w for _, w in in_windows))
    if unit not in policy.essential_units:
        message = MESSAGES.text("ESSENTIAL_UNIT_WINDOW.not_essential", unit=unit)
        return outcome(code, True, message, basis)
    if in_windows:
        message = MESSAGES.text(
            "ESSENTIAL_UNIT_WINDOW.in_window", unit=unit, days=_window_days(in_windows)
        )
        return outcome(code, False, message, basis)
    message = MESSAGES.text("ESSENTIAL_UNIT_WINDOW.no_window_day", unit=unit)
    return outcome(code, True, message, basis)
