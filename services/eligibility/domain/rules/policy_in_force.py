"""Rule 1, ``POLICY_IN_FORCE``: one version of the OPD's own policy decides every day asked."""

from __future__ import annotations

from datetime import date

from kernel.messages import Bilingual
from kernel.policy import OpdPolicy, PolicyHistory
from schemas.events import RuleOutcome
from services.eligibility.domain.facts import EmployeeFacts, RequestFacts
from services.eligibility.domain.rules.case import days_text, outcome, since
from services.eligibility.domain.rules.codes import RuleCode
from services.eligibility.messages import MESSAGES

__all__ = ["policy_from_history", "policy_given"]

_CODE = RuleCode.POLICY_IN_FORCE


def _no_policy(employee: EmployeeFacts) -> RuleOutcome:
    return outcome(_CODE, False, MESSAGES.text("POLICY_IN_FORCE.none", opd=employee.opd_id))


def _other_opd(employee: EmployeeFacts, opd_id: str) -> RuleOutcome:
    message = MESSAGES.text("POLICY_IN_FORCE.other_opd", policy_opd=opd_id, opd=employee.opd_id)
    return outcome(_CODE, False, message)


def _policy_applies(policy: OpdPolicy) -> RuleOutcome:
    message = MESSAGES.text(
        "POLICY_IN_FORCE.applies",
        opd=policy.opd_id,
        version=policy.version,
        since=since(policy.effective_from),
    )
    return outcome(_CODE, True, message)


def policy_given(
    employee: EmployeeFacts, request: RequestFacts, policy: OpdPolicy | None
) -> RuleOutcome:
    """Rule 1 when the caller gave the policy (None: no policy configured)."""
    if policy is None:
        return _no_policy(employee)
    if policy.opd_id != employee.opd_id:
        return _other_opd(employee, policy.opd_id)
    early = [day for day in request.dates if day < policy.effective_from]
    if early:
        message = MESSAGES.text(
            "POLICY_IN_FORCE.not_yet",
            version=policy.version,
            since=since(policy.effective_from),
            days=days_text(early),
        )
        return outcome(_CODE, False, message)
    return _policy_applies(policy)


def policy_from_history(
    employee: EmployeeFacts, request: RequestFacts, history: PolicyHistory
) -> RuleOutcome:
    """Rule 1 when the version in force is picked from the OPD's policy history."""
    if history.opd_id != employee.opd_id:
        return _other_opd(employee, history.opd_id)
    by_version: dict[int | None, list[date]] = {}
    for day in request.dates:
        policy = history.in_force_on(day)
        by_version.setdefault(policy.version if policy else None, []).append(day)
    uncovered = by_version.pop(None, [])
    if uncovered:
        message = MESSAGES.text(
            "POLICY_IN_FORCE.uncovered", opd=employee.opd_id, days=days_text(uncovered)
        )
        return outcome(_CODE, False, message)
    if len(by_version) > 1:
        parts = Bilingual.join(
            "; ",
            (
                MESSAGES.text("POLICY_IN_FORCE.version_days", version=v, days=days_text(d))
                for v, d in by_version.items()
            ),
        )
        return outcome(_CODE, False, MESSAGES.text("POLICY_IN_FORCE.versions", parts=parts))
    policy = history.in_force_on(request.dates[0])
    assert policy is not None
    return _policy_applies(policy)
