"""Disciplinary sanctions as they stood: imposed, lifted, in force on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.events import (
    DisciplinarySanctionImposed,
    DisciplinarySanctionLifted,
    EventPayload,
)
from services.audit.domain.time_travel.history import day_iso

__all__ = ["Sanction", "fold_sanction"]


@dataclass
class Sanction:
    sanction_id: str
    nip: str
    level: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    basis: str | None = None
    lifted_on: date | None = None
    lift_reason: str | None = None

    def status(self, day: date) -> str:
        """scheduled, in_force, ended or lifted on ``day``."""
        if self.lifted_on is not None and self.lifted_on <= day:
            return "lifted"
        if self.starts_on is None:
            return "unknown"  # lifted before its imposition was archived
        if self.starts_on > day:
            return "scheduled"
        if self.ends_on is not None and self.ends_on < day:
            return "ended"
        return "in_force"

    def view(self, day: date) -> dict[str, Any]:
        return {
            "sanction_id": self.sanction_id,
            "level": self.level,
            "starts_on": day_iso(self.starts_on),
            "ends_on": day_iso(self.ends_on),
            "basis": self.basis,
            "lifted_on": day_iso(self.lifted_on),
            "lift_reason": self.lift_reason,
            "status": self.status(day),
        }


def fold_sanction(sanctions: dict[str, Sanction], payload: EventPayload) -> bool:
    if isinstance(payload, DisciplinarySanctionImposed):
        sanction = sanctions.setdefault(
            payload.sanction_id, Sanction(payload.sanction_id, payload.nip)
        )
        sanction.level = payload.level
        sanction.starts_on = payload.starts_on
        sanction.ends_on = payload.ends_on
        sanction.basis = payload.basis
        return True
    if isinstance(payload, DisciplinarySanctionLifted):
        sanction = sanctions.setdefault(
            payload.sanction_id, Sanction(payload.sanction_id, payload.nip)
        )
        sanction.lifted_on = payload.lifted_on
        sanction.lift_reason = payload.reason
        return True
    return False
