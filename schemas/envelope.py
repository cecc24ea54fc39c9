"""The envelope every event travels in: identity, provenance and the versioned payload."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from ulid import ULID

from schemas.events import EventPayload, Nip, event_class
from schemas.ids import new_ulid
from schemas.limits import (
    IDENTIFIER_MAX_CHARS,
    ONE_LINE_PATTERN,
    Counter,
    Identifier,
    Instant,
)
from schemas.upcasting import upcast

__all__ = ["ACTOR_PATTERN", "ULID_PATTERN", "Envelope", "decode_payload", "new_event", "new_ulid"]

ACTOR_PATTERN = r"^([0-9]{18}|system:[A-Za-z0-9][A-Za-z0-9._:-]*)$"
"""An actor is either an 18-digit NIP or a system id such as ``system:roster-import``."""

ULID_PATTERN = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$"
"""Canonical ULID text: 26 upper-case Crockford base32 characters (first one 0-7)."""


_CANONICAL_ULID = re.compile(ULID_PATTERN)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """One event as published on Kafka: metadata plus the payload at `schema_version`.

    The same shape is used on every topic. `type` and `schema_version` say how to read
    `payload`. Producers always write the current version of the event; readers bring older
    stored versions forward with the upcasters of the contract before reading the payload.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Annotated[
        str, StringConstraints(min_length=26, max_length=26, pattern=ULID_PATTERN)
    ] = Field(
        default_factory=new_ulid,
        description=(
            "Unique id of the event: a ULID (26 upper-case Crockford base32 characters) whose "
            "lexical order is the order of creation. Consumers use it to deduplicate."
        ),
    )
    type: Annotated[
        str, StringConstraints(max_length=IDENTIFIER_MAX_CHARS, pattern=r"^[A-Z][A-Za-z0-9]*$")
    ] = Field(description='Event type name, the payload class name, e.g. "WfaRequested".')
    schema_version: Counter = Field(description="Version of the payload shape, starting at 1.")
    occurred_at: Instant = Field(
        description="When the fact happened in the world, with UTC offset."
    )
    recorded_at: Instant = Field(
        default_factory=_utc_now,
        description="When the platform recorded the event, with UTC offset.",
    )
    actor: Annotated[
        str, StringConstraints(max_length=IDENTIFIER_MAX_CHARS, pattern=ACTOR_PATTERN)
    ] = Field(
        description=(
            "Who caused the event: the NIP of a person, or a system id such as "
            '"system:roster-import".'
        )
    )
    subject: Nip = Field(
        description="NIP of the employee the event is about; also the Kafka partition key."
    )
    opd_id: Identifier = Field(
        description="Id of the OPD (regional agency) the subject belonged to when it happened."
    )
    correlation_id: Identifier = Field(
        default_factory=new_ulid,
        description="Id shared by every event of one flow (e.g. a request and its approval).",
    )
    causation_id: (
        Annotated[str, StringConstraints(max_length=IDENTIFIER_MAX_CHARS, pattern=ONE_LINE_PATTERN)]
        | None
    ) = Field(
        default=None,
        description="event_id of the event, or id of the request, that caused it; null if none.",
    )
    payload: dict[str, Any] = Field(
        description=(
            "The event body as JSON, at `schema_version`; its schema, and with it every bound "
            "of its fields, depends on `type`."
        )
    )

    @field_validator("event_id", mode="before")
    @classmethod
    def _canonical_ulid(cls, value: object) -> object:
        """Accept any valid ULID spelling (ULIDs are case-insensitive) in canonical form."""
        if not isinstance(value, str) or _CANONICAL_ULID.fullmatch(value):
            return value  # canonical already (or not text: the type check reports it)
        try:
            return str(ULID.from_str(value))
        except ValueError:
            return value  # the pattern check reports it


def new_event(
    payload: EventPayload,
    *,
    actor: str,
    subject: str,
    opd_id: str,
    occurred_at: datetime | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
) -> Envelope:
    """Wrap a payload in a new envelope at the payload's current version.

    ``occurred_at`` and ``recorded_at`` default to now (UTC); ``event_id`` and
    ``correlation_id`` default to new ULIDs. Pass the ``correlation_id`` of the triggering
    event (and its ``event_id`` as ``causation_id``) to keep a flow traceable.
    """
    recorded_at = _utc_now()
    fields: dict[str, Any] = {
        "type": payload.event_type,
        "schema_version": payload.class_version,
        "occurred_at": occurred_at if occurred_at is not None else recorded_at,
        "recorded_at": recorded_at,
        "actor": actor,
        "subject": subject,
        "opd_id": opd_id,
        "causation_id": causation_id,
        "payload": payload.model_dump(mode="json"),
    }
    if event_id is not None:
        fields["event_id"] = event_id
    if correlation_id is not None:
        fields["correlation_id"] = correlation_id
    return Envelope.model_validate(fields)


def decode_payload(envelope: Envelope) -> EventPayload:
    """Return the envelope's payload as its typed event class, at the current version.

    An envelope at an older ``schema_version`` is upcast first. Raises
    :class:`~schemas.exceptions.UnknownEventType` for an unknown ``type``,
    :class:`~schemas.exceptions.UpcastError` if the version cannot be brought forward, and
    :class:`pydantic.ValidationError` if the payload does not fit the event class.
    """
    cls = event_class(envelope.type)
    _, payload = upcast(envelope.type, envelope.schema_version, envelope.payload)
    return cls.model_validate(payload)
