"""What the detector found: one anomaly, its deterministic id, and its contract event.

A finding is plain data. Its id is derived from what it is about (schemas.ids.derived_ulid):

* once-a-day kinds (static, shared, late, missing check-out): ``kind|nip|work_date``, at the
  start of the work day (UTC midnight of work_date), whichever signal revealed it;
* per-signal kinds (mock location, impossible travel, sequence tampering):
  ``kind|nip|work_date|source_event_id``, at the time of that signal.

So a detector that processes the same signals again, after a crash or on a new consumer group,
publishes the same event ids, and consumers keep each anomaly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from schemas.events import AnomalyKind, AttendanceAnomalyDetected
from schemas.ids import derived_ulid

Scalar = str | int | float | bool | None

ONCE_A_DAY: frozenset[str] = frozenset(
    {"static_coordinates", "shared_coordinates", "late_check_in", "missing_check_out"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One anomaly about one employee's work day, ready to be published."""

    kind: AnomalyKind
    nip: str
    opd_id: str
    work_date: date
    at: datetime
    """When the signal that revealed it happened."""
    evidence: dict[str, Scalar]
    thresholds: dict[str, Scalar]
    message_id: str
    message_en: str
    signal_id: str | None = None
    """The revealing event, for per-signal kinds (part of the id)."""
    source_event_ids: tuple[str, ...] = field(default=())

    @property
    def seed(self) -> str:
        base = f"{self.kind}|{self.nip}|{self.work_date.isoformat()}"
        if self.kind in ONCE_A_DAY or self.signal_id is None:
            return base
        return f"{base}|{self.signal_id}"

    @property
    def anomaly_id(self) -> str:
        if self.kind in ONCE_A_DAY or self.signal_id is None:
            at = datetime.combine(self.work_date, time(0, 0), tzinfo=UTC)
        else:
            at = self.at
        return derived_ulid(self.seed, int(at.timestamp() * 1000))

    def payload(self) -> AttendanceAnomalyDetected:
        return AttendanceAnomalyDetected(
            anomaly_id=self.anomaly_id,
            nip=self.nip,
            kind=self.kind,
            work_date=self.work_date,
            at=self.at,
            detected_by="stream",
            evidence=dict(self.evidence),
            thresholds=dict(self.thresholds),
            source_event_ids=list(self.source_event_ids)[:50],
            message_id=self.message_id,
            message_en=self.message_en,
        )


def at_ms(at: datetime) -> int:
    """Milliseconds since the epoch of an aware instant."""
    return int(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
