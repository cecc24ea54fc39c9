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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from kernel.date_text import (
    Lang,
    format_date,
    format_dates,
    format_share,
    format_week,
    weekday_name,
)
from kernel.policy import (
    NonWorkingReason,
    OpdPolicy,
    PolicyHistory,
    allowed_away,
    default_policy,
)
from kernel.positions import never_eligible_reason
from kernel.work_calendar import (
    SpecialWindow,
    add_years,
    days_by_week,
    week_key,
)
from schemas.events import EligibilityDecision, RuleOutcome
from schemas.limits import EXPLANATION_MAX_CHARS, LEGAL_BASIS_MAX_CHARS, clip
from services.eligibility.domain.facts import (
    EmployeeFacts,
    RequestFacts,
    SanctionPeriod,
    UsageFacts,
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
    "failed_codes",
    "summarize",
    "week_key",
]

NEW_HIRE_YEARS: Final = 1
"""Without a recorded orientation end, an ASN counts as newly appointed for this many years."""


class RuleCode(StrEnum):
    """Stable codes of the eligibility rules, in evaluation order."""

    POLICY_IN_FORCE = "POLICY_IN_FORCE"
    WFA_ENABLED = "WFA_ENABLED"
    POSITION_ELIGIBLE = "POSITION_ELIGIBLE"
    NOT_NEW_HIRE = "NOT_NEW_HIRE"
    NO_SANCTION = "NO_SANCTION"
    SUPERVISOR_ASSIGNED = "SUPERVISOR_ASSIGNED"
    DATE_NOT_PAST = "DATE_NOT_PAST"
    WORKING_DAY = "WORKING_DAY"
    WEEKLY_CAP = "WEEKLY_CAP"
    UNIT_AWAY_SHARE = "UNIT_AWAY_SHARE"
    WITHIN_WINDOW = "WITHIN_WINDOW"
    ESSENTIAL_UNIT_WINDOW = "ESSENTIAL_UNIT_WINDOW"


RULE_ORDER: Final[tuple[RuleCode, ...]] = tuple(RuleCode)
"""The order of every decision's trace."""

_PERMEN = "Permen PANRB No. 4/2025"

LEGAL_BASIS: Final[dict[RuleCode, str]] = {
    RuleCode.POLICY_IN_FORCE: f"{_PERMEN}: kebijakan fleksibilitas kerja ditetapkan per instansi",
    RuleCode.WFA_ENABLED: f"{_PERMEN}: fleksibilitas kerja bersifat opsional, bukan hak",
    RuleCode.POSITION_ELIGIBLE: (
        f"{_PERMEN}: pemetaan tugas jabatan (pekerjaan administratif berbasis TI, "
        "minim tatap muka, tanpa pengawasan terus-menerus)"
    ),
    RuleCode.NOT_NEW_HIRE: (
        f"{_PERMEN}: ASN yang baru diangkat atau masih dalam masa orientasi (CPNS) bekerja "
        "di kantor sampai orientasi selesai"
    ),
    RuleCode.NO_SANCTION: f"PP No. 94/2021 tentang Disiplin PNS; {_PERMEN}",
    RuleCode.SUPERVISOR_ASSIGNED: f"{_PERMEN}: persetujuan atasan langsung",
    RuleCode.DATE_NOT_PAST: f"{_PERMEN}: persetujuan atasan langsung sebelum pelaksanaan",
    RuleCode.WORKING_DAY: (
        "Perpres No. 21/2023 (hari kerja Senin-Jumat); ketetapan libur nasional dan cuti bersama"
    ),
    RuleCode.WEEKLY_CAP: f"{_PERMEN} Pasal 13 ayat (1)",
    RuleCode.UNIT_AWAY_SHARE: (
        f"Kelangsungan layanan publik ({_PERMEN}); batas persentase ditetapkan daerah"
    ),
    RuleCode.WITHIN_WINDOW: "Kebijakan WFA OPD; jendela khusus menurut surat edaran MenPANRB",
    RuleCode.ESSENTIAL_UNIT_WINDOW: (
        "Layanan esensial (kesehatan, transportasi, keamanan) tetap di kantor selama jendela "
        "khusus menurut surat edaran MenPANRB"
    ),
}
"""Legal basis of each rule; window rules append the circulars of the windows involved."""


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def evaluate(
    employee: EmployeeFacts,
    request: RequestFacts,
    policy: OpdPolicy | None,
    usage: UsageFacts,
    *,
    today: date,
) -> EligibilityDecision:
    """Decide ``request`` under ``policy`` (None: no policy configured, so not eligible)."""
    return _decide(
        employee, request, policy, usage, today, _policy_given(employee, request, policy)
    )


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
    outcome = _policy_from_history(employee, request, history)
    return _decide(employee, request, policy, usage, today, outcome)


def explain(decision: EligibilityDecision, lang: Lang) -> list[str]:
    """One line per rule of the trace, in order, with verdict, message and legal basis."""
    lines: list[str] = []
    for outcome in decision.trace:
        if lang == "id":
            verdict = "LULUS" if outcome.passed else "GAGAL"
            lines.append(
                f"[{verdict}] {outcome.code}: {outcome.message_id} "
                f"(Dasar hukum: {outcome.legal_basis})"
            )
        else:
            verdict = "PASS" if outcome.passed else "FAIL"
            lines.append(
                f"[{verdict}] {outcome.code}: {outcome.message_en} "
                f"(Legal basis: {outcome.legal_basis})"
            )
    return lines


def failed_codes(decision: EligibilityDecision) -> list[str]:
    """Codes of the rules that failed, in trace order."""
    return [outcome.code for outcome in decision.trace if not outcome.passed]


def summarize(decision: EligibilityDecision, lang: Lang) -> str:
    """A one-line verdict for the ASN."""
    version = decision.policy_version
    if decision.eligible:
        if lang == "id":
            return f"Permohonan WFA memenuhi syarat (kebijakan versi {version})."
        return f"The WFA request is eligible (policy version {version})."
    codes = ", ".join(failed_codes(decision))
    if lang == "id":
        return f"Permohonan WFA tidak memenuhi syarat: {codes}."
    return f"The WFA request is not eligible: {codes}."


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Case:
    employee: EmployeeFacts
    dates: tuple[date, ...]
    policy: OpdPolicy
    configured: bool
    usage: UsageFacts
    today: date


def _decide(
    employee: EmployeeFacts,
    request: RequestFacts,
    policy: OpdPolicy | None,
    usage: UsageFacts,
    today: date,
    policy_outcome: RuleOutcome,
) -> EligibilityDecision:
    case = _Case(
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


def _outcome(
    code: RuleCode, passed: bool, message_id: str, message_en: str, basis: str | None = None
) -> RuleOutcome:
    """A rule's outcome; messages and legal basis are cut to what the contract carries.

    Messages name windows, days and weeks, and window rules join the circulars involved, so a
    policy with long window names or many circulars could otherwise outgrow the fields.
    """
    return RuleOutcome(
        code=code.value,
        passed=passed,
        message_id=clip(message_id, EXPLANATION_MAX_CHARS),
        message_en=clip(message_en, EXPLANATION_MAX_CHARS),
        legal_basis=clip(basis if basis is not None else LEGAL_BASIS[code], LEGAL_BASIS_MAX_CHARS),
    )


def _since(day: date, lang: Lang) -> str:
    if day == date.min:
        return "sejak awal" if lang == "id" else "from the start"
    return f"sejak {format_date(day, 'id')}" if lang == "id" else f"from {format_date(day, 'en')}"


# 1 -------------------------------------------------------------------------------------------


def _no_policy(employee: EmployeeFacts) -> RuleOutcome:
    return _outcome(
        RuleCode.POLICY_IN_FORCE,
        False,
        f"Belum ada kebijakan WFA yang ditetapkan untuk OPD {employee.opd_id}.",
        f"No WFA policy has been set for OPD {employee.opd_id}.",
    )


def _other_opd(employee: EmployeeFacts, opd_id: str) -> RuleOutcome:
    return _outcome(
        RuleCode.POLICY_IN_FORCE,
        False,
        f"Kebijakan yang diberikan milik OPD {opd_id}, bukan OPD pemohon ({employee.opd_id}).",
        f"The policy given belongs to OPD {opd_id}, not the requester's OPD ({employee.opd_id}).",
    )


def _policy_applies(policy: OpdPolicy) -> RuleOutcome:
    return _outcome(
        RuleCode.POLICY_IN_FORCE,
        True,
        f"Kebijakan WFA OPD {policy.opd_id} versi {policy.version} (berlaku "
        f"{_since(policy.effective_from, 'id')}) berlaku untuk semua tanggal yang diminta.",
        f"WFA policy version {policy.version} of OPD {policy.opd_id} (in force "
        f"{_since(policy.effective_from, 'en')}) applies to every requested day.",
    )


def _policy_given(
    employee: EmployeeFacts, request: RequestFacts, policy: OpdPolicy | None
) -> RuleOutcome:
    if policy is None:
        return _no_policy(employee)
    if policy.opd_id != employee.opd_id:
        return _other_opd(employee, policy.opd_id)
    early = [day for day in request.dates if day < policy.effective_from]
    if early:
        return _outcome(
            RuleCode.POLICY_IN_FORCE,
            False,
            f"Kebijakan versi {policy.version} baru berlaku {_since(policy.effective_from, 'id')}"
            f"; tanggal {format_dates(early, 'id')} sebelum itu.",
            f"Policy version {policy.version} is only in force "
            f"{_since(policy.effective_from, 'en')}; {format_dates(early, 'en')} is before that.",
        )
    return _policy_applies(policy)


def _policy_from_history(
    employee: EmployeeFacts, request: RequestFacts, history: PolicyHistory
) -> RuleOutcome:
    if history.opd_id != employee.opd_id:
        return _other_opd(employee, history.opd_id)
    by_version: dict[int | None, list[date]] = {}
    for day in request.dates:
        policy = history.in_force_on(day)
        by_version.setdefault(policy.version if policy else None, []).append(day)
    uncovered = by_version.pop(None, [])
    if uncovered:
        return _outcome(
            RuleCode.POLICY_IN_FORCE,
            False,
            f"Belum ada kebijakan WFA OPD {employee.opd_id} yang berlaku pada "
            f"{format_dates(uncovered, 'id')}.",
            f"No WFA policy of OPD {employee.opd_id} is in force on "
            f"{format_dates(uncovered, 'en')}.",
        )
    if len(by_version) > 1:
        parts_id = "; ".join(f"versi {v}: {format_dates(d, 'id')}" for v, d in by_version.items())
        parts_en = "; ".join(f"version {v}: {format_dates(d, 'en')}" for v, d in by_version.items())
        return _outcome(
            RuleCode.POLICY_IN_FORCE,
            False,
            f"Tanggal yang diminta diatur oleh lebih dari satu versi kebijakan ({parts_id}); "
            "ajukan terpisah untuk tiap versi.",
            f"The requested days fall under more than one policy version ({parts_en}); "
            "request them separately.",
        )
    policy = history.in_force_on(request.dates[0])
    assert policy is not None
    return _policy_applies(policy)


# 2 -------------------------------------------------------------------------------------------


def _wfa_enabled(case: _Case) -> RuleOutcome:
    opd = case.employee.opd_id
    if not case.configured:
        return _outcome(
            RuleCode.WFA_ENABLED,
            False,
            f"WFA tidak aktif: OPD {opd} belum menetapkan kebijakan WFA. Fleksibilitas lokasi "
            "kerja bersifat opsional, bukan hak.",
            f"WFA is off: OPD {opd} has not set a WFA policy. Flexible work location is "
            "optional, not a right.",
        )
    version = case.policy.version
    if not case.policy.wfa_enabled:
        return _outcome(
            RuleCode.WFA_ENABLED,
            False,
            f"OPD {opd} tidak mengaktifkan WFA (kebijakan versi {version}). Fleksibilitas "
            "lokasi kerja bersifat opsional, bukan hak.",
            f"OPD {opd} has WFA turned off (policy version {version}). Flexible work location "
            "is optional, not a right.",
        )
    return _outcome(
        RuleCode.WFA_ENABLED,
        True,
        f"OPD {opd} mengaktifkan WFA (kebijakan versi {version}).",
        f"OPD {opd} has WFA turned on (policy version {version}).",
    )


# 3 -------------------------------------------------------------------------------------------


def _position_eligible(case: _Case) -> RuleOutcome:
    category = case.employee.position_category
    reason = never_eligible_reason(category)
    if reason is not None:
        reason_id, reason_en = reason
        return _outcome(
            RuleCode.POSITION_ELIGIBLE,
            False,
            f"Kategori jabatan '{category}' ({reason_id}) tidak dapat WFA: tugasnya "
            "memerlukan kehadiran fisik, layanan tatap muka atau peralatan khusus.",
            f"Position category '{category}' ({reason_en}) cannot work from anywhere: its "
            "tasks need physical presence, face-to-face service or special equipment.",
        )
    allowed = ", ".join(sorted(case.policy.eligible_categories)) or "-"
    if category not in case.policy.eligible_categories:
        return _outcome(
            RuleCode.POSITION_ELIGIBLE,
            False,
            f"Kategori jabatan '{category}' tidak termasuk kategori yang dapat WFA menurut "
            f"pemetaan tugas OPD ({allowed}).",
            f"Position category '{category}' is not among the categories the OPD's task "
            f"mapping allows to work from anywhere ({allowed}).",
        )
    return _outcome(
        RuleCode.POSITION_ELIGIBLE,
        True,
        f"Kategori jabatan '{category}' dapat WFA menurut pemetaan tugas OPD.",
        f"Position category '{category}' may work from anywhere under the OPD's task mapping.",
    )


# 4 -------------------------------------------------------------------------------------------


def _not_new_hire(case: _Case) -> RuleOutcome:
    employee = case.employee
    end = employee.orientation_end_date
    if end is not None:
        inside = [day for day in case.dates if day <= end]
        first_free = end + timedelta(days=1)
        if inside:
            return _outcome(
                RuleCode.NOT_NEW_HIRE,
                False,
                f"Masih dalam masa orientasi CPNS sampai {format_date(end, 'id')}; WFA dapat "
                f"diajukan mulai {format_date(first_free, 'id')}. Tanggal terdampak: "
                f"{format_dates(inside, 'id')}.",
                f"Still in CPNS orientation until {format_date(end, 'en')}; WFA may be "
                f"requested from {format_date(first_free, 'en')}. Days affected: "
                f"{format_dates(inside, 'en')}.",
            )
        return _outcome(
            RuleCode.NOT_NEW_HIRE,
            True,
            f"Masa orientasi selesai pada {format_date(end, 'id')}.",
            f"Orientation ended on {format_date(end, 'en')}.",
        )
    appointed = employee.appointment_date
    settled_on = add_years(appointed, NEW_HIRE_YEARS)
    inside = [day for day in case.dates if day < settled_on]
    if inside:
        return _outcome(
            RuleCode.NOT_NEW_HIRE,
            False,
            f"Baru diangkat pada {format_date(appointed, 'id')} (kurang dari {NEW_HIRE_YEARS} "
            f"tahun); ASN baru bekerja di kantor sampai {format_date(settled_on, 'id')}. "
            f"Tanggal terdampak: {format_dates(inside, 'id')}.",
            f"Newly appointed on {format_date(appointed, 'en')} (less than {NEW_HIRE_YEARS} "
            f"year); new ASN work from the office until {format_date(settled_on, 'en')}. "
            f"Days affected: {format_dates(inside, 'en')}.",
        )
    return _outcome(
        RuleCode.NOT_NEW_HIRE,
        True,
        f"Diangkat pada {format_date(appointed, 'id')}, lebih dari {NEW_HIRE_YEARS} tahun "
        "sebelum tanggal yang diminta.",
        f"Appointed on {format_date(appointed, 'en')}, at least {NEW_HIRE_YEARS} year before "
        "the requested days.",
    )


# 5 -------------------------------------------------------------------------------------------


def _sanction_span(sanction: SanctionPeriod, lang: Lang) -> str:
    start = format_date(sanction.starts_on, lang)
    if sanction.ends_on is None:
        return f"{start} s.d. tanpa batas akhir" if lang == "id" else f"{start}, open-ended"
    end = format_date(sanction.ends_on, lang)
    return f"{start} s.d. {end}" if lang == "id" else f"{start} to {end}"


def _no_sanction(case: _Case) -> RuleOutcome:
    hits: list[tuple[SanctionPeriod, list[date]]] = []
    for sanction in case.employee.sanctions:
        days = [day for day in case.dates if sanction.covers(day)]
        if days:
            hits.append((sanction, days))
    if hits:
        text_id = "; ".join(
            f"hukuman {_sanction_span(s, 'id')} mencakup {format_dates(d, 'id')}" for s, d in hits
        )
        text_en = "; ".join(
            f"sanction {_sanction_span(s, 'en')} covers {format_dates(d, 'en')}" for s, d in hits
        )
        return _outcome(
            RuleCode.NO_SANCTION,
            False,
            f"Sedang menjalani hukuman disiplin ({text_id}); WFA baru dapat diajukan setelah "
            "hukuman berakhir.",
            f"Under a disciplinary sanction ({text_en}); WFA may be requested once the "
            "sanction ends.",
        )
    return _outcome(
        RuleCode.NO_SANCTION,
        True,
        "Tidak ada hukuman disiplin yang berlaku pada tanggal yang diminta.",
        "No disciplinary sanction is in force on the requested days.",
    )


# 6 -------------------------------------------------------------------------------------------


def _supervisor_assigned(case: _Case) -> RuleOutcome:
    supervisor = case.employee.supervisor_nip
    if supervisor is None:
        return _outcome(
            RuleCode.SUPERVISOR_ASSIGNED,
            False,
            "Atasan langsung belum tercatat di data kepegawaian; permohonan WFA memerlukan "
            "persetujuan atasan langsung.",
            "No direct supervisor is recorded in the roster; a WFA request needs the direct "
            "supervisor's approval.",
        )
    if supervisor == case.employee.nip:
        return _outcome(
            RuleCode.SUPERVISOR_ASSIGNED,
            False,
            "Atasan langsung yang tercatat adalah pemohon sendiri; permohonan tidak dapat "
            "disetujui sendiri.",
            "The recorded direct supervisor is the requester; a request cannot be self-approved.",
        )
    return _outcome(
        RuleCode.SUPERVISOR_ASSIGNED,
        True,
        f"Atasan langsung (NIP {supervisor}) tercatat dan akan memutuskan permohonan.",
        f"The direct supervisor (NIP {supervisor}) is recorded and will decide the request.",
    )


# 7 -------------------------------------------------------------------------------------------


def _date_not_past(case: _Case) -> RuleOutcome:
    past = [day for day in case.dates if day < case.today]
    today_id, today_en = format_date(case.today, "id"), format_date(case.today, "en")
    if past:
        return _outcome(
            RuleCode.DATE_NOT_PAST,
            False,
            f"Tanggal {format_dates(past, 'id')} sudah lewat (hari ini {today_id}); WFA "
            "diajukan dan disetujui sebelum dilaksanakan.",
            f"{format_dates(past, 'en')} is already past (today is {today_en}); WFA is "
            "requested and approved before it happens.",
        )
    return _outcome(
        RuleCode.DATE_NOT_PAST,
        True,
        f"Semua tanggal pada atau setelah hari ini ({today_id}).",
        f"Every day is today ({today_en}) or later.",
    )


# 8 -------------------------------------------------------------------------------------------


def _non_working_text(day: date, reason: NonWorkingReason, lang: Lang) -> str:
    when = format_date(day, lang, weekday=True)
    if lang == "id":
        label = {
            "weekend": f"akhir pekan ({weekday_name(day, 'id')})",
            "holiday": "hari libur nasional",
            "joint_leave": "cuti bersama",
        }[reason]
        return f"{when} adalah {label}"
    label = {
        "weekend": f"a weekend day ({weekday_name(day, 'en')})",
        "holiday": "a national holiday",
        "joint_leave": "joint leave (cuti bersama)",
    }[reason]
    return f"{when} is {label}"


def _working_day(case: _Case) -> RuleOutcome:
    closed = [
        (day, reason)
        for day in case.dates
        if (reason := case.policy.non_working_reason(day)) is not None
    ]
    if closed:
        return _outcome(
            RuleCode.WORKING_DAY,
            False,
            "Bukan hari kerja: "
            + "; ".join(_non_working_text(d, r, "id") for d, r in closed)
            + ". WFA hanya untuk hari kerja.",
            "Not a working day: "
            + "; ".join(_non_working_text(d, r, "en") for d, r in closed)
            + ". WFA is for working days only.",
        )
    return _outcome(
        RuleCode.WORKING_DAY,
        True,
        f"Semua tanggal adalah hari kerja (Senin-Jumat, bukan libur nasional atau cuti "
        f"bersama): {format_dates(case.dates, 'id')}.",
        f"Every day is a working day (Monday-Friday, no holiday or joint leave): "
        f"{format_dates(case.dates, 'en')}.",
    )


# 9 -------------------------------------------------------------------------------------------


def _weekly_cap(case: _Case) -> RuleOutcome:
    cap = case.policy.weekly_cap_days
    category = case.employee.position_category
    if case.policy.is_cap_exempt(category):
        return _outcome(
            RuleCode.WEEKLY_CAP,
            True,
            f"Kategori jabatan '{category}' dikecualikan dari batas {cap} hari WFA per minggu "
            "(tugas di luar kantor atau kondisi khusus).",
            f"Position category '{category}' is exempt from the cap of {cap} WFA days a week "
            "(duties outside the office or special conditions).",
        )
    by_week: dict[tuple[int, int], set[date]] = {}
    for day in case.dates:
        by_week.setdefault(week_key(day), set()).add(day)
    over_id: list[str] = []
    over_en: list[str] = []
    ok_id: list[str] = []
    ok_en: list[str] = []
    for week, days in sorted(by_week.items()):
        week_cap, window = case.policy.weekly_cap_for(days)
        asked = len(days)
        held = case.usage.days_used_by_week.get(week, 0)
        total = held + asked
        cap_id = f" (batas {week_cap} hari jendela {window.name})" if window else ""
        cap_en = f" ({window.name} window cap {week_cap})" if window else ""
        if total > week_cap:
            over_id.append(
                f"{format_week(week, 'id')}{cap_id}: sudah {held} hari, diminta {asked} hari, "
                f"total {total}"
            )
            over_en.append(
                f"{format_week(week, 'en')}{cap_en}: {held} held, {asked} requested, total {total}"
            )
        else:
            ok_id.append(f"{format_week(week, 'id')}{cap_id}: {held} + {asked} = {total}")
            ok_en.append(f"{format_week(week, 'en')}{cap_en}: {held} + {asked} = {total}")
    if over_id:
        return _outcome(
            RuleCode.WEEKLY_CAP,
            False,
            f"Melebihi batas {cap} hari WFA per minggu: " + "; ".join(over_id) + ".",
            f"Exceeds the cap of {cap} WFA days a week: " + "; ".join(over_en) + ".",
        )
    return _outcome(
        RuleCode.WEEKLY_CAP,
        True,
        f"Dalam batas {cap} hari WFA per minggu: " + "; ".join(ok_id) + ".",
        f"Within the cap of {cap} WFA days a week: " + "; ".join(ok_en) + ".",
    )


# 10 ------------------------------------------------------------------------------------------


def _unit_away_share(case: _Case) -> RuleOutcome:
    size = case.usage.unit_size
    unit = case.employee.work_unit_id
    over_id: list[str] = []
    over_en: list[str] = []
    ok_id: list[str] = []
    ok_en: list[str] = []
    for day in case.dates:
        share = case.policy.away_share_on(day)
        allowed = allowed_away(share, size)
        away = case.usage.away_by_date.get(day, 0)
        window = case.policy.window_on(day)
        overridden = window is not None and window.max_away_share is not None
        source_id = f" (jendela {window.name})" if window and overridden else ""
        source_en = f" ({window.name} window)" if window and overridden else ""
        head_id = (
            f"{format_date(day, 'id')}: {away} dari {size} pegawai sudah WFA, batas "
            f"{format_share(share, 'id')}{source_id} = {allowed} orang"
        )
        head_en = (
            f"{format_date(day, 'en')}: {away} of {size} staff already away, limit "
            f"{format_share(share, 'en')}{source_en} = {allowed}"
        )
        if away + 1 > allowed:
            over_id.append(f"{head_id}, permohonan ini menjadi orang ke-{away + 1}")
            over_en.append(f"{head_en}, this request would be number {away + 1}")
        else:
            ok_id.append(head_id)
            ok_en.append(head_en)
    if over_id:
        return _outcome(
            RuleCode.UNIT_AWAY_SHARE,
            False,
            f"Kuota pegawai unit {unit} yang boleh WFA sudah penuh demi kelangsungan layanan "
            "publik: " + "; ".join(over_id) + ".",
            f"The share of unit {unit} that may be away is full, to keep public services "
            "running: " + "; ".join(over_en) + ".",
        )
    return _outcome(
        RuleCode.UNIT_AWAY_SHARE,
        True,
        f"Masih ada kuota WFA di unit {unit}: " + "; ".join(ok_id) + ".",
        f"Unit {unit} still has room for WFA: " + "; ".join(ok_en) + ".",
    )


# 11 ------------------------------------------------------------------------------------------


def _window_basis(code: RuleCode, windows: Iterable[SpecialWindow]) -> str:
    circulars = sorted({window.legal_basis for window in windows if window.legal_basis})
    return "; ".join([LEGAL_BASIS[code], *circulars])


def _within_window(case: _Case) -> RuleOutcome:
    policy = case.policy
    outside = [day for day in case.dates if policy.window_only and policy.window_on(day) is None]
    between = [
        (day, window)
        for day in case.dates
        if day not in outside and (window := policy.restricting_window(day)) is not None
    ]
    involved = [window for day in case.dates if (window := policy.window_on(day)) is not None]
    involved += [window for _, window in between]
    basis = _window_basis(RuleCode.WITHIN_WINDOW, involved)
    if outside or between:
        parts_id: list[str] = []
        parts_en: list[str] = []
        if outside:
            parts_id.append(
                f"kebijakan OPD hanya mengizinkan WFA pada jendela khusus, sedangkan "
                f"{format_dates(outside, 'id')} di luar jendela"
            )
            parts_en.append(
                f"the OPD allows WFA only in special windows and {format_dates(outside, 'en')} "
                "is outside every window"
            )
        for day, window in between:
            parts_id.append(
                f"{format_date(day, 'id')} berada dalam rentang jendela {window.name} tetapi "
                f"bukan hari yang ditetapkan ({format_dates(window.days(), 'id')})"
            )
            parts_en.append(
                f"{format_date(day, 'en')} is within the span of the {window.name} window but "
                f"not one of its days ({format_dates(window.days(), 'en')})"
            )
        return _outcome(
            RuleCode.WITHIN_WINDOW,
            False,
            "Di luar jendela WFA: " + "; ".join(parts_id) + ".",
            "Outside the WFA windows: " + "; ".join(parts_en) + ".",
            basis,
        )
    if policy.window_only:
        listed_id = "; ".join(
            f"{format_date(d, 'id')} ({w.name})" for d in case.dates if (w := policy.window_on(d))
        )
        listed_en = "; ".join(
            f"{format_date(d, 'en')} ({w.name})" for d in case.dates if (w := policy.window_on(d))
        )
        return _outcome(
            RuleCode.WITHIN_WINDOW,
            True,
            f"Semua tanggal berada dalam jendela khusus: {listed_id}.",
            f"Every day is inside a special window: {listed_en}.",
            basis,
        )
    return _outcome(
        RuleCode.WITHIN_WINDOW,
        True,
        "Kebijakan OPD tidak membatasi WFA hanya pada jendela khusus, dan tidak ada tanggal di "
        "sela jendela yang mensyaratkannya.",
        "The OPD does not restrict WFA to special windows, and no day falls between the days "
        "of a window that requires it.",
        basis,
    )


# 12 ------------------------------------------------------------------------------------------


def _essential_unit_window(case: _Case) -> RuleOutcome:
    unit = case.employee.work_unit_id
    policy = case.policy
    in_windows = [
        (day, window) for day in case.dates if (window := policy.window_on(day)) is not None
    ]
    basis = _window_basis(RuleCode.ESSENTIAL_UNIT_WINDOW, (w for _, w in in_windows))
    if unit not in policy.essential_units:
        return _outcome(
            RuleCode.ESSENTIAL_UNIT_WINDOW,
            True,
            f"Unit kerja {unit} bukan unit layanan esensial.",
            f"Work unit {unit} is not an essential-service unit.",
            basis,
        )
    if in_windows:
        text_id = "; ".join(f"{format_date(d, 'id')} ({w.name})" for d, w in in_windows)
        text_en = "; ".join(f"{format_date(d, 'en')} ({w.name})" for d, w in in_windows)
        return _outcome(
            RuleCode.ESSENTIAL_UNIT_WINDOW,
            False,
            f"Unit kerja {unit} adalah layanan esensial (kesehatan, transportasi, keamanan) "
            f"yang tetap bekerja di kantor selama jendela khusus: {text_id}.",
            f"Work unit {unit} is an essential service (health, transport, security) and "
            f"stays on site during special windows: {text_en}.",
            basis,
        )
    return _outcome(
        RuleCode.ESSENTIAL_UNIT_WINDOW,
        True,
        f"Unit kerja {unit} adalah layanan esensial, tetapi tidak ada tanggal yang diminta "
        "dalam jendela khusus.",
        f"Work unit {unit} is an essential service, but no requested day is in a special window.",
        basis,
    )


_RULES: Final[tuple[Callable[[_Case], RuleOutcome], ...]] = (
    _wfa_enabled,
    _position_eligible,
    _not_new_hire,
    _no_sanction,
    _supervisor_assigned,
    _date_not_past,
    _working_day,
    _weekly_cap,
    _unit_away_share,
    _within_window,
    _essential_unit_window,
)
"""Rules 2-12 in trace order; rule 1 depends on how the policy was chosen."""
