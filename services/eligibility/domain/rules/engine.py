"""Deciding a request: rule 1 as the policy was chosen, then rules 2-12, every one traced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from kernel.date_text import Lang
from kernel.policy import OpdPolicy, PolicyHistory, default_policy
from schemas.events import EligibilityDecision, RuleOutcome
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts, UsageFacts
from services.eligibility.domain.rules.capacity import unit_away_share, weekly_cap
from services.eligibility.domain.rules.case import Case
from services.eligibility.domain.rules.codes import RULE_ORDER
from services.eligibility.domain.rules.days import date_not_past, working_day
from services.eligibility.domain.rules.employee import (
    no_sanction,
    not_new_hire,
    position_eligible,
    supervisor_assigned,
    wfa_enabled,
)
from services.eligibility.domain.rules.policy_in_force import policy_from_history, policy_given
from services.eligibility.domain.rules.windows import essential_unit_window, within_window
from services.eligibility.messages import MESSAGES

__all__ = [
    "evaluate",
    "evaluate_with_history",
    "explain",
    "explained",
    "failed_codes",
    "summarize",
]


def evaluate(
    employee: EmployeeFacts,
    request: RequestFacts,
    policy: OpdPolicy | None,
    usage: UsageFacts,
    *,
    today: date,
) -> EligibilityDecision:
    """Decide ``request`` under ``policy`` (None: no policy configured, so not eligible)."""
    return _decide(employee, request, policy, usage, today, policy_given(employee, request, policy))


def evaluate_with_history(
    employee: EmployeeFacts,
    request: RequestFacts,
    history: PolicyHistory,
    usage: UsageFacts,
    *,
    today: date,
) -> EligibilityDecision:
    """Decide ``request`` under the version of ``history`` in force on its first day."""
    policy = history.in_force_on(request.dates[0])
    outcome = policy_from_history(employee, request, history)
    return _decide(employee, request, policy, usage, today, outcome)


def explain(decision: EligibilityDecision, lang: Lang) -> list[str]:
    """One line per rule of the trace, in order, with verdict, message and legal basis."""
    return [_explain_line(outcome, lang) for outcome in decision.trace]


def _explain_line(outcome: RuleOutcome, lang: Lang) -> str:
    """One line of :func:`explain`, formatted in ``lang`` only (the trace carries both)."""
    template = MESSAGES["explain.passed" if outcome.passed else "explain.failed"].say(lang)
    return template.format(
        code=outcome.code,
        message=outcome.message_id if lang == "id" else outcome.message_en,
        basis=outcome.legal_basis,
    )


def failed_codes(decision: EligibilityDecision) -> list[str]:
    """Codes of the rules that failed, in trace order."""
    return [outcome.code for outcome in decision.trace if not outcome.passed]


def summarize(decision: EligibilityDecision, lang: Lang) -> str:
    """A one-line verdict for the ASN."""
    if decision.eligible:
        return MESSAGES["summary.eligible"].say(lang).format(version=decision.policy_version)
    codes = ", ".join(failed_codes(decision))
    return MESSAGES["summary.not_eligible"].say(lang).format(codes=codes)


def explained(decision: EligibilityDecision) -> dict[str, dict[str, Any]]:
    """The ``summary`` and ``explanation`` of an answer, each in both languages, every line
    formatted once."""
    return {
        "summary": {"id": summarize(decision, "id"), "en": summarize(decision, "en")},
        "explanation": {"id": explain(decision, "id"), "en": explain(decision, "en")},
    }


_RULES: Final[tuple[Callable[[Case], RuleOutcome], ...]] = (
    wfa_enabled,
    position_eligible,
    not_new_hire,
    no_sanction,
    supervisor_assigned,
    date_not_past,
    working_day,
    weekly_cap,
    unit_away_share,
    within_window,
    essential_unit_window,
)
"""Rules 2-12 in trace order; rule 1 depends on how the policy was chosen."""


def _decide(
    employee: EmployeeFacts,
    request: RequestFacts,
    policy: OpdPolicy | None,
    usage: UsageFacts,
    today: date,
    policy_outcome: RuleOutcome,
) -> EligibilityDecision:
    case = Case(
        employee=employee,
        dates=request.dates,
        # without a policy the other rules still run, under the default (WFA off)
        policy=policy if policy is not None else default_policy(employee.opd_id),
        configured=policy is not None,
        usage=usage,
        today=today,
    )
    trace = [policy_outcome, *(rule(case) for rule in _RULES)]
    assert [outcome.code for outcome in trace] == list(RULE_ORDER)
    return EligibilityDecision(
        eligible=all(outcome.passed for outcome in trace),
        policy_version=policy.version if policy is not None else None,
        trace=trace,
    )
