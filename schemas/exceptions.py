"""Errors raised by the event contract.

Every error a consumer has to handle when reading events from Kafka is funnelled into
:class:`MalformedEvent` by :mod:`schemas.serialization`; the other two errors are raised by the
lower-level registry and upcasting helpers and carry structured attributes for callers that use
those helpers directly.
"""

from __future__ import annotations


class MalformedEvent(ValueError):
    """A record value (or an envelope about to be produced) breaks the event contract.

    ``reason`` is a short, human-readable English explanation, suitable for logs and for the
    ``dlq_reason`` header of a dead-letter record, for example
    ``"payload invalid for WfaRequested v3: dates: List should have at least 1 item"``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownEventType(LookupError):
    """The event type name is not part of this build's contract (see ``EVENT_TYPES``)."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class UpcastError(ValueError):
    """A stored payload cannot be brought to the current version of its event class.

    Raised when the stored version is below 1 or newer than this build knows, when an upcaster
    in the chain is missing, or when an upcaster fails because the old payload lacks a field
    it needs.
    """

    def __init__(self, event_type: str, version: int, reason: str) -> None:
        super().__init__(f"cannot upcast {event_type} v{version}: {reason}")
        self.event_type = event_type
        self.version = version
        self.reason = reason
