"""What a generated province does over a period, decided before any event: the days, the
policies in force, and who asks for which WFA days each week and what is decided. Pure.

Chance comes from :func:`unit_hash` alone (a hash of what is decided about), so every decision
is the same whoever asks, in any order and in any process.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Final, Literal

from kernel.policy import OpdPolicy, allowed_away, default_policy
from kernel.work_calendar import NATARU_2025, DateRange, SpecialWindow
from operations.province.model import Person, ProvinceConfig, build_opd

__all__ = [
    "Ask",
    "Period",
    "PeriodName",
    "WeekPlan",
    "in_force",
    "jitter",
    "monday_of",
    "period_days",
    "policies_of",
    "unit_hash",
    "week_plan",
]

PeriodName = Literal["day", "week", "month"]


def period_days(start: date, period: PeriodName) -> list[date]:
    """The calendar days of the period starting on ``start``."""
    if period == "day":
        count = 1
    elif period == "week":
        count = 7
    else:
        month = start.month % 12 + 1
        year = start.year + (start.month // 12)
        try:
            end = start.replace(year=year, month=month)
        except ValueError:
            end = date(year, month, 28)
        count = (end - start).days
    return [start + timedelta(days=n) for n in range(count)]


@dataclass(frozen=True)
class Period:
    start: date
    days: tuple[date, ...]

    @classmethod
    def of(cls, start: date, period: PeriodName) -> Period:
        return cls(start, tuple(period_days(start, period)))

    @property
    def end(self) -> date:
        return self.days[-1]


def unit_hash(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: the simulation's only source of chance."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def jitter(point: tuple[float, float], metres: float, *key: object) -> tuple[float, float]:
    angle = unit_hash("a", *key) * 2 * math.pi
    radius = metres * math.sqrt(unit_hash("r", *key))
    return (
        round(point[0] + radius * math.sin(angle) / 111_320, 6),
        round(point[1] + radius * math.cos(angle) / 110_570, 6),
    )


# --------------------------------------------------------------------------------------------
# policies and windows
# --------------------------------------------------------------------------------------------


def _windows(period: Period) -> tuple[SpecialWindow, ...]:
    """Nataru 2025 and Lebaran 2025; when the period misses Nataru, a Nataru-style window of
    its own: Monday to Wednesday of its last full week, three days allowed in that week."""
    base = default_policy("x").windows
    if any(day in NATARU_2025 for day in period.days):
        return base
    mondays = [d for d in period.days if d.weekday() == 0 and d + timedelta(days=4) <= period.end]
    if not mondays:
        return base
    monday = mondays[-1]
    window = SpecialWindow(
        name="Nataru simulasi",
        dates=(DateRange(start=monday, end=monday + timedelta(days=2)),),
        requires_window=True,
        legal_basis="Surat edaran simulasi (generator provinsi), seperti SE B/531/M.KT.02/2025",
        weekly_cap_days=3,
    )
    if any(w.first_day <= window.last_day and window.first_day <= w.last_day for w in base):
        return base
    return (*base, window)


@lru_cache(maxsize=4096)
def _policies(config: ProvinceConfig, period: Period, index: int) -> tuple[OpdPolicy, ...]:
    opd = build_opd(config, index)
    share = (0.2, 0.3, 0.4)[index % 3]
    v1 = OpdPolicy(
        opd_id=opd.opd_id,
        version=1,
        effective_from=period.start - timedelta(days=60),
        wfa_enabled=opd.spec.wfa_enabled,
        max_away_share=share,
        windows=_windows(period),
        essential_units=frozenset(opd.essential_units()),
        timezone=opd.spec.timezone,
    )
    versions = [v1]
    if len(period.days) > 10 and index % 5 == 1 and opd.spec.wfa_enabled:
        versions.append(
            v1.model_copy(
                update={
                    "version": 2,
                    "effective_from": period.days[9],
                    "max_away_share": min(1.0, share + 0.05),
                }
            )
        )
    return tuple(versions)


def policies_of(config: ProvinceConfig, period: Period, index: int) -> tuple[OpdPolicy, ...]:
    """The policy versions of the ``index``-th OPD over the period (v2 for some OPDs)."""
    return _policies(config, period, index)


def in_force(policies: tuple[OpdPolicy, ...], day: date) -> OpdPolicy:
    return max((p for p in policies if p.effective_from <= day), key=lambda p: p.version)


# --------------------------------------------------------------------------------------------
# WFA requests: who asks for which days, and what is decided
# --------------------------------------------------------------------------------------------

Outcome = Literal["approved", "rejected", "cancelled", "pending", "not_eligible"]


@dataclass(frozen=True, slots=True)
class Ask:
    person: Person
    days: tuple[date, ...]
    outcome: Outcome
    failed: tuple[str, ...] = ()
    """Codes of the rules that failed (not eligible)."""


@dataclass(frozen=True, slots=True)
class WeekPlan:
    monday: date
    asks: tuple[Ask, ...]
    approved: dict[str, tuple[int, tuple[date, ...]]]
    """NIP -> (index of the ask in ``asks``, approved days) for approved, not cancelled asks."""


_WFA_CHEATS: Final = frozenset({"far_from_wfa_location", "mode_mismatch", "static_coordinates"})


def _failed_rules(p: Person, policy: OpdPolicy, days: list[date]) -> list[str]:
    failed = []
    if not policy.wfa_enabled:
        failed.append("WFA_ENABLED")
    if p.category not in policy.eligible_categories:
        failed.append("POSITION_ELIGIBLE")
    if any(p.new_hire_on(d) for d in days):
        failed.append("NOT_NEW_HIRE")
    if p.sanction is not None and any(p.sanction.covers(d) for d in days):
        failed.append("NO_SANCTION")
    if p.supervisor is None:
        failed.append("SUPERVISOR_ASSIGNED")
    return failed


@lru_cache(maxsize=256)
def week_plan(config: ProvinceConfig, period: Period, index: int, monday: date) -> WeekPlan:
    """The WFA requests of one OPD for the ISO week starting ``monday``, decided."""
    opd = build_opd(config, index)
    policies = _policies(config, period, index)
    policy = in_force(policies, monday)
    days = [monday + timedelta(days=n) for n in range(5)]
    working = [d for d in days if policy.non_working_reason(d) is None]
    asks: list[Ask] = []
    approved: dict[str, tuple[int, tuple[date, ...]]] = {}
    away: dict[tuple[str, date], int] = {}
    window_days = [d for d in working if policy.window_on(d) is not None]
    if not working:
        return WeekPlan(monday, (), {})
    people = sorted(opd.people, key=lambda q: q.cheat not in _WFA_CHEATS)
    for p in people:
        roll = unit_hash(config.seed, "ask", p.nip, monday)
        must = p.cheat in _WFA_CHEATS
        if not p.may_ask_wfa() or not policy.wfa_enabled:
            # some ask anyway and are refused by the rules (teachers, doctors, WFA off)
            if p.rank == "staff" and roll < 0.01:
                chosen = [working[int(unit_hash("d", p.nip, monday) * len(working))]]
                failed = _failed_rules(p, policy, chosen) or ["POSITION_ELIGIBLE"]
                asks.append(Ask(p, tuple(chosen), "not_eligible", tuple(failed)))
            continue
        if not must and roll >= p.wfa_affinity * 0.5:
            continue
        if must:
            pool = window_days or [d for d in working if policy.restricting_window(d) is None]
            later = [d for d in pool if d >= period.start] or pool
            chosen = later[: 3 if window_days else 2]
            if not chosen:
                continue
        elif window_days and not p.unit.essential and unit_hash("w", p.nip, monday) < 0.7:
            chosen = window_days
        else:
            free = [
                d for d in working if policy.restricting_window(d) is None and d not in window_days
            ]
            if not free:
                continue
            count = 1 if len(free) == 1 or unit_hash("n", p.nip, monday) < 0.5 else 2
            start = int(unit_hash("s", p.nip, monday) * len(free))
            chosen = sorted({free[(start + k * 2) % len(free)] for k in range(count)})
        failed = _failed_rules(p, policy, chosen)
        cap, _ = policy.weekly_cap_for(chosen)
        if len(chosen) > cap:
            failed.append("WEEKLY_CAP")
        full = [
            d
            for d in chosen
            if away.get((p.unit.unit_id, d), 0) + 1
            > allowed_away(policy.away_share_on(d), p.unit.size)
        ]
        if full:
            failed.append("UNIT_AWAY_SHARE")
        if p.unit.essential and any(policy.window_on(d) for d in chosen):
            failed.append("ESSENTIAL_UNIT_WINDOW")
        if failed:
            if not must:
                asks.append(Ask(p, tuple(chosen), "not_eligible", tuple(failed)))
            continue
        for d in chosen:
            away[(p.unit.unit_id, d)] = away.get((p.unit.unit_id, d), 0) + 1
        decide = unit_hash("decide", p.nip, monday)
        outcome: Outcome = "approved"
        if not must:
            if decide < 0.05:
                outcome = "rejected"
            elif decide < 0.08:
                outcome = "cancelled"
            elif decide < 0.10:
                outcome = "pending"
        if outcome in ("rejected", "cancelled"):
            for d in chosen:
                away[(p.unit.unit_id, d)] -= 1
        asks.append(Ask(p, tuple(chosen), outcome))
        if outcome == "approved":
            approved[p.nip] = (len(asks) - 1, tuple(chosen))
    return WeekPlan(monday, tuple(asks), approved)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
