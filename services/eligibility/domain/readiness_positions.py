"""The share of an OPD's positions the task mapping finds fit for WFA. Pure, no I/O.

A position is eligible when its category is among the OPD policy's ``eligible_categories``
and is not one of the categories that are never eligible, whatever a policy says (doctors,
teachers, lecturers, firefighters, face-to-face service, field supervision, special
equipment: :mod:`kernel.positions`). Only the position counts here, not
the person: orientation, sanctions and whether the OPD has switched WFA on are the decider's
business, not the task mapping's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kernel.positions import never_eligible_reason

__all__ = [
    "CategoryCount",
    "PositionsReport",
    "UnitCount",
    "category_verdict",
    "count_positions",
]


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """How many positions of one category the OPD has, and whether they are eligible."""

    category: str
    count: int
    eligible: bool
    reason_id: str
    reason_en: str


@dataclass(frozen=True, slots=True)
class UnitCount:
    """Head count and eligible positions of one work unit."""

    work_unit_id: str
    headcount: int
    eligible: int


@dataclass(frozen=True, slots=True)
class PositionsReport:
    """Positions of an OPD under the task mapping."""

    total: int
    eligible: int
    eligible_share: float | None
    """``eligible / total`` rounded to 4 decimals; None for an OPD with nobody on the roster."""
    by_category: tuple[CategoryCount, ...]
    """Largest categories first, then by name."""
    by_unit: tuple[UnitCount, ...]
    """By work unit id."""

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "eligible": self.eligible,
            "eligible_share": self.eligible_share,
            "by_category": [
                {
                    "category": c.category,
                    "count": c.count,
                    "eligible": c.eligible,
                    "reason_id": c.reason_id,
                    "reason_en": c.reason_en,
                }
                for c in self.by_category
            ],
            "by_unit": [
                {"work_unit_id": u.work_unit_id, "headcount": u.headcount, "eligible": u.eligible}
                for u in self.by_unit
            ],
        }


def category_verdict(category: str, eligible_categories: frozenset[str]) -> tuple[bool, str, str]:
    """``(eligible, reason in Indonesian, reason in English)`` for one position category."""
    never = never_eligible_reason(category)
    if never is not None:
        return (
            False,
            f"Tidak pernah dapat WFA: {never[0]} (Permen PANRB 4/2025).",
            f"Never eligible for WFA: {never[1]} (Permen PANRB 4/2025).",
        )
    if category in eligible_categories:
        return (
            True,
            "Termasuk kategori jabatan yang memenuhi syarat WFA menurut pemetaan tugas OPD.",
            "Among the position categories the OPD's task mapping finds fit for WFA.",
        )
    return (
        False,
        "Tidak termasuk kategori jabatan yang memenuhi syarat WFA menurut pemetaan tugas OPD.",
        "Not among the position categories the OPD's task mapping finds fit for WFA.",
    )


def count_positions(
    positions: Iterable[tuple[str, str]], eligible_categories: frozenset[str]
) -> PositionsReport:
    """Count ``positions``, each ``(work_unit_id, position_category)`` of one employee."""
    by_category: Counter[str] = Counter()
    headcount: Counter[str] = Counter()
    eligible_in_unit: Counter[str] = Counter()
    verdicts: dict[str, tuple[bool, str, str]] = {}
    for unit, category in positions:
        verdict = verdicts.get(category)
        if verdict is None:
            verdict = verdicts[category] = category_verdict(category, eligible_categories)
        by_category[category] += 1
        headcount[unit] += 1
        if verdict[0]:
            eligible_in_unit[unit] += 1
    total = sum(headcount.values())
    eligible = sum(eligible_in_unit.values())
    categories = tuple(
        CategoryCount(category, count, *verdicts[category])
        for category, count in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
    )
    units = tuple(
        UnitCount(unit, headcount[unit], eligible_in_unit[unit]) for unit in sorted(headcount)
    )
    share = round(eligible / total, 4) if total else None
    return PositionsReport(total, eligible, share, categories, units)
