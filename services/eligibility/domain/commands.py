"""Commands to the decider, and the internal topic they travel on.

The HTTP edge never decides. It validates a request, turns it into a command and sends it to
``<group>.commands.v1`` (``wfa-eligibility.commands.v1`` by default) keyed by WORK UNIT: Kafka
keeps one unit's commands in one partition, so the single decider instance that owns the
partition decides them one after another, and the weekly cap and the unit's share hold however
many instances take requests.
Commands are internal to eligibility (not part of the public event contract); their outcomes
are the public events on ``wfa.requests.v1``. Their fields carry the contract's bounds, so a
command that decodes always fits the events it becomes; a record that does not decode may
still name the command and its request (:func:`head_of`), so its refusal can be recorded.

A submission carries no precise point: the edge publishes the declared place on the restricted
locations topic first (``WfaLocationDeclared``) and the command names it with the coarse cell
(:class:`~schemas.events.SharedPlace`), so the commands topic keeps no position either. A
submission recorded before that (with a precise ``location``) is read as its place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from schemas import MalformedEvent
from schemas.events import GeoPoint, Nip, SharedPlace, WorkTarget
from schemas.limits import (
    MAX_REQUEST_DAYS,
    MAX_WORK_TARGETS,
    ContractDate,
    Identifier,
    LongText,
    NonBlankLongText,
)
from schemas.topics import TopicSpec


def commands_topic(name: str) -> TopicSpec:
    """The commands topic of a decider group (``<group>.commands.v1``)."""
    return TopicSpec(
        name=name,
        description="Eligibility's internal commands (submit, approve, reject, cancel).",
        key="<opd id>/<work unit id> (UTF-8): one unit's commands are decided one after another",
    )


_CONFIG = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class CommandHead(BaseModel):
    """What names a command and the request it is about: enough to record its refusal."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["submit", "approve", "reject", "cancel"]
    command_id: Identifier = Field(description="ULID of the command; causation of its outcome.")
    correlation_id: Identifier = Field(description="Flow id shared with the outcome events.")
    request_id: Identifier
    work_unit_id: Identifier = Field(description="Partition key: the requester's work unit.")
    nip: Nip = Field(description="The requester.")
    opd_id: Identifier


class _Command(CommandHead):
    model_config = _CONFIG

    actor: Nip = Field(description="Who issued the command.")
    issued_at: datetime


class SubmitRequest(_Command):
    kind: Literal["submit"] = "submit"
    dates: tuple[ContractDate, ...] = Field(min_length=1, max_length=MAX_REQUEST_DAYS)
    place: SharedPlace
    reason: NonBlankLongText
    work_plan: tuple[WorkTarget, ...] = Field(min_length=1, max_length=MAX_WORK_TARGETS)

    @model_validator(mode="before")
    @classmethod
    def _legacy_location(cls, data: Any) -> Any:
        """A submission sent with the precise ``location``: only its coarse cell is kept."""
        if isinstance(data, dict) and "location" in data and "place" not in data:
            data = dict(data)
            data["place"] = SharedPlace.of(GeoPoint.model_validate(data.pop("location")))
        return data


class ActOnRequest(_Command):
    kind: Literal["approve", "reject", "cancel"]
    reason: LongText = ""


Command = Annotated[SubmitRequest | ActOnRequest, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[SubmitRequest | ActOnRequest] = TypeAdapter(Command)


def encode(command: SubmitRequest | ActOnRequest) -> tuple[bytes, bytes]:
    """(key, value) of the Kafka record carrying ``command``."""
    return f"{command.opd_id}/{command.work_unit_id}".encode(), command.model_dump_json().encode()


def decode(value: bytes | None) -> SubmitRequest | ActOnRequest:
    """The command in a record value; raises :class:`MalformedEvent` with the reason."""
    if not value:
        raise MalformedEvent("empty command record")
    try:
        return _ADAPTER.validate_json(value)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid eligibility command: {exc}") from exc


def head_of(value: bytes | None) -> CommandHead | None:
    """The command and request a record names, even if the rest of it is invalid (None: not
    even that can be read)."""
    if not value:
        return None
    try:
        return CommandHead.model_validate_json(value)
    except ValidationError:
        return None
