"""What is asked of time travel: the instant, and how much history one answer may fold."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from kernel.working_time import UTC_OFFSET_HOURS
from schemas.limits import EARLIEST_DATE, EARLIEST_INSTANT, LATEST_DATE, LATEST_INSTANT

__all__ = [
    "MAX_EVENTS",
    "OPD_MAX_EVENTS",
    "HistoryTooLarge",
    "InvalidInstant",
    "check_history_size",
    "local_day",
    "parse_as_of",
]


MAX_EVENTS = 200_000
"""The most events one employee's time-travel answer folds; a longer history is refused,
never cut."""

OPD_MAX_EVENTS = 100_000_000
"""The most events an OPD's answer folds in all (a DKI OPD's year is about 3.4 million): an
OPD's state is folded forward from its latest snapshot (:mod:`.snapshot`), so only the events
after the snapshot are read for one answer."""


class InvalidInstant(ValueError):
    """``at`` is not an ISO 8601 instant with a UTC offset."""

    def __init__(self, text: str, naive: bool) -> None:
        super().__init__(text)
        self.text = text
        self.naive = naive
        """True when the text is a valid timestamp without an offset (ambiguous)."""


# a "+" left unencoded in a query string arrives as a space: "...T10:00:00 07:00"
_SPACE_FOR_PLUS = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$"
)


def local_day(instant: datetime, zone: object) -> date:
    """The day ``instant`` falls on in ``zone`` (WIB, WITA or WIT; WIB otherwise: a policy
    without one is in WIB)."""
    hours = UTC_OFFSET_HOURS.get(zone if isinstance(zone, str) else "WIB", UTC_OFFSET_HOURS["WIB"])
    return (instant.astimezone(UTC) + timedelta(hours=hours)).date()


def parse_as_of(text: str | None, now: datetime) -> datetime:
    """The instant ``text`` names (ISO 8601 with ``Z`` or an offset); ``now`` when absent.

    A timestamp without an offset is refused: the same wall-clock time is three different
    instants in WIB, WITA and WIT. So is one outside the contract's range (1900 to 2100).
    """
    if text is None or not text.strip():
        return now
    cleaned = text.strip()
    match = _SPACE_FOR_PLUS.match(cleaned)
    if match:
        cleaned = f"{match.group(1)}+{match.group(2)}"
    try:
        instant = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInstant(text, naive=False) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInstant(text, naive=True)
    if not (EARLIEST_INSTANT <= instant <= LATEST_INSTANT) or not (
        EARLIEST_DATE <= instant.date() <= LATEST_DATE
    ):
        raise InvalidInstant(text, naive=False)
    return instant


class HistoryTooLarge(ValueError):
    """The history to fold holds more events than one answer may fold."""

    def __init__(self, events: int, limit: int) -> None:
        super().__init__(f"{events} events; at most {limit}")
        self.events = events
        self.limit = limit


def check_history_size(events: int, limit: int = MAX_EVENTS) -> None:
    """Refuse (:class:`HistoryTooLarge`) a history longer than ``limit`` events."""
    if events > limit:
        raise HistoryTooLarge(events, limit)
