"""The explainable WFA eligibility rules engine: pure, no I/O, no clock reads.

:func:`evaluate` checks a request against one OPD policy version and returns an
``EligibilityDecision`` whose trace lists EVERY rule below, passed or not, in this fixed order,
each with a Bahasa Indonesia and an English message naming the specifics (dates, weeks, caps,
shares) and its legal basis. A request is eligible only when every rule passes.
:func:`evaluate_with_history` first picks the policy version in force on the requested days.

==  ========================  =============================================================
#   code                      refused when
==  ========================  =============================================================
1   ``POLICY_IN_FORCE``       no policy is configured for the ASN's OPD, it is another
                              OPD's, a day is before its ``effective_from``, or the days
                              fall under different versions (ask separately)
2   ``WFA_ENABLED``           the OPD left WFA off (optional, "not a right")
3   ``POSITION_ELIGIBLE``     the category is never eligible (dokter, guru, dosen, damkar,
                              layanan_tatap_muka, pengawasan_lapangan, peralatan_khusus) or
                              not in the OPD's task mapping (``eligible_categories``)
4   ``NOT_NEW_HIRE``          a day is on or before ``orientation_end_date`` (its last day),
                              or, with none recorded, less than 1 year after appointment
5   ``NO_SANCTION``           a disciplinary sanction (PP 94/2021) covers a day
6   ``SUPERVISOR_ASSIGNED``   no direct supervisor is recorded, or it is the ASN themself
7   ``DATE_NOT_PAST``         a day is before ``today`` (WFA is approved before it happens)
8   ``WORKING_DAY``           a day is Saturday/Sunday, a holiday or cuti bersama (the SKB
                              calendar and the OPD's own days, minus its declared working days)
9   ``WEEKLY_CAP``            held + requested days in an ISO week exceed the weekly cap,
                              unless the category is cap-exempt (art. 13(1)); a week whose
                              requested days are all in a window with its own cap uses it
10  ``UNIT_AWAY_SHARE``       staff already away + 1 > floor(share x unit size) on a day;
                              the share is the window's override on window days
11  ``WITHIN_WINDOW``         ``window_only`` and a day is outside every window, or a day is
                              inside the span of a ``requires_window`` window but not listed
12  ``ESSENTIAL_UNIT_WINDOW`` the work unit is essential and a day is a window day
==  ========================  =============================================================

Codes are stable: clients and auditors key on them. ``UsageFacts`` must not count the request
being decided.

The rules live one concern a module (:mod:`.policy_in_force` rule 1, :mod:`.employee` 2-6,
:mod:`.days` 7-8, :mod:`.capacity` 9-10, :mod:`.windows` 11-12), their texts in the service's
catalog (:mod:`services.eligibility.messages`), and :mod:`.engine` runs them in order.
"""

from __future__ import annotations

from kernel.work_calendar import days_by_week, week_key
from services.eligibility.domain.facts import (
    EmployeeFacts,
    RequestFacts,
    SanctionPeriod,
    UsageFacts,
)
from services.eligibility.domain.rules.codes import (
    LEGAL_BASIS,
    NEW_HIRE_YEARS,
    RULE_ORDER,
    RuleCode,
)
from services.eligibility.domain.rules.engine import (
    evaluate,
    evaluate_with_history,
    explain,
    explained,
    failed_codes,
    summarize,
)

__all__ = [
    "LEGAL_BASIS",
    "NEW_HIRE_YEARS",
    "RULE_ORDER",
    "EmployeeFacts",
    "RequestFacts",
    "RuleCode",
    "SanctionPeriod",
    "UsageFacts",
    "days_by_week",
    "evaluate",
    "evaluate_with_history",
    "explain",
    "explained",
    "failed_codes",
    "summarize",
    "week_key",
]
