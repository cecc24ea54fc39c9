"""What every rule judges (the case) and how a rule says its outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kernel.date_text import format_date, format_dates
from kernel.messages import Bilingual, bilingual
from kernel.policy import OpdPolicy
from kernel.work_calendar import SpecialWindow
from schemas.events import RuleOutcome
from schemas.limits import EXPLANATION_MAX_CHARS, LEGAL_BASIS_MAX_CHARS, clip
from services.eligibility.domain.facts import EmployeeFacts, UsageFacts
from services.eligibility.domain.rules.codes import LEGAL_BASIS, RuleCode
from services.eligibility.messages import MESSAGES

__all__ = ["Case", "day_text", "days_text", "outcome", "since", "window_basis"]


@dataclass(frozen=True, slots=True)
class Case:
    """A request as the rules 2-12 see it, under the policy chosen for it."""

    employee: EmployeeFacts
    dates: tuple[date, ...]
    policy: OpdPolicy
    configured: bool
    usage: UsageFacts
    today: date


def outcome(
    code: RuleCode, passed: bool, message: Bilingual, basis: str | None = None
) -> RuleOutcome:
    """A rule's outcome; messages and legal basis are cut to what the contract carries.

    Messages name windows, days and weeks, and window rules join the circulars involved, so a
    policy with long window names or many circulars could otherwise outgrow the fields.
    """
    return RuleOutcome(
        code=code.value,
        passed=passed,
        message_id=clip(message.id, EXPLANATION_MAX_CHARS),
        message_en=clip(message.en, EXPLANATION_MAX_CHARS),
        legal_basis=clip(basis if basis is not None else LEGAL_BASIS[code], LEGAL_BASIS_MAX_CHARS),
    )


@lru_cache(maxsize=4096)
def day_text(day: date, *, weekday: bool = False) -> Bilingual:
    """``day`` written for people in each language (the same few days, written once)."""
    return bilingual(lambda lang: format_date(day, lang, weekday=weekday))


def days_text(days: Iterable[date]) -> Bilingual:
    """``days`` written for people in each language."""
    listed = list(days)
    return bilingual(lambda lang: format_dates(listed, lang))


def since(day: date) -> Bilingual:
    """From when a policy version is in force ("from the start" for the first one)."""
    if day == date.min:
        return MESSAGES.text("since.start")
    return MESSAGES.text("since.day", day=day_text(day))


def window_basis(code: RuleCode, windows: Iterable[SpecialWindow]) -> str:
    """The rule's legal basis followed by the circulars of the windows involved."""
    circulars = sorted({window.legal_basis for window in windows if window.legal_basis})
    return "; ".join([LEGAL_BASIS[code], *circulars])
