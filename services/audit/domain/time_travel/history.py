"""The fold every time-travel state shares: the ``as_of`` cut, deduplication and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from schemas.events import (
    EventPayload,
)
from schemas.serialization import DecodedEvent
from services.audit.domain.time_travel.asked import MAX_EVENTS, check_history_size

__all__ = ["History", "day_iso", "iso", "utc_ms"]


def utc_ms(instant: datetime) -> datetime:
    """``instant`` in UTC, to the millisecond (the archive's precision)."""
    utc = instant.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def day_iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class History:
    """Counts, deduplication and the ``as_of`` cut that every fold shares."""

    as_of: datetime
    limit: int = MAX_EVENTS
    applied: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    not_folded: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    undecodable: int = 0
    last: DecodedEvent | None = None
    restored_last: dict[str, Any] | None = None
    """The last event applied, as :meth:`_summary` shows it, when the state was restored
    from a snapshot and nothing was applied since."""
    _seen: set[str] = field(default_factory=set)
    _cut: datetime = field(init=False)

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must carry a UTC offset")
        self._cut = utc_ms(self.as_of)

    @property
    def as_of_day(self) -> date:
        """The day ``as_of`` falls on, in its own offset."""
        return self.as_of.date()

    def add(self, event: DecodedEvent) -> bool:
        """Apply ``event`` if it belongs to this history; True when it was applied."""
        envelope = event.envelope
        if utc_ms(envelope.recorded_at) > self._cut or not self._concerns(event):
            return False
        if envelope.event_id in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(envelope.event_id)
        self.applied += 1
        check_history_size(self.applied, self.limit)
        self.by_type[envelope.type] += 1
        self.last = event
        if not self._fold(event.payload, event):
            self.not_folded[envelope.type] += 1
        return True

    def mark_seen(self, event_id: str) -> None:
        """An event applied before this fold began (restored from a snapshot): a later copy
        of it is a duplicate."""
        self._seen.add(event_id)

    def add_undecodable(self) -> None:
        """Count an archived record that can no longer be decoded (it cannot be folded)."""
        self.undecodable += 1

    def _concerns(self, event: DecodedEvent) -> bool:
        raise NotImplementedError

    def _fold(self, payload: EventPayload, event: DecodedEvent) -> bool:
        """Change the state by ``payload``; False when its type does not change the state."""
        raise NotImplementedError

    def _summary(self) -> dict[str, Any]:
        last = self.last
        last_event = (
            self.restored_last
            if last is None
            else {
                "event_id": last.envelope.event_id,
                "type": last.envelope.type,
                "recorded_at": last.envelope.recorded_at.isoformat(),
            }
        )
        return {
            "as_of": self.as_of.isoformat(),
            "events_applied": self.applied,
            "events_by_type": dict(sorted(self.by_type.items())),
            "not_folded": dict(sorted(self.not_folded.items())),
            "duplicates_skipped": self.duplicates,
            "undecodable": self.undecodable,
            "last_event": last_event,
        }
