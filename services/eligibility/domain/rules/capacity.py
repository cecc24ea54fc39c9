"""Rules 9-10, about how much WFA there is room for: the weekly cap, the unit's away share."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from kernel.date_text import format_share, format_week
from kernel.messages import Bilingual, bilingual
from kernel.policy import allowed_away
from kernel.work_calendar import week_key
from schemas.events import RuleOutcome
from services.eligibility.domain.rules.case import Case, day_text, outcome
from services.eligibility.domain.rules.codes import RuleCode
from services.eligibility.messages import MESSAGES

__all__ = ["unit_away_share", "weekly_cap"]

_NOTHING = Bilingual("", "")


@lru_cache(maxsize=1024)
def _week_text(week: tuple[int, int]) -> Bilingual:
    return bilingual(lambda lang: format_week(week, lang))


@lru_cache(maxsize=256)
def _share_text(share: float) -> Bilingual:
    return bilingual(lambda lang: format_share(share, lang))


# 9 -------------------------------------------------------------------------------------------


def weekly_cap(case: Case) -> RuleOutcome:
    """Days held plus days asked stay within the week's cap, unless the category is exempt."""
    code = RuleCode.WEEKLY_CAP
    cap = case.policy.weekly_cap_days
    category = case.employee.position_category
    if case.policy.is_cap_exempt(category):
        return outcome(code, True, MESSAGES.text("WEEKLY_CAP.exempt", category=category, cap=cap))
    by_week: dict[tuple[int, int], set[date]] = {}
    for day in case.dates:
        by_week.setdefault(week_key(day), set()).add(day)
    over: list[Bilingual] = []
    within: list[Bilingual] = []
    for week, days in sorted(by_week.items()):
        week_cap, window = case.policy.weekly_cap_for(days)
        asked = len(days)
        held = case.usage.days_used_by_week.get(week, 0)
        total = held + asked
        window_cap = (
            MESSAGES.text("WEEKLY_CAP.window_cap", cap=week_cap, window=window.name)
            if window
            else _NOTHING
        )
        figures = {
            "week": _week_text(week),
            "window_cap": window_cap,
            "held": held,
            "asked": asked,
            "total": total,
        }
        if total > week_cap:
            over.append(MESSAGES.text("WEEKLY_CAP.week_over", **figures))
        else:
            within.append(MESSAGES.text("WEEKLY_CAP.week_ok", **figures))
    if over:
        weeks = Bilingual.join("; ", over)
        return outcome(code, False, MESSAGES.text("WEEKLY_CAP.over", cap=cap, weeks=weeks))
    weeks = Bilingual.join("; ", within)
    return outcome(code, True, MESSAGES.text("WEEKLY_CAP.within", cap=cap, weeks=weeks))


# 10 ------------------------------------------------------------------------------------------


def unit_away_share(case: Case) -> RuleOutcome:
    """On every day asked the unit has room for one more away (public services keep running)."""
    code = RuleCode.UNIT_AWAY_SHARE
    size = case.usage.unit_size
    unit = case.employee.work_unit_id
    over: list[Bilingual] = []
    room: list[Bilingual] = []
    for day in case.dates:
        share = case.policy.away_share_on(day)
        allowed = allowed_away(share, size)
        away = case.usage.away_by_date.get(day, 0)
        window = case.policy.window_on(day)
        overridden = window is not None and window.max_away_share is not None
        source = (
            MESSAGES.text("UNIT_AWAY_SHARE.window", window=window.name)
            if window and overridden
            else _NOTHING
        )
        head = MESSAGES.text(
            "UNIT_AWAY_SHARE.day",
            day=day_text(day),
            away=away,
            size=size,
            share=_share_text(share),
            source=source,
            allowed=allowed,
        )
        if away + 1 > allowed:
            over.append(MESSAGES.text("UNIT_AWAY_SHARE.day_over", day=head, number=away + 1))
        else:
            room.append(head)
    if over:
        days = Bilingual.join("; ", over)
        return outcome(code, False, MESSAGES.text("UNIT_AWAY_SHARE.full", unit=unit, days=days))
    days = Bilingual.join("; ", room)
    return outcome(code, True, MESSAGES.text("UNIT_AWAY_SHARE.room", unit=unit, days=days))
