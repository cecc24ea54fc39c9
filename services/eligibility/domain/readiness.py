"""Readiness assessments of OPDs and work units: which one counts. Pure, no I/O.

An official assesses the infrastructure (work devices, access to e-office or VPN) and the
connectivity (a connection good enough for video calls from home) of a whole OPD or of one of
its work units, as shares of the staff in percent. The assessment that counts for an OPD or a
unit is the one with the latest ``assessed_on``; between two of the same day, the one recorded
last; between two recorded at the same instant, the higher event id. The order does not depend
on the order the log delivers them in (the policies topic has several partitions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = ["Assessment", "AssessmentKey", "latest_assessments", "newer"]

AssessmentKey = tuple[str, str | None]
"""(OPD id, work unit id or None for the whole OPD)."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """One readiness assessment as published."""

    assessment_id: str
    opd_id: str
    work_unit_id: str | None
    infrastructure_score: int
    connectivity_score: int
    note: str
    assessed_on: date
    assessed_by: str
    recorded_at: datetime
    event_id: str

    @property
    def key(self) -> AssessmentKey:
        return (self.opd_id, self.work_unit_id)

    def order(self) -> tuple[date, datetime, str]:
        """What decides which of two assessments of the same OPD or unit counts."""
        return (self.assessed_on, self.recorded_at, self.event_id)

    def as_json(self) -> dict[str, Any]:
        """The answer's form of the assessment."""
        return {
            "assessment_id": self.assessment_id,
            "work_unit_id": self.work_unit_id,
            "infrastructure_score": self.infrastructure_score,
            "connectivity_score": self.connectivity_score,
            "note": self.note,
            "assessed_on": self.assessed_on.isoformat(),
            "assessed_by": self.assessed_by,
            "recorded_at": self.recorded_at.isoformat(),
        }


def newer(candidate: Assessment, current: Assessment | None) -> bool:
    """Whether ``candidate`` replaces ``current`` as the assessment that counts."""
    return current is None or candidate.order() > current.order()


def latest_assessments(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The assessment that counts per OPD and unit: the whole OPD first, then units by id."""
    latest: dict[AssessmentKey, Assessment] = {}
    for assessment in assessments:
        if newer(assessment, latest.get(assessment.key)):
            latest[assessment.key] = assessment
    return sorted(
        latest.values(), key=lambda a: (a.opd_id, a.work_unit_id is not None, a.work_unit_id or "")
    )
